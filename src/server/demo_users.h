// File: server/demo_users.h
//
// Demo sign-ins for `serve --demo-if-empty` (`make run`): when the demo population is loaded into
// an empty store, one account per main role is created with a known password, so that the web
// UI can be tried at once; the list is printed with the "listening on" line. Never on a store
// that already had data.
#pragma once

#include <ostream>

#include "absl/status/status.h"
#include "access/account_store.h"

namespace tc::server {

// Creates the demo accounts (skipping any login that exists) and writes "login / password / role
// / establishment" lines to `out`.
absl::Status CreateDemoUsers(access::AccountStore& accounts, std::ostream& out);

}  // namespace tc::server
