#include "access/session_store.h"

#include <filesystem>

#include "access/account_store.h"
#include "base/clock.h"
#include "base/random.h"
#include "gtest/gtest.h"

namespace tc::access {
namespace {

class SessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tc-session-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    AccountStoreOptions options;
    options.argon2.memory_kib = 64;
    options.argon2.passes = 1;
    options.argon2.lanes = 1;
    accounts_ = *AccountStore::Open(AccountDbPath(dir_), clock_, random_, options);
    UserAccount nurse;
    nurse.login = "nurse1";
    nurse.display_name = "Nurse One";
    nurse.role = auth::Role::kRegisteredNurse;
    nurse.establishments = {"NFD"};
    ASSERT_TRUE(accounts_->AddUser(nurse, "correct horse battery").ok());
    sessions_ = *SessionStore::Open(AccountDbPath(dir_), clock_, random_);
  }
  void TearDown() override {
    sessions_.reset();
    accounts_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  base::FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  base::SeededRandom random_{5};
  std::unique_ptr<AccountStore> accounts_;
  std::unique_ptr<SessionStore> sessions_;
};

TEST_F(SessionStoreTest, ANewIdEverySignInAndOnlyItsDigestStored) {
  std::string a = *sessions_->Create("nurse1", SessionStage::kActive, "10.0.0.1");
  std::string b = *sessions_->Create("nurse1", SessionStage::kActive, "10.0.0.1");
  EXPECT_NE(a, b);
  EXPECT_TRUE(auth::IsWellFormedSessionId(a));
  absl::StatusOr<std::optional<WebSession>> s = sessions_->Touch(a);
  ASSERT_TRUE(s.ok() && s->has_value());
  EXPECT_EQ((*s)->login, "nurse1");
  EXPECT_EQ((*s)->stage, SessionStage::kActive);
  // Unknown and malformed ids find nothing.
  EXPECT_FALSE(sessions_->Touch("not-a-session")->has_value());
  EXPECT_FALSE(sessions_->Touch(std::string(43, 'A'))->has_value());
}

TEST_F(SessionStoreTest, IdleAndAbsoluteTimeouts) {
  std::string id = *sessions_->Create("nurse1", SessionStage::kActive, "");
  clock_.Advance(absl::Minutes(14));
  EXPECT_TRUE(sessions_->Touch(id)->has_value());  // used: the idle clock restarts
  clock_.Advance(absl::Minutes(14));
  EXPECT_TRUE(sessions_->Touch(id)->has_value());
  clock_.Advance(absl::Minutes(15));
  EXPECT_FALSE(sessions_->Touch(id)->has_value());  // idle 15 minutes: ended
  EXPECT_FALSE(sessions_->Touch(id)->has_value());
  // Absolute: 12 hours however busy.
  std::string busy = *sessions_->Create("nurse1", SessionStage::kActive, "");
  for (int i = 0; i < 12 * 6 - 1; ++i) {
    clock_.Advance(absl::Minutes(10));
    ASSERT_TRUE(sessions_->Touch(busy)->has_value()) << i;
  }
  clock_.Advance(absl::Minutes(10));
  EXPECT_FALSE(sessions_->Touch(busy)->has_value());
}

TEST_F(SessionStoreTest, StagesBreakGlassAndSignOutEverywhere) {
  std::string id = *sessions_->Create("nurse1", SessionStage::kNeedsTotp, "");
  EXPECT_EQ((*sessions_->Touch(id))->stage, SessionStage::kNeedsTotp);
  ASSERT_TRUE(sessions_->SetStage(id, SessionStage::kActive).ok());
  EXPECT_EQ((*sessions_->Touch(id))->stage, SessionStage::kActive);
  EXPECT_FALSE(sessions_->DeclareBreakGlass(id, "", absl::Hours(1)).ok());
  ASSERT_TRUE(sessions_->DeclareBreakGlass(id, "collapsed at court", absl::Minutes(30)).ok());
  std::optional<WebSession> s = *sessions_->Touch(id);
  ASSERT_TRUE(s->break_glass.has_value());
  EXPECT_EQ(s->break_glass->reason, "collapsed at court");
  clock_.Advance(absl::Minutes(10));
  sessions_->Touch(id).IgnoreError();
  clock_.Advance(absl::Minutes(10));
  sessions_->Touch(id).IgnoreError();
  clock_.Advance(absl::Minutes(11));
  s = *sessions_->Touch(id);
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->break_glass.has_value());  // ended after 30 minutes
  std::string other = *sessions_->Create("nurse1", SessionStage::kActive, "");
  EXPECT_EQ(*sessions_->EndAll("nurse1"), 2);
  EXPECT_FALSE(sessions_->Touch(id)->has_value());
  EXPECT_FALSE(sessions_->Touch(other)->has_value());
}

TEST_F(SessionStoreTest, DisablingOrChangingAnAccountEndsItsSessions) {
  std::string id = *sessions_->Create("nurse1", SessionStage::kActive, "");
  ASSERT_TRUE(accounts_->SetRole("nurse1", auth::Role::kPrescriber, {"NFD"}).ok());
  EXPECT_FALSE(sessions_->Touch(id)->has_value());
  id = *sessions_->Create("nurse1", SessionStage::kActive, "");
  ASSERT_TRUE(accounts_->SetDisabled("nurse1", true).ok());
  EXPECT_FALSE(sessions_->Touch(id)->has_value());
  ASSERT_TRUE(accounts_->SetDisabled("nurse1", false).ok());
  id = *sessions_->Create("nurse1", SessionStage::kActive, "");
  ASSERT_TRUE(accounts_->SetPassword("nurse1", "tangerine submarine ladder").ok());
  EXPECT_FALSE(sessions_->Touch(id)->has_value());
}

}  // namespace
}  // namespace tc::access
