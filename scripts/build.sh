#!/usr/bin/env bash
# Configures (once) and builds MeshUp in build/ with the default preset.
# Usage: scripts/build.sh [--main]
#   --main: only what `meshup up samples/bookinfo` runs (scripts/setup.sh):
#           the `meshup` CLI, the runtime and protoc-gen-meshup it needs, and
#           bookinfo's four binaries. Configures without the tests when
#           build/ is new, so that their packages need not be installed.
#   (none): everything, tests, benchmarks and samples included
#           (scripts/test.sh); turns the tests on in a build/ made by --main.
# Ninja prints its [done/total] progress as it goes.
set -euo pipefail
cd "$(dirname "$0")/.."

main_targets=(meshup_cli bookinfo_details bookinfo_ratings bookinfo_reviews bookinfo_productpage)

case "${1:-}" in
  --main)
    if [ ! -f build/CMakeCache.txt ]; then
      cmake --preset default -DMESHUP_BUILD_TESTS=OFF
    fi
    cmake --build build -j "$(nproc)" --target "${main_targets[@]}"
    ;;
  "")
    if [ ! -f build/CMakeCache.txt ] ||
      ! grep -q '^MESHUP_BUILD_TESTS:BOOL=ON$' build/CMakeCache.txt; then
      cmake --preset default -DMESHUP_BUILD_TESTS=ON
    fi
    cmake --build build -j "$(nproc)"
    ;;
  *) echo "build.sh: unknown argument '$1' (--main or nothing)" >&2; exit 2 ;;
esac
