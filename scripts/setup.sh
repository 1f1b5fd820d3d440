#!/usr/bin/env bash
# The first command of the README: installs what is missing, builds what the
# main job needs (the `meshup` CLI, the runtime and bookinfo's binaries; no
# tests, benchmarks or fuzzers: scripts/test.sh builds those), and runs the
# main job: bookinfo on this machine over mTLS, in the foreground, with its
# page at http://127.0.0.1:9080/productpage (Ctrl-C stops it). Arguments go
# to `meshup up` (e.g. --port 9081, --detach).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --main
scripts/build.sh --main
exec build/cli/meshup up samples/bookinfo "$@"
