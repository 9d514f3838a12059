#include "cli/account_commands.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "access/account_store.h"
#include "auth/roles.h"
#include "base/clock.h"
#include "base/random.h"

namespace tc::cli {
namespace {

using access::AccountStore;
using access::ClientRegistration;
using access::UserAccount;

int Fail(std::ostream& err, std::string_view message) {
  err << "throughcare: " << message << "\n";
  return 1;
}

int Fail(std::ostream& err, const absl::Status& status) {
  return Fail(err, std::string_view(status.message().data(), status.message().size()));
}

// The roles a user account may hold (every role but `system`, which is for API clients).
std::string UserRoleList() {
  std::vector<std::string> ids;
  for (auth::Role role : auth::kAllRoles) {
    if (role != auth::Role::kSystem) ids.emplace_back(auth::RoleId(role));
  }
  return absl::StrJoin(ids, ", ");
}

absl::StatusOr<auth::Role> ParseUserRole(const std::string& id) {
  absl::StatusOr<auth::Role> role = auth::ParseRole(id);
  if (!role.ok() || *role == auth::Role::kSystem) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown role \"", id, "\"; valid roles: ", UserRoleList()));
  }
  return role;
}

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string Codes(const std::vector<std::string>& codes) {
  return codes.empty() ? "-" : absl::StrJoin(codes, ",");
}

// Prints `rows` as left-aligned columns separated by two spaces; the first row is the header.
void PrintTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

std::string UserState(const UserAccount& user, absl::Time now) {
  std::vector<std::string> state;
  if (user.disabled) state.push_back("disabled");
  if (user.locked_until.has_value() && *user.locked_until > now) {
    state.push_back(absl::StrCat("locked until ", FormatUtc(*user.locked_until)));
  }
  if (user.must_change_password) state.push_back("password change due");
  if (user.has_totp) state.push_back("totp");
  return state.empty() ? "active" : absl::StrJoin(state, ", ");
}

// Everything a run needs, opened once.
struct Context {
  base::SystemClock clock;
  base::SystemRandom random;
  std::unique_ptr<AccountStore> store;
};

absl::Status OpenStore(Context& ctx, const std::string& data_dir) {
  absl::StatusOr<std::unique_ptr<AccountStore>> store =
      AccountStore::Open(access::AccountDbPath(data_dir), ctx.clock, ctx.random);
  if (!store.ok()) return store.status();
  ctx.store = std::move(*store);
  return absl::OkStatus();
}

int UserAdd(const AccountCommands& cmds, AccountStore& store, std::istream& in, std::ostream& out,
            std::ostream& err) {
  absl::StatusOr<auth::Role> role = ParseUserRole(cmds.role);
  if (!role.ok()) return Fail(err, role.status());
  UserAccount user;
  user.login = cmds.login;
  user.display_name = cmds.name;
  user.role = *role;
  user.establishments = cmds.establishments;
  if (cmds.password_stdin) {
    std::string password;
    if (!std::getline(in, password)) return Fail(err, "no password on standard input");
    if (!password.empty() && password.back() == '\r') password.pop_back();
    absl::Status added = store.AddUser(user, password);
    if (!added.ok()) return Fail(err, added);
    out << "created user " << user.login << " (" << auth::RoleId(user.role) << ")\n";
    return 0;
  }
  absl::StatusOr<std::string> password = store.AddUserWithOneTimePassword(user);
  if (!password.ok()) return Fail(err, password.status());
  out << "created user " << user.login << " (" << auth::RoleId(user.role) << ")\n"
      << "one-time password for " << user.login << ": " << *password << "\n"
      << "It is shown only this once: give it to the user, who must change it at first login.\n";
  return 0;
}

int UserList(AccountStore& store, const base::Clock& clock, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::vector<UserAccount>> users = store.ListUsers();
  if (!users.ok()) return Fail(err, users.status());
  if (users->empty()) {
    out << "no users\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"LOGIN", "NAME", "ROLE", "ESTABLISHMENTS", "STATE"}};
  const absl::Time now = clock.Now();
  for (const UserAccount& user : *users) {
    rows.push_back({user.login, user.display_name, std::string(auth::RoleId(user.role)),
                    Codes(user.establishments), UserState(user, now)});
  }
  PrintTable(out, rows);
  return 0;
}

int UserSetDisabled(const AccountCommands& cmds, AccountStore& store, bool disabled,
                    std::ostream& out, std::ostream& err) {
  absl::Status status = store.SetDisabled(cmds.login, disabled);
  if (!status.ok()) return Fail(err, status);
  out << (disabled ? "disabled user " : "enabled user ") << cmds.login << "\n";
  return 0;
}

int UserRole(const AccountCommands& cmds, AccountStore& store, std::ostream& out,
             std::ostream& err) {
  absl::StatusOr<auth::Role> role = ParseUserRole(cmds.role);
  if (!role.ok()) return Fail(err, role.status());
  absl::Status status = store.SetRole(cmds.login, *role, cmds.establishments);
  if (!status.ok()) return Fail(err, status);
  out << "user " << cmds.login << " now has role " << auth::RoleId(*role) << " at "
      << Codes(cmds.establishments) << "\n";
  return 0;
}

int ClientAdd(const AccountCommands& cmds, AccountStore& store, std::ostream& out,
              std::ostream& err) {
  std::ostringstream jwks;
  if (cmds.jwks_file.empty() && cmds.jwks_url.empty()) {
    return Fail(err, "give the client's JWK Set (--jwks FILE) or its URL (--jwks-url URL)");
  }
  if (!cmds.jwks_file.empty()) {
    std::ifstream file(cmds.jwks_file, std::ios::binary);
    if (!file) return Fail(err, absl::StrCat("cannot read the JWK Set file ", cmds.jwks_file));
    jwks << file.rdbuf();
  }
  ClientRegistration client;
  client.client_id = cmds.client_id;
  client.name = cmds.name;
  client.scopes = absl::StrJoin(cmds.scopes, " ");
  client.jwks_json = jwks.str();
  client.jwks_url = cmds.jwks_url;
  client.establishments = cmds.establishments;
  absl::Status status = store.AddClient(client);
  if (!status.ok()) return Fail(err, status);
  absl::StatusOr<std::optional<ClientRegistration>> added = store.GetClient(client.client_id);
  if (!added.ok()) return Fail(err, added.status());
  out << "registered client " << client.client_id << " with scopes "
      << (added->has_value() ? (*added)->scopes : client.scopes) << "\n";
  return 0;
}

int ClientList(AccountStore& store, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::vector<ClientRegistration>> clients = store.ListClients();
  if (!clients.ok()) return Fail(err, clients.status());
  if (clients->empty()) {
    out << "no clients\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"CLIENT ID", "NAME", "SCOPES", "ESTABLISHMENTS", "STATE"}};
  for (const ClientRegistration& client : *clients) {
    rows.push_back({client.client_id, client.name, client.scopes, Codes(client.establishments),
                    client.disabled ? "disabled" : "active"});
  }
  PrintTable(out, rows);
  return 0;
}

}  // namespace

void AddAccountCommands(CLI::App& app, AccountCommands& cmds, std::string& data_dir) {
  auto data = [&](CLI::App* sub) {
    sub->add_option("--data", data_dir, "Data directory (the account database is DIR/access.db)");
  };
  const std::string role_help = absl::StrCat("Role: ", UserRoleList());

  cmds.user = app.add_subcommand("user", "Manage staff accounts");
  cmds.user->require_subcommand(1);

  cmds.user_add = cmds.user->add_subcommand("add", "Create a staff account");
  data(cmds.user_add);
  cmds.user_add->add_option("--login", cmds.login, "Login ([a-z0-9._-]{2,64})")->required();
  cmds.user_add->add_option("--name", cmds.name, "Display name")->required();
  cmds.user_add->add_option("--role", cmds.role, role_help)->required();
  cmds.user_add->add_option("--establishment", cmds.establishments,
                            "Establishment code (repeat for several)");
  cmds.user_add->add_flag("--password-stdin", cmds.password_stdin,
                          "Read the password from standard input instead of generating a "
                          "one-time password");

  cmds.user_list = cmds.user->add_subcommand("list", "List staff accounts");
  data(cmds.user_list);

  cmds.user_disable = cmds.user->add_subcommand("disable", "Disable a staff account");
  data(cmds.user_disable);
  cmds.user_disable->add_option("login", cmds.login, "Login")->required();

  cmds.user_enable = cmds.user->add_subcommand("enable", "Enable a disabled staff account");
  data(cmds.user_enable);
  cmds.user_enable->add_option("login", cmds.login, "Login")->required();

  cmds.user_role =
      cmds.user->add_subcommand("role", "Set a staff account's role and establishments");
  data(cmds.user_role);
  cmds.user_role->add_option("login", cmds.login, "Login")->required();
  cmds.user_role->add_option("role", cmds.role, role_help)->required();
  cmds.user_role->add_option("--establishment", cmds.establishments,
                             "Establishment code (repeat for several; none clears them)");

  cmds.user_link_oidc = cmds.user->add_subcommand(
      "link-oidc", "Let an OpenID Connect identity (issuer + subject) sign in as this account");
  data(cmds.user_link_oidc);
  cmds.user_link_oidc->add_option("login", cmds.login, "Login")->required();
  cmds.user_link_oidc
      ->add_option("--issuer", cmds.oidc_issuer, "The identity provider's issuer URL")
      ->required();
  cmds.user_link_oidc
      ->add_option("--subject", cmds.oidc_subject, "The user's subject (\"sub\") at that provider")
      ->required();
  cmds.user_unlink_oidc = cmds.user->add_subcommand(
      "unlink-oidc", "Remove an OpenID Connect identity's link to its account");
  data(cmds.user_unlink_oidc);
  cmds.user_unlink_oidc->add_option("--issuer", cmds.oidc_issuer, "Issuer URL")->required();
  cmds.user_unlink_oidc->add_option("--subject", cmds.oidc_subject, "Subject")->required();

  cmds.client = app.add_subcommand("client", "Manage API clients (SMART Backend Services)");
  cmds.client->require_subcommand(1);

  cmds.client_add = cmds.client->add_subcommand("add", "Register an API client");
  data(cmds.client_add);
  cmds.client_add->add_option("--client-id", cmds.client_id, "Client id ([A-Za-z0-9._-]{2,64})")
      ->required();
  cmds.client_add->add_option("--name", cmds.name, "Client name")->required();
  cmds.client_add->add_option("--jwks", cmds.jwks_file, "File holding the client's public JWK Set");
  cmds.client_add->add_option("--jwks-url", cmds.jwks_url,
                              "URL the client publishes its JWK Set at (https; assertions may "
                              "name it as jku)");
  cmds.client_add
      ->add_option("--scope", cmds.scopes,
                   "system/ scopes the client may be granted, space-separated (repeatable)")
      ->required();
  cmds.client_add->add_option("--establishment", cmds.establishments,
                              "Establishment code (repeat for several)");

  cmds.client_list = cmds.client->add_subcommand("list", "List API clients");
  data(cmds.client_list);
}

std::optional<int> RunAccountCommands(const AccountCommands& cmds, const std::string& data_dir,
                                      std::istream& in, std::ostream& out, std::ostream& err) {
  const bool user = cmds.user != nullptr && cmds.user->parsed();
  const bool client = cmds.client != nullptr && cmds.client->parsed();
  if (!user && !client) return std::nullopt;

  // Check the role before the database is opened (or created).
  if (cmds.user_add->parsed() || cmds.user_role->parsed()) {
    absl::StatusOr<auth::Role> role = ParseUserRole(cmds.role);
    if (!role.ok()) return Fail(err, role.status());
  }
  Context ctx;
  absl::Status opened = OpenStore(ctx, data_dir);
  if (!opened.ok()) return Fail(err, opened);
  AccountStore& store = *ctx.store;

  if (cmds.user_add->parsed()) return UserAdd(cmds, store, in, out, err);
  if (cmds.user_list->parsed()) return UserList(store, ctx.clock, out, err);
  if (cmds.user_disable->parsed()) return UserSetDisabled(cmds, store, true, out, err);
  if (cmds.user_enable->parsed()) return UserSetDisabled(cmds, store, false, out, err);
  if (cmds.user_role->parsed()) return UserRole(cmds, store, out, err);
  if (cmds.user_link_oidc->parsed()) {
    absl::Status s = store.LinkOidc(cmds.login, cmds.oidc_issuer, cmds.oidc_subject);
    if (!s.ok()) return Fail(err, s);
    out << "linked " << cmds.oidc_issuer << " subject " << cmds.oidc_subject << " to user "
        << cmds.login << "\n";
    return 0;
  }
  if (cmds.user_unlink_oidc->parsed()) {
    absl::Status s = store.UnlinkOidc(cmds.oidc_issuer, cmds.oidc_subject);
    if (!s.ok()) return Fail(err, s);
    out << "unlinked " << cmds.oidc_issuer << " subject " << cmds.oidc_subject << "\n";
    return 0;
  }
  if (cmds.client_add->parsed()) return ClientAdd(cmds, store, out, err);
  if (cmds.client_list->parsed()) return ClientList(store, out, err);
  return Fail(err, "no subcommand given");
}

std::optional<int> RunAccountCommands(const AccountCommands& cmds, const std::string& data_dir,
                                      std::ostream& out, std::ostream& err) {
  return RunAccountCommands(cmds, data_dir, std::cin, out, err);
}

}  // namespace tc::cli
