#include "auth/password.h"

#include <argon2.h>
#include <openssl/crypto.h>

#include <charconv>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "auth/encoding.h"
#include "base/status_macros.h"
#include "base/utf8.h"

namespace tc::auth {
namespace {

std::string Folded(std::string_view s) {
  std::string out(s);
  absl::AsciiStrToLower(&out);
  return out;
}

bool IsWordWithDigits(std::string_view folded_password, std::string_view folded_word) {
  if (folded_word.empty() || !folded_password.starts_with(folded_word)) return false;
  for (char c : folded_password.substr(folded_word.size())) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

struct ParsedPhc {
  uint32_t memory_kib = 0;
  uint32_t passes = 0;
  uint32_t lanes = 0;
  std::string salt;
  std::string hash;
};

absl::StatusOr<uint32_t> ParseParam(std::string_view item, std::string_view name) {
  if (item.size() <= name.size() + 1 || !item.starts_with(name) || item[name.size()] != '=') {
    return absl::InvalidArgumentError(std::string("PHC string: expected parameter ").append(name));
  }
  std::string_view digits = item.substr(name.size() + 1);
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() ||
      (digits.size() > 1 && digits[0] == '0')) {
    return absl::InvalidArgumentError(std::string("PHC string: bad value for ").append(name));
  }
  return value;
}

// Reads "$argon2id$v=19$m=M,t=T,p=P$salt$hash" (the only form HashPassword writes).
absl::StatusOr<ParsedPhc> ParsePhc(std::string_view phc) {
  std::vector<std::string_view> parts;
  for (absl::string_view p : absl::StrSplit(absl::string_view(phc.data(), phc.size()), '$')) {
    parts.emplace_back(p.data(), p.size());
  }
  if (parts.size() != 6 || !parts[0].empty() || parts[1] != "argon2id") {
    return absl::InvalidArgumentError("PHC string: not an argon2id hash");
  }
  if (parts[2] != "v=19") return absl::InvalidArgumentError("PHC string: unsupported version");
  std::vector<std::string_view> params;
  for (absl::string_view p :
       absl::StrSplit(absl::string_view(parts[3].data(), parts[3].size()), ',')) {
    params.emplace_back(p.data(), p.size());
  }
  if (params.size() != 3) return absl::InvalidArgumentError("PHC string: expected m, t and p");
  ParsedPhc out;
  TC_ASSIGN_OR_RETURN(out.memory_kib, ParseParam(params[0], "m"));
  TC_ASSIGN_OR_RETURN(out.passes, ParseParam(params[1], "t"));
  TC_ASSIGN_OR_RETURN(out.lanes, ParseParam(params[2], "p"));
  TC_ASSIGN_OR_RETURN(out.salt, Base64NoPadDecode(parts[4]));
  TC_ASSIGN_OR_RETURN(out.hash, Base64NoPadDecode(parts[5]));
  if (out.salt.size() < ARGON2_MIN_SALT_LENGTH || out.salt.size() > 64 || out.hash.size() < 16 ||
      out.hash.size() > 64) {
    return absl::InvalidArgumentError("PHC string: salt or hash length out of range");
  }
  return out;
}

absl::StatusOr<std::string> RawArgon2id(std::string_view password, std::string_view salt,
                                        uint32_t memory_kib, uint32_t passes, uint32_t lanes,
                                        size_t hash_bytes) {
  if (password.size() > static_cast<size_t>(kMaxPasswordLength) * 4) {
    return absl::InvalidArgumentError("password too long");
  }
  std::string hash(hash_bytes, '\0');
  int rc = argon2id_hash_raw(passes, memory_kib, lanes, password.data(), password.size(),
                             salt.data(), salt.size(), hash.data(), hash.size());
  if (rc == ARGON2_MEMORY_ALLOCATION_ERROR || rc == ARGON2_THREAD_FAIL) {
    return absl::InternalError(std::string("argon2id: ").append(argon2_error_message(rc)));
  }
  if (rc != ARGON2_OK) {
    return absl::InvalidArgumentError(std::string("argon2id: ").append(argon2_error_message(rc)));
  }
  return hash;
}

}  // namespace

absl::Status CheckPasswordRules(std::string_view password,
                                std::span<const std::string_view> context_words) {
  int length = base::CountPrintableCodePoints(password);
  if (length < 0) {
    return absl::InvalidArgumentError(
        "The password contains characters that cannot be used (control characters or invalid "
        "text).");
  }
  if (length < kMinPasswordLength) {
    return absl::InvalidArgumentError(
        "The password must be at least 12 characters long. Three random words make a strong, "
        "memorable password.");
  }
  if (length > kMaxPasswordLength) {
    return absl::InvalidArgumentError("The password must be at most 256 characters long.");
  }
  if (password.find_first_not_of(password[0]) == std::string_view::npos) {
    return absl::InvalidArgumentError("The password must not be one character repeated.");
  }
  if (IsCommonPassword(password)) {
    return absl::InvalidArgumentError(
        "The password is too common and easy to guess. Choose another.");
  }
  std::string folded = Folded(password);
  for (std::string_view word : context_words) {
    if (IsWordWithDigits(folded, Folded(word))) {
      return absl::InvalidArgumentError(
          "The password must not be your user name or the name of this service.");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> HashPassword(std::string_view password, base::Random& random,
                                         const Argon2Params& params) {
  if (params.salt_bytes < ARGON2_MIN_SALT_LENGTH || params.salt_bytes > 64 ||
      params.hash_bytes < 16 || params.hash_bytes > 64) {
    return absl::InvalidArgumentError("argon2id: salt or hash length out of range");
  }
  std::string salt;
  salt.reserve(params.salt_bytes + 8);
  while (salt.size() < params.salt_bytes) {
    uint64_t r = random.Next64();
    for (int i = 0; i < 8 && salt.size() < params.salt_bytes; ++i) {
      salt.push_back(static_cast<char>((r >> (8 * i)) & 0xff));
    }
  }
  TC_ASSIGN_OR_RETURN(std::string hash,
                      RawArgon2id(password, salt, params.memory_kib, params.passes, params.lanes,
                                  params.hash_bytes));
  std::string out = "$argon2id$v=19$m=";
  out.append(std::to_string(params.memory_kib))
      .append(",t=")
      .append(std::to_string(params.passes))
      .append(",p=")
      .append(std::to_string(params.lanes))
      .append("$")
      .append(Base64NoPadEncode(salt))
      .append("$")
      .append(Base64NoPadEncode(hash));
  OPENSSL_cleanse(hash.data(), hash.size());
  return out;
}

absl::StatusOr<bool> VerifyPassword(std::string_view password, std::string_view phc,
                                    const PasswordHashLimits& limits) {
  TC_ASSIGN_OR_RETURN(ParsedPhc parsed, ParsePhc(phc));
  if (parsed.memory_kib > limits.max_memory_kib || parsed.passes > limits.max_passes ||
      parsed.lanes > limits.max_lanes) {
    return absl::InvalidArgumentError("PHC string: parameters exceed the configured limits");
  }
  TC_ASSIGN_OR_RETURN(std::string computed,
                      RawArgon2id(password, parsed.salt, parsed.memory_kib, parsed.passes,
                                  parsed.lanes, parsed.hash.size()));
  bool equal = CRYPTO_memcmp(computed.data(), parsed.hash.data(), computed.size()) == 0;
  OPENSSL_cleanse(computed.data(), computed.size());
  return equal;
}

bool PasswordNeedsRehash(std::string_view phc, const Argon2Params& params) {
  absl::StatusOr<ParsedPhc> parsed = ParsePhc(phc);
  if (!parsed.ok()) return true;
  return parsed->memory_kib != params.memory_kib || parsed->passes != params.passes ||
         parsed->lanes != params.lanes || parsed->salt.size() != params.salt_bytes ||
         parsed->hash.size() != params.hash_bytes;
}

}  // namespace tc::auth
