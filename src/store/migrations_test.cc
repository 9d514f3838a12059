#include "store/migrations.h"

#include "gtest/gtest.h"

namespace tc::store {
namespace {

TEST(ValidateMigrationsTest, AcceptsWellFormedList) {
  constexpr Migration kList[] = {
      {1, "0001_initial", "CREATE TABLE a(x);"},
      {2, "0002_b", "CREATE TABLE b(x);"},
  };
  EXPECT_TRUE(ValidateMigrations(kList).ok());
  EXPECT_TRUE(ValidateMigrations({}).ok());
}

TEST(ValidateMigrationsTest, RejectsGapsBadNamesAndEmptySql) {
  constexpr Migration kGap[] = {{1, "0001_a", "x"}, {3, "0003_c", "x"}};
  EXPECT_EQ(ValidateMigrations(kGap).code(), absl::StatusCode::kInvalidArgument);
  constexpr Migration kStartsAtTwo[] = {{2, "0002_a", "x"}};
  EXPECT_EQ(ValidateMigrations(kStartsAtTwo).code(), absl::StatusCode::kInvalidArgument);
  constexpr Migration kBadName[] = {{1, "initial", "x"}};
  EXPECT_EQ(ValidateMigrations(kBadName).code(), absl::StatusCode::kInvalidArgument);
  constexpr Migration kNameWithoutDescription[] = {{1, "0001_", "x"}};
  EXPECT_EQ(ValidateMigrations(kNameWithoutDescription).code(), absl::StatusCode::kInvalidArgument);
  constexpr Migration kNoSql[] = {{1, "0001_a", ""}};
  EXPECT_EQ(ValidateMigrations(kNoSql).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tc::store
