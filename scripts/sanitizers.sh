#!/usr/bin/env bash
# Builds MeshUp with a sanitizer preset and runs the test suite under it.
# Usage: scripts/sanitizers.sh asan|tsan
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer, in build-asan/
#   tsan: ThreadSanitizer, in build-tsan/. Debian's gRPC and Abseil are not
#         built with TSan, so it reports races inside them (and around
#         absl::Mutex) that are not ours; it is not part of the test command.
# The fuzz test is left out: scripts/fuzz.sh runs it with its own sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:?usage: scripts/sanitizers.sh asan|tsan}
case "$preset" in asan|tsan) ;; *) echo "unknown preset '$preset' (asan or tsan)" >&2; exit 2 ;; esac
if [ ! -f "build-$preset/CMakeCache.txt" ]; then
  cmake --preset "$preset" > /dev/null
fi
cmake --build "build-$preset" -j "$(nproc)"
ctest --test-dir "build-$preset" --output-on-failure -j "$(nproc)" --timeout 900 -E '^fuzz_'
