#include "auth/encoding.h"

#include <array>
#include <cstdint>

#include "absl/status/status.h"

namespace tc::auth {
namespace {

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kBase64Std =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// Encodes `bytes` `bits` bits per output character (6 for base64, 5 for base32), no padding.
std::string EncodeBits(std::string_view bytes, std::string_view alphabet, int bits) {
  std::string out;
  out.reserve((bytes.size() * 8 + bits - 1) / bits);
  uint32_t buffer = 0;
  int held = 0;
  const uint32_t mask = (1u << bits) - 1;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    held += 8;
    while (held >= bits) {
      held -= bits;
      out.push_back(alphabet[(buffer >> held) & mask]);
    }
  }
  if (held > 0) out.push_back(alphabet[(buffer << (bits - held)) & mask]);
  return out;
}

// Decodes characters already mapped to values by `lookup` (-1: not in the alphabet).
absl::StatusOr<std::string> DecodeBits(std::string_view text, const std::array<int8_t, 256>& lookup,
                                       int bits, std::string_view what) {
  std::string out;
  out.reserve(text.size() * bits / 8);
  uint32_t buffer = 0;
  int held = 0;
  for (unsigned char c : text) {
    int v = lookup[c];
    if (v < 0) {
      return absl::InvalidArgumentError(std::string(what).append(": invalid character"));
    }
    buffer = (buffer << bits) | static_cast<uint32_t>(v);
    held += bits;
    if (held >= 8) {
      held -= 8;
      out.push_back(static_cast<char>((buffer >> held) & 0xff));
    }
  }
  // Leftover bits must be fewer than one character's worth and all zero (canonical form).
  if (held >= bits || (buffer & ((1u << held) - 1)) != 0) {
    return absl::InvalidArgumentError(
        std::string(what).append(": invalid length or trailing bits"));
  }
  return out;
}

std::array<int8_t, 256> MakeLookup(std::string_view alphabet, bool fold_lower) {
  std::array<int8_t, 256> table;
  table.fill(-1);
  for (size_t i = 0; i < alphabet.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(alphabet[i]);
    table[c] = static_cast<int8_t>(i);
    if (fold_lower && c >= 'A' && c <= 'Z') table[c - 'A' + 'a'] = static_cast<int8_t>(i);
  }
  return table;
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) { return EncodeBits(bytes, kBase64Url, 6); }

absl::StatusOr<std::string> Base64UrlDecode(std::string_view text) {
  static const std::array<int8_t, 256> kLookup = MakeLookup(kBase64Url, false);
  return DecodeBits(text, kLookup, 6, "base64url");
}

std::string Base64NoPadEncode(std::string_view bytes) { return EncodeBits(bytes, kBase64Std, 6); }

absl::StatusOr<std::string> Base64NoPadDecode(std::string_view text) {
  static const std::array<int8_t, 256> kLookup = MakeLookup(kBase64Std, false);
  return DecodeBits(text, kLookup, 6, "base64");
}

std::string Base32Encode(std::string_view bytes) { return EncodeBits(bytes, kBase32, 5); }

absl::StatusOr<std::string> Base32Decode(std::string_view text) {
  static const std::array<int8_t, 256> kLookup = MakeLookup(kBase32, true);
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (c != ' ') compact.push_back(c);
  }
  while (!compact.empty() && compact.back() == '=') compact.pop_back();
  return DecodeBits(compact, kLookup, 5, "base32");
}

}  // namespace tc::auth
