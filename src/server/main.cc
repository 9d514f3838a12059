// throughcare: the one binary (DESIGN.md). Subcommands:
//   serve  --data DIR --port N [--base-url URL] [--tls-cert FILE --tls-key FILE]
//          [--oidc-issuer URL --oidc-client-id ID --oidc-client-secret-file FILE
//           [--oidc-name NAME] [--oidc-client-auth basic|post] [--oidc-ca-file PEM]]
//                                                  run the FHIR server (SIGTERM: graceful stop);
//                                                  with a certificate, HTTPS only; with an
//                                                  issuer, staff may sign in with that OpenID
//                                                  provider (accounts linked by `user link-oidc`)
//   demo   --data DIR --patients N --seed S         load a synthetic detained population
//   reindex --data DIR [--all]                     rebuild the search index in the foreground
//   token  --data DIR --role ROLE [--establishment CODE]... [--ttl 10m] [--scope S]
//                                                  print a short-lived bearer token (audited)
//   audit verify --data DIR                        check the audit trail's hash chain
//   user add|list|disable|enable|role, client add|list   accounts (cli/account_commands.h)
// Flags fall back to THROUGHCARE_DATA / THROUGHCARE_PORT / THROUGHCARE_ADDRESS /
// THROUGHCARE_BASE_URL / THROUGHCARE_TLS_CERT / THROUGHCARE_TLS_KEY / THROUGHCARE_OIDC_ISSUER /
// THROUGHCARE_OIDC_CLIENT_ID / THROUGHCARE_OIDC_CLIENT_SECRET_FILE / THROUGHCARE_OIDC_NAME /
// THROUGHCARE_OIDC_CLIENT_AUTH / THROUGHCARE_OIDC_CA_FILE.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/account_commands.h"
#include "cli/demo.h"
#include "engine/bundle_builder.h"
#include "engine/errors.h"
#include "fhir/json.h"
#include "http/server.h"
#include "server/app.h"
#include "server/demo_users.h"
#include "server/operator_token.h"

namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

int Fail(const absl::Status& s) {
  std::cerr << "throughcare: " << s.message() << "\n";
  return 1;
}

// PEM files for HTTPS; both empty: plain HTTP.
struct TlsFiles {
  std::string certificate;
  std::string private_key;
};

// OpenID Connect settings from the flags (the secret is read from a file, never a flag value).
struct OidcFlags {
  std::string issuer;
  std::string client_id;
  std::string client_secret_file;
  std::string name;
  std::string client_auth;
  std::string ca_file;
};

// Fills the OpenID Connect part of `ao` from `flags` (nothing when no issuer is given).
absl::Status ApplyOidcFlags(const OidcFlags& flags, tc::server::AppOptions& ao) {
  if (flags.issuer.empty()) return absl::OkStatus();
  if (flags.client_id.empty() || flags.client_secret_file.empty()) {
    return absl::InvalidArgumentError(
        "--oidc-issuer needs --oidc-client-id and --oidc-client-secret-file");
  }
  std::ifstream in(flags.client_secret_file);
  std::stringstream secret;
  secret << in.rdbuf();
  std::string value = secret.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) {
    value.pop_back();
  }
  if (!in || value.empty()) {
    return absl::InvalidArgumentError("cannot read the OpenID Connect client secret from " +
                                      flags.client_secret_file);
  }
  if (flags.client_auth != "basic" && flags.client_auth != "post") {
    return absl::InvalidArgumentError("--oidc-client-auth must be basic or post");
  }
  ao.oidc_issuer = flags.issuer;
  ao.oidc_client_id = flags.client_id;
  ao.oidc_client_secret = value;
  if (!flags.name.empty()) ao.oidc_name = flags.name;
  ao.oidc_client_auth = flags.client_auth == "post"
                            ? tc::access::OidcClientAuth::kClientSecretPost
                            : tc::access::OidcClientAuth::kClientSecretBasic;
  ao.oidc_ca_file = flags.ca_file;
  return absl::OkStatus();
}

int Serve(const std::string& data, int port, const std::string& address,
          const std::string& base_url_flag, bool demo_if_empty, bool no_access_control,
          const TlsFiles& tls, const OidcFlags& oidc) {
  if (tls.certificate.empty() != tls.private_key.empty()) {
    return Fail(absl::InvalidArgumentError("--tls-cert and --tls-key must be given together"));
  }
  const std::string scheme = tls.certificate.empty() ? "http" : "https";
  // Block the stop signals in every thread; the main thread waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  tc::server::AppOptions ao;
  ao.data_dir = data;
  ao.base_url = base_url_flag;
  ao.access_control = !no_access_control;
  ao.secure_cookies = !tls.certificate.empty();
  if (absl::Status s = ApplyOidcFlags(oidc, ao); !s.ok()) return Fail(s);
  if (no_access_control) {
    std::cerr << "WARNING: access control and audit are OFF (--no-access-control): anyone who "
                 "can reach this port can read and change every record. Benchmarks only."
              << std::endl;
  }
  if (ao.base_url.empty() && port != 0) {
    ao.base_url = scheme + "://" + address + ":" + std::to_string(port) + ao.base_path;
  }
  // With --port 0 the real port is known only after binding: bind first, then build the app.
  tc::http::ServerOptions so;
  so.address = address;
  so.port = static_cast<uint16_t>(port);
  // With a certificate the port speaks HTTPS only; a certificate or key that cannot be used fails
  // here, before anything listens (never a fallback to plain HTTP).
  so.tls_certificate_file = tls.certificate;
  so.tls_private_key_file = tls.private_key;
  // Writers block on the group commit: enough workers that every connection can have a write in
  // the same batch (one fsync for all of them).
  so.worker_threads = 128;
  std::unique_ptr<tc::server::App> app;
  std::atomic<tc::server::App*> ready{nullptr};
  so.run_inline = [&](const tc::http::Request& r) {
    tc::server::App* a = ready.load();
    return a != nullptr && a->RunInline(r);
  };
  so.error_renderer = [](int status, std::string_view message) {
    tc::http::Response r;
    r.status = status;
    tc::fhir::Issue issue;
    issue.code = status == 413 ? "too-costly" : "invalid";
    issue.diagnostics = std::string(message);
    r.body = tc::fhir::WriteJson(tc::engine::OperationOutcome({issue}));
    r.SetHeader("Content-Type", "application/fhir+json; charset=utf-8");
    return r;
  };
  absl::StatusOr<std::unique_ptr<tc::http::Server>> server =
      tc::http::Server::Start(so, [&](const tc::http::Request& r) {
        tc::server::App* a = ready.load();
        if (a == nullptr) {
          tc::http::Response busy;
          busy.status = 503;
          busy.body = "starting";
          return busy;
        }
        return a->Handle(r);
      });
  if (!server.ok()) return Fail(server.status());
  if (ao.base_url.empty()) {
    ao.base_url = scheme + "://" + address + ":" + std::to_string((*server)->port()) + ao.base_path;
  }
  absl::StatusOr<std::unique_ptr<tc::server::App>> opened = tc::server::App::Open(ao);
  if (!opened.ok()) return Fail(opened.status());
  app = std::move(*opened);
  absl::StatusOr<std::optional<std::string>> first_admin = app->accounts().EnsureFirstAdmin();
  if (!first_admin.ok()) return Fail(first_admin.status());
  if (first_admin->has_value()) {
    std::cout << "created the first administrator: login 'admin', one-time password "
              << **first_admin << " (shown once; it must be changed at first login)" << std::endl;
  }
  if (demo_if_empty) {
    absl::StatusOr<bool> loaded = tc::cli::LoadDemoIfEmpty(app->repository(), 50, 1);
    if (!loaded.ok()) return Fail(loaded.status());
    if (*loaded) {
      std::cout << "loaded the demo data set (50 patients)" << std::endl;
      if (absl::Status s = tc::server::CreateDemoUsers(app->accounts(), std::cout); !s.ok()) {
        return Fail(s);
      }
    }
  }
  ready.store(app.get());
  std::cout << "listening on " << scheme << "://" << address << ":" << (*server)->port()
            << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "stopping (signal " << sig << "): finishing in-flight requests" << std::endl;
  (*server)->Shutdown(std::chrono::seconds(10));
  ready.store(nullptr);
  app.reset();
  std::cout << "stopped" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Throughcare: FHIR R4 electronic patient record for healthcare in detention"};
  cli.require_subcommand(1);

  std::string data = EnvOr("THROUGHCARE_DATA", "var");
  int port = std::atoi(EnvOr("THROUGHCARE_PORT", "8080").c_str());
  std::string address = EnvOr("THROUGHCARE_ADDRESS", "127.0.0.1");
  std::string base_url = EnvOr("THROUGHCARE_BASE_URL", "");
  TlsFiles tls{EnvOr("THROUGHCARE_TLS_CERT", ""), EnvOr("THROUGHCARE_TLS_KEY", "")};
  bool demo_if_empty = false;
  CLI::App* serve = cli.add_subcommand("serve", "Run the FHIR server");
  serve->add_option("--data", data, "Data directory (embedded store)");
  serve->add_option("--port", port, "TCP port (0 = pick a free one)");
  serve->add_option("--address", address, "Address to listen on");
  serve->add_option("--base-url", base_url, "FHIR base URL clients see");
  serve->add_flag("--demo-if-empty", demo_if_empty, "Load the demo data set into an empty store");
  serve->add_option("--tls-cert", tls.certificate,
                    "PEM certificate chain (leaf first): serve HTTPS only (with --tls-key)");
  serve->add_option("--tls-key", tls.private_key, "PEM private key (unencrypted) of --tls-cert");
  OidcFlags oidc{EnvOr("THROUGHCARE_OIDC_ISSUER", ""),
                 EnvOr("THROUGHCARE_OIDC_CLIENT_ID", ""),
                 EnvOr("THROUGHCARE_OIDC_CLIENT_SECRET_FILE", ""),
                 EnvOr("THROUGHCARE_OIDC_NAME", ""),
                 EnvOr("THROUGHCARE_OIDC_CLIENT_AUTH", "basic"),
                 EnvOr("THROUGHCARE_OIDC_CA_FILE", "")};
  serve->add_option("--oidc-issuer", oidc.issuer,
                    "OpenID Connect: the identity provider's issuer URL (enables IdP sign-in)");
  serve->add_option("--oidc-client-id", oidc.client_id, "OpenID Connect: this server's client id");
  serve->add_option("--oidc-client-secret-file", oidc.client_secret_file,
                    "OpenID Connect: file holding the client secret");
  serve->add_option("--oidc-name", oidc.name,
                    "OpenID Connect: the provider's name on the button, e.g. \"NHS CIS2\"");
  serve->add_option("--oidc-client-auth", oidc.client_auth,
                    "OpenID Connect: client authentication at the token endpoint, basic or post");
  serve->add_option("--oidc-ca-file", oidc.ca_file,
                    "OpenID Connect: PEM certificates to trust for the provider (default: system)");
  bool no_access_control = false;
  serve->add_flag("--no-access-control", no_access_control,
                  "Serve without authentication, policy or audit (benchmarks only)");

  int patients = 50;
  uint64_t seed = 1;
  CLI::App* demo = cli.add_subcommand("demo", "Load a synthetic detained population");
  demo->add_option("--data", data, "Data directory (embedded store)");
  demo->add_option("--patients", patients, "Number of patients")->check(CLI::Range(1, 1000000));
  demo->add_option("--seed", seed, "Random seed (same seed, same population)");

  bool full = false;
  CLI::App* reindex = cli.add_subcommand(
      "reindex", "Rebuild the search index (resumes an unfinished reindex; --all: every resource)");
  reindex->add_option("--data", data, "Data directory (embedded store)");
  reindex->add_flag("--all", full, "Reindex every resource, not only an unfinished reindex");

  std::string token_role = "system";
  std::vector<std::string> token_establishments;
  std::string token_ttl = "10m";
  std::string token_scope;
  std::string token_subject = "operator";
  CLI::App* token = cli.add_subcommand("token", "Print a short-lived bearer token (audited)");
  token->add_option("--data", data, "Data directory (embedded store)");
  token->add_option("--role", token_role, "Role id (e.g. system, registered-nurse)");
  token->add_option("--establishment", token_establishments, "Establishment code (repeatable)");
  token->add_option("--ttl", token_ttl, "Lifetime, e.g. 90s, 10m, 8h (at most 12h)");
  token->add_option("--scope", token_scope, "SMART scopes (default system/*.cruds for system)");
  token->add_option("--subject", token_subject, "Who the token is for (recorded in the audit)");

  CLI::App* audit = cli.add_subcommand("audit", "The audit trail");
  CLI::App* audit_verify = audit->add_subcommand("verify", "Check the audit hash chain");
  audit_verify->add_option("--data", data, "Data directory (embedded store)");
  audit->require_subcommand(1);

  tc::cli::AccountCommands accounts;
  tc::cli::AddAccountCommands(cli, accounts, data);

  CLI11_PARSE(cli, argc, argv);

  if (std::optional<int> rc = tc::cli::RunAccountCommands(accounts, data, std::cout, std::cerr)) {
    return *rc;
  }

  if (token->parsed()) {
    absl::StatusOr<tc::auth::Role> role = tc::auth::ParseRole(token_role);
    if (!role.ok()) return Fail(role.status());
    absl::StatusOr<absl::Duration> ttl = tc::access::ParseTtl(token_ttl);
    if (!ttl.ok()) return Fail(ttl.status());
    tc::server::AppOptions ao;
    ao.data_dir = data;
    ao.resume_reindex = false;
    absl::StatusOr<std::unique_ptr<tc::server::App>> app = tc::server::App::Open(ao);
    if (!app.ok()) return Fail(app.status());
    tc::server::OperatorTokenRequest request;
    request.role = *role;
    request.establishments = token_establishments;
    request.ttl = *ttl;
    request.scope = token_scope;
    request.subject = token_subject;
    absl::StatusOr<std::string> minted = tc::server::MintOperatorToken(**app, request);
    if (!minted.ok()) return Fail(minted.status());
    std::cout << *minted << std::endl;
    return 0;
  }
  if (audit_verify->parsed()) {
    tc::server::AppOptions ao;
    ao.data_dir = data;
    ao.resume_reindex = false;
    absl::StatusOr<std::unique_ptr<tc::server::App>> app = tc::server::App::Open(ao);
    if (!app.ok()) return Fail(app.status());
    absl::StatusOr<tc::audit::ChainReport> report = (*app)->audit_log().Verify();
    if (!report.ok()) return Fail(report.status());
    if (!report->ok()) {
      std::cerr << "audit verify: FAILED (" << tc::audit::ChainProblemId(report->problem)
                << "): " << report->detail << std::endl;
      return 2;
    }
    std::cout << "audit verify: ok, " << report->entries_checked << " entries, chain intact"
              << std::endl;
    return 0;
  }

  if (serve->parsed()) {
    if (port < 0 || port > 65535) return Fail(absl::InvalidArgumentError("--port out of range"));
    return Serve(data, port, address, base_url, demo_if_empty, no_access_control, tls, oidc);
  }
  if (reindex->parsed()) {
    tc::server::AppOptions ao;
    ao.data_dir = data;
    ao.resume_reindex = false;
    absl::StatusOr<std::unique_ptr<tc::server::App>> app = tc::server::App::Open(ao);
    if (!app.ok()) return Fail(app.status());
    absl::Status status =
        (*app)->reindexer().RunInForeground(full, [](const tc::engine::ReindexProgress& p) {
          std::cout << "reindexed " << p.done << " of " << p.total << " resources"
                    << (p.pending ? "" : " (complete)") << std::endl;
        });
    if (!status.ok()) return Fail(status);
    return 0;
  }
  if (demo->parsed()) {
    tc::server::AppOptions ao;
    ao.data_dir = data;
    absl::StatusOr<std::unique_ptr<tc::server::App>> app = tc::server::App::Open(ao);
    if (!app.ok()) return Fail(app.status());
    absl::StatusOr<int64_t> n = tc::cli::LoadDemo((*app)->repository(), patients, seed);
    if (!n.ok()) return Fail(n.status());
    std::cout << "loaded " << *n << " resources for " << patients << " patients into " << data
              << std::endl;
    return 0;
  }
  return 0;
}
