// File: store/sqlite/internal/schema.h
//
// The SQLite schema as numbered migrations, and the code that brings a database up to date.
//
// Tables (see schema.cc for the exact SQL):
//   schema_migrations(version, name, applied_at)   one row per applied migration
//   current_resources(type, id, rkey, version, rid, last_updated, deleted, patient_compartment,
//       index_kinds)   PRIMARY KEY(type, id), WITHOUT ROWID: one row per resource, pointing at its
//       current version (`rid`). `rkey` is an integer key given to the resource when it is created,
//       in increasing order; the other tables refer to the resource by it, so creating a resource
//       appends to their B-trees rather than writing a random page of each (this roughly halved
//       the pages written per write, which bound write throughput). Read-current is one
//       primary-key lookup plus one rowid lookup.
//   resource_versions(rid, rkey, type, id, version, last_updated, deleted, content,
//       patient_compartment)   every version of every resource; `rid` INTEGER PRIMARY KEY (only
//       grows), a unique (rkey, version) index for vread and instance history, (last_updated,
//       version) and (type, last_updated, version) indexes for system and type history, newest
//       first.
//   idx_token, idx_string, idx_reference, idx_date, idx_number, idx_uri
//       search index rows of current, non-deleted versions only, keyed by (rkey, param, …), with a
//       (type, param, value…) index per table for searching.
// Times are Unix microseconds (INTEGER); date/number ranges are REAL.
#pragma once

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "base/clock.h"
#include "store/migrations.h"
#include "store/sqlite/internal/connection.h"

namespace tc::store::sqlite_internal {

// The SQLite backend's migrations, in order. Static storage; never empty.
absl::Span<const Migration> SqliteMigrations();

// Brings the database of `conn` up to date with `migrations`: creates `schema_migrations` if
// missing, then applies each migration whose version is not recorded, each in its own
// `BEGIN IMMEDIATE` transaction together with its `schema_migrations` row (`applied_at` is
// `clock.Now()` in RFC 3339, UTC). Applying is idempotent: a second call changes nothing.
// Returns InvalidArgument if `migrations` is malformed (see ValidateMigrations),
// FailedPrecondition if the database records a migration this list does not have, or one with the
// same version but a different name (the database belongs to another build), and the SQLite error
// of a failing script (that migration and the later ones are then not applied).
// REQUIRES: `conn` is a read-write connection with no open transaction.
absl::Status ApplyMigrations(Connection& conn, absl::Span<const Migration> migrations,
                             const base::Clock& clock);

}  // namespace tc::store::sqlite_internal
