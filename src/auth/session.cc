#include "auth/session.h"

#include <openssl/evp.h>

#include <algorithm>

#include "absl/status/status.h"
#include "auth/encoding.h"
#include "auth/hmac.h"

namespace tc::auth {
namespace {

std::string CsrfInput(std::string_view session_id) {
  std::string input = "csrf";
  input.push_back('\0');
  input.append(session_id);
  return input;
}

}  // namespace

std::string NewSessionId(base::Random& random) {
  std::string bytes;
  bytes.reserve(kSessionIdBytes);
  while (bytes.size() < kSessionIdBytes) {
    uint64_t r = random.Next64();
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((r >> (8 * i)) & 0xff));
  }
  return Base64UrlEncode(bytes);
}

bool IsWellFormedSessionId(std::string_view id) {
  if (id.size() != 43) return false;
  absl::StatusOr<std::string> bytes = Base64UrlDecode(id);
  return bytes.ok() && bytes->size() == kSessionIdBytes;
}

std::string SessionIdDigest(std::string_view session_id) {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(session_id.data(), session_id.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    return "";
  }
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

absl::StatusOr<std::string> CsrfToken(std::string_view secret, std::string_view session_id) {
  if (secret.size() < kMinCsrfSecretBytes) {
    return absl::InvalidArgumentError("CSRF secret shorter than 32 bytes");
  }
  absl::StatusOr<std::string> mac = Hmac(HmacHash::kSha256, secret, CsrfInput(session_id));
  if (!mac.ok()) return mac.status();
  return Base64UrlEncode(*mac);
}

bool VerifyCsrfToken(std::string_view secret, std::string_view session_id, std::string_view token) {
  if (session_id.empty() || token.empty()) return false;
  absl::StatusOr<std::string> expected = CsrfToken(secret, session_id);
  return expected.ok() && ConstantTimeEquals(*expected, token);
}

SessionState CheckSession(absl::Time created, absl::Time last_seen, absl::Time now,
                          const SessionLimits& limits) {
  if (now >= created + limits.absolute) return SessionState::kAbsoluteExpired;
  if (last_seen > now) return SessionState::kIdleExpired;
  last_seen = std::max(last_seen, created);
  if (now >= last_seen + limits.idle) return SessionState::kIdleExpired;
  return SessionState::kActive;
}

absl::Time SessionDeadline(absl::Time created, absl::Time last_seen, const SessionLimits& limits) {
  return std::min(std::max(last_seen, created) + limits.idle, created + limits.absolute);
}

}  // namespace tc::auth
