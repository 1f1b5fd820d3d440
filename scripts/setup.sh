#!/usr/bin/env bash
# The first command of the README: installs what is missing, builds, and runs
# the main job: a generated client calling a generated server over mTLS.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
state=build/greeter-state
build/cli/meshup ca init --dir "$state/ca" --force > /dev/null
build/cli/meshup ca issue --dir "$state/ca" --service-account greeter --out "$state/identity"
MESHUP_IDENTITY_DIR="$state/identity" build/samples/greeter/greeter_demo
