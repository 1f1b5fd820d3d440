#!/usr/bin/env bash
# Usage: run_install_test.sh BUILD_DIR PROJECT_SOURCE WORK_DIR
# Installs the build into WORK_DIR/prefix, copies the outside project to
# WORK_DIR/project, builds it against the install and runs it; then changes
# its .proto and checks that the next build regenerates the code.
set -euo pipefail
build_dir=$1 project_src=$2 work=$3

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
cp -r "$project_src" "$work/project"

launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
generator=()
if command -v ninja > /dev/null; then generator=(-G Ninja); fi
cmake -S "$work/project" -B "$work/build" "${generator[@]}" "${launcher[@]}" \
  -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log"
cmake --build "$work/build" -j 2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }
# Serving needs an identity (mTLS is STRICT by default): the installed CLI issues one.
"$work/prefix/bin/meshup" ca init --dir "$work/ca" > /dev/null
"$work/prefix/bin/meshup" ca issue --dir "$work/ca" --service-account hello --out "$work/identity" > /dev/null
MESHUP_IDENTITY_DIR="$work/identity" "$work/build/hello_app"

# A change to the .proto must regenerate the code on the next build.
sed -i 's|^}  // end of service Hello|  rpc SayGoodbye(HelloRequest) returns (HelloReply);\n}  // end of service Hello|' \
  "$work/project/protos/hello/hello.proto"
cmake --build "$work/build" -j 2 > "$work/rebuild.log" || { cat "$work/rebuild.log"; exit 1; }
header=$(find "$work/build" -name hello.meshup.h | head -n 1)
if ! grep -q "SayGoodbye" "$header"; then
  echo "FAIL: $header was not regenerated after hello.proto changed" >&2
  exit 1
fi
echo "PASS: outside project built against the install, ran, and regenerated on change"
