#include "care/nhs_number.h"

#include "gtest/gtest.h"

namespace tc::care {
namespace {

TEST(NhsNumberTest, Modulus11) {
  EXPECT_EQ(NormalizeNhsNumber("9434765919"), "9434765919");  // the NHS's published example
  EXPECT_EQ(NormalizeNhsNumber("943 476 5919"), "9434765919");
  EXPECT_EQ(NormalizeNhsNumber("943-476-5919"), "9434765919");
  EXPECT_EQ(NormalizeNhsNumber("9434765918"), std::nullopt);   // wrong check digit
  EXPECT_EQ(NormalizeNhsNumber("943476591"), std::nullopt);    // nine digits
  EXPECT_EQ(NormalizeNhsNumber("94347659190"), std::nullopt);  // eleven
  EXPECT_EQ(NormalizeNhsNumber("94347659x9"), std::nullopt);
  EXPECT_EQ(NormalizeNhsNumber(""), std::nullopt);
  // A check digit of 10 is never valid: 999 999 997x has sum giving remainder 1.
  int found = 0;
  for (int n = 100000000; n < 100000200; ++n) {
    std::string nine = std::to_string(n);
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += (nine[i] - '0') * (10 - i);
    if (11 - sum % 11 == 10) {
      for (char d = '0'; d <= '9'; ++d) EXPECT_EQ(NormalizeNhsNumber(nine + d), std::nullopt);
      ++found;
    }
  }
  EXPECT_GT(found, 0);
}

TEST(NhsNumberTest, Format) {
  EXPECT_EQ(FormatNhsNumber("9434765919"), "943 476 5919");
  EXPECT_EQ(FormatNhsNumber("123"), "123");
}

}  // namespace
}  // namespace tc::care
