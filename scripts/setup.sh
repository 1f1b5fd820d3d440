#!/usr/bin/env bash
# The first command of the README: installs what is missing, builds, and runs
# the main job: bookinfo on this machine over mTLS, in the foreground, with
# its page at http://127.0.0.1:9080/productpage (Ctrl-C stops it). Arguments
# go to `meshup up` (e.g. --port 9081, --detach).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/cli/meshup up samples/bookinfo "$@"
