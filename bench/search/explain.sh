#!/usr/bin/env bash
# EXPLAIN QUERY PLAN and timing, straight on a loaded store (read-only), of the page SELECTs the
# SQLite backend builds for the slow clinician queries ("as built": as
# src/store/sqlite/internal/search_sql.cc wrote them before non-driving criteria became EXISTS
# probes; chains and _has still are), each next to a variant where the criteria that do not drive
# the search are correlated EXISTS probes of the index tables' primary keys (rkey, param, …)
# instead of `c.rkey IN (SELECT rkey …)` lists, which SQLite materialises in full (every
# matching row of the whole store) before the first row comes out.
# Usage: bench/search/explain.sh DATA_DIR   (e.g. build/bench-search/tc-10000)
set -euo pipefail
DB="$1/throughcare.db"
S() { sqlite3 -readonly "$DB" "$1"; }
# A patient with heart-rate observations and active medicines, and its establishment.
PID=$(S "SELECT r.target_id FROM idx_token t JOIN idx_reference r ON r.rkey = t.rkey AND r.param = 'subject'
         WHERE t.type = 'Observation' AND t.param = 'code' AND t.value = '8867-4' LIMIT 1 OFFSET 1000")
EST=$(S "SELECT r.target_id FROM current_resources c JOIN idx_reference r ON r.rkey = c.rkey
         AND r.param = 'organization' WHERE c.type = 'Patient' AND c.id = '$PID'")
read -r FAMILY GIVEN BIRTH_LO BIRTH_HI < <(S "SELECT
  (SELECT value FROM idx_string WHERE rkey = c.rkey AND param = 'family'),
  (SELECT value FROM idx_string WHERE rkey = c.rkey AND param = 'given'),
  (SELECT low FROM idx_date WHERE rkey = c.rkey AND param = 'birthdate'),
  (SELECT high FROM idx_date WHERE rkey = c.rkey AND param = 'birthdate')
  FROM current_resources c WHERE c.type = 'Patient' AND c.id = '$PID'" | tr '|' ' ')
echo "store: $DB ($(S "SELECT count(*) FROM current_resources") resources); patient $PID at $EST ($FAMILY, $GIVEN)"

SEL="SELECT c.type, c.id, c.version, c.last_updated, v.content, c.rkey"
drive() {  # drive TYPE INNER-SELECT → FROM … WHERE of a driven search
  echo "FROM (SELECT DISTINCT rkey FROM ($2)) AS m CROSS JOIN current_resources c ON c.rkey = m.rkey
        JOIN resource_versions v ON v.rid = c.rid WHERE c.deleted = 0 AND c.type = '$1'"
}
run() {  # run NAME SQL
  echo; echo "== $1"
  sqlite3 -readonly "$DB" "EXPLAIN QUERY PLAN $2" | sed 's/^/   /'
  # Ten runs in one sqlite3 process (.timer), the median CPU time (user + sys) reported.
  { echo ".timer on"; for _ in $(seq 10); do echo "SELECT count(*) FROM ($2);"; done; } |
    sqlite3 -readonly "$DB" | awk '/^Run Time/ { print ($6 + $8) * 1000 }' | sort -n |
    awk '{ t[NR] = $1 } END { printf "   median of 10 (CPU): %.2f ms\n", t[int((NR + 1) / 2)] }'
}

SUBJ_MR="SELECT rkey FROM idx_reference WHERE type = 'MedicationRequest' AND param = 'subject' AND target_id = '$PID' AND target_type = 'Patient'"
run "3 active medications, as built (status=active as an IN list)" \
  "$SEL $(drive MedicationRequest "$SUBJ_MR") AND c.rkey IN (SELECT rkey FROM idx_token WHERE type = 'MedicationRequest' AND param = 'status' AND value = 'active') ORDER BY c.rkey LIMIT 51"
run "3 active medications, EXISTS probe" \
  "$SEL $(drive MedicationRequest "$SUBJ_MR") AND EXISTS (SELECT 1 FROM idx_token f WHERE f.rkey = c.rkey AND f.param = 'status' AND f.value = 'active') ORDER BY c.rkey LIMIT 51"

SUBJ_OBS="SELECT rkey FROM idx_reference WHERE type = 'Observation' AND param = 'subject' AND target_id = '$PID' AND target_type = 'Patient'"
DATE_DESC="coalesce((SELECT max(high) FROM idx_date x WHERE x.rkey = c.rkey AND x.param = 'date'), -1.7976931348623157e308)"
run "4 latest heart rates, as built (code as an IN list)" \
  "$SEL, $DATE_DESC $(drive Observation "$SUBJ_OBS") AND c.rkey IN (SELECT rkey FROM idx_token WHERE type = 'Observation' AND param = 'code' AND value = '8867-4' AND system = 'http://loinc.org') ORDER BY 7 DESC, c.rkey LIMIT 6"
run "4 latest heart rates, EXISTS probe" \
  "$SEL, $DATE_DESC $(drive Observation "$SUBJ_OBS") AND EXISTS (SELECT 1 FROM idx_token f WHERE f.rkey = c.rkey AND f.param = 'code' AND f.system = 'http://loinc.org' AND f.value = '8867-4') ORDER BY 7 DESC, c.rkey LIMIT 6"

HBA1C_PATIENTS="SELECT t.rkey FROM (SELECT c.rkey $(drive Observation "SELECT rkey FROM idx_token WHERE type = 'Observation' AND param = 'code' AND value = '4548-4' AND system = 'http://loinc.org'" | sed 's/JOIN resource_versions v ON v.rid = c.rid//')) AS s
  CROSS JOIN idx_reference r ON r.rkey = s.rkey AND r.param = 'patient' AND r.target_type = 'Patient'
  CROSS JOIN current_resources t ON t.type = 'Patient' AND t.id = r.target_id"
ORG="SELECT rkey FROM idx_reference WHERE type = 'Patient' AND param = 'organization' AND target_id = '$EST' AND target_type = 'Organization'"
run "8 _has, as built (the reverse chain drives: every HbA1c in the store)" \
  "$SEL $(drive Patient "$HBA1C_PATIENTS") AND c.rkey IN ($ORG) ORDER BY c.rkey LIMIT 51"
run "8 _has, organization drives, reverse chain as EXISTS" \
  "$SEL $(drive Patient "$ORG") AND EXISTS (SELECT 1 FROM idx_reference r CROSS JOIN idx_token f ON f.rkey = r.rkey AND f.param = 'code' AND f.system = 'http://loinc.org' AND f.value = '4548-4' WHERE r.type = 'Observation' AND r.param = 'patient' AND r.target_id = c.id AND r.target_type = 'Patient') ORDER BY c.rkey LIMIT 51"

NAME="SELECT rkey FROM idx_string WHERE type = 'Patient' AND param = 'family' AND value >= '$FAMILY' AND value < '${FAMILY}~'"
run "2 name + birth date, as built (given and birthdate as IN lists)" \
  "$SEL $(drive Patient "$NAME") AND c.rkey IN (SELECT rkey FROM idx_string WHERE type = 'Patient' AND param = 'given' AND value >= '$GIVEN' AND value < '${GIVEN}~') AND c.rkey IN (SELECT rkey FROM idx_date WHERE type = 'Patient' AND param = 'birthdate' AND (low >= $BIRTH_LO AND high <= $BIRTH_HI)) ORDER BY c.rkey LIMIT 51"
run "2 name + birth date, EXISTS probes" \
  "$SEL $(drive Patient "$NAME") AND EXISTS (SELECT 1 FROM idx_string f WHERE f.rkey = c.rkey AND f.param = 'given' AND f.value >= '$GIVEN' AND f.value < '${GIVEN}~') AND EXISTS (SELECT 1 FROM idx_date f WHERE f.rkey = c.rkey AND f.param = 'birthdate' AND f.low >= $BIRTH_LO AND f.high <= $BIRTH_HI) ORDER BY c.rkey LIMIT 51"

SORT="coalesce((SELECT min(value) FROM idx_string x WHERE x.rkey = c.rkey AND x.param = 'family'), char(1114111)), coalesce((SELECT min(value) FROM idx_string x WHERE x.rkey = c.rkey AND x.param = 'given'), char(1114111))"
run "10 establishment list sorted by family, given (first page; every match's sort keys computed)" \
  "$SEL, $SORT $(drive Patient "$ORG") ORDER BY 7, 8, c.rkey LIMIT 21"
run "5 patients at an establishment: the count(*) every page also runs (_total accurate by default)" \
  "SELECT count(*) $(drive Patient "$ORG" | sed 's/JOIN resource_versions v ON v.rid = c.rid//')"
