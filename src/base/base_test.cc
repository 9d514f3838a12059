#include "base/clock.h"
#include "base/ids.h"
#include "base/random.h"
#include "base/status_macros.h"
#include "base/utf8.h"
#include "gtest/gtest.h"

namespace tc::base {
namespace {

TEST(IdsTest, UuidIsValidVersion4AndDeterministicWithSeed) {
  SeededRandom a(7), b(7);
  std::string id = NewUuid(a);
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
  EXPECT_EQ(id, NewUuid(b));
  EXPECT_TRUE(IsValidFhirId(id));
  SystemRandom sys;
  EXPECT_NE(NewUuid(sys), NewUuid(sys));
}

TEST(IdsTest, FhirIdRules) {
  EXPECT_TRUE(IsValidFhirId("example"));
  EXPECT_TRUE(IsValidFhirId("a.b-C9"));
  EXPECT_FALSE(IsValidFhirId(""));
  EXPECT_FALSE(IsValidFhirId("has space"));
  EXPECT_FALSE(IsValidFhirId("under_score"));
  EXPECT_FALSE(IsValidFhirId(std::string(65, 'a')));
  EXPECT_TRUE(IsValidFhirId(std::string(64, 'a')));
}

TEST(ClockTest, FakeClockAdvances) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1005));
}

absl::StatusOr<int> Half(int x) {
  if (x % 2) return absl::InvalidArgumentError("odd");
  return x / 2;
}
absl::StatusOr<int> Quarter(int x) {
  TC_ASSIGN_OR_RETURN(int h, Half(x));
  TC_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusMacrosTest, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tc::base

#include "base/time_format.h"

namespace tc::base {
namespace {

TEST(TimeFormatTest, InstantAndHttpDates) {
  absl::Time t = absl::FromUnixMillis(1764037902123);
  EXPECT_EQ(FormatInstant(t), "2025-11-25T02:31:42.123Z");
  EXPECT_EQ(FormatHttpDate(t), "Tue, 25 Nov 2025 02:31:42 GMT");
  EXPECT_EQ(*ParseHttpDate("Tue, 25 Nov 2025 02:31:42 GMT"), absl::FromUnixSeconds(1764037902));
  EXPECT_EQ(*ParseFhirDateTime("2025-11-25T02:31:42.123Z"), t);
  EXPECT_EQ(*ParseFhirDateTime("2025-11-25T03:31:42.123+01:00"), t);
  EXPECT_EQ(*ParseFhirDateTime("2025"), absl::FromUnixSeconds(1735689600));
  EXPECT_FALSE(ParseFhirDateTime("25/11/2025").has_value());
}

}  // namespace
}  // namespace tc::base

namespace tc::base {
namespace {

TEST(Utf8Test, CountsPrintableCodePoints) {
  EXPECT_EQ(CountPrintableCodePoints("abc"), 3);
  EXPECT_EQ(CountPrintableCodePoints("Zoë Łukasz"), 10);
  EXPECT_EQ(CountPrintableCodePoints(""), 0);
  EXPECT_EQ(CountPrintableCodePoints("tab\there"), -1);          // C0 control
  EXPECT_EQ(CountPrintableCodePoints("\xc0\xaf"), -1);           // overlong '/'
  EXPECT_EQ(CountPrintableCodePoints("\xed\xa0\x80"), -1);       // surrogate
  EXPECT_EQ(CountPrintableCodePoints("\xc3"), -1);               // truncated
  EXPECT_EQ(CountPrintableCodePoints("\xc2\x85"), -1);           // C1 control (NEL)
}

}  // namespace
}  // namespace tc::base
