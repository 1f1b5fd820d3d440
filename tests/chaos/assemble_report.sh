#!/usr/bin/env bash
# Prints tests/chaos/REPORT.md from a run's rows: the scenarios' table
# (*.row) and the hostile-callers section (*.hostile, one row per attack).
# Usage: assemble_report.sh RESULTS_DIR MODE SECONDS [COMMAND]
set -euo pipefail
results=$1 mode=$2 seconds=$3 command=${4:-tests/chaos/run_chaos.sh}
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

Latest run: $(date -u +"%Y-%m-%d %H:%M UTC"), \`$command\`, $mode, ${seconds} s in
all, on $(nproc) cores ($(uname -sr)), load average (1, 5, 15 min) at the
end $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown).

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

cat <<HOSTILE

## Hostile callers

Scenario 9 (\`tests/chaos/hostile_callers_test.cc\`, same run): one replica
(\`meshup_test_server\`, mTLS STRICT, fresh for each attack) serving 500
Echo calls/s of legitimate load (open loop, through the client Mesh) while
one caller attacks it. Memory (VmRSS, MiB) and threads of the replica:
before the attack (under the legitimate load), at the peak (sampled every
10 ms from the attack's start until the end of the settling) and after (once within the bounds and steady over
250 ms, at most 5 s: "settled in"). Legitimate calls: those meant to start
during the attack, latency from their intended start. Each bound is
asserted by the test; the load average is the machine's when the attack
began (other work shares its cores). Row 0 is the reference: the same load,
no attack.

Rows 4, 4b, 5 and 5b do not hold reliably on Debian's gRPC 1.51: it
enforces MAX_CONCURRENT_STREAMS only once the caller has acknowledged the
server's SETTINGS, and it has no defence against rapid reset (HEADERS +
RST_STREAM floods); no server option makes up for either. Their tests are
left out of ctest (\`DISABLED_\`), and this script runs them for these rows.

| # | attack | sent, and what came back | RSS MiB before / peak / after | threads before / peak / after | settled in | legitimate p99; failed | bounds | load avg | result |
|---|---|---|---|---|---:|---|---|---|---|
HOSTILE
attacks=("$results"/*.hostile)
if [ ${#attacks[@]} -eq 0 ]; then
  echo "| - | no attack ran | | | | | | | | |"
else
  printf "%s\n" "${attacks[@]}" | LC_ALL=C sort | xargs cat
fi
