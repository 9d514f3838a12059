// File: cli/account_commands.h
//
// The `throughcare user` and `throughcare client` subcommands (issue 4, "Identity" 1 and 4):
// administration of the account database `<DIR>/access.db` (access/account_store.h) from the
// command line, for the first set-up and for when the web UI is not available.
//
//   throughcare user add --login L --name N --role ROLE [--establishment CODE]...
//   [--password-stdin]
//       prints a one-time password once (the user must change it at first login), or sets the
//       password read from the first line of standard input
//   throughcare user list                       login, name, role, establishments, state
//   throughcare user disable LOGIN | user enable LOGIN
//   throughcare user role LOGIN ROLE [--establishment CODE]...
//   throughcare user link-oidc LOGIN --issuer URL --subject SUB
//       an OpenID Connect identity (the ID token's "iss" and "sub") signs in as LOGIN
//   throughcare user unlink-oidc --issuer URL --subject SUB
//   throughcare client add --client-id ID --name N --jwks FILE --scope "system/Patient.rs ..."
//       [--establishment CODE]...
//   throughcare client list
// Every subcommand takes `--data DIR` (the data directory; main's default applies otherwise).
// Errors are one line on stderr, "throughcare: <message>", and exit code 1. Password hashes,
// TOTP secrets and the token secret are never printed.
//
//   AccountCommands accounts;
//   AddAccountCommands(app, accounts, data_dir);
//   CLI11_PARSE(app, argc, argv);
//   if (std::optional<int> rc = RunAccountCommands(accounts, data_dir, std::cout, std::cerr))
//     return *rc;
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace tc::cli {

// The registered subcommands and the values their options are parsed into.
struct AccountCommands {
  CLI::App* user = nullptr;
  CLI::App* user_add = nullptr;
  CLI::App* user_list = nullptr;
  CLI::App* user_disable = nullptr;
  CLI::App* user_enable = nullptr;
  CLI::App* user_role = nullptr;
  CLI::App* user_link_oidc = nullptr;
  CLI::App* user_unlink_oidc = nullptr;
  CLI::App* client = nullptr;
  CLI::App* client_add = nullptr;
  CLI::App* client_list = nullptr;

  std::string login;
  std::string name;
  std::string role;
  std::vector<std::string> establishments;
  bool password_stdin = false;
  std::string client_id;
  std::string jwks_file;
  std::string jwks_url;
  std::vector<std::string> scopes;
  std::string oidc_issuer;
  std::string oidc_subject;  // --scope may be repeated; the values are joined by spaces
};

// Registers `user` and `client` with their subcommands on `app`. `cmds` and `data_dir` must
// outlive parsing; `--data` writes to `data_dir`.
void AddAccountCommands(CLI::App& app, AccountCommands& cmds, std::string& data_dir);

// Runs whichever of the subcommands was parsed. Returns nullopt when none was, else the exit
// code (0 or 1). `in` is read only by `user add --password-stdin`.
std::optional<int> RunAccountCommands(const AccountCommands& cmds, const std::string& data_dir,
                                      std::istream& in, std::ostream& out, std::ostream& err);
// The same with standard input.
std::optional<int> RunAccountCommands(const AccountCommands& cmds, const std::string& data_dir,
                                      std::ostream& out, std::ostream& err);

}  // namespace tc::cli
