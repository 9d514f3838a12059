// File: access/account_store.h
//
// Local staff accounts and registered API clients (issue 4, "Identity" 1 and 4), kept in a small
// SQLite database of their own, `<data_dir>/access.db` (WAL, synchronous=FULL, created readable
// by its owner only), apart from the clinical store. Its schema is numbered migrations
// (access/account_schema.h) applied at Open.
//
//   * Users log in with a password (argon2id, auth/password.h) and optionally a TOTP code.
//     CheckPassword gives the same Unauthenticated error for an unknown login, a wrong password
//     and a disabled account, and spends one argon2 verification in every case, so neither the
//     message nor the timing tells whether a login exists. After LockoutPolicy::max_failures
//     consecutive failures the account is locked for `lock_for` (PermissionDenied until then);
//     the first attempt after the lock has run out starts a fresh count.
//   * A user created with a generated one-time password has must_change_password set; the
//     caller (web login) MUST make them choose a new one (SetPassword) before anything else.
//   * The `system` role is for API clients only; a user account cannot hold it.
//   * Clients (SMART Backend Services) are registered with the system/ scopes they may be
//     granted and the public JWK Set their assertions are verified with; UseJti records the
//     assertions' jti for replay protection.
//   * TokenSecret and InstanceId are created on first use and stored, so tokens survive a
//     restart.
// Passwords, hashes, TOTP secrets and the token secret never appear in a Status message.
//
// Thread-safe: one connection behind a mutex; argon2 work runs outside it. Several processes
// (the server and the `throughcare user` CLI) may open the same file.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/password.h"
#include "auth/roles.h"
#include "base/clock.h"
#include "base/random.h"

namespace tc::store::sqlite_internal {
class Connection;
}  // namespace tc::store::sqlite_internal

namespace tc::access {

// The account database's file name inside the data directory.
inline constexpr char kAccountDbFileName[] = "access.db";

// `<data_dir>/access.db`.
std::string AccountDbPath(std::string_view data_dir);

struct UserAccount {
  std::string login;  // [a-z0-9._-]{2,64}, unique
  std::string display_name;
  auth::Role role = auth::Role::kRegisteredNurse;
  std::vector<std::string> establishments;  // codes, e.g. "HMP-LEEDS" ([A-Za-z0-9-]{1,32})
  bool disabled = false;
  int failed_logins = 0;
  std::optional<absl::Time> locked_until;
  absl::Time created;
  bool must_change_password = false;  // true for generated one-time passwords
  bool has_totp = false;
};

struct ClientRegistration {
  std::string client_id;  // [A-Za-z0-9._-]{2,64}
  std::string name;
  // Space-separated SMART scopes the client may be granted; each must parse with
  // auth::ParseScopes and be in the system/ context. Stored in canonical form.
  std::string scopes;
  // The registered JWK Set (public keys only; must parse with auth::ParseJwks and hold at least
  // one usable signing key).
  std::string jwks_json;
  // The URL the client publishes its JWK Set at (SMART Backend Services "jku"): https, or http
  // on the loopback address only (tests, a sidecar). "" = none. At least one of jwks_json and
  // jwks_url is registered.
  std::string jwks_url;
  std::vector<std::string> establishments;
  bool disabled = false;
  absl::Time created;
};

struct LockoutPolicy {
  int max_failures = 5;
  absl::Duration lock_for = absl::Minutes(15);
};

struct AccountStoreOptions {
  LockoutPolicy lockout;
  // Parameters for new password hashes; a login with a hash made otherwise is re-hashed. Tests
  // use small ones (the default costs 64 MiB and a noticeable fraction of a second).
  auth::Argon2Params argon2;
  // How long a statement waits for another process's lock on the file.
  absl::Duration busy_timeout = absl::Seconds(5);
};

class AccountStore {
 public:
  // Opens or creates `path` (creating its directory if missing) and applies the migrations.
  // The clock and random must outlive the store.
  static absl::StatusOr<std::unique_ptr<AccountStore>> Open(const std::string& path,
                                                            const base::Clock& clock,
                                                            base::Random& random,
                                                            LockoutPolicy lockout = {});
  static absl::StatusOr<std::unique_ptr<AccountStore>> Open(const std::string& path,
                                                            const base::Clock& clock,
                                                            base::Random& random,
                                                            const AccountStoreOptions& options);

  AccountStore(const AccountStore&) = delete;
  AccountStore& operator=(const AccountStore&) = delete;
  ~AccountStore();

  // ---- Users ---------------------------------------------------------------------------------

  // Creates `user` (login, display_name, role, establishments, disabled and
  // must_change_password are taken from it; the rest start fresh, `created` is now).
  // AlreadyExists if the login is taken; InvalidArgument for a bad login, display name,
  // establishment, the `system` role, or a password that fails auth::CheckPasswordRules (with
  // the login and display name as context words).
  absl::Status AddUser(const UserAccount& user, std::string_view password);
  // Same, but generates a one-time password (GenerateOneTimePassword, from `random`), sets
  // must_change_password, and returns the password: show it once, it is not kept.
  absl::StatusOr<std::string> AddUserWithOneTimePassword(const UserAccount& user);
  // Every user, ordered by login.
  absl::StatusOr<std::vector<UserAccount>> ListUsers() const;
  // NotFound when there is no such login.
  absl::StatusOr<UserAccount> GetUser(std::string_view login) const;
  // NotFound. Enabling does not clear a lock; disabling keeps the password.
  absl::Status SetDisabled(std::string_view login, bool disabled);
  // NotFound; InvalidArgument for the `system` role or a bad establishment code.
  absl::Status SetRole(std::string_view login, auth::Role role,
                       std::vector<std::string> establishments);
  // Sets a new password (rules applied as in AddUser); clears must_change_password, the failed
  // count and any lock. NotFound; InvalidArgument.
  absl::Status SetPassword(std::string_view login, std::string_view password);

  // Password login with lockout:
  //   Unauthenticated("invalid login or password") — unknown login, wrong password, disabled
  //       account (one message for all three, and the same argon2 work);
  //   PermissionDenied("account locked until <RFC 3339 time>") — while locked (checked before
  //       the password, so a locked account cannot be probed);
  // Each failure on an enabled account counts; reaching max_failures locks it for lock_for.
  // Success resets the count (for an account with TOTP only a successful CheckTotp does, so a
  // known password cannot be used to guess codes without limit), re-hashes when
  // auth::PasswordNeedsRehash, and returns the account (check must_change_password and
  // has_totp: the login is not complete until those are done).
  absl::StatusOr<UserAccount> CheckPassword(std::string_view login, std::string_view password);

  // Sets the TOTP shared secret, base32 (auth::Base32Decode must accept it, at least 16 bytes
  // decoded); "" clears it. Resets the last used step. NotFound; InvalidArgument.
  absl::Status SetTotpSecret(std::string_view login, std::string_view secret_base32);
  // The secret, upper-case base32 without padding, or "" when none is set. NotFound.
  absl::StatusOr<std::string> TotpSecret(std::string_view login) const;
  // Verifies a TOTP code for `login` (auth::VerifyTotp with the store's clock) and records the
  // step it matched, so each code works once; success resets the failure count. A wrong or
  // reused code counts as a failed login (lockout as above). Unauthenticated("invalid code") for
  // a wrong or reused code, an unknown or disabled login, or one without a secret;
  // PermissionDenied while locked; InvalidArgument for a code that is not 6 digits.
  absl::Status CheckTotp(std::string_view login, std::string_view code);

  // ---- OpenID Connect (issue 4, "Identity" 1) -------------------------------------------------

  // Links the identity provider's (issuer, subject) — the ID token's "iss" and "sub" — to
  // `login`, so that an OpenID Connect sign-in with that identity signs in as that account. A
  // login may have several identities; an identity belongs to one login. NotFound for an
  // unknown login; AlreadyExists when the identity is linked to another login (linking it to the
  // same login again is OK); InvalidArgument when the issuer is not an https:// or http:// URL
  // or the subject is empty, longer than 255 bytes or has control characters.
  absl::Status LinkOidc(std::string_view login, std::string_view issuer, std::string_view subject);
  // Removes a link; NotFound when there was none.
  absl::Status UnlinkOidc(std::string_view issuer, std::string_view subject);
  // The account an OpenID Connect identity signs in as, for the web sign-in:
  //   NotFound("no account is linked to this identity") — not linked;
  //   PermissionDenied("account disabled") — the linked account is disabled;
  //   PermissionDenied("account locked until <RFC 3339 time>") — locked by password failures.
  // Neither counts as a failed password login nor clears the count.
  absl::StatusOr<UserAccount> CheckOidcLogin(std::string_view issuer,
                                             std::string_view subject) const;

  // ---- API clients ---------------------------------------------------------------------------

  // Registers `client` (`created` is now). AlreadyExists; InvalidArgument for a bad client id,
  // name, scope, JWK Set or establishment.
  absl::Status AddClient(const ClientRegistration& client);
  // nullopt when there is no such client.
  absl::StatusOr<std::optional<ClientRegistration>> GetClient(std::string_view client_id) const;
  // Every client, ordered by client id.
  absl::StatusOr<std::vector<ClientRegistration>> ListClients() const;
  // NotFound.
  absl::Status SetClientDisabled(std::string_view client_id, bool disabled);

  // Replay protection for client assertions: records (issuer, jti) until `expires`;
  // AlreadyExists if the pair was recorded before and has not expired. Purges expired rows.
  // The caller checks the assertion's own expiry; this does not. InvalidArgument when issuer or
  // jti is empty or longer than 1024 bytes.
  absl::Status UseJti(std::string_view issuer, std::string_view jti, absl::Time expires);

  // ---- Server identity -----------------------------------------------------------------------

  // The server's HS256 access-token secret: 32 random bytes, created on first call and stored.
  absl::StatusOr<std::string> TokenSecret();
  // A stable instance id, "tc-" + 16 lower-case hex characters, created on first call and
  // stored; the audience of the server's tokens.
  absl::StatusOr<std::string> InstanceId();

  // First start: when there are no users at all, creates login "admin", display name "First
  // administrator", role system-admin, with a one-time password, and returns the password.
  // Otherwise (including every later call) nullopt.
  absl::StatusOr<std::optional<std::string>> EnsureFirstAdmin();

 private:
  AccountStore(std::unique_ptr<store::sqlite_internal::Connection> conn, const base::Clock& clock,
               base::Random& random, const AccountStoreOptions& options);

  // Checks `user` and the password rules, hashes, and inserts.
  absl::Status Insert(const UserAccount& user, std::string_view password,
                      bool must_change_password);
  // A stored secret by name, created from `make` on first use.
  absl::StatusOr<std::string> Secret(std::string_view name, std::string (*make)(base::Random&));
  // A hash of a random password with the store's parameters, made once, for unknown logins.
  absl::StatusOr<std::string> DummyHash();

  const base::Clock& clock_;
  base::Random& random_;
  const AccountStoreOptions options_;

  mutable absl::Mutex mu_;
  std::unique_ptr<store::sqlite_internal::Connection> conn_ ABSL_GUARDED_BY(mu_);

  absl::Mutex dummy_mu_;
  std::string dummy_hash_ ABSL_GUARDED_BY(dummy_mu_);
};

}  // namespace tc::access
