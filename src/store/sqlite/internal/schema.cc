#include "store/sqlite/internal/schema.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/status_macros.h"

namespace tc::store::sqlite_internal {
namespace {

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Released migrations are never edited; add a new one instead.
constexpr std::string_view k0001Initial = R"sql(
-- Every version of every resource. `rid` (an alias of the rowid) only grows, so new versions
-- append. `rkey` is the resource's integer key (see current_resources).
CREATE TABLE resource_versions (
  rid INTEGER PRIMARY KEY,
  rkey INTEGER NOT NULL,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  content BLOB NOT NULL,
  patient_compartment TEXT NOT NULL
);
CREATE UNIQUE INDEX resource_versions_by_resource ON resource_versions (rkey, version);
CREATE INDEX resource_versions_by_time ON resource_versions (last_updated, version);
CREATE INDEX resource_versions_by_type_time ON resource_versions (type, last_updated, version);

-- One row per resource: its current version. `rkey` is a small integer assigned on creation in
-- increasing order; the version and index tables are keyed by it, so that creating a resource
-- appends to those B-trees instead of writing a random page of each (write amplification).
CREATE TABLE current_resources (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  rkey INTEGER NOT NULL,
  version INTEGER NOT NULL,
  rid INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  patient_compartment TEXT NOT NULL,
  index_kinds INTEGER NOT NULL,
  PRIMARY KEY (type, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX current_resources_by_rkey ON current_resources (rkey);
CREATE INDEX current_resources_by_compartment
  ON current_resources (patient_compartment, rkey) WHERE patient_compartment <> '';

-- Search index rows of current, non-deleted versions. Each table's primary key starts with the
-- resource (rkey) for replacing its rows; the *_search index (which ends with rkey implicitly)
-- answers searches.
CREATE TABLE idx_token (
  rkey INTEGER NOT NULL,
  type TEXT NOT NULL,
  param TEXT NOT NULL,
  system TEXT NOT NULL,
  value TEXT NOT NULL,
  patient_compartment TEXT NOT NULL,
  PRIMARY KEY (rkey, param, system, value)
) WITHOUT ROWID;
CREATE INDEX idx_token_search ON idx_token (type, param, value, system);

CREATE TABLE idx_string (
  rkey INTEGER NOT NULL,
  type TEXT NOT NULL,
  param TEXT NOT NULL,
  value TEXT NOT NULL,
  patient_compartment TEXT NOT NULL,
  PRIMARY KEY (rkey, param, value)
) WITHOUT ROWID;
CREATE INDEX idx_string_search ON idx_string (type, param, value);

CREATE TABLE idx_reference (
  rkey INTEGER NOT NULL,
  type TEXT NOT NULL,
  param TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  patient_compartment TEXT NOT NULL,
  PRIMARY KEY (rkey, param, target_type, target_id)
) WITHOUT ROWID;
CREATE INDEX idx_reference_search ON idx_reference (type, param, target_id, target_type);

CREATE TABLE idx_date (
  rkey INTEGER NOT NULL,
  type TEXT NOT NULL,
  param TEXT NOT NULL,
  low REAL NOT NULL,
  high REAL NOT NULL,
  patient_compartment TEXT NOT NULL,
  PRIMARY KEY (rkey, param, low, high)
) WITHOUT ROWID;
CREATE INDEX idx_date_search ON idx_date (type, param, low, high);

CREATE TABLE idx_number (
  rkey INTEGER NOT NULL,
  type TEXT NOT NULL,
  param TEXT NOT NULL,
  low REAL NOT NULL,
  high REAL NOT NULL,
  patient_compartment TEXT NOT NULL,
  PRIMARY KEY (rkey, param, low, high)
) WITHOUT ROWID;
CREATE INDEX idx_number_search ON idx_number (type, param, low, high);

CREATE TABLE idx_uri (
  rkey INTEGER NOT NULL,
  type TEXT NOT NULL,
  param TEXT NOT NULL,
  value TEXT NOT NULL,
  patient_compartment TEXT NOT NULL,
  PRIMARY KEY (rkey, param, value)
) WITHOUT ROWID;
CREATE INDEX idx_uri_search ON idx_uri (type, param, value);
)sql";

// Search over every R4 parameter type, with compact index tables (see index_rows.h): a
// parameter is an integer key, each table one B-tree ordered for search (references also by
// resource), and each resource's rows kept encoded in resource_index_rows. The old tables
// are replaced; their rows are rebuilt by a reindex, which this migration requests.
constexpr std::string_view k0002CompactIndexes = R"sql(
DROP TABLE idx_token;
DROP TABLE idx_string;
DROP TABLE idx_reference;
DROP TABLE idx_date;
DROP TABLE idx_number;
DROP TABLE idx_uri;
ALTER TABLE current_resources DROP COLUMN index_kinds;
-- Each resource's current index rows, encoded (index_rows.h): what an update must remove, and
-- the values sorting reads. A rowid table keyed by rkey, so creating a resource appends.
CREATE TABLE resource_index_rows (rkey INTEGER PRIMARY KEY, rows BLOB NOT NULL);

CREATE TABLE idx_token (
  pid INTEGER NOT NULL, value TEXT NOT NULL, system TEXT NOT NULL, rkey INTEGER NOT NULL,
  PRIMARY KEY (pid, value, system, rkey)
) WITHOUT ROWID;

-- value: case- and accent-folded; raw: as written (for :exact).
CREATE TABLE idx_string (
  pid INTEGER NOT NULL, value TEXT NOT NULL, raw TEXT NOT NULL, rkey INTEGER NOT NULL,
  PRIMARY KEY (pid, value, raw, rkey)
) WITHOUT ROWID;

CREATE TABLE idx_reference (
  rkey INTEGER NOT NULL, pid INTEGER NOT NULL, target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  PRIMARY KEY (rkey, pid, target_type, target_id)
) WITHOUT ROWID;
CREATE INDEX idx_reference_search ON idx_reference (pid, target_id, target_type);

CREATE TABLE idx_date (
  pid INTEGER NOT NULL, low REAL NOT NULL, high REAL NOT NULL, rkey INTEGER NOT NULL,
  PRIMARY KEY (pid, low, high, rkey)
) WITHOUT ROWID;

CREATE TABLE idx_number (
  pid INTEGER NOT NULL, low REAL NOT NULL, high REAL NOT NULL, rkey INTEGER NOT NULL,
  PRIMARY KEY (pid, low, high, rkey)
) WITHOUT ROWID;

CREATE TABLE idx_quantity (
  pid INTEGER NOT NULL, code TEXT NOT NULL, low REAL NOT NULL, high REAL NOT NULL,
  system TEXT NOT NULL, rkey INTEGER NOT NULL,
  PRIMARY KEY (pid, code, low, high, system, rkey)
) WITHOUT ROWID;

CREATE TABLE idx_composite (
  pid INTEGER NOT NULL, a_value TEXT NOT NULL, b_value TEXT NOT NULL, low REAL NOT NULL,
  high REAL NOT NULL, a_system TEXT NOT NULL, b_system TEXT NOT NULL, rkey INTEGER NOT NULL,
  PRIMARY KEY (pid, a_value, b_value, low, high, a_system, b_system, rkey)
) WITHOUT ROWID;

-- Store-wide settings and progress markers (e.g. 'reindex_after': rkey a reindex has reached).
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO store_meta (key, value)
  SELECT 'reindex_after', '0' WHERE EXISTS (SELECT 1 FROM current_resources);
)sql";

// The hash-chained audit log (audit/chain.h): one link per AuditEvent resource, in sequence.
// Links can only be appended: the triggers refuse UPDATE and DELETE (defence in depth; the
// chain's hashes are what detects a change made around them).
constexpr std::string_view k0003AuditChain = R"sql(
CREATE TABLE audit_chain (
  sequence INTEGER PRIMARY KEY,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  audit_id TEXT NOT NULL
);
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
  BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only'); END;
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
  BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only'); END;
)sql";

// The audit log as one append-only table of entries (the AuditEvent JSON, its chain link and the
// facts it is searched by) plus a patient index, instead of AuditEvent resources with full
// search indexes and a separate chain (0003): an entry is written for every request, so it must
// cost a few B-tree inserts, not a resource's. Entries already written move over unchanged (their
// stored JSON is what their hashes cover); the AuditEvent resources and their rows are removed.
constexpr std::string_view k0004AuditLog = R"sql(
CREATE TABLE audit_log (
  sequence INTEGER PRIMARY KEY,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  id TEXT NOT NULL,
  recorded INTEGER NOT NULL,
  agent TEXT NOT NULL,
  type_system TEXT NOT NULL,
  type_code TEXT NOT NULL,
  subtype_system TEXT NOT NULL,
  subtype_code TEXT NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL,
  event BLOB NOT NULL
);
CREATE UNIQUE INDEX audit_log_by_id ON audit_log (id);
CREATE INDEX audit_log_by_agent ON audit_log (agent, sequence);
CREATE INDEX audit_log_by_type ON audit_log (type_code, sequence);
CREATE TABLE audit_patient (
  patient TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  PRIMARY KEY (patient, sequence)
) WITHOUT ROWID;

INSERT INTO audit_log
  SELECT a.sequence, a.prev_hash, a.hash, a.audit_id,
         CAST(round((julianday(json_extract(v.content, '$.recorded')) - 2440587.5) * 86400000000)
              AS INTEGER),
         coalesce(json_extract(v.content, '$.agent[0].altId'),
                  json_extract(v.content, '$.agent[0].who.identifier.value'), ''),
         coalesce(json_extract(v.content, '$.type.system'), ''),
         coalesce(json_extract(v.content, '$.type.code'), ''),
         coalesce(json_extract(v.content, '$.subtype[0].system'), ''),
         coalesce(json_extract(v.content, '$.subtype[0].code'), ''),
         coalesce(json_extract(v.content, '$.action'), ''),
         coalesce(json_extract(v.content, '$.outcome'), ''),
         v.content
  FROM audit_chain a
  JOIN current_resources c ON c.type = 'AuditEvent' AND c.id = a.audit_id
  JOIN resource_versions v ON v.rid = c.rid
  ORDER BY a.sequence;
INSERT OR IGNORE INTO audit_patient
  SELECT substr(json_extract(e.value, '$.what.reference'), 9), l.sequence
  FROM audit_log l, json_each(l.event, '$.entity') e
  WHERE json_extract(e.value, '$.role.code') = '1'
    AND json_extract(e.value, '$.what.reference') LIKE 'Patient/%';

DELETE FROM idx_token WHERE rkey IN (SELECT rkey FROM current_resources WHERE type = 'AuditEvent');
DELETE FROM idx_string WHERE rkey IN (SELECT rkey FROM current_resources WHERE type = 'AuditEvent');
DELETE FROM idx_reference WHERE rkey IN (SELECT rkey FROM current_resources WHERE type = 'AuditEvent');
DELETE FROM idx_date WHERE rkey IN (SELECT rkey FROM current_resources WHERE type = 'AuditEvent');
DELETE FROM idx_number WHERE rkey IN (SELECT rkey FROM current_resources WHERE type = 'AuditEvent');
DELETE FROM idx_quantity WHERE rkey IN (SELECT rkey FROM current_resources WHERE type = 'AuditEvent');
DELETE FROM idx_composite WHERE rkey IN (SELECT rkey FROM current_resources WHERE type = 'AuditEvent');
DELETE FROM resource_index_rows WHERE rkey IN (SELECT rkey FROM current_resources WHERE type = 'AuditEvent');
DELETE FROM resource_versions WHERE type = 'AuditEvent';
DELETE FROM current_resources WHERE type = 'AuditEvent';
DROP TRIGGER audit_chain_no_update;
DROP TRIGGER audit_chain_no_delete;
DROP TABLE audit_chain;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_patient_no_update BEFORE UPDATE ON audit_patient
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_patient_no_delete BEFORE DELETE ON audit_patient
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql";

constexpr Migration kMigrations[] = {
    {1, "0001_initial", k0001Initial},
    {2, "0002_compact_indexes", k0002CompactIndexes},
    {3, "0003_audit_chain", k0003AuditChain},
    {4, "0004_audit_log", k0004AuditLog},
};

constexpr absl::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

// Reads the recorded migrations (version → name).
absl::StatusOr<absl::flat_hash_map<int64_t, std::string>> AppliedMigrations(Connection& conn) {
  absl::flat_hash_map<int64_t, std::string> applied;
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare("SELECT version, name FROM schema_migrations"));
  while (true) {
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    applied.emplace(st.ColumnInt64(0), std::string(st.ColumnText(1)));
  }
  return applied;
}

// Applies one migration inside an open transaction, unless another process already did.
absl::Status ApplyOne(Connection& conn, const Migration& m, const base::Clock& clock) {
  {
    TC_ASSIGN_OR_RETURN(Statement check,
                        conn.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?1"));
    check.BindInt64(1, m.version);
    TC_ASSIGN_OR_RETURN(bool already, check.Step());
    if (already) return absl::OkStatus();
  }
  absl::Status status = conn.Exec(Absl(m.sql));
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("migration ", Absl(m.name), " failed: ", status.message()));
  }
  const std::string applied_at =
      absl::FormatTime(absl::RFC3339_full, clock.Now(), absl::UTCTimeZone());
  TC_ASSIGN_OR_RETURN(
      Statement insert,
      conn.Prepare(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)"));
  insert.BindInt64(1, m.version);
  insert.BindText(2, Absl(m.name));
  insert.BindText(3, applied_at);
  return insert.Run();
}

}  // namespace

absl::Span<const Migration> SqliteMigrations() { return kMigrations; }

absl::Status ApplyMigrations(Connection& conn, absl::Span<const Migration> migrations,
                             const base::Clock& clock) {
  TC_RETURN_IF_ERROR(ValidateMigrations(migrations));
  TC_RETURN_IF_ERROR(conn.Exec(kCreateMigrationsTable));
  TC_ASSIGN_OR_RETURN(auto applied, AppliedMigrations(conn));
  for (const auto& [version, name] : applied) {
    if (version < 1 || version > static_cast<int64_t>(migrations.size())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "database has schema migration ", name, " (version ", version,
          ") which this build does not know; it was written by a newer or different build"));
    }
    const Migration& known = migrations[version - 1];
    if (known.name != name) {
      return absl::FailedPreconditionError(absl::StrCat("database has schema migration ", version,
                                                        " named ", name, " but this build's is ",
                                                        Absl(known.name)));
    }
  }
  for (const Migration& m : migrations) {
    if (applied.contains(m.version)) continue;
    TC_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
    absl::Status status = ApplyOne(conn, m, clock);
    if (status.ok()) status = conn.Exec("COMMIT");
    if (!status.ok()) {
      if (conn.InTransaction()) conn.Exec("ROLLBACK").IgnoreError();
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace tc::store::sqlite_internal
