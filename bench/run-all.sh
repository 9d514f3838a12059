#!/usr/bin/env bash
# make bench: runs, in one go on this machine, the HTTP ceiling (bare Beast ping server),
# Throughcare and the peer (Medplum FhirRouter + MemoryRepository on Node), with wrk -t2 -c64,
# and prints each figure. Results go to stdout; copy them into docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build/release
DURATION=${DURATION:-10s}
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT

start() {  # start NAME CMD... → sets PORT
  local name=$1; shift
  "$@" >"$TMP/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    PORT=$(grep -oE 'listening on http://127.0.0.1:[0-9]+' "$TMP/$name.log" | grep -oE '[0-9]+$' || true)
    [[ -n "$PORT" ]] && return 0
    sleep 0.1
  done
  echo "$name did not start:"; cat "$TMP/$name.log"; exit 1
}

rps() { grep -oE 'Requests/sec:\s+[0-9.]+' | grep -oE '[0-9.]+$'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "wrk -t2 -c64 -d$DURATION"

start ping "$BUILD/bench/tc_http_ping_server" --port 0
PING_PORT=$PORT
ceiling=$(wrk -t2 -c64 -d"$DURATION" "http://127.0.0.1:$PING_PORT/ping" | rps)
echo "ceiling (bare Beast ping): $ceiling req/s"
kill "${PIDS[-1]}"; unset 'PIDS[-1]'

# The engine figures (issue 2) without access control; the same requests with it follow below.
start throughcare "$BUILD/src/server/throughcare" serve --data "$TMP/tc-data" --port 0 --no-access-control
TC=http://127.0.0.1:$PORT/fhir
id=$(curl -s -X POST "$TC/Patient" -H 'Content-Type: application/fhir+json' \
  -d '{"resourceType":"Patient","active":true,"name":[{"family":"Bench"}]}' | grep -oE '"id":"[^"]+"' | head -1 | cut -d'"' -f4)
tc_read=$(wrk -t2 -c64 -d"$DURATION" "$TC/Patient/$id" | rps)
tc_create=$(wrk -t2 -c64 -d"$DURATION" -s bench/load/post_patient.lua "$TC/Patient" | rps)
echo "throughcare GET /Patient/{id}: $tc_read req/s"
echo "throughcare POST /Patient (durable): $tc_create req/s"
node bench/load/ingest.mjs "$TC" 200 100 8 | sed 's/^/throughcare /'
du -sk "$TMP/tc-data" | awk '{print "throughcare data dir: " $1 " KiB"}'
tc_search_open=$(wrk -t2 -c64 -d"$DURATION" "$TC/Patient?_id=$id" | rps)
kill "${PIDS[-1]}"; unset 'PIDS[-1]'; sleep 0.5

# Issue 4: the cost of authentication + policy + audit on the same requests (same data).
start throughcare-ac "$BUILD/src/server/throughcare" serve --data "$TMP/tc-data" --port 0
TC=http://127.0.0.1:$PORT/fhir
TOKEN=$("$BUILD/src/server/throughcare" token --data "$TMP/tc-data" --role system --ttl 1h)
tc_read_ac=$(wrk -t2 -c64 -d"$DURATION" -H "Authorization: Bearer $TOKEN" "$TC/Patient/$id" | rps)
tc_search_ac=$(wrk -t2 -c64 -d"$DURATION" -H "Authorization: Bearer $TOKEN" "$TC/Patient?_id=$id" | rps)
echo "throughcare GET /Patient/{id} with access control + audit: $tc_read_ac req/s (off: $tc_read)"
echo "throughcare GET /Patient?_id= with access control + audit: $tc_search_ac req/s (off: $tc_search_open)"
awk -v a="$tc_read" -v b="$tc_read_ac" -v c="$tc_search_open" -v d="$tc_search_ac" 'BEGIN {
  printf "policy+audit cost (target <= 1.3x): read %.2fx, search %.2fx (time per request, on / off)\n", a/b, c/d }'
kill "${PIDS[-1]}"; unset 'PIDS[-1]'
echo "access control, part by part (ns per operation):"
"$BUILD/bench/tc_access_benchmark" --benchmark_min_time=0.5 2>/dev/null | grep '^BM_' | sed 's/^/  /'

if [[ ! -d bench/peer/node_modules ]]; then (cd bench/peer && npm ci --no-audit --no-fund --loglevel=error); fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if (( node_major < 20 )); then
  echo "peer skipped: @medplum/fhir-router 4.5.2 needs Node >= 20.19 (this machine has $(node --version))"
  bench/fhirpath-compare.sh
  exit 0
fi
start medplum node bench/peer/medplum-server.mjs 0
MP=http://127.0.0.1:$PORT/fhir
mid=$(curl -s -X POST "$MP/Patient" -H 'Content-Type: application/fhir+json' \
  -d '{"resourceType":"Patient","active":true,"name":[{"family":"Bench"}]}' | grep -oE '"id":"[^"]+"' | head -1 | cut -d'"' -f4)
mp_read=$(wrk -t2 -c64 -d"$DURATION" "$MP/Patient/$mid" | rps)
mp_create=$(wrk -t2 -c64 -d"$DURATION" -s bench/load/post_patient.lua "$MP/Patient" | rps)
echo "medplum GET /Patient/{id}: $mp_read req/s"
echo "medplum POST /Patient (in memory): $mp_create req/s"
node bench/load/ingest.mjs "$MP" 200 100 8 | sed 's/^/medplum /' || true

bench/fhirpath-compare.sh

awk -v r="$tc_read" -v c="$ceiling" -v p="$mp_read" -v w="$tc_create" -v q="$mp_create" 'BEGIN {
  printf "read: %.0f%% of ceiling, %.2fx the peer\n", 100*r/c, r/p;
  printf "create: %.2fx the in-memory peer\n", w/q }'
