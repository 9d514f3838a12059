#include "auth/policy_table.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"

namespace tc::auth {
namespace {

absl::Status LineError(int line, std::string_view why) {
  std::string message = "policy table line ";
  message.append(std::to_string(line)).append(": ").append(why);
  return absl::InvalidArgumentError(message);
}

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> out;
  for (absl::string_view w : absl::StrSplit(absl::string_view(line.data(), line.size()),
                                            absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
    out.emplace_back(w.data(), w.size());
  }
  return out;
}

bool SetTrait(RoleTraits& t, std::string_view word) {
  bool* field = word == "break-glass"        ? &t.break_glass
                : word == "sealed"           ? &t.sealed
                : word == "everything"       ? &t.everything
                : word == "export"           ? &t.bulk_export
                : word == "audit-read"       ? &t.audit_read
                : word == "admin"            ? &t.admin
                : word == "operational-only" ? &t.operational_only
                : word == "no-clinical"      ? &t.no_clinical
                : word == "unbounded"        ? &t.unbounded
                                             : nullptr;
  if (field == nullptr || *field) return false;
  *field = true;
  return true;
}

}  // namespace

uint8_t PolicyTable::Grant(Role role, std::string_view resource_type) const {
  const size_t index = static_cast<size_t>(role);
  if (auto it = grants.find(resource_type); it != grants.end() && it->second[index] != 0) {
    return it->second[index];
  }
  if (auto any = grants.find(std::string_view("*")); any != grants.end()) {
    return any->second[index];
  }
  return 0;
}

absl::StatusOr<PolicyTable> ParsePolicyTable(std::string_view text) {
  PolicyTable table;
  std::array<bool, kAllRoles.size()> seen{};
  int number = 0;
  for (absl::string_view raw : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++number;
    std::string_view line(raw.data(), raw.size());
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> words = Words(line);
    if (words.empty()) continue;
    if (words[0] == "role") {
      if (words.size() < 2) return LineError(number, "role without an id");
      absl::StatusOr<Role> role = ParseRole(words[1]);
      if (!role.ok()) return LineError(number, std::string(role.status().message()));
      size_t index = static_cast<size_t>(*role);
      if (seen[index]) return LineError(number, "role listed twice");
      seen[index] = true;
      for (size_t i = 2; i < words.size(); ++i) {
        if (!SetTrait(table.traits[index], words[i])) {
          return LineError(number, std::string("unknown or repeated trait ").append(words[i]));
        }
      }
    } else if (words[0] == "grant") {
      if (words.size() != 4) return LineError(number, "grant <role> <type> <letters>");
      absl::StatusOr<Role> role = ParseRole(words[1]);
      if (!role.ok()) return LineError(number, std::string(role.status().message()));
      uint8_t bits = 0;
      for (char c : words[3]) {
        uint8_t bit = c == 'r'   ? kGrantRead
                      : c == 'c' ? kGrantCreate
                      : c == 'u' ? kGrantUpdate
                      : c == 'd' ? kGrantDelete
                                 : 0;
        if (bit == 0 || (bits & bit)) return LineError(number, "letters must be from rcud, once");
        bits |= bit;
      }
      auto& row = table.grants[std::string(words[2])];
      uint8_t& cell = row[static_cast<size_t>(*role)];
      if (cell != 0) return LineError(number, "grant repeated");
      cell = bits;
    } else if (words[0] == "reference") {
      for (size_t i = 1; i < words.size(); ++i) table.reference_types.emplace(words[i]);
    } else if (words[0] == "after-leaving") {
      for (size_t i = 1; i < words.size(); ++i) table.after_leaving_types.emplace(words[i]);
    } else {
      return LineError(number, std::string("unknown statement ").append(words[0]));
    }
  }
  for (Role role : kAllRoles) {
    if (!seen[static_cast<size_t>(role)]) {
      return absl::InvalidArgumentError(
          std::string("policy table: no role line for ").append(RoleId(role)));
    }
  }
  return table;
}

}  // namespace tc::auth
