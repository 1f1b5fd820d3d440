#!/usr/bin/env bash
# Builds MeshUp's libFuzzer targets with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer on) and runs them over their seed corpora.
# Usage: scripts/fuzz.sh [--build-dir DIR] [--seconds N] [--build-only|--no-build] [TARGET...]
#   default: build-fuzz/, 60 seconds each, every target.
#   --build-only builds the targets and runs none; --no-build runs targets
#   built before (the test suite builds once, then runs them side by side).
# New inputs the fuzzer finds go to DIR/corpus/TARGET; a crash leaves its
# input in DIR/artifacts/ and fails the run: copy it into
# tests/fuzz/corpus/TARGET/ as a regression input once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build-fuzz
seconds=60
build=1
run=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --build-only) run=0; shift ;;
    --no-build) build=0; shift ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(config_loader_fuzzer http_request_fuzzer admin_request_fuzzer
  trace_context_fuzzer authorization_fuzzer spiffe_id_fuzzer)

if [ "$build" = 1 ] && [ ! -f "$build_dir/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMESHUP_BUILD_FUZZERS=ON -DMESHUP_BUILD_TESTS=ON -DMESHUP_BUILD_SAMPLES=OFF \
    "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" > "$build_dir.configure.log" 2>&1 || {
    cat "$build_dir.configure.log"; exit 1; }
fi
if [ "$build" = 1 ]; then
  cmake --build "$build_dir" --target "${targets[@]}"
fi
[ "$run" = 1 ] || exit 0

status=0
for target in "${targets[@]}"; do
  seeds=tests/fuzz/corpus/${target%_fuzzer}
  corpus=$build_dir/corpus/$target
  artifacts=$build_dir/artifacts/
  mkdir -p "$corpus" "$artifacts"
  dict=()
  [ -f "tests/fuzz/${target%_fuzzer}.dict" ] && dict=("-dict=tests/fuzz/${target%_fuzzer}.dict")
  echo "fuzzing $target for ${seconds}s (seeds: $seeds)"
  if ! "$build_dir/tests/fuzz/$target" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$artifacts" -print_final_stats=1 "${dict[@]}" \
      "$corpus" "$seeds" > "$build_dir/$target.log" 2>&1; then
    tail -n 60 "$build_dir/$target.log"
    echo "FAIL: $target found a crash; its input is in $artifacts"
    status=1
  else
    grep -E "^stat::number_of_executed_units|^Done" "$build_dir/$target.log" || true
    echo "PASS: $target ran ${seconds}s without a crash"
  fi
done
exit $status
