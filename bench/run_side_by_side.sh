#!/usr/bin/env bash
# The full side-by-side benchmark in one command: builds what it needs (the
# default preset, build/), waits (bounded) for a quiet machine, runs every
# arm interleaved over repetitions and writes bench/results/side_by_side.{md,json}
# (and a dated copy). Extra arguments go to meshup_bench_side_by_side, e.g.
#   bench/run_side_by_side.sh --repetitions 10 --duration 3s
# MESHUP_BENCH_MAX_LOAD (default 0.7): the 1-minute load average to wait for;
# MESHUP_BENCH_WAIT (default 600 s): how long to wait for it before running anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/CMakeCache.txt ]; then
  cmake --preset default
fi
cmake --build build -j "$(nproc)" --target meshup_bench_side_by_side
max_load=${MESHUP_BENCH_MAX_LOAD:-0.7}
deadline=$(( $(date +%s) + ${MESHUP_BENCH_WAIT:-600} ))
while awk -v max="$max_load" '{exit !($1 > max)}' /proc/loadavg; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "load is still $(cut -d' ' -f1-3 /proc/loadavg); running anyway (the results record it)" >&2
    break
  fi
  echo "waiting for the 1-minute load ($(cut -d' ' -f1 /proc/loadavg)) to fall below $max_load" >&2
  sleep 15
done
exec build/bench/meshup_bench_side_by_side --out bench/results "$@"
