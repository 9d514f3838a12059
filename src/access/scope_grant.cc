#include "access/scope_grant.h"

#include <vector>

#include "absl/status/status.h"

namespace tc::access {
namespace {

// The permission letters the registered system/ scopes allow on `type` ("*": every type).
uint8_t AllowedOn(const auth::Scopes& registered, std::string_view type) {
  uint8_t allowed = 0;
  for (const auth::ResourceScope& s : registered.resource) {
    if (s.context != auth::ScopeContext::kSystem) continue;
    if (s.resource_type == "*" || (type != "*" && s.resource_type == type)) {
      allowed |= s.permissions;
    }
  }
  return allowed;
}

}  // namespace

absl::StatusOr<std::string> GrantSystemScopes(std::string_view requested,
                                              const auth::Scopes& registered) {
  std::vector<std::string> granted;
  size_t i = 0;
  while (i < requested.size()) {
    if (requested[i] == ' ') {
      ++i;
      continue;
    }
    size_t end = requested.find(' ', i);
    if (end == std::string_view::npos) end = requested.size();
    const std::string_view token = requested.substr(i, end - i);
    i = end;
    if (!token.starts_with("system/")) continue;
    absl::StatusOr<auth::ResourceScope> scope = auth::ParseResourceScope(token);
    if (absl::IsUnimplemented(scope.status())) continue;  // query-restricted: never granted
    if (!scope.ok()) return scope.status();
    const uint8_t allowed = AllowedOn(registered, scope->resource_type);
    if ((scope->permissions & ~allowed) != 0) continue;
    std::string text = auth::ScopeToString(*scope);
    bool seen = false;
    for (const std::string& g : granted) seen = seen || g == text;
    if (!seen) granted.push_back(std::move(text));
  }
  std::string out;
  for (const std::string& g : granted) {
    if (!out.empty()) out.push_back(' ');
    out.append(g);
  }
  return out;
}

}  // namespace tc::access
