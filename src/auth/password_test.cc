#include "auth/password.h"

#include <string>

#include "base/random.h"
#include "gtest/gtest.h"

namespace tc::auth {
namespace {

// Small parameters keep the tests fast; one test uses the production defaults.
constexpr Argon2Params kFast{.memory_kib = 64, .passes = 1, .lanes = 1};

TEST(PasswordRulesTest, AcceptsLongPassphraseWithoutComplexity) {
  EXPECT_TRUE(CheckPasswordRules("kettle orbit marmalade").ok());
  EXPECT_TRUE(CheckPasswordRules("abcdefghijkX").ok()) << "exactly 12 characters";
}

TEST(PasswordRulesTest, LengthIsCountedInCodePoints) {
  EXPECT_FALSE(CheckPasswordRules("abcdefghijk").ok()) << "11 characters";
  // 12 code points, 24 bytes: Greek letters are two bytes each in UTF-8.
  EXPECT_TRUE(CheckPasswordRules("αβγδεζηθικλμ").ok());
  // 6 code points, 12 bytes: too short although 12 bytes long.
  EXPECT_FALSE(CheckPasswordRules("αβγδεζ").ok());
  EXPECT_TRUE(CheckPasswordRules(std::string(255, 'a') + "b").ok());
  EXPECT_FALSE(CheckPasswordRules(std::string(256, 'a') + "b").ok());
}

TEST(PasswordRulesTest, RejectsCommonPasswordsCaseInsensitively) {
  EXPECT_FALSE(CheckPasswordRules("password1234").ok());
  EXPECT_FALSE(CheckPasswordRules("Password1234").ok());
  EXPECT_FALSE(CheckPasswordRules("QWERTYUIOP123").ok());
  EXPECT_FALSE(CheckPasswordRules("123456789012").ok());
  EXPECT_TRUE(IsCommonPassword("  CorrectHorseBatteryStaple "));
  EXPECT_FALSE(IsCommonPassword("kettle orbit marmalade"));
}

TEST(PasswordRulesTest, RejectsRepeatsContextWordsAndControlCharacters) {
  EXPECT_FALSE(CheckPasswordRules("zzzzzzzzzzzzzz").ok());
  const std::string_view context[] = {"jsmith.nurse", "throughcare"};
  EXPECT_FALSE(CheckPasswordRules("JSmith.Nurse", context).ok());
  EXPECT_FALSE(CheckPasswordRules("throughcare2024", context).ok());
  EXPECT_TRUE(CheckPasswordRules("throughcare is great", context).ok());
  EXPECT_FALSE(CheckPasswordRules("tab\there-is-long").ok());
  EXPECT_FALSE(CheckPasswordRules(std::string("nul\0inside-long", 15)).ok());
  EXPECT_FALSE(CheckPasswordRules("invalid \xff utf-8 text").ok());
  EXPECT_FALSE(CheckPasswordRules("overlong \xc0\xaf slash").ok());
}

TEST(PasswordHashTest, KnownAnswerFromReferenceImplementation) {
  // From the Argon2 reference implementation's test.c (argon2id, v=19, t=2, m=2^16, p=1,
  // password "password", salt "somesalt").
  constexpr char kPhc[] =
      "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  EXPECT_EQ(VerifyPassword("password", kPhc).value(), true);
  EXPECT_EQ(VerifyPassword("Password", kPhc).value(), false);
}

TEST(PasswordHashTest, RoundTripWithFreshSalts) {
  base::SeededRandom random(1);
  absl::StatusOr<std::string> a = HashPassword("kettle orbit marmalade", random, kFast);
  absl::StatusOr<std::string> b = HashPassword("kettle orbit marmalade", random, kFast);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(a->starts_with("$argon2id$v=19$m=64,t=1,p=1$")) << *a;
  EXPECT_NE(*a, *b) << "each hash has its own salt";
  EXPECT_TRUE(VerifyPassword("kettle orbit marmalade", *a).value());
  EXPECT_TRUE(VerifyPassword("kettle orbit marmalade", *b).value());
  EXPECT_FALSE(VerifyPassword("kettle orbit marmalad", *a).value());
  EXPECT_FALSE(VerifyPassword("", *a).value());
}

TEST(PasswordHashTest, DefaultParametersAreRfc9106SecondOption) {
  base::SeededRandom random(2);
  absl::StatusOr<std::string> phc = HashPassword("kettle orbit marmalade", random);
  ASSERT_TRUE(phc.ok()) << phc.status();
  EXPECT_TRUE(phc->starts_with("$argon2id$v=19$m=65536,t=3,p=4$")) << *phc;
  EXPECT_TRUE(VerifyPassword("kettle orbit marmalade", *phc).value());
  EXPECT_FALSE(PasswordNeedsRehash(*phc));
  EXPECT_TRUE(PasswordNeedsRehash(*phc, kFast));
}

TEST(PasswordHashTest, TamperedOrForeignHashesAreErrorsOrMismatches) {
  base::SeededRandom random(3);
  std::string phc = HashPassword("kettle orbit marmalade", random, kFast).value();
  // Changing the stored tag makes the right password fail.
  std::string tampered = phc;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyPassword("kettle orbit marmalade", tampered).value_or(true));
  // Changing a parameter changes the tag.
  std::string other_params = phc;
  other_params.replace(other_params.find("t=1"), 3, "t=2");
  EXPECT_FALSE(VerifyPassword("kettle orbit marmalade", other_params).value());

  EXPECT_FALSE(VerifyPassword("x", "").ok());
  EXPECT_FALSE(
      VerifyPassword("x", "$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA").ok());
  EXPECT_FALSE(
      VerifyPassword("x", "$argon2id$v=16$m=64,t=1,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA").ok());
  EXPECT_FALSE(
      VerifyPassword("x", "$argon2id$v=19$t=1,m=64,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA").ok());
  EXPECT_FALSE(
      VerifyPassword("x", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ=$AAAAAAAAAAAAAAAAAAAAAA").ok());
  EXPECT_FALSE(
      VerifyPassword("x", "$argon2id$v=19$m=064,t=1,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA").ok());
  EXPECT_TRUE(PasswordNeedsRehash("not a hash"));
}

TEST(PasswordHashTest, StoredParametersAreBounded) {
  // 4 GiB of memory would be a denial of service; refuse before allocating.
  constexpr char kHuge[] =
      "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
  absl::StatusOr<bool> result = VerifyPassword("password", kHuge);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(VerifyPassword("password", kHuge, {.max_memory_kib = 1024}).ok());
}

}  // namespace
}  // namespace tc::auth
