// File: web/web_app.h
//
// The web UI's sign-in and account pages and the privacy officer's audit pages (issue 4,
// "Identity" 1–2, "Audit" 11–12), server-rendered in NHS.UK markup (web/layout.h):
//   GET  /                      home (signed in) or a link to sign in
//   GET  /login, POST /login    password sign-in (lockout, the same answer for unknown, wrong
//                               and disabled accounts), then
//   GET  /login/oidc            when OpenID Connect is configured (access/oidc.h): starts an IdP
//                               sign-in (303 to the provider; state, nonce and PKCE verifier in a
//                               sealed, 10-minute, SameSite=Lax pre-session cookie)
//   GET  /login/oidc/callback   the provider's answer: an explicitly linked, enabled, unlocked
//                               account gets an active session (no TOTP step: the provider
//                               authenticated the user); anything else a refusal page, audited
//   GET|POST /login/totp        the second factor when the account has TOTP
//   GET|POST /account/password  a new password (required after a one-time password)
//   POST /logout                sign out; POST /logout/everywhere ends every session of the user
//   GET|POST /break-glass       declare break-glass with a typed reason (1 hour, shown on every
//                               page, alerts the privacy officer through the audit trail)
//   GET  /audit                 audit search for roles with the audit-read trait: by patient,
//                               by user, break-glass in the last N days
//   GET  /patients/{id}/access-report   "who has seen my record", printable
//   GET  /patients               the caseload: patients held at (or recently left) the user's
//                                establishments, by the same policy as the FHIR API
//   GET  /patients/{id}          the patient summary: banner (name, NHS number 3-3-4, date of
//                                birth and age, establishment, alerts, allergies), problems,
//                                allergies, current medicines, alerts, recent observations, the
//                                latest NEWS2 with its escalation
//   GET|POST /patients/{id}/alerts  raise an alert (Flag): self-harm risk (ACCT open), seizure
//                                risk, pregnancy, or operational information shared with
//                                custodial staff with the patient's consent; POST
//                                /patients/{id}/alerts/{flag}/end ends one
//   GET  /worklist               the establishment's work: new arrivals in the last 7 days,
//                                patients with active alerts, tasks due (reception clocks:
//                                first-stage screen the same day, second-stage assessment within
//                                7 days, BBV testing offered within 72 hours; overdue marked;
//                                POST /tasks/{id}/done), releases in the next 28 days
//   GET|POST /reception          receive a person into custody at the user's establishment: a new
//                                person (NHS number checked, modulus 11) or one already known —
//                                the same NHS number, or a likely match on name and date of birth
//                                offered for confirmation — whose custody then moves here at once
//   GET  /patients/{id}/notes    clinical notes (Composition, LOINC 11506-3 progress note),
//                                newest first; GET|POST .../notes/new writes one (signed by its
//                                author: final); GET|POST .../notes/{note}/amend amends one (a new
//                                version, status amended); GET .../notes/{note}/history shows
//                                every version
//   GET|POST /patients/{id}/allergies   record an allergy (substance, reaction, severity,
//                                confirmed or suspected) or that the person has no known
//                                allergies (AllergyIntolerance)
//   GET|POST /patients/{id}/problems    record a problem (Condition: as said, since when, and
//                                whether confirmed); POST .../problems/{c}/resolve resolves one
//   GET|POST /patients/{id}/observations   record vital signs: NEWS2 (care/news2.h) is
//                                calculated, every value and the score stored as Observations
//                                in one transaction (a double submit stores nothing twice)
// Every patient page reads through the access layer (the guard's query restriction and
// per-resource decisions) and is audited like the API request it stands for.
// Sessions (access/session_store.h) live in an HttpOnly, SameSite=Strict cookie; a new session
// id is issued at every sign-in step. Every state-changing form carries a CSRF token bound to the
// session (auth/session.h), and the sign-in form a double-submit token bound to a pre-session
// cookie; a POST without a valid one is refused with 403 and changes nothing. Every sign-in,
// failure, sign-out and break-glass is audited.
// Thread-safe.
#pragma once

#include <string>
#include <variant>

#include "access/access_control.h"
#include "access/account_store.h"
#include "access/oidc.h"
#include "access/session_store.h"
#include "audit/audit_event.h"
#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/random.h"
#include "engine/repository.h"
#include "http/message.h"

namespace tc::web {

inline constexpr std::string_view kSessionCookie = "tc_session";
inline constexpr std::string_view kLoginCookie = "tc_login";
inline constexpr std::string_view kOidcCookie = "tc_oidc";

struct WebAppOptions {
  bool secure_cookies = false;  // Secure cookies (set when serving TLS)
  std::string server_name = "throughcare";
  absl::Duration break_glass_duration = absl::Hours(1);
  std::string fhir_base_path = "/fhir";  // linked from the start page
};

// References must outlive the WebApp.
struct WebDeps {
  access::AccountStore& accounts;
  access::SessionStore& sessions;
  access::AccessControl& access;
  engine::Repository& repository;
  audit::AuditLog& audit;
  const base::Clock& clock;
  base::Random& random;
  // OpenID Connect sign-in; nullptr when not configured (the routes then answer 404).
  access::OidcRelyingParty* oidc = nullptr;
};

class WebApp {
 public:
  // `csrf_secret`: at least 32 bytes (the server's token secret).
  WebApp(WebDeps deps, std::string csrf_secret, WebAppOptions options = {});

  // True for the paths above.
  bool Owns(const http::Request& request) const;
  http::Response Handle(const http::Request& request);

 private:
  struct Context;  // the request's session, user and CSRF token
  http::Response Home(Context& ctx);
  http::Response LoginForm(const http::Request& request, std::string_view login,
                           std::string_view error);
  http::Response LoginSubmit(const http::Request& request);
  http::Response OidcStart(const http::Request& request);
  http::Response OidcCallback(const http::Request& request);
  // The refusal page of an OpenID Connect sign-in (the pre-session cookie is cleared).
  http::Response OidcRefusal(int status, std::string_view heading, std::string_view text);
  http::Response TotpPage(Context& ctx, const http::Request& request);
  http::Response PasswordPage(Context& ctx, const http::Request& request);
  http::Response Logout(Context& ctx, bool everywhere);
  http::Response BreakGlassPage(Context& ctx, const http::Request& request);
  http::Response AuditPage(Context& ctx, const http::Request& request);
  http::Response AccessReport(Context& ctx, const std::string& patient_id);
  // web_app_patients.cc
  http::Response CaseloadPage(Context& ctx, const http::Request& request);
  http::Response PatientSummaryPage(Context& ctx, const std::string& patient_id);
  // web_app_alerts.cc
  http::Response AlertsPage(Context& ctx, const http::Request& request,
                            const std::string& patient_id, const std::string& end_flag_id);
  http::Response WorklistPage(Context& ctx);
  // POST /tasks/{id}/done: the task is completed (once, even if sent twice).
  http::Response TaskDone(Context& ctx, const std::string& task_id);
  // web_app_reception.cc
  http::Response ReceptionPage(Context& ctx, const http::Request& request);
  // web_app_notes.cc: `rest` is what follows /patients/{id}/notes
  http::Response NotesPage(Context& ctx, const http::Request& request,
                           const std::string& patient_id, const std::string& rest);
  // web_app_allergies.cc
  http::Response AllergiesPage(Context& ctx, const http::Request& request,
                               const std::string& patient_id);
  // web_app_problems.cc: `resolve_id` set for POST .../problems/{c}/resolve
  http::Response ProblemsPage(Context& ctx, const http::Request& request,
                              const std::string& patient_id, const std::string& resolve_id);
  // web_app_observations.cc
  http::Response ObservationsPage(Context& ctx, const http::Request& request,
                                  const std::string& patient_id);
  // The request guard for the signed-in user (break-glass from the session).
  std::unique_ptr<access::RequestGuard> GuardFor(const Context& ctx) const;
  // Patient `patient_id` as the user may see it: the stored resource, or the page to answer
  // instead (404 for an unknown or malformed id, 403 — audited — when refused).
  std::variant<engine::ReadResult, http::Response> OpenPatient(const Context& ctx,
                                                               access::RequestGuard& guard,
                                                               const std::string& patient_id);

  // A complete page for `ctx` (its user, CSRF token and break-glass banner).
  http::Response Page(const Context& ctx, int status, const std::string& title,
                      const std::string& main_html) const;
  http::Response Redirect(std::string_view location) const;
  // Records a sign-in step, sign-out or break-glass declaration (`detail`: the outcome's
  // description, or the break-glass reason). `user`: the account, when known.
  void AuditSignIn(std::string_view login, std::string_view address, bool ok,
                   std::string_view detail, audit::AuditKind kind = audit::AuditKind::kLogin,
                   const access::UserAccount* user = nullptr);

  WebDeps deps_;
  std::string csrf_secret_;
  WebAppOptions options_;
};

}  // namespace tc::web
