#!/usr/bin/env bash
# Prints tests/chaos/REPORT.md from a run's rows.
# Usage: assemble_report.sh RESULTS_DIR MODE SECONDS
set -euo pipefail
results=$1 mode=$2 seconds=$3
cat <<HEADER
# Chaos report

Faults under load against the \`everything\` test service: three replicas
(\`meshup_test_server\` processes, mTLS STRICT) and an in-process client
Mesh, all on loopback, load from the project's load generator
(\`bench/loadgen\`, open loop). Each scenario is a test in
\`tests/chaos/\` (\`ctest -L chaos\`); \`tests/chaos/run_chaos.sh\` runs them
and writes this file. "Calls" counts every call a scenario made; where a
scenario expects an error (6, 7), "succeeded" means the call ended with the
expected error, on time, and "failed" anything else.

Latest run: $(date -u +"%Y-%m-%d %H:%M UTC"), $mode, ${seconds} s in all, on
$(nproc) cores ($(uname -sr)), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown).

| # | scenario | calls | succeeded | failed | success | result | took | what held |
|---|---|---:|---:|---:|---:|---|---:|---|
HEADER
shopt -s nullglob
rows=("$results"/*.row)
if [ ${#rows[@]} -eq 0 ]; then
  echo "| - | no scenario ran | | | | | | | |"
else
  printf "%s\n" "${rows[@]}" | LC_ALL=C sort | xargs cat
fi
