#!/usr/bin/env bash
# FHIRPath speed: Throughcare's compiled expressions vs HL7's JavaScript engine (npm `fhirpath`)
# on the same expressions and the spec's patient-example, in one run. Prints both and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
PATIENT=node_modules/hl7.fhir.r4.examples/Patient-example.json
[[ -d bench/peer/node_modules ]] || (cd bench/peer && npm ci --no-audit --no-fund --loglevel=error)
declare -A tc
while read -r name ns; do tc[$name]=$ns; done < <(
  build/release/bench/tc_fhirpath_benchmark --benchmark_min_time=1 --benchmark_filter=BM_Evaluate 2>/dev/null |
  awk '/^BM_Evaluate\// { split($1, a, "/"); print a[2], $2 }')
node bench/peer/fhirpath-js.mjs "$PATIENT" | while read -r _ name ns _; do
  name=${name%:}
  t=${tc[$name]:-}
  [[ -n "$t" ]] || continue
  awk -v n="$name" -v t="$t" -v j="$ns" 'BEGIN { printf "fhirpath %s: throughcare %.0f ns, fhirpath.js %.0f ns, %.1fx faster\n", n, t, j, j/t }'
done
