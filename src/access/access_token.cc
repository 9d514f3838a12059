#include "access/access_token.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "auth/encoding.h"
#include "auth/jws.h"
#include "auth/jwt_claims.h"
#include "base/status_macros.h"

namespace tc::access {
namespace {

using fhir::Value;

absl::Status Refuse(absl::string_view why) {
  return absl::UnauthenticatedError("invalid access token: " + std::string(why));
}

std::string RandomId(base::Random& random) {
  std::string bytes;
  for (int i = 0; i < 2; ++i) {
    uint64_t v = random.Next64();
    for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  }
  return auth::Base64UrlEncode(bytes);
}

}  // namespace

absl::StatusOr<std::string> MintAccessToken(AccessTokenClaims claims, const TokenKeys& keys,
                                            base::Random& random) {
  if (claims.subject.empty()) return absl::InvalidArgumentError("a token needs a subject");
  if (claims.expires <= claims.issued) {
    return absl::InvalidArgumentError("a token must expire after it is issued");
  }
  if (claims.expires - claims.issued > kMaxAccessTokenLifetime) {
    return absl::InvalidArgumentError("a token may live at most 12 hours");
  }
  if (!claims.scope.empty()) TC_RETURN_IF_ERROR(auth::ParseScopes(claims.scope).status());
  if (claims.jti.empty()) claims.jti = RandomId(random);
  Value c = Value::Object();
  c.Set("iss", Value::String(std::string(kTokenIssuer)));
  c.Set("aud", Value::String(keys.audience));
  c.Set("sub", Value::String(claims.subject));
  if (!claims.name.empty()) c.Set("name", Value::String(claims.name));
  if (!claims.client_id.empty()) c.Set("client_id", Value::String(claims.client_id));
  c.Set("tc_role", Value::String(std::string(auth::RoleId(claims.role))));
  Value est = Value::MakeArray();
  for (const std::string& e : claims.establishments) est.Append(Value::String(e));
  c.Set("tc_est", std::move(est));
  if (!claims.scope.empty()) c.Set("scope", Value::String(claims.scope));
  c.Set("iat", Value::Integer(absl::ToUnixSeconds(claims.issued)));
  c.Set("exp", Value::Integer(absl::ToUnixSeconds(claims.expires)));
  c.Set("jti", Value::String(claims.jti));
  return auth::SignJwt(c, auth::JwsKey::Hs256(keys.secret));
}

absl::StatusOr<AccessTokenClaims> VerifyAccessToken(std::string_view token, const TokenKeys& keys,
                                                    const base::Clock& clock) {
  const auth::JwsKey key = auth::JwsKey::Hs256(keys.secret);
  absl::StatusOr<auth::VerifiedJwt> jwt = auth::VerifyJwt(token, std::span(&key, 1));
  if (!jwt.ok()) return Refuse(jwt.status().message());
  const Value& c = jwt->claims;
  auth::ClaimExpectations expect;
  expect.issuer = std::string(kTokenIssuer);
  expect.audience = keys.audience;
  expect.leeway = absl::Seconds(5);
  expect.require_exp = true;
  expect.require_iat = true;
  expect.require_jti = true;
  expect.max_lifetime = kMaxAccessTokenLifetime;
  if (absl::Status s = auth::CheckClaims(c, expect, clock); !s.ok()) return Refuse(s.message());
  AccessTokenClaims out;
  out.subject = std::string(c.GetString("sub"));
  if (out.subject.empty()) return Refuse("no subject");
  out.name = std::string(c.GetString("name"));
  out.client_id = std::string(c.GetString("client_id"));
  absl::StatusOr<auth::Role> role = auth::ParseRole(c.GetString("tc_role"));
  if (!role.ok()) return Refuse("unknown role");
  out.role = *role;
  if (const Value* est = c.Find("tc_est"); est != nullptr) {
    if (!est->is_array()) return Refuse("tc_est is not an array");
    for (const Value& e : est->array()) {
      if (!e.is_string()) return Refuse("tc_est holds a non-string");
      out.establishments.push_back(e.string_value());
    }
  }
  out.scope = std::string(c.GetString("scope"));
  if (!out.scope.empty() && !auth::ParseScopes(out.scope).ok()) return Refuse("malformed scope");
  TC_ASSIGN_OR_RETURN(std::optional<absl::Time> iat, auth::NumericDateClaim(c, "iat"));
  TC_ASSIGN_OR_RETURN(std::optional<absl::Time> exp, auth::NumericDateClaim(c, "exp"));
  out.issued = iat.value_or(absl::InfinitePast());
  out.expires = exp.value_or(absl::InfinitePast());
  out.jti = std::string(c.GetString("jti"));
  return out;
}

absl::StatusOr<absl::Duration> ParseTtl(std::string_view text) {
  if (text.size() < 2) return absl::InvalidArgumentError("a duration looks like 90s, 10m or 8h");
  const char unit = text.back();
  int64_t n = 0;
  if (!absl::SimpleAtoi(absl::string_view(text.data(), text.size() - 1), &n) || n <= 0) {
    return absl::InvalidArgumentError("a duration looks like 90s, 10m or 8h");
  }
  switch (unit) {
    case 's':
      return absl::Seconds(n);
    case 'm':
      return absl::Minutes(n);
    case 'h':
      return absl::Hours(n);
    default:
      return absl::InvalidArgumentError("a duration looks like 90s, 10m or 8h");
  }
}

}  // namespace tc::access
