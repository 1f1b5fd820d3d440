#!/usr/bin/env bash
# The first command of the README: installs what is missing, builds, and runs
# the main job: a generated client calling a generated server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/samples/greeter/greeter_demo
