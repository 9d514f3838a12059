#include "store/migrations.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace tc::store {

absl::Status ValidateMigrations(absl::Span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    const Migration& m = migrations[i];
    const int64_t expected = static_cast<int64_t>(i) + 1;
    if (m.version != expected) {
      return absl::InvalidArgumentError(
          absl::StrFormat("migration #%d has version %d, expected %d", i, m.version, expected));
    }
    if (!absl::StartsWith(absl::string_view(m.name.data(), m.name.size()),
                          absl::StrFormat("%04d_", m.version)) ||
        m.name.size() <= 5) {
      return absl::InvalidArgumentError(
          absl::StrFormat("migration %d has name \"%s\", expected \"%04d_description\"", m.version,
                          std::string(m.name), m.version));
    }
    if (m.sql.empty()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("migration %s has no SQL", std::string(m.name)));
    }
  }
  return absl::OkStatus();
}

}  // namespace tc::store
