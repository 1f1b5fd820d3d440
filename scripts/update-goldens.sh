#!/usr/bin/env bash
# Regenerates the golden files of tests/codegen/golden/ from the test protos
# (and tests/codegen/manifests/golden/ from samples/bookinfo/deploy.yaml)
# with the current protoc-gen-meshup and templates. Review `git diff` after.
# Usage: scripts/update-goldens.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
if [ ! -f "$build_dir/CMakeCache.txt" ]; then cmake --preset default > /dev/null; fi
cmake --build "$build_dir" --target meshup_test_protos
generated="$build_dir/tests/generated"
golden=tests/codegen/golden
rm -rf "$golden"
(cd "$generated" && find . -name '*.meshup.h' -o -name '*.meshup.cc') | while read -r file; do
  mkdir -p "$golden/$(dirname "$file")"
  cp "$generated/$file" "$golden/$file"
done
echo "Updated $golden from $generated:"
git status --short "$golden"

# The manifests of `meshup manifests` on bookinfo: tests/codegen/manifests/golden/.
cmake --build "$build_dir" --target manifests_golden_test
MESHUP_UPDATE_GOLDENS=1 "$build_dir/tests/codegen/manifests/manifests_golden_test" > /dev/null
echo "Updated tests/codegen/manifests/golden:"
git status --short tests/codegen/manifests/golden
