// File: access/scope_grant.h
//
// Which of the scopes a backend client asks for at the token endpoint it is granted, given the
// scopes it was registered with (access/account_store.h ClientRegistration::scopes; all
// system/ resource scopes).
//
// A requested scope is granted when it is a system/ resource scope (auth/scopes.h) and the
// registered scopes allow every permission letter it asks for on its resource type: the letters
// of the registered scopes naming that type or "*" together cover it (a requested "*" scope is
// covered only by registered "*" scopes). Granted scopes are exactly requested ones, never
// widened or narrowed: asking for system/Patient.cruds when registered for system/Patient.rs
// grants nothing for Patient. patient/ and user/ scopes, other tokens ("openid", "launch") and
// scopes with query restrictions (auth::ParseResourceScope → Unimplemented) are never granted;
// they are not errors (RFC 6749 §3.3 lets the server grant fewer scopes than requested).
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/scopes.h"

namespace tc::access {

// The granted scopes in canonical form (auth::ScopeToString), in the order requested, without
// duplicates, separated by one space; "" when none is granted. InvalidArgument when `requested`
// holds a malformed system/ scope.
absl::StatusOr<std::string> GrantSystemScopes(std::string_view requested,
                                              const auth::Scopes& registered);

}  // namespace tc::access
