#!/usr/bin/env bash
# Search at scale (issue 3 item 9; the queries are in bench/queries.md).
#
# For each population size in SCALES: a fresh Throughcare store, the synthetic population of
# bench/search/population.mjs loaded through transaction Bundles (CONC connections; timed, with
# the server's CPU seconds), bytes on disk per resource, then each clinician query's p50 / p99
# through HTTP (bench/search/latency.mjs) and $everything for the 1,000-resource patient. Then the
# Medplum peer (in memory) at PEER_SCALE, loaded through its own transaction endpoint, same queries.
# Last, bench/search/report.mjs prints the table with targets, growth and peer ratios.
#
#   SCALES="10000 100000"  population sizes (patients; ~103 resources each)
#   PEER_SCALE=10000       0 = no peer
#   CONC=8 REQUESTS=1000 PEER_REQUESTS=10 SEED=42
#   WORK=build/bench-search   data dirs (kept for EXPLAIN QUERY PLAN) and JSON results
#   REUSE=1                reuse a loaded data dir of the same scale (skip the load)
#   BUILD=build/release
# 100,000 patients is ~10.3 M resources: hours of load and tens of GB on disk.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/release}
SCALES=${SCALES-"10000 100000"}  # set but empty: no Throughcare run
PEER_SCALE=${PEER_SCALE:-10000}
CONC=${CONC:-8}
REQUESTS=${REQUESTS:-1000}
PEER_REQUESTS=${PEER_REQUESTS:-10}
SEED=${SEED:-42}
WORK=${WORK:-build/bench-search}
mkdir -p "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start() {  # start NAME CMD... → sets PORT, SERVER_PID
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 600); do
    PORT=$(grep -oE 'listening on http://127.0.0.1:[0-9]+' "$WORK/$name.log" | grep -oE '[0-9]+$' || true)
    [[ -n "$PORT" ]] && return 0
    sleep 0.1
  done
  echo "$name did not start:"; cat "$WORK/$name.log"; exit 1
}
stop() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; PIDS=("${PIDS[@]/$SERVER_PID}"); }
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for N in $SCALES; do
  DATA="$WORK/tc-$N"
  if [[ "${REUSE:-0}" == 1 && -s "$WORK/load-$N.json" && -d "$DATA" ]]; then
    start "tc-$N" "$BUILD/src/server/throughcare" serve --data "$DATA" --port 0 --no-access-control
    echo "throughcare $N patients: reusing $DATA"
  else
    rm -rf "$DATA"
    start "tc-$N" "$BUILD/src/server/throughcare" serve --data "$DATA" --port 0 --no-access-control
    echo "throughcare $N patients: loading ($CONC connections)"
    cpu0=$(cpu_seconds "$SERVER_PID")
    node bench/search/load.mjs "http://127.0.0.1:$PORT/fhir" "$N" "$CONC" "$SEED" >"$WORK/load-$N.tmp"
    cpu1=$(cpu_seconds "$SERVER_PID")
    node -e '
      const [f, cpu, kib] = process.argv.slice(1); const r = JSON.parse(require("fs").readFileSync(f, "utf8"));
      r.server_cpu_s = Number(cpu); r.disk_bytes = Number(kib) * 1024;
      r.bytes_per_resource = Math.round(r.disk_bytes / r.resources);
      require("fs").writeFileSync(f, JSON.stringify(r)); console.log(JSON.stringify(r));' \
      "$WORK/load-$N.tmp" "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')" "$(du -sk "$DATA" | cut -f1)"
    mv "$WORK/load-$N.tmp" "$WORK/load-$N.json"
  fi
  node bench/search/latency.mjs "http://127.0.0.1:$PORT/fhir" "$N" --seed "$SEED" --requests "$REQUESTS" \
    --label "throughcare-$N" --out "$WORK/tc-$N.json"
  stop
done

if [[ "$PEER_SCALE" != 0 ]]; then
  if [[ ! -d bench/peer/node_modules ]]; then (cd bench/peer && npm ci --no-audit --no-fund --loglevel=error); fi
  if (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
    echo "peer skipped: @medplum/fhir-router 4.5.2 needs Node >= 20.19"
  else
    start "peer-$PEER_SCALE" node --max-old-space-size=16384 bench/peer/medplum-server.mjs 0
    echo "medplum peer $PEER_SCALE patients: loading"
    node bench/search/load.mjs "http://127.0.0.1:$PORT/fhir" "$PEER_SCALE" "$CONC" "$SEED" | tee "$WORK/peer-load-$PEER_SCALE.json"
    # The peer scans every resource of the type per query: few requests, or this takes hours.
    node bench/search/latency.mjs "http://127.0.0.1:$PORT/fhir" "$PEER_SCALE" --seed "$SEED" \
      --requests "$PEER_REQUESTS" --warmup 2 --sample 30 --label "medplum-$PEER_SCALE" \
      --out "$WORK/peer-$PEER_SCALE.json" || echo "peer latency run failed"
    stop
  fi
fi

node bench/search/report.mjs "$WORK" $SCALES "$PEER_SCALE"
