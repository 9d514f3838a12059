#include "auth/jwt_claims.h"

#include <charconv>
#include <cmath>

namespace tc::auth {
namespace {

absl::Status Reject(std::string_view why) {
  return absl::UnauthenticatedError(std::string("token rejected: ").append(why));
}

}  // namespace

absl::StatusOr<std::optional<absl::Time>> NumericDateClaim(const fhir::Value& claims,
                                                           std::string_view name) {
  const fhir::Value* v = claims.Find(name);
  if (v == nullptr) return std::optional<absl::Time>();
  if (!v->is_number()) {
    return absl::InvalidArgumentError(std::string("\"").append(name).append("\" is not a number"));
  }
  const std::string& text = v->number_text();
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  // Years beyond ~292 billion overflow absl::Time; anything past 1e15 s is nonsense anyway.
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
      std::fabs(seconds) > 1e15) {
    return absl::InvalidArgumentError(
        std::string("\"").append(name).append("\" is not a NumericDate"));
  }
  return std::optional<absl::Time>(absl::UnixEpoch() + absl::Seconds(seconds));
}

absl::Status CheckClaims(const fhir::Value& claims, const ClaimExpectations& expected,
                         const base::Clock& clock) {
  if (!claims.is_object()) return Reject("claims are not an object");
  const absl::Time now = clock.Now();
  absl::StatusOr<std::optional<absl::Time>> exp = NumericDateClaim(claims, "exp");
  absl::StatusOr<std::optional<absl::Time>> nbf = NumericDateClaim(claims, "nbf");
  absl::StatusOr<std::optional<absl::Time>> iat = NumericDateClaim(claims, "iat");
  if (!exp.ok()) return Reject("\"exp\" is not a NumericDate");
  if (!nbf.ok()) return Reject("\"nbf\" is not a NumericDate");
  if (!iat.ok()) return Reject("\"iat\" is not a NumericDate");

  if (!exp->has_value()) {
    if (expected.require_exp) return Reject("no \"exp\"");
  } else {
    // RFC 7519 §4.1.4: the token MUST NOT be accepted on or after the expiration time.
    if (now >= **exp + expected.leeway) return Reject("expired");
    if (expected.max_lifetime.has_value() &&
        **exp > now + *expected.max_lifetime + expected.leeway) {
      return Reject("\"exp\" is too far in the future");
    }
  }
  if (nbf->has_value() && now + expected.leeway < **nbf) return Reject("not yet valid");
  if (!iat->has_value()) {
    if (expected.require_iat) return Reject("no \"iat\"");
  } else if (**iat > now + expected.leeway) {
    return Reject("issued in the future");
  }

  if (!expected.issuer.empty() && claims.GetString("iss") != expected.issuer) {
    return Reject("wrong issuer");
  }
  if (!expected.subject.empty() && claims.GetString("sub") != expected.subject) {
    return Reject("wrong subject");
  }
  if (!expected.audience.empty()) {
    const fhir::Value* aud = claims.Find("aud");
    bool found = false;
    if (aud != nullptr && aud->is_string()) {
      found = aud->string_value() == expected.audience;
    } else if (aud != nullptr && aud->is_array()) {
      for (const fhir::Value& item : aud->array()) {
        if (item.is_string() && item.string_value() == expected.audience) found = true;
      }
    }
    if (!found) return Reject("wrong audience");
  }
  if (expected.require_jti) {
    const fhir::Value* jti = claims.Find("jti");
    if (jti == nullptr || !jti->is_string() || jti->string_value().empty()) {
      return Reject("no \"jti\"");
    }
  }
  return absl::OkStatus();
}

}  // namespace tc::auth
