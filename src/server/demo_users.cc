#include "server/demo_users.h"

#include <string>
#include <vector>

namespace tc::server {
namespace {

struct DemoUser {
  const char* login;
  const char* name;
  auth::Role role;
  std::vector<std::string> establishments;
};

// The demo password: long enough for NCSC's rules, and obviously a demo's.
constexpr char kDemoPassword[] = "demo throughcare 2026";

}  // namespace

absl::Status CreateDemoUsers(access::AccountStore& accounts, std::ostream& out) {
  const std::vector<DemoUser> users = {
      {"nurse.nfd", "Nina Nurse", auth::Role::kRegisteredNurse, {"NFD"}},
      {"nurse.wly", "Wes Nurse", auth::Role::kRegisteredNurse, {"WLY"}},
      {"gp.nfd", "Dr Priya Shah", auth::Role::kPrescriber, {"NFD"}},
      {"lead.nfd", "Lee Lead", auth::Role::kClinicalLead, {"NFD"}},
      {"officer.nfd", "Cal Custody", auth::Role::kCustodialStaff, {"NFD"}},
      {"privacy", "Pat Privacy", auth::Role::kPrivacyOfficer, {}},
  };
  out << "demo sign-ins (password \"" << kDemoPassword << "\"):\n";
  for (const DemoUser& u : users) {
    access::UserAccount account;
    account.login = u.login;
    account.display_name = u.name;
    account.role = u.role;
    account.establishments = u.establishments;
    absl::Status s = accounts.AddUser(account, kDemoPassword);
    if (!s.ok() && !absl::IsAlreadyExists(s)) return s;
    out << "  " << u.login << "  " << auth::RoleId(u.role)
        << (u.establishments.empty() ? "" : " at " + u.establishments.front()) << "\n";
  }
  return absl::OkStatus();
}

}  // namespace tc::server
