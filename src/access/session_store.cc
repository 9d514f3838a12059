#include "access/session_store.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tc::access {
namespace {

using store::sqlite_internal::Connection;
using store::sqlite_internal::Statement;

absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }
int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

absl::StatusOr<SessionStage> ParseStage(absl::string_view id) {
  if (id == "totp") return SessionStage::kNeedsTotp;
  if (id == "password-change") return SessionStage::kNeedsPasswordChange;
  if (id == "active") return SessionStage::kActive;
  return absl::DataLossError(absl::StrCat("unknown session stage \"", id, "\""));
}

}  // namespace

std::string_view SessionStageId(SessionStage stage) {
  switch (stage) {
    case SessionStage::kNeedsTotp:
      return "totp";
    case SessionStage::kNeedsPasswordChange:
      return "password-change";
    case SessionStage::kActive:
      return "active";
  }
  return "";
}

absl::StatusOr<std::unique_ptr<SessionStore>> SessionStore::Open(const std::string& path,
                                                                 const base::Clock& clock,
                                                                 base::Random& random,
                                                                 auth::SessionLimits limits) {
  TC_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                      Connection::Open(path, Connection::Mode::kReadWrite, absl::Seconds(5)));
  TC_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous = FULL"));
  {  // The table comes from the account database's migrations (AccountStore::Open).
    TC_ASSIGN_OR_RETURN(Statement st,
                        conn->Prepare("SELECT 1 FROM sqlite_master WHERE name = 'sessions'"));
    TC_ASSIGN_OR_RETURN(bool exists, st.Step());
    if (!exists) {
      return absl::FailedPreconditionError(
          "the account database has no sessions table (open it with AccountStore first)");
    }
  }
  return std::unique_ptr<SessionStore>(new SessionStore(std::move(conn), clock, random, limits));
}

absl::StatusOr<std::string> SessionStore::Create(std::string_view login, SessionStage stage,
                                                 std::string_view address) {
  std::string id = auth::NewSessionId(random_);
  const std::string digest = auth::SessionIdDigest(id);
  const int64_t now = Micros(clock_.Now());
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(
      Statement st,
      conn_->Prepare("INSERT INTO sessions(digest, login, stage, created, last_seen, address, "
                     "break_glass_reason, break_glass_granted, break_glass_expires) "
                     "VALUES(?1, ?2, ?3, ?4, ?4, ?5, '', 0, 0)"));
  st.BindText(1, digest);
  st.BindText(2, Absl(login));
  st.BindText(3, Absl(SessionStageId(stage)));
  st.BindInt64(4, now);
  st.BindText(5, Absl(address));
  TC_RETURN_IF_ERROR(st.Run());
  return id;
}

absl::StatusOr<std::optional<WebSession>> SessionStore::Touch(std::string_view session_id) {
  if (!auth::IsWellFormedSessionId(session_id)) return std::nullopt;
  const std::string digest = auth::SessionIdDigest(session_id);
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  WebSession s;
  int64_t bg_granted = 0, bg_expires = 0;
  std::string bg_reason;
  {
    TC_ASSIGN_OR_RETURN(
        Statement st,
        conn_->Prepare("SELECT login, stage, created, last_seen, address, break_glass_reason, "
                       "break_glass_granted, break_glass_expires FROM sessions WHERE digest = ?1"));
    st.BindText(1, digest);
    TC_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return std::nullopt;
    s.login = std::string(st.ColumnText(0));
    TC_ASSIGN_OR_RETURN(s.stage, ParseStage(st.ColumnText(1)));
    s.created = absl::FromUnixMicros(st.ColumnInt64(2));
    s.last_seen = absl::FromUnixMicros(st.ColumnInt64(3));
    s.address = std::string(st.ColumnText(4));
    bg_reason = std::string(st.ColumnText(5));
    bg_granted = st.ColumnInt64(6);
    bg_expires = st.ColumnInt64(7);
  }
  if (auth::CheckSession(s.created, s.last_seen, now, limits_) != auth::SessionState::kActive) {
    TC_ASSIGN_OR_RETURN(Statement del, conn_->Prepare("DELETE FROM sessions WHERE digest = ?1"));
    del.BindText(1, digest);
    TC_RETURN_IF_ERROR(del.Run());
    return std::nullopt;
  }
  {
    TC_ASSIGN_OR_RETURN(Statement up,
                        conn_->Prepare("UPDATE sessions SET last_seen = ?2 WHERE digest = ?1"));
    up.BindText(1, digest);
    up.BindInt64(2, Micros(now));
    TC_RETURN_IF_ERROR(up.Run());
  }
  s.last_seen = now;
  if (!bg_reason.empty() && absl::FromUnixMicros(bg_expires) > now) {
    s.break_glass = auth::BreakGlass{bg_reason, absl::FromUnixMicros(bg_granted),
                                     absl::FromUnixMicros(bg_expires)};
  }
  return s;
}

absl::Status SessionStore::SetStage(std::string_view session_id, SessionStage stage) {
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn_->Prepare("UPDATE sessions SET stage = ?2 WHERE digest = ?1"));
  const std::string digest = auth::SessionIdDigest(session_id);
  st.BindText(1, digest);
  st.BindText(2, Absl(SessionStageId(stage)));
  return st.Run();
}

absl::Status SessionStore::DeclareBreakGlass(std::string_view session_id, std::string_view reason,
                                             absl::Duration duration) {
  if (reason.empty()) return absl::InvalidArgumentError("break-glass needs a reason");
  if (duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("break-glass needs a positive duration");
  }
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(Statement st,
                      conn_->Prepare("UPDATE sessions SET break_glass_reason = ?2, "
                                     "break_glass_granted = ?3, break_glass_expires = ?4 "
                                     "WHERE digest = ?1"));
  const std::string digest = auth::SessionIdDigest(session_id);
  st.BindText(1, digest);
  st.BindText(2, Absl(reason));
  st.BindInt64(3, Micros(now));
  st.BindInt64(4, Micros(now + duration));
  return st.Run();
}

absl::Status SessionStore::End(std::string_view session_id) {
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(Statement st, conn_->Prepare("DELETE FROM sessions WHERE digest = ?1"));
  const std::string digest = auth::SessionIdDigest(session_id);
  st.BindText(1, digest);
  return st.Run();
}

absl::StatusOr<int64_t> SessionStore::EndAll(std::string_view login) {
  absl::MutexLock lock(&mu_);
  TC_ASSIGN_OR_RETURN(Statement st, conn_->Prepare("DELETE FROM sessions WHERE login = ?1"));
  st.BindText(1, Absl(login));
  TC_RETURN_IF_ERROR(st.Run());
  TC_ASSIGN_OR_RETURN(Statement n, conn_->Prepare("SELECT changes()"));
  TC_ASSIGN_OR_RETURN(bool row, n.Step());
  return row ? n.ColumnInt64(0) : 0;
}

}  // namespace tc::access
