// File: access/session_store.h
//
// Web sessions of staff (issue 4, "Identity" 2), kept in the account database
// (`<data_dir>/access.db`, table `sessions`, migration 0002):
//   * a new, random 256-bit session id at every sign-in (auth::NewSessionId) — never reused
//     from the request, so a planted id cannot be adopted (session fixation); only its SHA-256
//     is stored, so a copy of the database holds no live session;
//   * a session passes through stages: kNeedsTotp (password accepted, second factor pending),
//     kNeedsPasswordChange (a one-time password must be replaced), kActive;
//   * Touch() ends a session that has been idle or alive too long (auth::SessionLimits) and
//     otherwise records the use;
//   * EndAll(login) is "sign out everywhere" (also called when an account is disabled, its role
//     changes or its password is set);
//   * a break-glass declaration (reason, start, end) is held on the session, shown on every page
//     until it ends.
// Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "auth/policy.h"
#include "auth/session.h"
#include "base/clock.h"
#include "base/random.h"
#include "store/sqlite/internal/connection.h"

namespace tc::access {

enum class SessionStage { kNeedsTotp, kNeedsPasswordChange, kActive };

// "totp", "password-change", "active".
std::string_view SessionStageId(SessionStage stage);

struct WebSession {
  std::string login;
  SessionStage stage = SessionStage::kActive;
  absl::Time created;
  absl::Time last_seen;
  std::string address;
  std::optional<auth::BreakGlass> break_glass;  // set while declared and not expired
};

class SessionStore {
 public:
  // Opens the account database at `path` (AccountStore::Open creates and migrates it first).
  static absl::StatusOr<std::unique_ptr<SessionStore>> Open(const std::string& path,
                                                            const base::Clock& clock,
                                                            base::Random& random,
                                                            auth::SessionLimits limits = {});

  // A new session for `login` at `stage`; returns its id (for the cookie, never stored).
  absl::StatusOr<std::string> Create(std::string_view login, SessionStage stage,
                                     std::string_view address);

  // The live session with id `session_id`, its use recorded; nullopt when the id is malformed,
  // unknown, or the session has expired (it is then deleted).
  absl::StatusOr<std::optional<WebSession>> Touch(std::string_view session_id);

  absl::Status SetStage(std::string_view session_id, SessionStage stage);
  // Declares break-glass on the session for `duration` from now. InvalidArgument for an empty
  // reason or a non-positive duration.
  absl::Status DeclareBreakGlass(std::string_view session_id, std::string_view reason,
                                 absl::Duration duration);

  absl::Status End(std::string_view session_id);
  // Ends every session of `login` ("sign out everywhere"); returns how many were ended.
  absl::StatusOr<int64_t> EndAll(std::string_view login);

  const auth::SessionLimits& limits() const { return limits_; }

 private:
  SessionStore(std::unique_ptr<store::sqlite_internal::Connection> conn, const base::Clock& clock,
               base::Random& random, auth::SessionLimits limits)
      : clock_(clock), random_(random), limits_(limits), conn_(std::move(conn)) {}

  const base::Clock& clock_;
  base::Random& random_;
  const auth::SessionLimits limits_;
  absl::Mutex mu_;
  std::unique_ptr<store::sqlite_internal::Connection> conn_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tc::access
