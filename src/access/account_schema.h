// File: access/account_schema.h
//
// The schema of the account database (`<data_dir>/access.db`) as numbered migrations, and the
// code that brings a database up to date. Like the clinical store (DESIGN.md decision 3) each
// migration, once released, is never edited; a change is a new migration with the next number.
//
// Tables (see account_schema.cc for the exact SQL). Times are Unix microseconds (INTEGER).
//   access_migrations(version, name, applied_at)  one row per applied migration
//   users(login, display_name, role, establishments, password_hash, must_change_password,
//       disabled, failed_logins, locked_until, totp_secret, totp_last_step, created, updated)
//       `establishments` is the sorted codes joined by single spaces; `password_hash` a PHC
//       string (auth/password.h); `totp_secret` base32, '' when none.
//   clients(client_id, name, scopes, jwks_json, establishments, disabled, created, jwks_url)
//   used_jti(issuer, jti, expires)   client-assertion ids seen, until they expire
//   server_secrets(name, value)      the access-token secret and the instance id
//   sessions(digest, login, stage, created, last_seen, address, break_glass_*)  web sessions
#pragma once

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "base/clock.h"
#include "store/migrations.h"
#include "store/sqlite/internal/connection.h"

namespace tc::access {

// The account database's migrations, in order. Static storage; never empty.
absl::Span<const store::Migration> AccountMigrations();

// Creates `access_migrations` if missing, then applies each migration of AccountMigrations() the
// database has not recorded, each in its own BEGIN IMMEDIATE transaction with its row
// (`applied_at` = clock.Now()). Idempotent. FailedPrecondition when the database records a
// migration this build does not know (a newer build wrote it) or one with another name.
// REQUIRES: a read-write connection with no open transaction.
absl::Status ApplyAccountMigrations(store::sqlite_internal::Connection& conn,
                                    const base::Clock& clock);

}  // namespace tc::access
