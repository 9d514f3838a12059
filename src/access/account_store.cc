#include "access/account_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "access/account_rules.h"
#include "access/account_schema.h"
#include "auth/encoding.h"
#include "auth/totp.h"
#include "base/status_macros.h"
#include "store/sqlite/internal/connection.h"

namespace tc::access {
namespace {

using store::sqlite_internal::Connection;
using store::sqlite_internal::Statement;

constexpr char kInvalidLogin[] = "invalid login or password";
constexpr size_t kMaxJtiBytes = 1024;

absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

// Runs `body` in a BEGIN IMMEDIATE transaction; commits when it returns OK, else rolls back.
absl::Status InTransaction(Connection& conn, absl::FunctionRef<absl::Status()> body) {
  TC_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  absl::Status status = body();
  if (status.ok()) status = conn.Exec("COMMIT");
  if (!status.ok() && conn.InTransaction()) conn.Exec("ROLLBACK").IgnoreError();
  return status;
}

// Rows changed by the last INSERT/UPDATE/DELETE on `conn`.
absl::StatusOr<int64_t> Changes(Connection& conn) {
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare("SELECT changes()"));
  TC_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.ColumnInt64(0) : 0;
}

// Ends every web session of `login` (access/session_store.h): after a change to who the user
// is or what they may do, they sign in again.
absl::Status EndSessionsOf(Connection& conn, std::string_view login) {
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare("DELETE FROM sessions WHERE login = ?1"));
  st.BindText(1, Absl(login));
  return st.Run();
}

absl::Status NoSuchUser(std::string_view login) {
  if (!IsValidLogin(login)) return absl::NotFoundError("no such user");
  return absl::NotFoundError(absl::StrCat("no user \"", Absl(login), "\""));
}

absl::Status NoSuchClient(std::string_view client_id) {
  if (!IsValidClientId(client_id)) return absl::NotFoundError("no such client");
  return absl::NotFoundError(absl::StrCat("no client \"", Absl(client_id), "\""));
}

std::string JoinCodes(const std::vector<std::string>& codes) { return absl::StrJoin(codes, " "); }

std::vector<std::string> SplitCodes(absl::string_view text) {
  return absl::StrSplit(text, ' ', absl::SkipEmpty());
}

// The shape rules of a new or changed user, apart from the password.
absl::Status CheckUserRole(auth::Role role) {
  if (role == auth::Role::kSystem) {
    return absl::InvalidArgumentError(
        "the role \"system\" is for API clients only; a user account cannot hold it");
  }
  return absl::OkStatus();
}

absl::Status CheckUserFields(const UserAccount& user) {
  if (!IsValidLogin(user.login)) {
    return absl::InvalidArgumentError("invalid login (expected [a-z0-9._-]{2,64})");
  }
  TC_RETURN_IF_ERROR(CheckName(user.display_name, "display name"));
  return CheckUserRole(user.role);
}

// auth::CheckPasswordRules with the login, the display name and each word of it as context.
absl::Status CheckPasswordFor(std::string_view password, std::string_view login,
                              std::string_view display_name) {
  std::vector<std::string_view> words = {login, display_name, "throughcare"};
  for (absl::string_view part :
       absl::StrSplit(Absl(display_name), absl::ByAnyChar(" .-'"), absl::SkipEmpty())) {
    words.emplace_back(part.data(), part.size());
  }
  return auth::CheckPasswordRules(password, words);
}

// ---- Row mapping -------------------------------------------------------------------------------

constexpr char kSelectUser[] =
    "SELECT login, display_name, role, establishments, disabled, failed_logins, "
    "locked_until IS NOT NULL, IFNULL(locked_until, 0), created, must_change_password, "
    "totp_secret != '' FROM users";

absl::StatusOr<UserAccount> ReadUser(const Statement& st) {
  UserAccount user;
  user.login = std::string(st.ColumnText(0));
  user.display_name = std::string(st.ColumnText(1));
  const absl::string_view role = st.ColumnText(2);
  absl::StatusOr<auth::Role> parsed = auth::ParseRole(std::string_view(role.data(), role.size()));
  if (!parsed.ok()) {
    return absl::DataLossError(
        absl::StrCat("access.db: user \"", user.login, "\" has an unknown role \"", role, "\""));
  }
  user.role = *parsed;
  user.establishments = SplitCodes(st.ColumnText(3));
  user.disabled = st.ColumnInt64(4) != 0;
  user.failed_logins = static_cast<int>(st.ColumnInt64(5));
  if (st.ColumnInt64(6) != 0) user.locked_until = FromMicros(st.ColumnInt64(7));
  user.created = FromMicros(st.ColumnInt64(8));
  user.must_change_password = st.ColumnInt64(9) != 0;
  user.has_totp = st.ColumnInt64(10) != 0;
  return user;
}

absl::StatusOr<std::optional<UserAccount>> SelectUser(Connection& conn, std::string_view login) {
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(absl::StrCat(kSelectUser, " WHERE login = ?1")));
  st.BindText(1, Absl(login));
  TC_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::nullopt;
  return ReadUser(st);
}

absl::StatusOr<bool> UserExists(Connection& conn, std::string_view login) {
  TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare("SELECT 1 FROM users WHERE login = ?1"));
  st.BindText(1, Absl(login));
  return st.Step();
}

absl::Status InsertUser(Connection& conn, const UserAccount& user,
                        const std::vector<std::string>& establishments, const std::string& hash,
                        bool must_change_password, absl::Time now) {
  TC_ASSIGN_OR_RETURN(
      Statement st,
      conn.Prepare("INSERT INTO users(login, display_name, role, establishments, password_hash, "
                   "must_change_password, disabled, created, updated) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"));
  const std::string codes = JoinCodes(establishments);
  st.BindText(1, user.login);
  st.BindText(2, user.display_name);
  st.BindText(3, Absl(auth::RoleId(user.role)));
  st.BindText(4, codes);
  st.BindText(5, hash);
  st.BindInt64(6, must_change_password ? 1 : 0);
  st.BindInt64(7, user.disabled ? 1 : 0);
  st.BindInt64(8, Micros(now));
  return st.Run();
}

constexpr char kSelectClient[] =
    "SELECT client_id, name, scopes, jwks_json, establishments, disabled, created, jwks_url FROM "
    "clients";

ClientRegistration ReadClient(const Statement& st) {
  ClientRegistration client;
  client.client_id = std::string(st.ColumnText(0));
  client.name = std::string(st.ColumnText(1));
  client.scopes = std::string(st.ColumnText(2));
  client.jwks_json = std::string(st.ColumnText(3));
  client.establishments = SplitCodes(st.ColumnText(4));
  client.disabled = st.ColumnInt64(5) != 0;
  client.created = FromMicros(st.ColumnInt64(6));
  client.jwks_url = std::string(st.ColumnText(7));
  return client;
}

// What a login attempt needs to know about an account.
struct LoginState {
  std::string password_hash;
  bool disabled = false;
  int failed_logins = 0;
  std::optional<absl::Time> locked_until;
  std::string totp_secret;  // base32, "" when none
  std::optional<int64_t> totp_last_step;
};

absl::StatusOr<std::optional<LoginState>> SelectLoginState(Connection& conn,
                                                           std::string_view login) {
  TC_ASSIGN_OR_RETURN(
      Statement st,
      conn.Prepare("SELECT password_hash, disabled, failed_logins, locked_until IS NOT NULL, "
                   "IFNULL(locked_until, 0), totp_secret, totp_last_step IS NOT NULL, "
                   "IFNULL(totp_last_step, 0) FROM users WHERE login = ?1"));
  st.BindText(1, Absl(login));
  TC_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::nullopt;
  LoginState state;
  state.password_hash = std::string(st.ColumnText(0));
  state.disabled = st.ColumnInt64(1) != 0;
  state.failed_logins = static_cast<int>(st.ColumnInt64(2));
  if (st.ColumnInt64(3) != 0) state.locked_until = FromMicros(st.ColumnInt64(4));
  state.totp_secret = std::string(st.ColumnText(5));
  if (st.ColumnInt64(6) != 0) state.totp_last_step = st.ColumnInt64(7);
  return state;
}

bool IsLocked(const LoginState& state, absl::Time now) {
  return state.locked_until.has_value() && *state.locked_until > now;
}

absl::Status LockedError(absl::Time until) {
  return absl::PermissionDeniedError(absl::StrCat(
      "account locked until ", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", until, absl::UTCTimeZone())));
}

// Counts one failed attempt (password or TOTP) for `login`, locking the account when the count
// reaches the policy's maximum. A lock that has run out starts a fresh count.
absl::Status RecordFailure(Connection& conn, std::string_view login, const LoginState& state,
                           const LockoutPolicy& policy, absl::Time now) {
  int failures = state.failed_logins;
  if (state.locked_until.has_value() && *state.locked_until <= now) failures = 0;
  ++failures;
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn.Prepare("UPDATE users SET failed_logins = ?2, locked_until = ?3, "
                                   "updated = ?4 WHERE login = ?1"));
  st.BindText(1, Absl(login));
  st.BindInt64(2, failures);
  if (failures >= policy.max_failures) st.BindInt64(3, Micros(now + policy.lock_for));
  // else ?3 stays NULL: no lock (an expired one is cleared)
  st.BindInt64(4, Micros(now));
  return st.Run();
}

absl::Status ResetFailures(Connection& conn, std::string_view login, absl::Time now) {
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn.Prepare("UPDATE users SET failed_logins = 0, locked_until = NULL, "
                                   "updated = ?2 WHERE login = ?1"));
  st.BindText(1, Absl(login));
  st.BindInt64(2, Micros(now));
  return st.Run();
}

std::string NewTokenSecret(base::Random& random) {
  std::string out;
  for (int i = 0; i < 4; ++i) {
    uint64_t r = random.Next64();
    for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((r >> (8 * b)) & 0xff));
  }
  return out;
}

std::string NewInstanceId(base::Random& random) {
  return absl::StrFormat("tc-%016x", random.Next64());
}

// Creates `path` readable and writable by its owner only, if it does not exist, so that the
// database (password hashes, the token secret) is not world-readable. SQLite gives the -wal and
// -shm files the database file's permissions.
absl::Status CreatePrivateFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create ", path, ": ", std::error_code(errno, std::generic_category()).message()));
  }
  ::close(fd);
  return absl::OkStatus();
}

}  // namespace

std::string AccountDbPath(std::string_view data_dir) {
  return (std::filesystem::path(data_dir) / kAccountDbFileName).string();
}

// ---- Open
// ----------------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<AccountStore>> AccountStore::Open(const std::string& path,
                                                                 const base::Clock& clock,
                                                                 base::Random& random,
                                                                 LockoutPolicy lockout) {
  AccountStoreOptions options;
  options.lockout = lockout;
  return Open(path, clock, random, options);
}

absl::StatusOr<std::unique_ptr<AccountStore>> AccountStore::Open(
    const std::string& path, const base::Clock& clock, base::Random& random,
    const AccountStoreOptions& options) {
  if (options.lockout.max_failures < 1 || options.lockout.lock_for <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("lockout policy: max_failures and lock_for must be positive");
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create directory ", parent.string(), ": ", ec.message()));
    }
  }
  TC_RETURN_IF_ERROR(CreatePrivateFile(path));
  TC_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                      Connection::Open(path, Connection::Mode::kReadWrite, options.busy_timeout));
  {
    TC_ASSIGN_OR_RETURN(Statement st, conn->Prepare("PRAGMA journal_mode = WAL"));
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row || st.ColumnText(0) != "wal") {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": the database does not support WAL journal mode"));
    }
  }
  TC_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous = FULL"));
  TC_RETURN_IF_ERROR(ApplyAccountMigrations(*conn, clock));
  return std::unique_ptr<AccountStore>(new AccountStore(std::move(conn), clock, random, options));
}

AccountStore::AccountStore(std::unique_ptr<Connection> conn, const base::Clock& clock,
                           base::Random& random, const AccountStoreOptions& options)
    : clock_(clock), random_(random), options_(options), conn_(std::move(conn)) {}

AccountStore::~AccountStore() = default;

// ---- Users
// ---------------------------------------------------------------------------------------

absl::Status AccountStore::AddUser(const UserAccount& user, std::string_view password) {
  return Insert(user, password, user.must_change_password);
}

absl::StatusOr<std::string> AccountStore::AddUserWithOneTimePassword(const UserAccount& user) {
  std::string password = GenerateOneTimePassword(random_);
  // A generated password passes the rules unless the source is broken (or, with a seeded test
  // source, astronomically unlucky): try a few times rather than fail.
  for (int i = 0; i < 8 && !CheckPasswordFor(password, user.login, user.display_name).ok(); ++i) {
    password = GenerateOneTimePassword(random_);
  }
  TC_RETURN_IF_ERROR(Insert(user, password, /*must_change_password=*/true));
  return password;
}

absl::Status AccountStore::Insert(const UserAccount& user, std::string_view password,
                                  bool must_change_password) {
  TC_RETURN_IF_ERROR(CheckUserFields(user));
  TC_ASSIGN_OR_RETURN(std::vector<std::string> establishments,
                      NormalizeEstablishments(user.establishments));
  TC_RETURN_IF_ERROR(CheckPasswordFor(password, user.login, user.display_name));
  const absl::Status taken =
      absl::AlreadyExistsError(absl::StrCat("the login \"", user.login, "\" is already taken"));
  {
    absl::MutexLock lock(&mu_);
    TC_ASSIGN_OR_RETURN(bool exists, UserExists(*conn_, user.login));
    if (exists) return taken;  // before spending the hash
  }
  TC_ASSIGN_OR_RETURN(std::string hash, auth::HashPassword(password, random_, options_.argon2));
  absl::MutexLock lock(&mu_);
  return InTransaction(*conn_, [&]() -> absl::Status {
    TC_ASSIGN_OR_RETURN(bool exists, UserExists(*conn_, user.login));
    if (exists) return taken;
    return InsertUser(*conn_, user, establishments, hash, must_change_password, clock_.Now());
  });
}

absl::StatusOr<std::vector<UserAccount>> AccountStore::ListUsers() const {
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(Statement st, conn_->Prepare(absl::StrCat(kSelectUser, " ORDER BY login")));
  std::vector<UserAccount> out;
  while (true) {
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    TC_ASSIGN_OR_RETURN(UserAccount user, ReadUser(st));
    out.push_back(std::move(user));
  }
  return out;
}

absl::StatusOr<UserAccount> AccountStore::GetUser(std::string_view login) const {
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(std::optional<UserAccount> user, SelectUser(*conn_, login));
  if (!user.has_value()) return NoSuchUser(login);
  return *std::move(user);
}

absl::Status AccountStore::SetDisabled(std::string_view login, bool disabled) {
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(
      Statement st,
      conn_->Prepare("UPDATE users SET disabled = ?2, updated = ?3 WHERE login = ?1"));
  st.BindText(1, Absl(login));
  st.BindInt64(2, disabled ? 1 : 0);
  st.BindInt64(3, Micros(clock_.Now()));
  TC_RETURN_IF_ERROR(st.Run());
  TC_ASSIGN_OR_RETURN(int64_t changed, Changes(*conn_));
  if (changed == 0) return NoSuchUser(login);
  return disabled ? EndSessionsOf(*conn_, login) : absl::OkStatus();
}

absl::Status AccountStore::SetRole(std::string_view login, auth::Role role,
                                   std::vector<std::string> establishments) {
  TC_RETURN_IF_ERROR(CheckUserRole(role));
  TC_ASSIGN_OR_RETURN(std::vector<std::string> codes, NormalizeEstablishments(establishments));
  const std::string joined = JoinCodes(codes);
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn_->Prepare("UPDATE users SET role = ?2, establishments = ?3, "
                                     "updated = ?4 WHERE login = ?1"));
  st.BindText(1, Absl(login));
  st.BindText(2, Absl(auth::RoleId(role)));
  st.BindText(3, joined);
  st.BindInt64(4, Micros(clock_.Now()));
  TC_RETURN_IF_ERROR(st.Run());
  TC_ASSIGN_OR_RETURN(int64_t changed, Changes(*conn_));
  if (changed == 0) return NoSuchUser(login);
  return EndSessionsOf(*conn_, login);
}

absl::Status AccountStore::SetPassword(std::string_view login, std::string_view password) {
  TC_ASSIGN_OR_RETURN(UserAccount user, GetUser(login));
  TC_RETURN_IF_ERROR(CheckPasswordFor(password, user.login, user.display_name));
  TC_ASSIGN_OR_RETURN(std::string hash, auth::HashPassword(password, random_, options_.argon2));
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(
      Statement st,
      conn_->Prepare("UPDATE users SET password_hash = ?2, must_change_password = 0, "
                     "failed_logins = 0, locked_until = NULL, updated = ?3 WHERE login = ?1"));
  st.BindText(1, Absl(login));
  st.BindText(2, hash);
  st.BindInt64(3, Micros(clock_.Now()));
  TC_RETURN_IF_ERROR(st.Run());
  TC_ASSIGN_OR_RETURN(int64_t changed, Changes(*conn_));
  if (changed == 0) return NoSuchUser(login);
  return EndSessionsOf(*conn_, login);
}

absl::Status AccountStore::LinkOidc(std::string_view login, std::string_view issuer,
                                    std::string_view subject) {
  if (!(issuer.starts_with("https://") || issuer.starts_with("http://")) || issuer.size() > 1024) {
    return absl::InvalidArgumentError("the issuer must be the identity provider's https:// URL");
  }
  if (subject.empty() || subject.size() > 255 ||
      std::any_of(subject.begin(), subject.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return absl::InvalidArgumentError(
        "the subject must be 1 to 255 characters without control characters");
  }
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(bool exists, UserExists(*conn_, login));
  if (!exists) return NoSuchUser(login);
  return InTransaction(*conn_, [&]() -> absl::Status {
    TC_ASSIGN_OR_RETURN(
        Statement find,
        conn_->Prepare("SELECT login FROM oidc_links WHERE issuer = ?1 AND subject = ?2"));
    find.BindText(1, Absl(issuer));
    find.BindText(2, Absl(subject));
    TC_ASSIGN_OR_RETURN(bool row, find.Step());
    if (row) {
      if (find.ColumnText(0) == Absl(login)) return absl::OkStatus();
      return absl::AlreadyExistsError(
          absl::StrCat("this identity is already linked to login \"", find.ColumnText(0), "\""));
    }
    TC_ASSIGN_OR_RETURN(Statement st,
                        conn_->Prepare("INSERT INTO oidc_links(issuer, subject, login, created) "
                                       "VALUES(?1, ?2, ?3, ?4)"));
    st.BindText(1, Absl(issuer));
    st.BindText(2, Absl(subject));
    st.BindText(3, Absl(login));
    st.BindInt64(4, Micros(clock_.Now()));
    return st.Run();
  });
}

absl::Status AccountStore::UnlinkOidc(std::string_view issuer, std::string_view subject) {
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn_->Prepare("DELETE FROM oidc_links WHERE issuer = ?1 AND subject = ?2"));
  st.BindText(1, Absl(issuer));
  st.BindText(2, Absl(subject));
  TC_RETURN_IF_ERROR(st.Run());
  TC_ASSIGN_OR_RETURN(int64_t changed, Changes(*conn_));
  if (changed == 0) return absl::NotFoundError("no such OpenID Connect link");
  return absl::OkStatus();
}

absl::StatusOr<UserAccount> AccountStore::CheckOidcLogin(std::string_view issuer,
                                                         std::string_view subject) const {
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(
      Statement st,
      conn_->Prepare("SELECT login FROM oidc_links WHERE issuer = ?1 AND subject = ?2"));
  st.BindText(1, Absl(issuer));
  st.BindText(2, Absl(subject));
  TC_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError("no account is linked to this identity");
  const std::string login(st.ColumnText(0));
  TC_ASSIGN_OR_RETURN(std::optional<UserAccount> user, SelectUser(*conn_, login));
  if (!user.has_value()) return absl::NotFoundError("no account is linked to this identity");
  if (user->disabled) return absl::PermissionDeniedError("account disabled");
  if (user->locked_until.has_value() && *user->locked_until > clock_.Now()) {
    return LockedError(*user->locked_until);
  }
  return *std::move(user);
}

absl::StatusOr<std::string> AccountStore::DummyHash() {
  absl::MutexLock lock(&dummy_mu_);
  if (dummy_hash_.empty()) {
    TC_ASSIGN_OR_RETURN(dummy_hash_, auth::HashPassword(GenerateOneTimePassword(random_), random_,
                                                        options_.argon2));
  }
  return dummy_hash_;
}

absl::StatusOr<UserAccount> AccountStore::CheckPassword(std::string_view login,
                                                        std::string_view password) {
  std::optional<LoginState> state;
  if (IsValidLogin(login)) {
    absl::MutexLock lock(&mu_);
    TC_ASSIGN_OR_RETURN(state, SelectLoginState(*conn_, login));
  }
  if (!state.has_value() || state->disabled) {
    // Spend the same argon2 work as a real check, so timing does not tell what happened.
    std::string hash;
    if (state.has_value()) {
      hash = state->password_hash;
    } else {
      TC_ASSIGN_OR_RETURN(hash, DummyHash());
    }
    auth::VerifyPassword(password, hash).IgnoreError();
    return absl::UnauthenticatedError(kInvalidLogin);
  }
  if (IsLocked(*state, clock_.Now())) return LockedError(*state->locked_until);

  absl::StatusOr<bool> matches = auth::VerifyPassword(password, state->password_hash);
  if (!matches.ok()) {
    return absl::InternalError("a stored password hash cannot be read; reset the password");
  }
  std::string new_hash;
  if (*matches && auth::PasswordNeedsRehash(state->password_hash, options_.argon2)) {
    TC_ASSIGN_OR_RETURN(new_hash, auth::HashPassword(password, random_, options_.argon2));
  }

  absl::MutexLock lock(&mu_);
  absl::Status result;  // the answer to the caller; the transaction commits either way
  UserAccount account;
  TC_RETURN_IF_ERROR(InTransaction(*conn_, [&]() -> absl::Status {
    const absl::Time now = clock_.Now();
    // Re-read: another attempt or an administrator may have changed the account meanwhile.
    TC_ASSIGN_OR_RETURN(std::optional<LoginState> current, SelectLoginState(*conn_, login));
    if (!current.has_value() || current->disabled ||
        current->password_hash != state->password_hash) {
      result = absl::UnauthenticatedError(kInvalidLogin);
      return absl::OkStatus();
    }
    if (IsLocked(*current, now)) {
      result = LockedError(*current->locked_until);
      return absl::OkStatus();
    }
    if (!*matches) {
      result = absl::UnauthenticatedError(kInvalidLogin);
      return RecordFailure(*conn_, login, *current, options_.lockout, now);
    }
    // With a second factor the count is reset by CheckTotp, so a known password cannot be used
    // to guess codes without limit.
    if (current->totp_secret.empty()) TC_RETURN_IF_ERROR(ResetFailures(*conn_, login, now));
    if (!new_hash.empty()) {
      TC_ASSIGN_OR_RETURN(Statement st,
                          conn_->Prepare("UPDATE users SET password_hash = ?2 WHERE login = ?1"));
      st.BindText(1, Absl(login));
      st.BindText(2, new_hash);
      TC_RETURN_IF_ERROR(st.Run());
    }
    TC_ASSIGN_OR_RETURN(std::optional<UserAccount> user, SelectUser(*conn_, login));
    if (!user.has_value()) return absl::InternalError("user vanished during login");
    account = *std::move(user);
    return absl::OkStatus();
  }));
  if (!result.ok()) return result;
  return account;
}

// ---- TOTP
// ----------------------------------------------------------------------------------------

absl::Status AccountStore::SetTotpSecret(std::string_view login, std::string_view secret_base32) {
  std::string canonical;
  if (!secret_base32.empty()) {
    absl::StatusOr<std::string> raw = auth::Base32Decode(secret_base32);
    if (!raw.ok() || raw->size() < 16 || raw->size() > 64) {
      return absl::InvalidArgumentError(
          "the TOTP secret must be base32 encoding 16 to 64 bytes (RFC 4226 §4)");
    }
    canonical = auth::Base32Encode(*raw);
  }
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn_->Prepare("UPDATE users SET totp_secret = ?2, totp_last_step = NULL, "
                                     "updated = ?3 WHERE login = ?1"));
  st.BindText(1, Absl(login));
  st.BindText(2, canonical);
  st.BindInt64(3, Micros(clock_.Now()));
  TC_RETURN_IF_ERROR(st.Run());
  TC_ASSIGN_OR_RETURN(int64_t changed, Changes(*conn_));
  return changed == 0 ? NoSuchUser(login) : absl::OkStatus();
}

absl::StatusOr<std::string> AccountStore::TotpSecret(std::string_view login) const {
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn_->Prepare("SELECT totp_secret FROM users WHERE login = ?1"));
  st.BindText(1, Absl(login));
  TC_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NoSuchUser(login);
  return std::string(st.ColumnText(0));
}

absl::Status AccountStore::CheckTotp(std::string_view login, std::string_view code) {
  absl::MutexLock lock(&mu_);
  absl::Status result;
  TC_RETURN_IF_ERROR(InTransaction(*conn_, [&]() -> absl::Status {
    const absl::Time now = clock_.Now();
    TC_ASSIGN_OR_RETURN(std::optional<LoginState> state, SelectLoginState(*conn_, login));
    if (!state.has_value() || state->disabled || state->totp_secret.empty()) {
      result = absl::UnauthenticatedError("invalid code");
      return absl::OkStatus();
    }
    if (IsLocked(*state, now)) {
      result = LockedError(*state->locked_until);
      return absl::OkStatus();
    }
    absl::StatusOr<std::string> secret = auth::Base32Decode(state->totp_secret);
    if (!secret.ok()) return absl::DataLossError("access.db: a stored TOTP secret is not base32");
    std::optional<int64_t> last = state->totp_last_step;
    result = auth::VerifyTotp(*secret, code, clock_, last);
    if (absl::IsUnauthenticated(result)) {
      result = absl::UnauthenticatedError("invalid code");
      return RecordFailure(*conn_, login, *state, options_.lockout, now);
    }
    if (!result.ok()) return absl::OkStatus();
    TC_ASSIGN_OR_RETURN(Statement st,
                        conn_->Prepare("UPDATE users SET totp_last_step = ?2, failed_logins = 0, "
                                       "locked_until = NULL, updated = ?3 WHERE login = ?1"));
    st.BindText(1, Absl(login));
    st.BindInt64(2, last.value_or(0));
    st.BindInt64(3, Micros(now));
    return st.Run();
  }));
  return result;
}

// ---- API clients
// ---------------------------------------------------------------------------------

absl::Status AccountStore::AddClient(const ClientRegistration& client) {
  if (!IsValidClientId(client.client_id)) {
    return absl::InvalidArgumentError("invalid client id (expected [A-Za-z0-9._-]{2,64})");
  }
  TC_RETURN_IF_ERROR(CheckName(client.name, "client name"));
  TC_ASSIGN_OR_RETURN(std::string scopes, CanonicalClientScopes(client.scopes));
  if (client.jwks_json.empty() && client.jwks_url.empty()) {
    return absl::InvalidArgumentError(
        "register the client's JWK Set or the URL it publishes it at");
  }
  if (!client.jwks_json.empty()) TC_RETURN_IF_ERROR(CheckClientJwks(client.jwks_json));
  if (!client.jwks_url.empty()) TC_RETURN_IF_ERROR(CheckJwksUrl(client.jwks_url));
  TC_ASSIGN_OR_RETURN(std::vector<std::string> codes,
                      NormalizeEstablishments(client.establishments));
  const std::string joined = JoinCodes(codes);
  absl::MutexLock lock(&mu_);
  return InTransaction(*conn_, [&]() -> absl::Status {
    {
      TC_ASSIGN_OR_RETURN(Statement st,
                          conn_->Prepare("SELECT 1 FROM clients WHERE client_id = ?1"));
      st.BindText(1, client.client_id);
      TC_ASSIGN_OR_RETURN(bool exists, st.Step());
      if (exists) {
        return absl::AlreadyExistsError(
            absl::StrCat("the client id \"", client.client_id, "\" is already registered"));
      }
    }
    TC_ASSIGN_OR_RETURN(
        Statement st,
        conn_->Prepare("INSERT INTO clients(client_id, name, scopes, jwks_json, establishments, "
                       "disabled, created, jwks_url) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    st.BindText(1, client.client_id);
    st.BindText(2, client.name);
    st.BindText(3, scopes);
    st.BindText(4, client.jwks_json);
    st.BindText(5, joined);
    st.BindInt64(6, client.disabled ? 1 : 0);
    st.BindInt64(7, Micros(clock_.Now()));
    st.BindText(8, client.jwks_url);
    return st.Run();
  });
}

absl::StatusOr<std::optional<ClientRegistration>> AccountStore::GetClient(
    std::string_view client_id) const {
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn_->Prepare(absl::StrCat(kSelectClient, " WHERE client_id = ?1")));
  st.BindText(1, Absl(client_id));
  TC_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::nullopt;
  return ReadClient(st);
}

absl::StatusOr<std::vector<ClientRegistration>> AccountStore::ListClients() const {
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn_->Prepare(absl::StrCat(kSelectClient, " ORDER BY client_id")));
  std::vector<ClientRegistration> out;
  while (true) {
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadClient(st));
  }
  return out;
}

absl::Status AccountStore::SetClientDisabled(std::string_view client_id, bool disabled) {
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn_->Prepare("UPDATE clients SET disabled = ?2 WHERE client_id = ?1"));
  st.BindText(1, Absl(client_id));
  st.BindInt64(2, disabled ? 1 : 0);
  TC_RETURN_IF_ERROR(st.Run());
  TC_ASSIGN_OR_RETURN(int64_t changed, Changes(*conn_));
  return changed == 0 ? NoSuchClient(client_id) : absl::OkStatus();
}

absl::Status AccountStore::UseJti(std::string_view issuer, std::string_view jti,
                                  absl::Time expires) {
  if (issuer.empty() || jti.empty() || issuer.size() > kMaxJtiBytes || jti.size() > kMaxJtiBytes) {
    return absl::InvalidArgumentError("assertion issuer and jti must be 1 to 1024 bytes");
  }
  absl::MutexLock lock(&mu_);
  return InTransaction(*conn_, [&]() -> absl::Status {
    const int64_t now = Micros(clock_.Now());
    {
      TC_ASSIGN_OR_RETURN(Statement st, conn_->Prepare("DELETE FROM used_jti WHERE expires <= ?1"));
      st.BindInt64(1, now);
      TC_RETURN_IF_ERROR(st.Run());
    }
    {
      TC_ASSIGN_OR_RETURN(Statement st,
                          conn_->Prepare("SELECT 1 FROM used_jti WHERE issuer = ?1 AND jti = ?2"));
      st.BindText(1, Absl(issuer));
      st.BindText(2, Absl(jti));
      TC_ASSIGN_OR_RETURN(bool seen, st.Step());
      if (seen) return absl::AlreadyExistsError("the assertion's jti has already been used");
    }
    TC_ASSIGN_OR_RETURN(
        Statement st,
        conn_->Prepare("INSERT INTO used_jti(issuer, jti, expires) VALUES(?1, ?2, ?3)"));
    st.BindText(1, Absl(issuer));
    st.BindText(2, Absl(jti));
    st.BindInt64(3, Micros(expires));
    return st.Run();
  });
}

// ---- Server identity
// -----------------------------------------------------------------------------

absl::StatusOr<std::string> AccountStore::Secret(std::string_view name,
                                                 std::string (*make)(base::Random&)) {
  absl::MutexLock lock(&mu_);
  std::string value;
  TC_RETURN_IF_ERROR(InTransaction(*conn_, [&]() -> absl::Status {
    {
      TC_ASSIGN_OR_RETURN(Statement st,
                          conn_->Prepare("SELECT value FROM server_secrets WHERE name = ?1"));
      st.BindText(1, Absl(name));
      TC_ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) {
        value = std::string(st.ColumnBlob(0));
        return absl::OkStatus();
      }
    }
    value = make(random_);
    TC_ASSIGN_OR_RETURN(Statement st,
                        conn_->Prepare("INSERT INTO server_secrets(name, value) VALUES(?1, ?2)"));
    st.BindText(1, Absl(name));
    st.BindBlob(2, value);
    return st.Run();
  }));
  return value;
}

absl::StatusOr<std::string> AccountStore::TokenSecret() {
  return Secret("token-secret", NewTokenSecret);
}

absl::StatusOr<std::string> AccountStore::InstanceId() {
  return Secret("instance-id", NewInstanceId);
}

absl::StatusOr<std::optional<std::string>> AccountStore::EnsureFirstAdmin() {
  {
    absl::MutexLock lock(&mu_);
    TC_ASSIGN_OR_RETURN(Statement st, conn_->Prepare("SELECT EXISTS(SELECT 1 FROM users)"));
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row && st.ColumnInt64(0) != 0) return std::nullopt;
  }
  UserAccount admin;
  admin.login = "admin";
  admin.display_name = "First administrator";
  admin.role = auth::Role::kSystemAdmin;
  std::string password = GenerateOneTimePassword(random_);
  for (int i = 0; i < 8 && !CheckPasswordFor(password, admin.login, admin.display_name).ok(); ++i) {
    password = GenerateOneTimePassword(random_);
  }
  TC_ASSIGN_OR_RETURN(std::string hash, auth::HashPassword(password, random_, options_.argon2));
  absl::MutexLock lock(&mu_);
  bool created = false;
  TC_RETURN_IF_ERROR(InTransaction(*conn_, [&]() -> absl::Status {
    TC_ASSIGN_OR_RETURN(Statement st, conn_->Prepare("SELECT EXISTS(SELECT 1 FROM users)"));
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row && st.ColumnInt64(0) != 0) return absl::OkStatus();  // another process was first
    created = true;
    return InsertUser(*conn_, admin, {}, hash, /*must_change_password=*/true, clock_.Now());
  }));
  if (!created) return std::nullopt;
  return password;
}

}  // namespace tc::access
