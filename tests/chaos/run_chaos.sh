#!/usr/bin/env bash
# Runs the chaos suite (ctest -L chaos) and writes tests/chaos/REPORT.md
# from the rows its scenarios leave.
#
#   tests/chaos/run_chaos.sh          CI figures: the etcd outage lasts 5 s
#   tests/chaos/run_chaos.sh --full   the issue's figures: the etcd outage lasts 30 s
#
# BUILD_DIR (default: build) is configured if needed; only the suite's
# targets are built. Exits non-zero when a scenario did not hold (the report
# is written anyway, marking it).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build}
mode="CI (etcd outage 5 s)"
if [ "${1:-}" = "--full" ]; then
  export MESHUP_CHAOS_ETCD_OUTAGE_S=30
  mode="full (etcd outage 30 s)"
fi
if [ ! -f "$build/CMakeCache.txt" ]; then cmake --preset default; fi
cmake --build "$build" --target meshup_chaos_test meshup_test_server
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
export MESHUP_CHAOS_RESULTS=$results
start=$(date +%s)
status=0
ctest --test-dir "$build" -L chaos --output-on-failure || status=$?
# The hostile-caller attacks that do not hold on this gRPC (disabled in
# ctest, see hostile_callers_test.cc): run for their rows in the report;
# their failures are the report's to show, not this script's.
"$build/tests/chaos/meshup_chaos_test" --gtest_also_run_disabled_tests \
  --gtest_filter='HostileCallersTest.DISABLED_*' > "$results/disabled.log" 2>&1 || true
seconds=$(( $(date +%s) - start ))
tests/chaos/assemble_report.sh "$results" "$mode" "$seconds" "tests/chaos/run_chaos.sh${*:+ $*}" \
  > tests/chaos/REPORT.md
echo "wrote tests/chaos/REPORT.md (${seconds} s)"
exit "$status"
