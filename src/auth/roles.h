// File: auth/roles.h
//
// The roles of issue 4 ("Policy" 5), modelled on national RBAC. The ids are fixed: the CLI,
// tokens and the policy table use them.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace tc::auth {

enum class Role : uint8_t {
  kRegisteredNurse,
  kHealthcareAssistant,
  kPrescriber,
  kPharmacist,
  kPharmacyTechnician,
  kMentalHealth,
  kSubstanceMisuse,
  kDentist,
  kHealthcareAdmin,
  kClinicalLead,
  kCommissioner,
  kPrivacyOfficer,
  kSystemAdmin,
  kCustodialStaff,
  kSystem,
};

inline constexpr std::array<Role, 15> kAllRoles = {
    Role::kRegisteredNurse,
    Role::kHealthcareAssistant,
    Role::kPrescriber,
    Role::kPharmacist,
    Role::kPharmacyTechnician,
    Role::kMentalHealth,
    Role::kSubstanceMisuse,
    Role::kDentist,
    Role::kHealthcareAdmin,
    Role::kClinicalLead,
    Role::kCommissioner,
    Role::kPrivacyOfficer,
    Role::kSystemAdmin,
    Role::kCustodialStaff,
    Role::kSystem,
};

// "registered-nurse", "healthcare-assistant", "prescriber", "pharmacist", "pharmacy-technician",
// "mental-health", "substance-misuse", "dentist", "healthcare-admin", "clinical-lead",
// "commissioner", "privacy-officer", "system-admin", "custodial-staff", "system".
std::string_view RoleId(Role role);

// The role with id `id` (exact, case-sensitive); InvalidArgument otherwise.
absl::StatusOr<Role> ParseRole(std::string_view id);

}  // namespace tc::auth
