#!/usr/bin/env bash
# The second command of the README: installs what is missing, builds, and
# runs every test (the libFuzzer targets for a few seconds each, when clang
# is installed); then builds again with AddressSanitizer and
# UndefinedBehaviorSanitizer, and with ThreadSanitizer, and runs the tests
# under each (scripts/sanitizers.sh). MESHUP_SKIP_SANITIZERS=1 skips both
# sanitizer passes (for a quick local run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-npm-deps.sh  # the schemas the manifest tests validate against
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 900
if [ "${MESHUP_SKIP_SANITIZERS:-0}" != "1" ]; then
  scripts/sanitizers.sh asan
  scripts/sanitizers.sh tsan
fi
