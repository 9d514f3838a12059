#include "web/web_app.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "audit/audit_event.h"
#include "auth/encoding.h"
#include "auth/session.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "engine/errors.h"
#include "engine/query_string.h"
#include "fhir/json.h"
#include "web/cookies.h"
#include "web/home_page.h"
#include "web/html.h"
#include "web/layout.h"
#include "web/page_parts.h"
#include "web/web_app_context.h"

namespace tc::web {
namespace {

using fhir::Value;

constexpr absl::Duration kLoginFormLifetime = absl::Hours(1);

std::string Field(const engine::QueryParams& form, std::string_view name) {
  for (const auto& [n, v] : form) {
    if (n == name) return v;
  }
  return "";
}

std::string RandomToken(base::Random& random) {
  std::string bytes;
  for (int i = 0; i < 4; ++i) {
    const uint64_t v = random.Next64();
    for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  }
  return auth::Base64UrlEncode(bytes);
}

// Constant-time comparison of two tokens.
bool SameToken(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// One nhsuk input (web/components.h).
std::string Input(std::string_view id, std::string_view label, std::string_view type,
                  std::string_view autocomplete, std::string_view value, std::string_view error,
                  std::string_view hint = "") {
  InputField f;
  f.id = std::string(id);
  f.label = std::string(label);
  f.type = std::string(type);
  f.autocomplete = std::string(autocomplete);
  f.value = std::string(value);
  f.error = std::string(error);
  f.hint = std::string(hint);
  f.spellcheck = false;
  return RenderInput(f);
}

std::string Hidden(std::string_view name, std::string_view value) {
  return "<input type=\"hidden\" name=\"" + EscapeAttribute(name) + "\" value=\"" +
         EscapeAttribute(value) + "\">";
}

std::string Button(std::string_view text, bool secondary = false) {
  return std::string("<button class=\"nhsuk-button") +
         (secondary ? " nhsuk-button--secondary" : "") +
         "\" data-module=\"nhsuk-button\" type=\"submit\">" + EscapeHtml(text) + "</button>";
}

std::string Form(std::string_view action, std::string_view body) {
  return "<form method=\"post\" action=\"" + EscapeAttribute(action) + "\" novalidate>" +
         std::string(body) + "</form>";
}

// The facts of one stored AuditEvent, for the audit tables.
struct EventRow {
  std::string when, who, role, what, patients_html, outcome, reason;
};

EventRow ToRow(std::string_view content) {
  EventRow row;
  absl::StatusOr<Value> e = fhir::ParseJson(content);
  if (!e.ok()) {
    row.what = "(unreadable entry)";
    return row;
  }
  if (auto t = base::ParseFhirDateTime(e->GetString("recorded"))) row.when = When(*t);
  if (const Value* agents = e->Find("agent"); agents && agents->is_array() && agents->size()) {
    const Value& a = agents->array()[0];
    if (const Value* who = a.Find("who")) {
      row.who = std::string(who->GetString("display"));
      if (const Value* id = who->Find("identifier")) {
        std::string login(id->GetString("value"));
        if (row.who.empty()) {
          row.who = login;
        } else if (row.who.find(login) == std::string::npos) {
          row.who += " (" + login + ")";
        }
      }
    }
    if (const Value* roles = a.Find("role"); roles && roles->is_array() && roles->size()) {
      if (const Value* c = roles->array()[0].Find("coding"); c && c->is_array() && c->size()) {
        row.role = std::string(c->array()[0].GetString("code"));
      }
    }
  }
  std::string what;
  if (const Value* sub = e->Find("subtype"); sub && sub->is_array() && sub->size()) {
    const Value& s = sub->array()[0];
    what =
        std::string(!s.GetString("display").empty() ? s.GetString("display") : s.GetString("code"));
  }
  if (const Value* type = e->Find("type"); type && type->GetString("code") == "110113") {
    what = "break-glass started";
  }
  std::vector<std::string> patients;
  if (const Value* entities = e->Find("entity"); entities && entities->is_array()) {
    for (const Value& en : entities->array()) {
      const Value* what_ref = en.Find("what");
      std::string ref = what_ref ? std::string(what_ref->GetString("reference")) : "";
      const Value* role = en.Find("role");
      const bool patient = role && role->GetString("code") == "1";
      if (patient && absl::StartsWith(ref, "Patient/")) {
        patients.push_back(ref.substr(8));
      } else if (!ref.empty() && role && role->GetString("code") == "4") {
        what += " " + ref;
      } else if (const Value* q = en.Find("description"); q && q->is_string() && !patient) {
        what += " " + q->string_value();
      }
      if (const Value* details = en.Find("detail"); details && details->is_array()) {
        for (const Value& d : details->array()) {
          if (!d.GetString("valueString").empty())
            row.reason = std::string(d.GetString("valueString"));
        }
      }
    }
  }
  if (const Value* purposes = e->Find("purposeOfEvent"); purposes && purposes->is_array()) {
    for (const Value& p : purposes->array()) {
      if (!p.GetString("text").empty() && row.reason.empty())
        row.reason = std::string(p.GetString("text"));
    }
  }
  row.what = what;
  for (size_t i = 0; i < patients.size() && i < 20; ++i) {
    if (i) row.patients_html += ", ";
    row.patients_html += "<a href=\"/patients/" + EscapeAttribute(patients[i]) +
                         "/access-report\">" + EscapeHtml(patients[i]) + "</a>";
  }
  if (patients.size() > 20) {
    row.patients_html += " and " + std::to_string(patients.size() - 20) + " more";
  }
  std::string outcome(e->GetString("outcome"));
  row.outcome = outcome == "0" ? "success" : "refused or failed";
  if (!e->GetString("outcomeDesc").empty()) {
    row.outcome += ": " + std::string(e->GetString("outcomeDesc"));
  }
  return row;
}

}  // namespace

WebApp::WebApp(WebDeps deps, std::string csrf_secret, WebAppOptions options)
    : deps_(deps), csrf_secret_(std::move(csrf_secret)), options_(std::move(options)) {}

bool WebApp::Owns(const http::Request& request) const {
  const std::string& p = request.path;
  return p == "/" || p == "/login" || p == "/login/totp" || p == "/login/oidc" ||
         p == "/login/oidc/callback" || p == "/account/password" || p == "/logout" ||
         p == "/logout/everywhere" || p == "/break-glass" || p == "/audit" || p == "/patients" ||
         p == "/worklist" || p == "/reception" || absl::StartsWith(p, "/tasks/") ||
         absl::StartsWith(p, "/patients/");
}

http::Response WebApp::Redirect(std::string_view location) const {
  http::Response r;
  r.status = 303;
  r.SetHeader("Location", std::string(location));
  return r;
}

http::Response WebApp::Page(const Context& ctx, int status, const std::string& title,
                            const std::string& main_html) const {
  PageOptions page;
  // A page showing form errors says so first in its title (NHS.UK error summary guidance).
  page.title =
      main_html.find("nhsuk-error-summary") != std::string::npos ? "Error: " + title : title;
  page.current_href = ctx.active() ? "" : "";
  page.signed_in = ctx.active();
  if (ctx.user) {
    page.user_name = ctx.user->display_name;
    page.user_role = std::string(auth::RoleId(ctx.user->role));
  }
  page.csrf_token = ctx.csrf;
  if (ctx.active()) {
    page.nav.emplace_back("/", "Home");
    if (deps_.access.policy().table().Grant(ctx.user->role, "Patient") & auth::kGrantRead) {
      page.nav.emplace_back("/worklist", "Worklist");
      page.nav.emplace_back("/reception", "Reception");
      page.nav.emplace_back("/patients", "Patients");
    }
    const auth::RoleTraits& traits = deps_.access.policy().table().Traits(ctx.user->role);
    if (traits.audit_read) page.nav.emplace_back("/audit", "Audit");
    if (traits.break_glass) page.nav.emplace_back("/break-glass", "Break glass");
  }
  if (ctx.session && ctx.session->break_glass) {
    page.notice = "Break-glass access is on until " + When(ctx.session->break_glass->expires) +
                  " (UTC). Reason: " + ctx.session->break_glass->reason +
                  ". Every record you open is reported to the privacy officer.";
  }
  http::Response r;
  r.status = status;
  r.SetHeader("Content-Type", "text/html; charset=utf-8");
  r.SetHeader("Cache-Control", "no-store");
  r.body = RenderPage(page, main_html);
  return r;
}

void WebApp::AuditSignIn(std::string_view login, std::string_view address, bool ok,
                         std::string_view detail, audit::AuditKind kind,
                         const access::UserAccount* user) {
  audit::AuditRecord record;
  record.kind = kind;
  record.recorded = deps_.clock.Now();
  record.outcome = ok ? audit::AuditOutcome::kSuccess : audit::AuditOutcome::kMinorFailure;
  if (kind == audit::AuditKind::kBreakGlassStart) {
    record.break_glass_reason = std::string(detail);
  } else {
    record.outcome_description = std::string(detail);
  }
  record.agent.user_id = std::string(login);
  if (user != nullptr) {
    record.agent.name = user->display_name;
    record.agent.role_id = std::string(auth::RoleId(user->role));
  }
  record.agent.address = std::string(address);
  record.server = options_.server_name;
  if (absl::StatusOr<Value> e = audit::BuildAuditEvent(record); e.ok()) {
    deps_.audit.Enqueue(std::move(*e));
  }
}

http::Response WebApp::Handle(const http::Request& request) {
  Context ctx;
  ctx.address = request.remote_address;
  if (std::optional<std::string> id = CookieValue(request.Header("Cookie"), kSessionCookie)) {
    absl::StatusOr<std::optional<access::WebSession>> s = deps_.sessions.Touch(*id);
    if (s.ok() && s->has_value()) {
      absl::StatusOr<access::UserAccount> user = deps_.accounts.GetUser((*s)->login);
      if (user.ok() && !user->disabled) {
        ctx.session_id = *id;
        ctx.session = std::move(**s);
        ctx.user = std::move(*user);
        ctx.csrf = auth::CsrfToken(csrf_secret_, ctx.session_id).value_or("");
      } else {
        deps_.sessions.End(*id).IgnoreError();
      }
    }
  }
  const std::string& path = request.path;
  const bool post = request.method == "POST";
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (!post && !get) {
    http::Response r = Page(ctx, 405, "Method not allowed", "<h1>Method not allowed</h1>");
    r.SetHeader("Allow", "GET, POST");
    return r;
  }
  // Every state-changing form of a session carries its CSRF token.
  if (post && path != "/login") {
    const engine::QueryParams form = engine::ParseQueryString(request.body);
    if (!ctx.session || !auth::VerifyCsrfToken(csrf_secret_, ctx.session_id, Field(form, "csrf"))) {
      return Page(ctx, 403, "Form expired",
                  "<h1 class=\"nhsuk-heading-l\">This form has expired</h1><p>Nothing was "
                  "changed. Go back, reload the page and try again.</p>");
    }
  }
  if (path == "/login") return post ? LoginSubmit(request) : LoginForm(request, "", "");
  if (path == "/login/oidc" || path == "/login/oidc/callback") {
    if (deps_.oidc == nullptr || !get) {
      Context none;
      return Page(none, 404, "Page not found", "<h1 class=\"nhsuk-heading-l\">Page not found</h1>");
    }
    return path == "/login/oidc" ? OidcStart(request) : OidcCallback(request);
  }
  if (path == "/") {
    if (ctx.active()) return Home(ctx);
    if (ctx.session) {
      return Redirect(ctx.session->stage == access::SessionStage::kNeedsTotp ? "/login/totp"
                                                                             : "/account/password");
    }
    return HomePage(request, options_.fhir_base_path);
  }
  if (!ctx.session) return Redirect("/login");
  if (path == "/login/totp") return TotpPage(ctx, request);
  if (path == "/account/password") return PasswordPage(ctx, request);
  if (path == "/logout" && post) return Logout(ctx, false);
  if (path == "/logout/everywhere" && post) return Logout(ctx, true);
  if (!ctx.active()) return Redirect("/");
  if (path == "/break-glass") return BreakGlassPage(ctx, request);
  if (path == "/audit" && get) return AuditPage(ctx, request);
  if (path == "/patients" && get) return CaseloadPage(ctx, request);
  if (absl::StartsWith(path, "/patients/") && get) {
    std::string rest = path.substr(10);
    if (absl::EndsWith(rest, "/access-report")) {
      return AccessReport(ctx, rest.substr(0, rest.size() - std::string("/access-report").size()));
    }
    if (rest.find('/') == std::string::npos) return PatientSummaryPage(ctx, rest);
  }
  if (path == "/worklist" && get) return WorklistPage(ctx);
  if (path == "/reception") return ReceptionPage(ctx, request);
  if (absl::StartsWith(path, "/tasks/") && absl::EndsWith(path, "/done") && post) {
    return TaskDone(ctx, path.substr(7, path.size() - 7 - 5));
  }
  if (absl::StartsWith(path, "/patients/")) {
    // /patients/{id}/alerts and /patients/{id}/alerts/{flag}/end
    std::vector<std::string> parts = absl::StrSplit(path.substr(10), '/');
    if (parts.size() >= 2 && parts[1] == "notes") {
      std::string rest;
      for (size_t i = 2; i < parts.size(); ++i) rest += "/" + parts[i];
      return NotesPage(ctx, request, parts[0], rest);
    }
    if (parts.size() == 2 && parts[1] == "alerts") return AlertsPage(ctx, request, parts[0], "");
    if (parts.size() == 2 && parts[1] == "allergies") return AllergiesPage(ctx, request, parts[0]);
    if (parts.size() == 2 && parts[1] == "problems") {
      return ProblemsPage(ctx, request, parts[0], "");
    }
    if (parts.size() == 4 && parts[1] == "problems" && parts[3] == "resolve" && post) {
      return ProblemsPage(ctx, request, parts[0], parts[2]);
    }
    if (parts.size() == 4 && parts[1] == "alerts" && parts[3] == "end" && post) {
      return AlertsPage(ctx, request, parts[0], parts[2]);
    }
  }
  if (absl::StartsWith(path, "/patients/") && absl::EndsWith(path, "/observations")) {
    std::string id = path.substr(10, path.size() - 10 - std::string("/observations").size());
    return ObservationsPage(ctx, request, id);
  }
  return Page(ctx, 404, "Page not found", "<h1 class=\"nhsuk-heading-l\">Page not found</h1>");
}

http::Response WebApp::Home(Context& ctx) {
  const access::UserAccount& u = *ctx.user;
  std::string est;
  for (const std::string& e : u.establishments) est += (est.empty() ? "" : ", ") + e;
  std::string main = "<h1 class=\"nhsuk-heading-l\">Signed in as " + EscapeHtml(u.display_name) +
                     "</h1><dl class=\"nhsuk-summary-list\">"
                     "<div class=\"nhsuk-summary-list__row\"><dt class=\"nhsuk-summary-list__key\">"
                     "Role</dt><dd class=\"nhsuk-summary-list__value\">" +
                     EscapeHtml(auth::RoleId(u.role)) +
                     "</dd></div><div class=\"nhsuk-summary-list__row\"><dt "
                     "class=\"nhsuk-summary-list__key\">Establishments</dt><dd "
                     "class=\"nhsuk-summary-list__value\">" +
                     EscapeHtml(est.empty() ? "none" : est) + "</dd></div></dl>";
  // Where to start: the same places as the header's navigation, described.
  const auth::PolicyTable& table = deps_.access.policy().table();
  std::string links;
  auto link = [&](std::string_view href, std::string_view title, std::string_view text) {
    links += "<li><a href=\"" + std::string(href) + "\">" + EscapeHtml(title) +
             "</a>: " + EscapeHtml(text) + "</li>";
  };
  if (table.Grant(u.role, "Patient") & auth::kGrantRead) {
    link("/worklist", "Worklist", "new arrivals, alerts, tasks due and releases");
    link("/reception", "Reception", "receive a person into custody");
    link("/patients", "Patients", "find a patient and open their record");
  }
  if (table.Traits(u.role).audit_read) {
    link("/audit", "Audit trail", "who saw which record, break-glass events");
  }
  if (!links.empty()) {
    main += "<h2 class=\"nhsuk-heading-m\">Start</h2><ul class=\"nhsuk-list\">" + links + "</ul>";
  }
  main +=
      Form("/logout/everywhere", Hidden("csrf", ctx.csrf) + Button("Sign out everywhere", true));
  return Page(ctx, 200, "Home", main);
}

http::Response WebApp::LoginForm(const http::Request& request, std::string_view login,
                                 std::string_view error) {
  Context none;
  // The sign-in form's own CSRF token: a fresh random value in a cookie and in the form.
  const std::string token = RandomToken(deps_.random);
  std::string main = "<h1 class=\"nhsuk-heading-l\">Sign in</h1>";
  if (!error.empty()) main += RenderErrorSummary({{"login", std::string(error)}});
  if (deps_.oidc != nullptr) {
    main +=
        "<a class=\"nhsuk-button\" href=\"/login/oidc\" draggable=\"false\" role=\"button\" "
        "data-module=\"nhsuk-button\">Sign in with " +
        EscapeHtml(deps_.oidc->config().display_name) +
        "</a><h2 class=\"nhsuk-heading-m\">Or sign in with a password</h2>";
  }
  main += Form("/login", Hidden("csrf", token) +
                             Input("login", "Login", "text", "username", login, error) +
                             Input("password", "Password", "password", "current-password", "", "") +
                             Button("Sign in"));
  http::Response r = Page(none, error.empty() ? 200 : 401, "Sign in", main);
  r.SetHeader("Set-Cookie",
              SetCookie(kLoginCookie, token, {options_.secure_cookies, kLoginFormLifetime}));
  (void)request;
  return r;
}

http::Response WebApp::LoginSubmit(const http::Request& request) {
  const engine::QueryParams form = engine::ParseQueryString(request.body);
  const std::string login = Field(form, "login");
  std::optional<std::string> cookie = CookieValue(request.Header("Cookie"), kLoginCookie);
  if (!cookie || !SameToken(*cookie, Field(form, "csrf"))) {
    http::Response r = LoginForm(request, login, "Your sign-in form expired. Sign in again.");
    r.status = 403;
    return r;
  }
  absl::StatusOr<access::UserAccount> user =
      deps_.accounts.CheckPassword(login, Field(form, "password"));
  if (!user.ok()) {
    AuditSignIn(login, request.remote_address, false, std::string(user.status().message()));
    if (absl::IsPermissionDenied(user.status())) {
      return LoginForm(request, login, std::string(user.status().message()));
    }
    if (absl::IsUnauthenticated(user.status())) {
      return LoginForm(request, login, "Enter a correct login and password");
    }
    Context none;
    return Page(none, 500, "Sorry, there is a problem",
                "<h1 class=\"nhsuk-heading-l\">Sorry, there is a problem with the service</h1>");
  }
  // A new session id at every sign-in: any id the browser already had is ended, never reused.
  if (std::optional<std::string> old = CookieValue(request.Header("Cookie"), kSessionCookie)) {
    deps_.sessions.End(*old).IgnoreError();
  }
  const access::SessionStage stage = user->has_totp ? access::SessionStage::kNeedsTotp
                                     : user->must_change_password
                                         ? access::SessionStage::kNeedsPasswordChange
                                         : access::SessionStage::kActive;
  absl::StatusOr<std::string> id =
      deps_.sessions.Create(user->login, stage, request.remote_address);
  if (!id.ok()) {
    Context none;
    return Page(none, 500, "Sorry, there is a problem",
                "<h1 class=\"nhsuk-heading-l\">Sorry, there is a problem with the service</h1>");
  }
  if (stage == access::SessionStage::kActive) {
    AuditSignIn(user->login, request.remote_address, true, "signed in with a password",
                audit::AuditKind::kLogin, &*user);
  }
  http::Response r = Redirect(stage == access::SessionStage::kActive      ? "/"
                              : stage == access::SessionStage::kNeedsTotp ? "/login/totp"
                                                                          : "/account/password");
  r.SetHeader("Set-Cookie", SetCookie(kSessionCookie, *id, {options_.secure_cookies, {}}));
  return r;
}

http::Response WebApp::OidcRefusal(int status, std::string_view heading, std::string_view text) {
  Context none;
  http::Response r =
      Page(none, status, std::string(heading),
           "<h1 class=\"nhsuk-heading-l\">" + EscapeHtml(heading) + "</h1><p>" + EscapeHtml(text) +
               "</p><p><a href=\"/login\">Back to sign in</a></p>");
  r.AddHeader("Set-Cookie", ClearCookie(kOidcCookie, options_.secure_cookies));
  return r;
}

http::Response WebApp::OidcStart(const http::Request& request) {
  const std::string& idp = deps_.oidc->config().display_name;
  absl::StatusOr<access::OidcStart> start = deps_.oidc->Start();
  if (!start.ok()) {
    AuditSignIn("", request.remote_address, false,
                "OpenID Connect sign-in could not start (" + deps_.oidc->config().issuer +
                    "): " + std::string(start.status().message()));
    return OidcRefusal(503, "Sign in with " + idp + " is not available",
                       "Throughcare cannot reach " + idp +
                           " at the moment. Try again in a few minutes, or sign in with a "
                           "password.");
  }
  http::Response r = Redirect(start->authorization_url);
  r.SetHeader("Set-Cookie",
              SetCookie(kOidcCookie, access::SealPending(start->pending, csrf_secret_),
                        {options_.secure_cookies, deps_.oidc->config().pending_lifetime, true}));
  return r;
}

http::Response WebApp::OidcCallback(const http::Request& request) {
  const access::OidcConfig& config = deps_.oidc->config();
  const std::string from = " (" + config.issuer + ")";
  std::string state, code, error;
  for (const auto& [n, v] : request.query) {
    if (n == "state") state = v;
    if (n == "code") code = v;
    if (n == "error") error = v;
  }
  const std::optional<std::string> cookie = CookieValue(request.Header("Cookie"), kOidcCookie);
  absl::StatusOr<access::OidcPending> pending =
      access::OpenPending(cookie.value_or(""), csrf_secret_, deps_.clock.Now());
  if (!error.empty()) {
    if (error.size() > 64) error.resize(64);
    AuditSignIn("", request.remote_address, false,
                "OpenID Connect sign-in refused" + from + ": the provider answered " + error);
    return OidcRefusal(401, "You are not signed in",
                       "The sign-in with " + config.display_name +
                           " was cancelled or refused. Nothing was changed.");
  }
  absl::StatusOr<access::OidcIdentity> identity =
      pending.ok() ? deps_.oidc->Finish(*pending, state, code)
                   : absl::StatusOr<access::OidcIdentity>(pending.status());
  if (!identity.ok()) {
    AuditSignIn(
        "", request.remote_address, false,
        "OpenID Connect sign-in refused" + from + ": " + std::string(identity.status().message()));
    if (absl::IsUnavailable(identity.status())) {
      return OidcRefusal(503, "Sign in with " + config.display_name + " is not available",
                         "Throughcare cannot check your sign-in with " + config.display_name +
                             " at the moment. Try again in a few minutes.");
    }
    return OidcRefusal(401, "You are not signed in",
                       "Throughcare could not confirm your sign-in with " + config.display_name +
                           ". Nothing was changed. Start again from the sign-in page.");
  }
  absl::StatusOr<access::UserAccount> user =
      deps_.accounts.CheckOidcLogin(identity->issuer, identity->subject);
  if (!user.ok()) {
    const std::string who =
        identity->preferred_username.empty() ? identity->subject : identity->preferred_username;
    if (absl::IsNotFound(user.status())) {
      AuditSignIn(who, request.remote_address, false,
                  "OpenID Connect sign-in refused" + from + ": no account is linked to subject " +
                      identity->subject);
      return OidcRefusal(403, "Your account is not set up for Throughcare",
                         "You signed in with " + config.display_name + " as " +
                             (identity->name.empty() ? who : identity->name) +
                             ", but that identity is not linked to a Throughcare account. Ask "
                             "your system administrator to link it (identity " +
                             identity->subject + ").");
    }
    AuditSignIn(
        who, request.remote_address, false,
        "OpenID Connect sign-in refused" + from + ": " + std::string(user.status().message()));
    if (absl::IsPermissionDenied(user.status())) {
      return OidcRefusal(403, "You are not signed in",
                         "Your Throughcare account cannot be used at the moment (" +
                             std::string(user.status().message()) +
                             "). Ask your system administrator.");
    }
    return OidcRefusal(500, "Sorry, there is a problem", "Try again later.");
  }
  // A new session id at every sign-in: any id the browser already had is ended, never reused.
  if (std::optional<std::string> old = CookieValue(request.Header("Cookie"), kSessionCookie)) {
    deps_.sessions.End(*old).IgnoreError();
  }
  absl::StatusOr<std::string> id =
      deps_.sessions.Create(user->login, access::SessionStage::kActive, request.remote_address);
  if (!id.ok()) return OidcRefusal(500, "Sorry, there is a problem", "Try again later.");
  AuditSignIn(user->login, request.remote_address, true, "signed in with OpenID Connect" + from,
              audit::AuditKind::kLogin, &*user);
  // A page that moves on to "/" by itself rather than a 303: after the provider's cross-site
  // redirect, a redirect chain would still count as cross-site and the browser would withhold
  // the SameSite=Strict session cookie; a refresh from this page is a same-site navigation.
  Context none;
  http::Response r = Page(none, 200, "Signed in",
                          "<h1 class=\"nhsuk-heading-l\">You are signed in</h1><p><a "
                          "href=\"/\">Continue to Throughcare</a></p>");
  r.SetHeader("Refresh", "0; url=/");
  r.AddHeader("Set-Cookie", ClearCookie(kOidcCookie, options_.secure_cookies));
  r.AddHeader("Set-Cookie", SetCookie(kSessionCookie, *id, {options_.secure_cookies, {}}));
  return r;
}

http::Response WebApp::TotpPage(Context& ctx, const http::Request& request) {
  if (ctx.session->stage != access::SessionStage::kNeedsTotp) return Redirect("/");
  std::string error;
  if (request.method == "POST") {
    const engine::QueryParams form = engine::ParseQueryString(request.body);
    absl::Status s = deps_.accounts.CheckTotp(ctx.session->login, Field(form, "code"));
    if (s.ok()) {
      deps_.sessions.End(ctx.session_id).IgnoreError();
      const access::SessionStage next = ctx.user->must_change_password
                                            ? access::SessionStage::kNeedsPasswordChange
                                            : access::SessionStage::kActive;
      absl::StatusOr<std::string> id =
          deps_.sessions.Create(ctx.session->login, next, request.remote_address);
      if (!id.ok()) return Page(ctx, 500, "Sorry, there is a problem", "<h1>Sorry</h1>");
      if (next == access::SessionStage::kActive) {
        AuditSignIn(ctx.session->login, request.remote_address, true,
                    "signed in with a password and an authenticator code");
      }
      http::Response r =
          Redirect(next == access::SessionStage::kActive ? "/" : "/account/password");
      r.SetHeader("Set-Cookie", SetCookie(kSessionCookie, *id, {options_.secure_cookies, {}}));
      return r;
    }
    AuditSignIn(ctx.session->login, request.remote_address, false, std::string(s.message()));
    if (absl::IsPermissionDenied(s)) {
      deps_.sessions.End(ctx.session_id).IgnoreError();
      return LoginForm(request, ctx.session->login, std::string(s.message()));
    }
    error = "Enter the 6-digit code from your authenticator app";
  }
  std::string main = "<h1 class=\"nhsuk-heading-l\">Enter your code</h1>";
  if (!error.empty()) main += RenderErrorSummary({{"code", error}});
  main +=
      Form("/login/totp", Hidden("csrf", ctx.csrf) +
                              Input("code", "Code from your authenticator app", "text",
                                    "one-time-code", "", error, "6 digits, for example 123456") +
                              Button("Continue"));
  return Page(ctx, error.empty() ? 200 : 401, "Enter your code", main);
}

http::Response WebApp::PasswordPage(Context& ctx, const http::Request& request) {
  if (ctx.session->stage == access::SessionStage::kNeedsTotp) return Redirect("/login/totp");
  const bool forced = ctx.session->stage == access::SessionStage::kNeedsPasswordChange;
  std::vector<std::pair<std::string, std::string>> errors;
  if (request.method == "POST") {
    const engine::QueryParams form = engine::ParseQueryString(request.body);
    const std::string current = Field(form, "current");
    const std::string password = Field(form, "password");
    if (!forced && !deps_.accounts.CheckPassword(ctx.session->login, current).ok()) {
      errors.emplace_back("current", "Enter your current password");
    }
    if (password != Field(form, "confirm")) {
      errors.emplace_back("confirm", "The two new passwords do not match");
    }
    if (errors.empty()) {
      absl::Status s = deps_.accounts.SetPassword(ctx.session->login, password);
      if (s.ok()) {  // every session of the user has ended: start a fresh one
        absl::StatusOr<std::string> id = deps_.sessions.Create(
            ctx.session->login, access::SessionStage::kActive, request.remote_address);
        if (!id.ok()) return Page(ctx, 500, "Sorry, there is a problem", "<h1>Sorry</h1>");
        AuditSignIn(
            ctx.session->login, request.remote_address, true,
            forced ? "signed in after replacing a one-time password" : "changed their password");
        http::Response r = Redirect("/");
        r.SetHeader("Set-Cookie", SetCookie(kSessionCookie, *id, {options_.secure_cookies, {}}));
        return r;
      }
      errors.emplace_back("password", std::string(s.message()));
    }
  }
  std::string main = std::string("<h1 class=\"nhsuk-heading-l\">") +
                     (forced ? "Choose a new password" : "Change your password") + "</h1>";
  if (forced) {
    main += "<p>The password you signed in with can be used only once.</p>";
  }
  if (!errors.empty()) main += RenderErrorSummary(errors);
  auto error_of = [&](std::string_view id) {
    for (const auto& [f, m] : errors) {
      if (f == id) return m;
    }
    return std::string();
  };
  std::string fields = Hidden("csrf", ctx.csrf);
  if (!forced) {
    fields += Input("current", "Current password", "password", "current-password", "",
                    error_of("current"));
  }
  fields += Input("password", "New password", "password", "new-password", "", error_of("password"),
                  "At least 12 characters. Use 3 random words; avoid common passwords.");
  fields +=
      Input("confirm", "New password again", "password", "new-password", "", error_of("confirm"));
  main += Form("/account/password", fields + Button("Save password"));
  return Page(ctx, errors.empty() ? 200 : 400, "Password", main);
}

http::Response WebApp::Logout(Context& ctx, bool everywhere) {
  if (everywhere) {
    deps_.sessions.EndAll(ctx.session->login).IgnoreError();
  } else {
    deps_.sessions.End(ctx.session_id).IgnoreError();
  }
  AuditSignIn(ctx.session->login, ctx.address, true,
              everywhere ? "signed out everywhere" : "signed out", audit::AuditKind::kLogout,
              ctx.user ? &*ctx.user : nullptr);
  http::Response r = Redirect("/login");
  r.SetHeader("Set-Cookie", ClearCookie(kSessionCookie, options_.secure_cookies));
  return r;
}

http::Response WebApp::BreakGlassPage(Context& ctx, const http::Request& request) {
  const auth::RoleTraits& traits = deps_.access.policy().table().Traits(ctx.user->role);
  if (!traits.break_glass) {
    return Page(ctx, 403, "Not available",
                "<h1 class=\"nhsuk-heading-l\">Break-glass is not available to your role</h1>");
  }
  std::string error;
  if (request.method == "POST") {
    const engine::QueryParams form = engine::ParseQueryString(request.body);
    std::string reason = Field(form, "reason");
    while (!reason.empty() && (reason.back() == ' ' || reason.back() == '\n')) reason.pop_back();
    if (reason.size() < 10) {
      error =
          "Enter why you need to see records outside your establishment (at least 10 "
          "characters)";
    } else {
      absl::Status s =
          deps_.sessions.DeclareBreakGlass(ctx.session_id, reason, options_.break_glass_duration);
      if (s.ok()) {
        AuditSignIn(ctx.session->login, ctx.address, true, reason,
                    audit::AuditKind::kBreakGlassStart, &*ctx.user);
        return Redirect("/");
      }
      error = std::string(s.message());
    }
  }
  std::string main = "<h1 class=\"nhsuk-heading-l\">Break glass</h1>";
  if (!error.empty()) main += RenderErrorSummary({{"reason", error}});
  main +=
      "<p>Use this only when a patient needs care and their record is not otherwise open to "
      "you. For one hour you can see records outside your establishment. The privacy officer "
      "is told, and every record you open is reported.</p>";
  std::string group = std::string("<div class=\"nhsuk-form-group") +
                      (error.empty() ? "" : " nhsuk-form-group--error") +
                      "\"><label class=\"nhsuk-label\" for=\"reason\">Reason</label>";
  if (!error.empty()) {
    group +=
        "<span class=\"nhsuk-error-message\" id=\"reason-error\"><span "
        "class=\"nhsuk-u-visually-hidden\">Error:</span> " +
        EscapeHtml(error) + "</span>";
  }
  group += std::string("<textarea class=\"nhsuk-textarea") +
           (error.empty() ? "" : " nhsuk-textarea--error") +
           "\" id=\"reason\" name=\"reason\" rows=\"4\"" +
           (error.empty() ? "" : " aria-describedby=\"reason-error\"") + "></textarea></div>";
  main += Form("/break-glass", Hidden("csrf", ctx.csrf) + group + Button("Break glass"));
  return Page(ctx, error.empty() ? 200 : 400, "Break glass", main);
}

std::unique_ptr<access::RequestGuard> WebApp::GuardFor(const Context& ctx) const {
  access::Identity identity;
  identity.subject = ctx.user->login;
  identity.name = ctx.user->display_name;
  identity.principal.role = ctx.user->role;
  identity.principal.establishments = ctx.user->establishments;
  access::RequestContext rc;
  rc.address = ctx.address;
  if (ctx.session && ctx.session->break_glass) {
    rc.break_glass_reason = ctx.session->break_glass->reason;
  }
  return deps_.access.Guard(std::move(identity), std::move(rc));
}

http::Response WebApp::AuditPage(Context& ctx, const http::Request& request) {
  std::unique_ptr<access::RequestGuard> guard = GuardFor(ctx);
  if (absl::Status s = guard->AllowType(auth::Action::kAuditRead, "AuditEvent"); !s.ok()) {
    guard->Finish("search-type", "AuditEvent", request.raw_query, 403, std::string(s.message()));
    return Page(ctx, 403, "Not available",
                "<h1 class=\"nhsuk-heading-l\">The audit trail is not available to your "
                "role</h1>");
  }
  std::string patient, user, days = "7";
  bool break_glass = false;
  for (const auto& [n, v] : request.query) {
    if (n == "patient") patient = v;
    if (n == "user") user = v;
    if (n == "days") days = v;
    if (n == "breakglass") break_glass = v == "1";
  }
  int64_t n_days = 7;
  if (!absl::SimpleAtoi(days, &n_days) || n_days < 1 || n_days > 3650) n_days = 7;
  std::string main = "<h1 class=\"nhsuk-heading-l\">Audit trail</h1>";
  std::string fields =
      Input("patient", "Patient id", "text", "off", patient, "",
            "Who looked at this patient's record") +
      Input("user", "Staff login", "text", "off", user, "", "What this member of staff did") +
      Input("days", "Days", "text", "off", std::to_string(n_days), "", "How far back to look") +
      "<div class=\"nhsuk-checkboxes__item\"><input class=\"nhsuk-checkboxes__input\" "
      "id=\"breakglass\" name=\"breakglass\" type=\"checkbox\" value=\"1\"" +
      std::string(break_glass ? " checked" : "") +
      "><label class=\"nhsuk-label nhsuk-checkboxes__label\" for=\"breakglass\">Only break-glass "
      "events</label></div>";
  main += "<form method=\"get\" action=\"/audit\">" + fields +
          "<p></p><button class=\"nhsuk-button\" data-module=\"nhsuk-button\" "
          "type=\"submit\">Search</button></form>";
  if (patient.empty() && user.empty() && !break_glass) return Page(ctx, 200, "Audit trail", main);

  engine::QueryParams query;
  if (!patient.empty()) query.emplace_back("patient", "Patient/" + patient);
  if (!user.empty()) query.emplace_back("altid", user);
  if (break_glass) {
    query.emplace_back("type", "http://dicom.nema.org/resources/ontology/DCM|110113");
  }
  query.emplace_back("date",
                     "ge" + base::FormatInstant(deps_.clock.Now() - absl::Hours(24 * n_days)));
  query.emplace_back("_sort", "-date");
  engine::SearchOptions so;
  so.count = 200;
  absl::StatusOr<engine::SearchOutcome> found = deps_.audit.Search(query, so);
  if (!found.ok()) {
    return Page(ctx, engine::HttpStatusOf(found.status()), "Audit trail",
                main + RenderErrorSummary({{"patient", std::string(found.status().message())}}));
  }
  guard->FilterOutcome(auth::Action::kSearch, *found, /*restricted_in_query=*/true);
  std::vector<std::vector<std::string>> rows;
  for (const engine::ReadResult& r : found->matches) {
    EventRow e = ToRow(r.content);
    rows.push_back({EscapeHtml(e.when), EscapeHtml(e.who), EscapeHtml(e.role), EscapeHtml(e.what),
                    e.patients_html, EscapeHtml(e.outcome), EscapeHtml(e.reason)});
  }
  main += Table(std::to_string(rows.size()) + " entries, newest first (times in UTC)",
                {"When", "Who", "Role", "What", "Patients", "Outcome", "Reason"}, rows);
  guard->Finish("search-type", "AuditEvent", request.raw_query, 200);
  return Page(ctx, 200, "Audit trail", main);
}

http::Response WebApp::AccessReport(Context& ctx, const std::string& patient_id) {
  if (!base::IsValidFhirId(patient_id)) {
    return Page(ctx, 404, "Page not found", "<h1 class=\"nhsuk-heading-l\">Page not found</h1>");
  }
  std::unique_ptr<access::RequestGuard> guard = GuardFor(ctx);
  const std::string resource = "Patient/" + patient_id;
  if (absl::Status s = guard->AllowType(auth::Action::kAuditRead, "AuditEvent"); !s.ok()) {
    guard->Finish("search-type", "AuditEvent", "patient=" + resource, 403,
                  std::string(s.message()));
    return Page(ctx, 403, "Not available",
                "<h1 class=\"nhsuk-heading-l\">Access reports are not available to your "
                "role</h1>");
  }
  engine::SearchOptions so;
  so.count = 1000;
  absl::StatusOr<engine::SearchOutcome> found =
      deps_.audit.Search({{"patient", resource}, {"_sort", "-date"}}, so);
  if (!found.ok()) {
    return Page(ctx, 500, "Sorry, there is a problem", "<h1>Sorry, there is a problem</h1>");
  }
  guard->FilterOutcome(auth::Action::kSearch, *found, /*restricted_in_query=*/true);
  std::vector<std::vector<std::string>> rows;
  for (const engine::ReadResult& r : found->matches) {
    EventRow e = ToRow(r.content);
    rows.push_back({EscapeHtml(e.when), EscapeHtml(e.who), EscapeHtml(e.role), EscapeHtml(e.what),
                    EscapeHtml(e.outcome), EscapeHtml(e.reason)});
  }
  std::string main =
      "<h1 class=\"nhsuk-heading-l\">Who has seen this record</h1>"
      "<p>Patient " +
      EscapeHtml(patient_id) + ". Report made " + EscapeHtml(When(deps_.clock.Now())) +
      " (UTC) by " + EscapeHtml(ctx.user->display_name) +
      ". It lists every time a member of staff or a connected system opened, "
      "searched or changed this record, newest first. Print it with your "
      "browser's print command.</p>";
  main += Table(std::to_string(rows.size()) + " entries",
                {"When", "Who", "Role", "What they did", "Outcome", "Reason given"}, rows);
  guard->Finish("search-type", "AuditEvent", "patient=" + resource, 200);
  return Page(ctx, 200, "Who has seen this record", main);
}

}  // namespace tc::web
