#include "auth/encoding.h"

#include "gtest/gtest.h"

namespace tc::auth {
namespace {

// RFC 4648 §10 test vectors (padding removed where the encoding is unpadded).
struct Vector {
  const char* plain;
  const char* base64;
  const char* base32;
};
constexpr Vector kRfc4648[] = {
    {"", "", ""},
    {"f", "Zg", "MY"},
    {"fo", "Zm8", "MZXQ"},
    {"foo", "Zm9v", "MZXW6"},
    {"foob", "Zm9vYg", "MZXW6YQ"},
    {"fooba", "Zm9vYmE", "MZXW6YTB"},
    {"foobar", "Zm9vYmFy", "MZXW6YTBOI"},
};

TEST(EncodingTest, Rfc4648Vectors) {
  for (const Vector& v : kRfc4648) {
    EXPECT_EQ(Base64UrlEncode(v.plain), v.base64);
    EXPECT_EQ(Base64NoPadEncode(v.plain), v.base64);
    EXPECT_EQ(Base32Encode(v.plain), v.base32);
    EXPECT_EQ(*Base64UrlDecode(v.base64), v.plain);
    EXPECT_EQ(*Base64NoPadDecode(v.base64), v.plain);
    EXPECT_EQ(*Base32Decode(v.base32), v.plain);
  }
}

TEST(EncodingTest, UrlAndStandardAlphabetsDiffer) {
  const std::string bytes("\xfb\xff\xfe", 3);
  EXPECT_EQ(Base64UrlEncode(bytes), "-__-");
  EXPECT_EQ(Base64NoPadEncode(bytes), "+//+");
  EXPECT_EQ(*Base64UrlDecode("-__-"), bytes);
  EXPECT_FALSE(Base64UrlDecode("+//+").ok());
  EXPECT_FALSE(Base64NoPadDecode("-__-").ok());
}

TEST(EncodingTest, Base64DecodeIsStrict) {
  EXPECT_FALSE(Base64UrlDecode("Zg==").ok()) << "padding is not allowed in JWS";
  EXPECT_FALSE(Base64UrlDecode("Zm9v YmFy").ok());
  EXPECT_FALSE(Base64UrlDecode("Z").ok()) << "length 1 mod 4 is impossible";
  EXPECT_FALSE(Base64UrlDecode("Zh").ok()) << "non-zero unused bits (non-canonical)";
  EXPECT_FALSE(Base64UrlDecode("Zm9=").ok());
}

TEST(EncodingTest, Base32DecodeIsForgivingOnlyAboutCaseSpacesAndPadding) {
  EXPECT_EQ(*Base32Decode("mzxw 6ytb oi"), "foobar");
  EXPECT_EQ(*Base32Decode("MZXW6YQ="), "foob");
  EXPECT_FALSE(Base32Decode("MZXW1").ok()) << "1 is not in the base32 alphabet";
  EXPECT_FALSE(Base32Decode("MZ").ok()) << "non-zero unused bits";
  EXPECT_FALSE(Base32Decode("M").ok());
}

}  // namespace
}  // namespace tc::auth
