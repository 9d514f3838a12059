// File: auth/policy_table.h
//
// The role → permission mapping of the access policy, held as DATA: a checked-in text table
// (policy_table_data.cc) parsed into a PolicyTable, so that every permission is reviewable in
// one place and the decision code (auth/policy.h) contains no per-role ifs.
//
// Text format, one statement per line, '#' starts a comment:
//   role <role-id> [trait ...]          traits of a role (every role must appear exactly once):
//       break-glass       may open a record it has no relationship with, via break-glass
//       sealed            may open sealed records, given a reason
//       everything        may run Patient/$everything
//       export            may run bulk export
//       audit-read        may read the audit trail
//       admin             may administer accounts and configuration
//       operational-only  patient data only where marked operational and consented to share,
//                         read only, and only while the patient is held at one's establishment
//       no-clinical       no patient-linked data at all (commissioner, system administrator)
//       unbounded         not bound to establishments; bounded by its SMART scopes instead
//   grant <role-id> <ResourceType|*> <letters>
//       letters from "rcud": r = read, vread, history, search; c = create; u = update, patch;
//       d = delete. "*" applies to every type without its own grant line for that role.
//   reference <ResourceType> ...        types that never belong to a patient (no relationship
//                                       check, not clinical data); every other type is treated
//                                       as patient-linked
//   after-leaving <ResourceType> ...    types that may still be created or updated once the
//                                       patient has left (within the window): handover notes,
//                                       letters and tasks. Other types are read-only then.
// Unknown words, unknown roles, repeated role lines or repeated grants are errors.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/roles.h"

namespace tc::auth {

// Grant letters as bits.
inline constexpr uint8_t kGrantRead = 1 << 0;
inline constexpr uint8_t kGrantCreate = 1 << 1;
inline constexpr uint8_t kGrantUpdate = 1 << 2;
inline constexpr uint8_t kGrantDelete = 1 << 3;

struct RoleTraits {
  bool break_glass = false;
  bool sealed = false;
  bool everything = false;
  bool bulk_export = false;
  bool audit_read = false;
  bool admin = false;
  bool operational_only = false;
  bool no_clinical = false;
  bool unbounded = false;
};

struct PolicyTable {
  std::array<RoleTraits, kAllRoles.size()> traits{};
  // grants[type][role] = kGrant* bits; type "*" is the fallback.
  std::map<std::string, std::array<uint8_t, kAllRoles.size()>, std::less<>> grants;
  std::set<std::string, std::less<>> reference_types;
  std::set<std::string, std::less<>> after_leaving_types;

  const RoleTraits& Traits(Role role) const { return traits[static_cast<size_t>(role)]; }
  // The grant bits of `role` on `resource_type` (its own line, else the "*" line, else 0).
  uint8_t Grant(Role role, std::string_view resource_type) const;
  bool IsReferenceType(std::string_view resource_type) const {
    return reference_types.contains(resource_type);
  }
  bool IsWritableAfterLeaving(std::string_view resource_type) const {
    return after_leaving_types.contains(resource_type);
  }
};

// Parses a table in the format above. InvalidArgument naming the line on any error.
absl::StatusOr<PolicyTable> ParsePolicyTable(std::string_view text);

// The checked-in table (policy_table_data.cc).
std::string_view DefaultPolicyTableText();

}  // namespace tc::auth
