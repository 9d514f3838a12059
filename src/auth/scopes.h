// File: auth/scopes.h
//
// SMART App Launch v2 (2.0.0, "Scopes and Launch Context") resource scopes:
//   <context>/<resource>.<permissions>
//   context     patient | user | system
//   resource    a FHIR resource type name, or * for every type
//   permissions v2: a non-empty subset of c r u d s written in that order ("rs", "cud",
//               "cruds"); v1: "read" (= rs), "write" (= cud) or "*" (= cruds), as the v2 spec
//               maps them for backward compatibility.
// v2 scopes with query-parameter restrictions ("patient/Observation.rs?category=...") are NOT
// supported: they parse to Unimplemented so that the authorisation server refuses (or does not
// grant) them rather than granting the broader, unrestricted scope.
//
// Which permission an interaction needs (SMART v2 §"Scopes for requesting FHIR Resources"):
//   create → c;   read, vread, history of an instance → r;   update, patch → u;
//   delete → d;   search, history of a type or the system → s.
//
// Pure value types and functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tc::auth {

enum class ScopeContext : uint8_t { kPatient, kUser, kSystem };

enum class ScopeInteraction : uint8_t { kCreate, kRead, kUpdate, kDelete, kSearch };

// Permission bits, in the c r u d s order.
inline constexpr uint8_t kPermCreate = 1 << 0;
inline constexpr uint8_t kPermRead = 1 << 1;
inline constexpr uint8_t kPermUpdate = 1 << 2;
inline constexpr uint8_t kPermDelete = 1 << 3;
inline constexpr uint8_t kPermSearch = 1 << 4;
inline constexpr uint8_t kPermAll = 0x1f;

struct ResourceScope {
  ScopeContext context = ScopeContext::kPatient;
  std::string resource_type;  // "*" for every type
  uint8_t permissions = 0;    // kPerm* bits, never 0

  friend bool operator==(const ResourceScope&, const ResourceScope&) = default;
};

// The scopes of one token or request: resource scopes, and every other token kept verbatim
// ("openid", "fhirUser", "launch/patient", "offline_access", ...), which this module does not
// interpret.
struct Scopes {
  std::vector<ResourceScope> resource;
  std::vector<std::string> other;
};

// Parses one resource scope. InvalidArgument when malformed (unknown context, resource name not
// "*" or [A-Z][A-Za-z]*, permissions not one of the forms above, duplicated or out of order
// letters, empty parts); Unimplemented when it carries a "?" query restriction.
absl::StatusOr<ResourceScope> ParseResourceScope(std::string_view scope);

// Parses a space-separated scope string (OAuth 2.0 "scope", RFC 6749 §3.3). Tokens beginning
// "patient/", "user/" or "system/" must be valid resource scopes (errors as above); any other
// token goes to `other`. Repeated spaces are tolerated.
absl::StatusOr<Scopes> ParseScopes(std::string_view scope_string);

// The canonical v2 text of a scope, e.g. "system/Observation.rs".
std::string ScopeToString(const ResourceScope& scope);

// The permission bit an interaction needs.
uint8_t PermissionFor(ScopeInteraction interaction);

// True when some scope of exactly `context` names `resource_type` (or "*") and includes the
// permission `interaction` needs. The caller decides which context applies: a backend service
// token is checked with kSystem; a user-facing app's request with kUser, or with kPatient for
// resources in the compartment of the patient in its launch context.
bool Allows(const Scopes& scopes, ScopeContext context, std::string_view resource_type,
            ScopeInteraction interaction);

}  // namespace tc::auth
