#!/usr/bin/env bash
# Usage: run_readme_example_test.sh README BUILD_DIR WORK_DIR
# The README's example must work as printed. Extracts every fenced block
# marked `<!-- test: readme-example/PATH -->` in README into WORK_DIR/PATH,
# installs the build into WORK_DIR/prefix, and runs the marked run.sh in the
# extracted project directory, with the README's install prefix
# (/opt/meshup) replaced by that prefix: it issues the identity, builds the
# project against the install and runs it. Passes when run.sh exits 0 and
# its output ends with the marked expected-output.txt.
set -euo pipefail
readme=$1 build_dir=$2 work=$3
readme_prefix=/opt/meshup

rm -rf "$work"
mkdir -p "$work"

# Each marker names the file the next fenced block goes to.
awk -v out="$work" '
  /^<!-- test: readme-example\/[^ ]+ -->$/ {
    path = $3; sub(/^readme-example\//, "", path); pending = out "/example/" path; next
  }
  /^```/ {
    if (file != "") { close(file); file = ""; next }
    if (pending != "") {
      file = pending; pending = ""
      dir = file; sub(/\/[^\/]*$/, "", dir); system("mkdir -p \"" dir "\"")
      printf "" > file; next
    }
    next
  }
  file != "" { print > file }
' "$readme"

for path in CMakeLists.txt protos/hello/hello.proto main.cc run.sh expected-output.txt; do
  if [ ! -s "$work/example/$path" ]; then
    echo "FAIL: $readme has no block marked <!-- test: readme-example/$path -->" >&2
    exit 1
  fi
done

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
project=$work/example
mv "$project/run.sh" "$work/run.sh"
mv "$project/expected-output.txt" "$work/expected-output.txt"
sed -i "s|$readme_prefix|$work/prefix|g" "$work/run.sh"
# The example's own build, with the compiler cache when there is one.
if command -v ccache > /dev/null; then export CMAKE_CXX_COMPILER_LAUNCHER=ccache; fi
if command -v ninja > /dev/null; then export CMAKE_GENERATOR=Ninja; fi

status=0
(cd "$project" && timeout 600 bash -euo pipefail "$work/run.sh") > "$work/output.txt" \
  2> "$work/stderr.txt" || status=$?
if [ "$status" -ne 0 ]; then
  echo "FAIL: the README's commands exited with $status; stdout:" >&2
  cat "$work/output.txt" >&2
  echo "stderr:" >&2
  cat "$work/stderr.txt" >&2
  exit 1
fi
lines=$(wc -l < "$work/expected-output.txt")
if ! diff <(tail -n "$lines" "$work/output.txt") "$work/expected-output.txt"; then
  echo "FAIL: the example's output (above, <) differs from the README's (>)" >&2
  exit 1
fi
echo "PASS: the README's example built against the install and printed what the README shows"
