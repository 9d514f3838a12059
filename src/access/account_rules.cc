#include "access/account_rules.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "auth/jwk.h"
#include "auth/scopes.h"
#include "base/status_macros.h"
#include "base/utf8.h"

namespace tc::access {
namespace {

absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

bool AllOf(std::string_view s, size_t min, size_t max, bool (*ok)(unsigned char)) {
  if (s.size() < min || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(),
                     [ok](char c) { return ok(static_cast<unsigned char>(c)); });
}

bool IsLoginChar(unsigned char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '.' || c == '_' || c == '-';
}
bool IsClientIdChar(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
}
bool IsEstablishmentChar(unsigned char c) { return absl::ascii_isalnum(c) || c == '-'; }

// No look-alikes (0/o, 1/l/i): a password read off a screen or a letter is typed correctly.
constexpr std::string_view kOneTimeAlphabet = "23456789abcdefghjkmnpqrstuvwxyz";

}  // namespace

bool IsValidLogin(std::string_view login) { return AllOf(login, 2, 64, IsLoginChar); }

bool IsValidClientId(std::string_view client_id) { return AllOf(client_id, 2, 64, IsClientIdChar); }

bool IsValidEstablishment(std::string_view code) { return AllOf(code, 1, 32, IsEstablishmentChar); }

absl::Status CheckName(std::string_view name, std::string_view what) {
  if (absl::StripAsciiWhitespace(Absl(name)).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(Absl(what), " is empty"));
  }
  if (name.size() > kMaxNameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(Absl(what), " is longer than ", kMaxNameBytes, " bytes"));
  }
  if (base::CountPrintableCodePoints(name) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(Absl(what), " is not valid UTF-8 or contains control characters"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> NormalizeEstablishments(
    const std::vector<std::string>& codes) {
  for (const std::string& code : codes) {
    if (!IsValidEstablishment(code)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid establishment code \"", code, "\" (expected [A-Za-z0-9-]{1,32})"));
    }
  }
  std::vector<std::string> out = codes;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::StatusOr<std::string> CanonicalClientScopes(std::string_view scopes) {
  absl::StatusOr<auth::Scopes> parsed = auth::ParseScopes(scopes);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid scope: ", parsed.status().message()));
  }
  if (!parsed->other.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a client may only be granted system/ resource scopes, not \"",
                     parsed->other.front(), "\""));
  }
  std::vector<std::string> out;
  for (const auth::ResourceScope& scope : parsed->resource) {
    if (scope.context != auth::ScopeContext::kSystem) {
      return absl::InvalidArgumentError(
          absl::StrCat("a client may only be granted system/ resource scopes, not \"",
                       auth::ScopeToString(scope), "\""));
    }
    std::string text = auth::ScopeToString(scope);
    if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(std::move(text));
  }
  if (out.empty()) return absl::InvalidArgumentError("a client needs at least one scope");
  return absl::StrJoin(out, " ");
}

absl::Status CheckClientJwks(std::string_view jwks_json) {
  if (jwks_json.size() > kMaxJwksBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWK Set is larger than ", kMaxJwksBytes, " bytes"));
  }
  absl::StatusOr<std::vector<auth::Jwk>> keys = auth::ParseJwks(jwks_json);
  if (!keys.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JWK Set: ", keys.status().message()));
  }
  for (const auth::Jwk& key : *keys) {
    if (key.use.empty() || key.use == "sig") return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "the JWK Set holds no usable signing key (RSA of at least 2048 bits or EC P-384, "
      "\"use\" absent or \"sig\")");
}

std::string GenerateOneTimePassword(base::Random& random) {
  // Rejection sampling keeps every character equally likely.
  const uint64_t n = kOneTimeAlphabet.size();
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::string out;
  for (int group = 0; group < 4; ++group) {
    if (group > 0) out.push_back('-');
    for (int i = 0; i < 5; ++i) {
      uint64_t r;
      do {
        r = random.Next64();
      } while (r >= limit);
      out.push_back(kOneTimeAlphabet[r % n]);
    }
  }
  return out;
}

absl::Status CheckJwksUrl(std::string_view url) {
  if (url.size() > 2048) return absl::InvalidArgumentError("the JWK Set URL is too long");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '<' || c == '>') {
      return absl::InvalidArgumentError("the JWK Set URL contains invalid characters");
    }
  }
  if (url.substr(0, 8) == "https://" && url.size() > 8) return absl::OkStatus();
  for (std::string_view loopback :
       {"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/"}) {
    if (url.substr(0, loopback.size()) == loopback) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "the JWK Set URL must be https:// (or http:// on 127.0.0.1 or localhost)");
}

}  // namespace tc::access
