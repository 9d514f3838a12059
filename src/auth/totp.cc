#include "auth/totp.h"

#include "auth/encoding.h"
#include "auth/hmac.h"
#include "base/status_macros.h"

namespace tc::auth {
namespace {

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

}  // namespace

std::string NewTotpSecret(base::Random& random) {
  std::string secret;
  secret.reserve(24);
  while (secret.size() < 20) {
    uint64_t r = random.Next64();
    for (int i = 0; i < 8 && secret.size() < 20; ++i) {
      secret.push_back(static_cast<char>((r >> (8 * i)) & 0xff));
    }
  }
  return secret;
}

absl::StatusOr<std::string> Hotp(std::string_view secret, uint64_t counter, int digits) {
  if (digits < 6 || digits > 8) return absl::InvalidArgumentError("HOTP: digits must be 6..8");
  if (secret.empty()) return absl::InvalidArgumentError("HOTP: empty secret");
  char message[8];
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<char>(counter & 0xff);
    counter >>= 8;
  }
  TC_ASSIGN_OR_RETURN(std::string mac,
                      Hmac(HmacHash::kSha1, secret, std::string_view(message, sizeof message)));
  // Dynamic truncation (RFC 4226 §5.3).
  int offset = static_cast<unsigned char>(mac[19]) & 0x0f;
  uint32_t binary = (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset]) & 0x7f) << 24) |
                    (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 1])) << 16) |
                    (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 2])) << 8) |
                    static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 3]));
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  if (code.size() < static_cast<size_t>(digits)) code.insert(0, digits - code.size(), '0');
  return code;
}

absl::StatusOr<int64_t> TotpStep(absl::Time t, const TotpParams& params) {
  if (params.period_s <= 0) return absl::InvalidArgumentError("TOTP: period must be positive");
  if (t < absl::UnixEpoch()) return absl::InvalidArgumentError("TOTP: time before the epoch");
  return absl::ToUnixSeconds(t) / params.period_s;
}

absl::StatusOr<std::string> TotpCode(std::string_view secret, absl::Time t,
                                     const TotpParams& params) {
  TC_ASSIGN_OR_RETURN(int64_t step, TotpStep(t, params));
  return Hotp(secret, static_cast<uint64_t>(step), params.digits);
}

absl::Status VerifyTotp(std::string_view secret, std::string_view code, const base::Clock& clock,
                        std::optional<int64_t>& last_used_step, const TotpParams& params) {
  if (code.size() != static_cast<size_t>(params.digits) ||
      code.find_first_not_of("0123456789") != std::string_view::npos) {
    std::string message = "TOTP: the code must be ";
    message.append(std::to_string(params.digits)).append(" digits");
    return absl::InvalidArgumentError(message);
  }
  if (params.window < 0) return absl::InvalidArgumentError("TOTP: negative window");
  TC_ASSIGN_OR_RETURN(int64_t now_step, TotpStep(clock.Now(), params));
  // Check every candidate (no early exit) so timing does not reveal which step matched.
  std::optional<int64_t> matched;
  for (int64_t step = now_step - params.window; step <= now_step + params.window; ++step) {
    if (step < 0) continue;
    TC_ASSIGN_OR_RETURN(std::string expected,
                        Hotp(secret, static_cast<uint64_t>(step), params.digits));
    bool equal = ConstantTimeEquals(expected, code);
    bool fresh = !last_used_step.has_value() || step > *last_used_step;
    if (equal && fresh && !matched.has_value()) matched = step;
  }
  if (!matched.has_value()) {
    return absl::UnauthenticatedError("TOTP: the code is wrong, expired or already used");
  }
  last_used_step = matched;
  return absl::OkStatus();
}

std::string TotpUri(std::string_view secret, std::string_view issuer, std::string_view account,
                    const TotpParams& params) {
  std::string issuer_enc = PercentEncode(issuer);
  std::string uri = "otpauth://totp/";
  uri.append(issuer_enc)
      .append(":")
      .append(PercentEncode(account))
      .append("?secret=")
      .append(Base32Encode(secret))
      .append("&issuer=")
      .append(issuer_enc)
      .append("&algorithm=SHA1&digits=")
      .append(std::to_string(params.digits))
      .append("&period=")
      .append(std::to_string(params.period_s));
  return uri;
}

}  // namespace tc::auth
