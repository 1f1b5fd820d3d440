#!/usr/bin/env bash
# Instructions per call of one process of a benchmark arm, counted by
# callgrind. Unlike time, the count does not move with the machine, so it
# compares what the arms' code does per call where the timed run cannot
# resolve a few microseconds.
#
#   bench/callgrind_per_call.sh ARM SIDE [RATE] [SECONDS]
#
# ARM is grpc, grpc-tls, grpc-tls-provider, mesh-plaintext or mesh-mtls (as
# in meshup_bench_side_by_side). The arm runs two echo servers and its load
# generator; SIDE says which process callgrind counts: `server` (the first
# server) or `client` (the load generator). The load is RATE calls/s
# (default 300; callgrind slows the counted process some 50 times), 5 s of
# warm-up, then SECONDS (default 8) counted. Prints the process's
# instructions per call, then its MeshUp functions' (inclusive, per call).
# Needs valgrind (Debian package valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: $0 grpc|grpc-tls|grpc-tls-provider|mesh-plaintext|mesh-mtls server|client [RATE] [SECONDS]"
arm=${1:-}
side=${2:-}
rate=${3:-300}
seconds=${4:-8}
case $arm in grpc | grpc-tls | grpc-tls-provider | mesh-plaintext | mesh-mtls) ;;
  *) echo "$0: unknown arm '$arm'; $usage" >&2; exit 2 ;;
esac
case $side in server | client) ;;
  *) echo "$0: SIDE is server or client, not '$side'; $usage" >&2; exit 2 ;;
esac
if ! [[ $rate =~ ^[1-9][0-9]*$ && $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "$0: RATE and SECONDS are whole numbers above 0, not '$rate' and '$seconds'; $usage" >&2
  exit 2
fi
if ! command -v valgrind >/dev/null || ! command -v callgrind_control >/dev/null; then
  echo "$0: needs valgrind's callgrind (apt-get install valgrind)" >&2
  exit 2
fi
if [ ! -f build/CMakeCache.txt ]; then
  cmake --preset default
fi
cmake --build build -j "$(nproc)" --target meshup_bench_side_by_side >/dev/null
bin=build/bench

work=$(mktemp -d /tmp/meshup-callgrind-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$bin/meshup_bench_side_by_side" --prepare "$work" >/dev/null
out=$work/callgrind.out
counted=(valgrind --tool=callgrind --callgrind-out-file="$out" --dump-instr=no)

# Waits up to $2 seconds for a line starting with $3 in file $1, written by
# process $4, which must stay alive meanwhile.
wait_for_line() {
  for _ in $(seq $(($2 * 10))); do
    if grep -q "^$3" "$1"; then return 0; fi
    if ! kill -0 "$4" 2>/dev/null; then
      if grep -q "^$3" "$1"; then return 0; fi  # written just before it ended
      break
    fi
    sleep 0.1
  done
  echo "$0: no '$3' in $1 within $2 s, or its process ended:" >&2
  cat "$1" >&2
  exit 1
}

# Tells callgrind in process $2 to $1 (zero or dump its counters).
callgrind() {
  local said
  if ! said=$(callgrind_control "-${1:0:1}" "$2" 2>&1); then
    echo "$0: callgrind_control could not $1 process $2: $said" >&2
    exit 1
  fi
}

# Starts an echo server, under callgrind when $1 is 1; sets `port`.
start_server() {
  local under_callgrind=$1
  shift
  local log=$work/server-${#pids[@]}.log
  if [ "$under_callgrind" = 1 ]; then
    "${counted[@]}" "$bin/meshup_bench_echo_server" "$@" >"$log" 2>"$log.valgrind" &
  else
    "$bin/meshup_bench_echo_server" "$@" >"$log" 2>&1 &
  fi
  pids+=($!)
  wait_for_line "$log" 120 "port " "$!"
  port=$(grep "^port " "$log" | cut -d' ' -f2)
}

first_counted=0
[ "$side" = server ] && first_counted=1
if [[ $arm == mesh-* ]]; then
  config=$work/config-mtls
  server_identity=(--identity-dir "$work/id-echo")
  client_identity=(--identity-dir "$work/id-client")
  if [ "$arm" = mesh-plaintext ]; then
    config=$work/config-plaintext
    server_identity=()
    client_identity=()
  fi
  mkdir -p "$work/registry"
  start_server "$first_counted" --mode mesh --service echo --version v1 --config-dir "$config" \
    --registry-dir "$work/registry" "${server_identity[@]}"
  start_server 0 --mode mesh --service echo --version v2 --config-dir "$config" \
    --registry-dir "$work/registry" "${server_identity[@]}"
  client=(--mode mesh --target echo --config-dir "$config" --registry-dir "$work/registry"
    "${client_identity[@]}")
  handler="MeshEchoService::Echo("
else
  start_server "$first_counted" --mode "$arm" --port 0 --tls-dir "$work/localhost"
  targets=127.0.0.1:$port
  start_server 0 --mode "$arm" --port 0 --tls-dir "$work/localhost"
  targets=$targets,127.0.0.1:$port
  client=(--mode "$arm" --target "$targets" --tls-dir "$work/localhost")
  handler="PlainEchoService::Echo("
fi

log=$work/client.log
load=(--rate "$rate" --concurrency 8 --warmup 5s --duration "${seconds}s" --announce)
if [ "$side" = client ]; then
  "${counted[@]}" "$bin/meshup_loadgen" "${client[@]}" "${load[@]}" >"$log" 2>&1 &
  pids+=($!)
  profiled=$!
  # What the load generator runs once per call: the function that issues it
  # (not the completion callbacks nested in it).
  per_call="_Function_handler<void (meshup::bench::Done), main::{lambda(meshup::bench::Done)"
  per_call_also="_M_invoke("
else
  "$bin/meshup_loadgen" "${client[@]}" "${load[@]}" >"$log" 2>&1 &
  pids+=($!)
  profiled=${pids[0]}
  per_call=$handler
  per_call_also=$handler
fi
loadgen=${pids[-1]}
wait_for_line "$log" 120 "measure-start" "$loadgen"
callgrind zero "$profiled"
wait_for_line "$log" $((seconds + 120)) "measure-end" "$loadgen"
callgrind dump "$profiled"
wait_for_line "$log" 60 "result" "$loadgen"
if ! grep "^result" "$log" | grep -q '"failed":0'; then
  echo "$0: calls failed:" >&2
  cat "$log" >&2
  exit 1
fi
for _ in $(seq 100); do [ -s "$out.1" ] && break; sleep 0.1; done

# Instructions of the counted window, and how often the per-call function ran.
read -r total calls < <(awk -v want="$per_call" -v also="$per_call_also" '
  /^c?fn=\(/ {
    kind = substr($0, 1, index($0, "=") - 1)
    rest = substr($0, index($0, "(") + 1)
    id = substr(rest, 1, index(rest, ")") - 1)
    name = substr(rest, index(rest, ")") + 2)
    if (name != "") names[id] = name
    if (kind == "cfn") callee = names[id]
    next
  }
  /^calls=/ {
    if (index(callee, want) && index(callee, also)) { split(substr($0, 7), n, " "); calls += n[1] }
  }
  /^(summary|totals):/ { total = $2 }
  END { printf "%.0f %.0f\n", total, calls }' "$out.1")
if [ "$calls" -eq 0 ]; then
  echo "$0: the counted window has no calls" >&2
  exit 1
fi
echo "$arm $side: $calls calls, $((total / calls)) instructions per call (callgrind, ${seconds} s at $rate calls/s)"
[[ $arm == mesh-* ]] || exit 0
echo "MeshUp functions, inclusive instructions per call:"
callgrind_annotate --inclusive=yes --threshold=100 "$out.1" 2>/dev/null |
  grep -E '/runtime/(src|include)/[^:]*:meshup::' |
  awk -v calls="$calls" 'NR <= 12 {
    ir = $1
    gsub(",", "", ir)
    name = $0
    sub(/^.*\/runtime\//, "runtime/", name)  # the file:function, parameters dropped
    if (index(name, "(")) name = substr(name, 1, index(name, "(") - 1)
    printf "%8d  %s\n", ir / calls, name
  }'
