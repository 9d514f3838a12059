#include "auth/roles.h"

#include <string>

#include "absl/status/status.h"

namespace tc::auth {

std::string_view RoleId(Role role) {
  switch (role) {
    case Role::kRegisteredNurse:
      return "registered-nurse";
    case Role::kHealthcareAssistant:
      return "healthcare-assistant";
    case Role::kPrescriber:
      return "prescriber";
    case Role::kPharmacist:
      return "pharmacist";
    case Role::kPharmacyTechnician:
      return "pharmacy-technician";
    case Role::kMentalHealth:
      return "mental-health";
    case Role::kSubstanceMisuse:
      return "substance-misuse";
    case Role::kDentist:
      return "dentist";
    case Role::kHealthcareAdmin:
      return "healthcare-admin";
    case Role::kClinicalLead:
      return "clinical-lead";
    case Role::kCommissioner:
      return "commissioner";
    case Role::kPrivacyOfficer:
      return "privacy-officer";
    case Role::kSystemAdmin:
      return "system-admin";
    case Role::kCustodialStaff:
      return "custodial-staff";
    case Role::kSystem:
      return "system";
  }
  return "";
}

absl::StatusOr<Role> ParseRole(std::string_view id) {
  for (Role role : kAllRoles) {
    if (RoleId(role) == id) return role;
  }
  std::string message = "unknown role \"";
  message.append(id).append("\"");
  return absl::InvalidArgumentError(message);
}

}  // namespace tc::auth
