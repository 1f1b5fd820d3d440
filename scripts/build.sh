#!/usr/bin/env bash
# Configures (once) and builds MeshUp in build/ with the default preset.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/CMakeCache.txt ]; then
  cmake --preset default
fi
cmake --build build -j "$(nproc)"
