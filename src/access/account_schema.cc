#include "access/account_schema.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tc::access {
namespace {

using store::Migration;
using store::sqlite_internal::Connection;
using store::sqlite_internal::Statement;

constexpr Migration kMigrations[] = {
    {1, "0001_accounts_and_clients", R"sql(
CREATE TABLE users(
  login TEXT PRIMARY KEY NOT NULL,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  establishments TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER,
  totp_secret TEXT NOT NULL DEFAULT '',
  totp_last_step INTEGER,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE clients(
  client_id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  jwks_json TEXT NOT NULL,
  establishments TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE used_jti(
  issuer TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires INTEGER NOT NULL,
  PRIMARY KEY(issuer, jti)
) WITHOUT ROWID;
CREATE INDEX used_jti_by_expiry ON used_jti(expires);
CREATE TABLE server_secrets(
  name TEXT PRIMARY KEY NOT NULL,
  value BLOB NOT NULL
) WITHOUT ROWID;
)sql"},
    {2, "0002_web_sessions", R"sql(
-- Web sessions (access/session_store.h): only the SHA-256 of a session id is stored.
CREATE TABLE sessions(
  digest TEXT PRIMARY KEY NOT NULL,
  login TEXT NOT NULL,
  stage TEXT NOT NULL,
  created INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  address TEXT NOT NULL,
  break_glass_reason TEXT NOT NULL,
  break_glass_granted INTEGER NOT NULL,
  break_glass_expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_login ON sessions(login);
)sql"},
    {3, "0003_oidc_links", R"sql(
-- OpenID Connect identities linked to staff accounts (access/account_store.h LinkOidc): an
-- identity provider's (issuer, subject) signs in as exactly one login.
CREATE TABLE oidc_links(
  issuer TEXT NOT NULL,
  subject TEXT NOT NULL,
  login TEXT NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY(issuer, subject)
) WITHOUT ROWID;
CREATE INDEX oidc_links_by_login ON oidc_links(login);
)sql"},
    {4, "0004_client_jwks_url", R"sql(
-- A client may register the URL of its JWK Set instead of (or as well as) the set itself.
ALTER TABLE clients ADD COLUMN jwks_url TEXT NOT NULL DEFAULT '';
)sql"},
};

constexpr char kCreateMigrationsTable[] = R"sql(
CREATE TABLE IF NOT EXISTS access_migrations(
  version INTEGER PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
))sql";

absl::StatusOr<std::vector<std::pair<int64_t, std::string>>> Applied(Connection& conn) {
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn.Prepare("SELECT version, name FROM access_migrations ORDER BY version"));
  std::vector<std::pair<int64_t, std::string>> out;
  while (true) {
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.emplace_back(st.ColumnInt64(0), std::string(st.ColumnText(1)));
  }
  return out;
}

// Applies `m` unless another process recorded it since we looked (checked inside the
// transaction, so two processes opening a new database at once do not both run it).
absl::Status ApplyOne(Connection& conn, const Migration& m, const base::Clock& clock) {
  {
    TC_ASSIGN_OR_RETURN(Statement st,
                        conn.Prepare("SELECT 1 FROM access_migrations WHERE version = ?1"));
    st.BindInt64(1, m.version);
    TC_ASSIGN_OR_RETURN(bool recorded, st.Step());
    if (recorded) return absl::OkStatus();
  }
  TC_RETURN_IF_ERROR(conn.Exec(absl::string_view(m.sql.data(), m.sql.size())));
  TC_ASSIGN_OR_RETURN(
      Statement st,
      conn.Prepare("INSERT INTO access_migrations(version, name, applied_at) VALUES(?1, ?2, ?3)"));
  st.BindInt64(1, m.version);
  st.BindText(2, absl::string_view(m.name.data(), m.name.size()));
  st.BindInt64(3, absl::ToUnixMicros(clock.Now()));
  return st.Run();
}

}  // namespace

absl::Span<const Migration> AccountMigrations() { return kMigrations; }

absl::Status ApplyAccountMigrations(Connection& conn, const base::Clock& clock) {
  const absl::Span<const Migration> migrations = AccountMigrations();
  TC_RETURN_IF_ERROR(store::ValidateMigrations(migrations));
  TC_RETURN_IF_ERROR(conn.Exec(kCreateMigrationsTable));
  TC_ASSIGN_OR_RETURN(auto applied, Applied(conn));
  for (const auto& [version, name] : applied) {
    if (version < 1 || version > static_cast<int64_t>(migrations.size())) {
      return absl::FailedPreconditionError(
          absl::StrCat("access.db has schema migration ", name, " (version ", version,
                       ") which this build does not know; it was written by a newer build"));
    }
    const Migration& known = migrations[version - 1];
    if (known.name != name) {
      return absl::FailedPreconditionError(absl::StrCat("access.db has schema migration ", version,
                                                        " named ", name, " but this build's is ",
                                                        std::string(known.name)));
    }
  }
  std::vector<bool> done(migrations.size() + 1, false);
  for (const auto& [version, name] : applied) done[version] = true;
  for (const Migration& m : migrations) {
    if (done[m.version]) continue;
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

}  // namespace tc::access
