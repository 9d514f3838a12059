#include "auth/scopes.h"

#include "absl/status/status.h"

namespace tc::auth {
namespace {

constexpr char kLetters[] = "cruds";

absl::Status Invalid(std::string_view scope, std::string_view why) {
  std::string message = "invalid SMART scope \"";
  message.append(scope).append("\": ").append(why);
  return absl::InvalidArgumentError(message);
}

bool IsResourceTypeName(std::string_view s) {
  if (s.empty() || s[0] < 'A' || s[0] > 'Z') return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

// v2 letters in c r u d s order, or a v1 word; 0 when invalid.
uint8_t ParsePermissions(std::string_view p) {
  if (p == "read") return kPermRead | kPermSearch;
  if (p == "write") return kPermCreate | kPermUpdate | kPermDelete;
  if (p == "*") return kPermAll;
  uint8_t bits = 0;
  int next = 0;  // index into kLetters of the earliest letter still allowed
  for (char c : p) {
    int i = next;
    while (i < 5 && kLetters[i] != c) ++i;
    if (i == 5) return 0;  // unknown, repeated or out of order
    bits |= static_cast<uint8_t>(1 << i);
    next = i + 1;
  }
  return bits;
}

}  // namespace

absl::StatusOr<ResourceScope> ParseResourceScope(std::string_view scope) {
  if (scope.find('?') != std::string_view::npos) {
    std::string message = "SMART scope \"";
    message.append(scope).append(
        "\": query-parameter restrictions are not supported by this server");
    return absl::UnimplementedError(message);
  }
  size_t slash = scope.find('/');
  if (slash == std::string_view::npos) return Invalid(scope, "no '/'");
  ResourceScope out;
  std::string_view context = scope.substr(0, slash);
  if (context == "patient") {
    out.context = ScopeContext::kPatient;
  } else if (context == "user") {
    out.context = ScopeContext::kUser;
  } else if (context == "system") {
    out.context = ScopeContext::kSystem;
  } else {
    return Invalid(scope, "context must be patient, user or system");
  }
  std::string_view rest = scope.substr(slash + 1);
  size_t dot = rest.find('.');
  if (dot == std::string_view::npos) return Invalid(scope, "no '.' before the permissions");
  std::string_view resource = rest.substr(0, dot);
  if (resource != "*" && !IsResourceTypeName(resource)) {
    return Invalid(scope, "resource must be a resource type name or *");
  }
  out.resource_type = std::string(resource);
  out.permissions = ParsePermissions(rest.substr(dot + 1));
  if (out.permissions == 0) {
    return Invalid(scope, "permissions must be c, r, u, d, s in that order, or read, write, *");
  }
  return out;
}

absl::StatusOr<Scopes> ParseScopes(std::string_view scope_string) {
  Scopes out;
  size_t i = 0;
  while (i < scope_string.size()) {
    if (scope_string[i] == ' ') {
      ++i;
      continue;
    }
    size_t end = scope_string.find(' ', i);
    if (end == std::string_view::npos) end = scope_string.size();
    std::string_view token = scope_string.substr(i, end - i);
    if (token.starts_with("patient/") || token.starts_with("user/") ||
        token.starts_with("system/")) {
      absl::StatusOr<ResourceScope> scope = ParseResourceScope(token);
      if (!scope.ok()) return scope.status();
      out.resource.push_back(*std::move(scope));
    } else {
      out.other.emplace_back(token);
    }
    i = end;
  }
  return out;
}

std::string ScopeToString(const ResourceScope& scope) {
  std::string out = scope.context == ScopeContext::kPatient ? "patient/"
                    : scope.context == ScopeContext::kUser  ? "user/"
                                                            : "system/";
  out.append(scope.resource_type).push_back('.');
  for (int i = 0; i < 5; ++i) {
    if (scope.permissions & (1 << i)) out.push_back(kLetters[i]);
  }
  return out;
}

uint8_t PermissionFor(ScopeInteraction interaction) {
  switch (interaction) {
    case ScopeInteraction::kCreate:
      return kPermCreate;
    case ScopeInteraction::kRead:
      return kPermRead;
    case ScopeInteraction::kUpdate:
      return kPermUpdate;
    case ScopeInteraction::kDelete:
      return kPermDelete;
    case ScopeInteraction::kSearch:
      return kPermSearch;
  }
  return 0;
}

bool Allows(const Scopes& scopes, ScopeContext context, std::string_view resource_type,
            ScopeInteraction interaction) {
  const uint8_t needed = PermissionFor(interaction);
  for (const ResourceScope& s : scopes.resource) {
    if (s.context != context) continue;
    if (s.resource_type != "*" && s.resource_type != resource_type) continue;
    if (s.permissions & needed) return true;
  }
  return false;
}

}  // namespace tc::auth
