#include "access/account_store.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "auth/encoding.h"
#include "auth/jwk.h"
#include "auth/totp.h"
#include "fhir/json.h"
#include "gtest/gtest.h"
#include "store/sqlite/internal/connection.h"

namespace tc::access {
namespace {

using ::absl::StatusCode;

// Cheap argon2 parameters: the default (64 MiB, 3 passes) would make this suite slow.
auth::Argon2Params FastArgon2() {
  auth::Argon2Params params;
  params.memory_kib = 64;
  params.passes = 1;
  params.lanes = 1;
  return params;
}

constexpr char kPassword[] = "correct horse battery";
constexpr char kOtherPassword[] = "tangerine submarine ladder";

std::string Jwks(const std::string& jwk) { return absl::StrCat("{\"keys\":[", jwk, "]}"); }

std::string PublicEcJwks() {
  auth::PkeyPtr key = auth::GenerateEcP384Key().value();
  return Jwks(fhir::WriteJson(auth::PublicJwk(key, "k1", "ES384").value()));
}

class AccountStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tc-access-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = AccountDbPath(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void Reopen(AccountStoreOptions options = {}) {
    store_.reset();
    if (options.argon2.memory_kib == auth::Argon2Params{}.memory_kib) options.argon2 = FastArgon2();
    absl::StatusOr<std::unique_ptr<AccountStore>> opened =
        AccountStore::Open(path_, clock_, random_, options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }

  static UserAccount Nurse(std::string login = "jsmith") {
    UserAccount user;
    user.login = std::move(login);
    user.display_name = "Jane Smith";
    user.role = auth::Role::kRegisteredNurse;
    user.establishments = {"HMP-LEEDS"};
    return user;
  }

  ClientRegistration Client(std::string id = "gp-system") {
    ClientRegistration client;
    client.client_id = std::move(id);
    client.name = "GP system";
    client.scopes = "system/Patient.rs system/Observation.cruds";
    client.jwks_json = PublicEcJwks();
    client.establishments = {"HMP-LEEDS"};
    return client;
  }

  std::string dir_;
  std::string path_;
  base::FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  base::SeededRandom random_{42};
  std::unique_ptr<AccountStore> store_;
};

TEST_F(AccountStoreTest, AddListGet) {
  ASSERT_TRUE(store_->AddUser(Nurse("zed"), kPassword).ok());
  UserAccount admin = Nurse("amy");
  admin.display_name = "Amy Admin";
  admin.role = auth::Role::kSystemAdmin;
  admin.establishments = {"HMP-LEEDS", "HMP-DURHAM", "HMP-LEEDS"};
  ASSERT_TRUE(store_->AddUser(admin, kPassword).ok());

  absl::StatusOr<std::vector<UserAccount>> users = store_->ListUsers();
  ASSERT_TRUE(users.ok()) << users.status();
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].login, "amy");
  EXPECT_EQ((*users)[1].login, "zed");

  absl::StatusOr<UserAccount> amy = store_->GetUser("amy");
  ASSERT_TRUE(amy.ok()) << amy.status();
  EXPECT_EQ(amy->display_name, "Amy Admin");
  EXPECT_EQ(amy->role, auth::Role::kSystemAdmin);
  EXPECT_EQ(amy->establishments, (std::vector<std::string>{"HMP-DURHAM", "HMP-LEEDS"}));
  EXPECT_FALSE(amy->disabled);
  EXPECT_EQ(amy->failed_logins, 0);
  EXPECT_FALSE(amy->locked_until.has_value());
  EXPECT_EQ(amy->created, clock_.Now());
  EXPECT_FALSE(amy->must_change_password);
  EXPECT_FALSE(amy->has_totp);

  EXPECT_EQ(store_->GetUser("nobody").status().code(), StatusCode::kNotFound);
}

TEST_F(AccountStoreTest, OidcLinks) {
  constexpr char kIssuer[] = "https://idp.example.nhs.uk";
  ASSERT_TRUE(store_->AddUser(Nurse("jsmith"), kPassword).ok());
  ASSERT_TRUE(store_->AddUser(Nurse("other"), kPassword).ok());
  EXPECT_EQ(store_->CheckOidcLogin(kIssuer, "s-1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->LinkOidc("nobody", kIssuer, "s-1").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->LinkOidc("jsmith", "idp.example", "s-1").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->LinkOidc("jsmith", kIssuer, "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->LinkOidc("jsmith", kIssuer, "a\nb").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->LinkOidc("jsmith", kIssuer, "s-1").ok());
  EXPECT_TRUE(store_->LinkOidc("jsmith", kIssuer, "s-1").ok()) << "idempotent";
  EXPECT_EQ(store_->LinkOidc("other", kIssuer, "s-1").code(), StatusCode::kAlreadyExists);
  absl::StatusOr<UserAccount> user = store_->CheckOidcLogin(kIssuer, "s-1");
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->login, "jsmith");
  // The same subject at another issuer is another identity.
  EXPECT_EQ(store_->CheckOidcLogin("https://evil.example", "s-1").status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(store_->SetDisabled("jsmith", true).ok());
  EXPECT_EQ(store_->CheckOidcLogin(kIssuer, "s-1").status().code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(store_->SetDisabled("jsmith", false).ok());
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(store_->CheckPassword("jsmith", "wrong").ok());
  absl::Status locked = store_->CheckOidcLogin(kIssuer, "s-1").status();
  EXPECT_EQ(locked.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(locked.message().find("locked until"), absl::string_view::npos) << locked;
  ASSERT_TRUE(store_->UnlinkOidc(kIssuer, "s-1").ok());
  EXPECT_EQ(store_->UnlinkOidc(kIssuer, "s-1").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->CheckOidcLogin(kIssuer, "s-1").status().code(), StatusCode::kNotFound);
}

TEST_F(AccountStoreTest, DuplicateLogin) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  absl::Status again = store_->AddUser(Nurse(), kOtherPassword);
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists) << again;
  EXPECT_EQ(store_->AddUserWithOneTimePassword(Nurse()).status().code(),
            StatusCode::kAlreadyExists);
}

TEST_F(AccountStoreTest, InvalidUsersRefused) {
  UserAccount bad_login = Nurse("J Smith");
  EXPECT_EQ(store_->AddUser(bad_login, kPassword).code(), StatusCode::kInvalidArgument);
  UserAccount bad_code = Nurse();
  bad_code.establishments = {"HMP LEEDS"};
  EXPECT_EQ(store_->AddUser(bad_code, kPassword).code(), StatusCode::kInvalidArgument);
  UserAccount system = Nurse();
  system.role = auth::Role::kSystem;
  EXPECT_EQ(store_->AddUser(system, kPassword).code(), StatusCode::kInvalidArgument);
  UserAccount no_name = Nurse();
  no_name.display_name = "";
  EXPECT_EQ(store_->AddUser(no_name, kPassword).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->ListUsers().value().empty());
}

TEST_F(AccountStoreTest, PasswordRulesApplied) {
  for (const char* weak : {"short", "aaaaaaaaaaaaaaaa", "password1234", "jsmith123456789",
                           "Jane Smith", "smith12345678"}) {
    absl::Status status = store_->AddUser(Nurse(), weak);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << weak;
    EXPECT_EQ(std::string(status.message()).find(weak), std::string::npos)
        << "the password must not be echoed: " << status;
  }
  EXPECT_EQ(store_->GetUser("jsmith").status().code(), StatusCode::kNotFound);
}

TEST_F(AccountStoreTest, DisableAndRole) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  ASSERT_TRUE(store_->SetDisabled("jsmith", true).ok());
  EXPECT_TRUE(store_->GetUser("jsmith")->disabled);
  ASSERT_TRUE(store_->SetDisabled("jsmith", false).ok());
  EXPECT_FALSE(store_->GetUser("jsmith")->disabled);
  EXPECT_EQ(store_->SetDisabled("nobody", true).code(), StatusCode::kNotFound);

  ASSERT_TRUE(store_->SetRole("jsmith", auth::Role::kPrescriber, {"HMP-B", "HMP-A"}).ok());
  UserAccount user = store_->GetUser("jsmith").value();
  EXPECT_EQ(user.role, auth::Role::kPrescriber);
  EXPECT_EQ(user.establishments, (std::vector<std::string>{"HMP-A", "HMP-B"}));
  ASSERT_TRUE(store_->SetRole("jsmith", auth::Role::kCommissioner, {}).ok());
  EXPECT_TRUE(store_->GetUser("jsmith")->establishments.empty());
  EXPECT_EQ(store_->SetRole("nobody", auth::Role::kDentist, {}).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->SetRole("jsmith", auth::Role::kSystem, {}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SetRole("jsmith", auth::Role::kDentist, {"bad code"}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetUser("jsmith")->role, auth::Role::kCommissioner);
}

TEST_F(AccountStoreTest, CheckPassword) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  absl::StatusOr<UserAccount> ok = store_->CheckPassword("jsmith", kPassword);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->login, "jsmith");
  EXPECT_EQ(ok->role, auth::Role::kRegisteredNurse);
}

TEST_F(AccountStoreTest, SameErrorForUnknownWrongAndDisabled) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  ASSERT_TRUE(store_->AddUser(Nurse("off"), kPassword).ok());
  ASSERT_TRUE(store_->SetDisabled("off", true).ok());

  absl::Status unknown = store_->CheckPassword("nobody", kPassword).status();
  absl::Status invalid_login = store_->CheckPassword("No Body!", kPassword).status();
  absl::Status wrong = store_->CheckPassword("jsmith", kOtherPassword).status();
  absl::Status disabled = store_->CheckPassword("off", kPassword).status();
  for (const absl::Status& s : {unknown, invalid_login, wrong, disabled}) {
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << s;
    EXPECT_EQ(std::string(s.message()), "invalid login or password");
  }
  // A disabled account does not count failures (nothing to lock).
  EXPECT_EQ(store_->GetUser("off")->failed_logins, 0);
  EXPECT_EQ(store_->GetUser("jsmith")->failed_logins, 1);
}

TEST_F(AccountStoreTest, LockoutAfterFiveFailuresAndUnlockAfterTime) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(store_->CheckPassword("jsmith", kOtherPassword).status().code(),
              StatusCode::kUnauthenticated);
  }
  UserAccount user = store_->GetUser("jsmith").value();
  EXPECT_EQ(user.failed_logins, 5);
  ASSERT_TRUE(user.locked_until.has_value());
  EXPECT_EQ(*user.locked_until, clock_.Now() + absl::Minutes(15));

  // Locked: even the right password is refused, with the lock's end.
  absl::Status locked = store_->CheckPassword("jsmith", kPassword).status();
  EXPECT_EQ(locked.code(), StatusCode::kPermissionDenied) << locked;
  EXPECT_EQ(std::string(locked.message()), "account locked until 2023-11-14T22:28:20Z");

  clock_.Advance(absl::Minutes(14));
  EXPECT_EQ(store_->CheckPassword("jsmith", kPassword).status().code(),
            StatusCode::kPermissionDenied);
  clock_.Advance(absl::Minutes(1));
  absl::StatusOr<UserAccount> in = store_->CheckPassword("jsmith", kPassword);
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(in->failed_logins, 0);
  EXPECT_FALSE(in->locked_until.has_value());
}

TEST_F(AccountStoreTest, FailureAfterLockExpiryStartsAFreshCount) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  for (int i = 0; i < 5; ++i) store_->CheckPassword("jsmith", kOtherPassword).IgnoreError();
  clock_.Advance(absl::Minutes(16));
  EXPECT_EQ(store_->CheckPassword("jsmith", kOtherPassword).status().code(),
            StatusCode::kUnauthenticated);
  UserAccount user = store_->GetUser("jsmith").value();
  EXPECT_EQ(user.failed_logins, 1);
  EXPECT_FALSE(user.locked_until.has_value());
  EXPECT_TRUE(store_->CheckPassword("jsmith", kPassword).ok());
}

TEST_F(AccountStoreTest, SuccessResetsTheCount) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  for (int i = 0; i < 4; ++i) store_->CheckPassword("jsmith", kOtherPassword).IgnoreError();
  ASSERT_TRUE(store_->CheckPassword("jsmith", kPassword).ok());
  for (int i = 0; i < 4; ++i) store_->CheckPassword("jsmith", kOtherPassword).IgnoreError();
  EXPECT_TRUE(store_->CheckPassword("jsmith", kPassword).ok());
}

TEST_F(AccountStoreTest, CustomLockoutPolicy) {
  AccountStoreOptions options;
  options.lockout = {.max_failures = 2, .lock_for = absl::Minutes(1)};
  Reopen(options);
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  store_->CheckPassword("jsmith", kOtherPassword).IgnoreError();
  store_->CheckPassword("jsmith", kOtherPassword).IgnoreError();
  EXPECT_EQ(store_->CheckPassword("jsmith", kPassword).status().code(),
            StatusCode::kPermissionDenied);
  clock_.Advance(absl::Minutes(1));
  EXPECT_TRUE(store_->CheckPassword("jsmith", kPassword).ok());

  options.lockout.max_failures = 0;
  EXPECT_EQ(AccountStore::Open(path_, clock_, random_, options).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(AccountStoreTest, OneTimePasswordMustBeChanged) {
  absl::StatusOr<std::string> password = store_->AddUserWithOneTimePassword(Nurse());
  ASSERT_TRUE(password.ok()) << password.status();
  EXPECT_TRUE(std::regex_match(*password, std::regex("[a-z0-9]{5}(-[a-z0-9]{5}){3}")));
  EXPECT_TRUE(store_->GetUser("jsmith")->must_change_password);

  absl::StatusOr<UserAccount> in = store_->CheckPassword("jsmith", *password);
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_TRUE(in->must_change_password);

  ASSERT_TRUE(store_->SetPassword("jsmith", kOtherPassword).ok());
  EXPECT_FALSE(store_->GetUser("jsmith")->must_change_password);
  EXPECT_EQ(store_->CheckPassword("jsmith", *password).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_TRUE(store_->CheckPassword("jsmith", kOtherPassword).ok());
}

TEST_F(AccountStoreTest, SetPassword) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  EXPECT_EQ(store_->SetPassword("jsmith", "short").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SetPassword("jsmith", "jsmith20242024").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SetPassword("nobody", kOtherPassword).code(), StatusCode::kNotFound);
  // Clears a lock.
  for (int i = 0; i < 5; ++i) store_->CheckPassword("jsmith", "wrong wrong wrong").IgnoreError();
  ASSERT_TRUE(store_->GetUser("jsmith")->locked_until.has_value());
  ASSERT_TRUE(store_->SetPassword("jsmith", kOtherPassword).ok());
  UserAccount user = store_->GetUser("jsmith").value();
  EXPECT_EQ(user.failed_logins, 0);
  EXPECT_FALSE(user.locked_until.has_value());
  EXPECT_TRUE(store_->CheckPassword("jsmith", kOtherPassword).ok());
  EXPECT_FALSE(store_->CheckPassword("jsmith", kPassword).ok());
}

TEST_F(AccountStoreTest, RehashesOnLoginWhenParametersChange) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  auto stored_hash = [&]() {
    auto conn = store::sqlite_internal::Connection::Open(
                    path_, store::sqlite_internal::Connection::Mode::kReadOnly, absl::Seconds(5))
                    .value();
    auto st = conn->Prepare("SELECT password_hash FROM users WHERE login = 'jsmith'").value();
    EXPECT_TRUE(st.Step().value());
    return std::string(st.ColumnText(0));
  };
  const std::string before = stored_hash();
  EXPECT_NE(before.find("m=64,t=1,p=1"), std::string::npos) << before;

  AccountStoreOptions stronger;
  stronger.argon2 = FastArgon2();
  stronger.argon2.passes = 2;
  Reopen(stronger);
  ASSERT_TRUE(store_->CheckPassword("jsmith", kPassword).ok());
  const std::string after = stored_hash();
  EXPECT_NE(after.find("m=64,t=2,p=1"), std::string::npos) << after;
  EXPECT_TRUE(store_->CheckPassword("jsmith", kPassword).ok());
}

TEST_F(AccountStoreTest, Totp) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  EXPECT_EQ(store_->TotpSecret("jsmith").value(), "");
  EXPECT_EQ(store_->SetTotpSecret("jsmith", "not base32!").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SetTotpSecret("jsmith", "MFRGG").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CheckTotp("jsmith", "123456").code(), StatusCode::kUnauthenticated);

  const std::string secret = auth::NewTotpSecret(random_);
  std::string lower = auth::Base32Encode(secret);
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  ASSERT_TRUE(store_->SetTotpSecret("jsmith", lower).ok());
  EXPECT_EQ(store_->TotpSecret("jsmith").value(), auth::Base32Encode(secret));
  EXPECT_TRUE(store_->GetUser("jsmith")->has_totp);
  EXPECT_EQ(store_->SetTotpSecret("nobody", lower).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->TotpSecret("nobody").status().code(), StatusCode::kNotFound);

  const std::string code = auth::TotpCode(secret, clock_.Now()).value();
  EXPECT_TRUE(store_->CheckTotp("jsmith", code).ok());
  EXPECT_EQ(store_->CheckTotp("jsmith", code).code(), StatusCode::kUnauthenticated);  // reused
  EXPECT_EQ(store_->CheckTotp("jsmith", "12ab").code(), StatusCode::kInvalidArgument);
  clock_.Advance(absl::Seconds(30));
  EXPECT_TRUE(store_->CheckTotp("jsmith", auth::TotpCode(secret, clock_.Now()).value()).ok());

  ASSERT_TRUE(store_->SetTotpSecret("jsmith", "").ok());
  EXPECT_FALSE(store_->GetUser("jsmith")->has_totp);
  EXPECT_EQ(store_->TotpSecret("jsmith").value(), "");
}

TEST_F(AccountStoreTest, WithTotpOnlyACompleteLoginResetsTheCount) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  const std::string secret = auth::NewTotpSecret(random_);
  ASSERT_TRUE(store_->SetTotpSecret("jsmith", auth::Base32Encode(secret)).ok());
  // The attacker knows the password and guesses codes: the password does not reset the count.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->CheckPassword("jsmith", kPassword).ok());
    EXPECT_EQ(store_->CheckTotp("jsmith", "000000").code(), StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(store_->CheckPassword("jsmith", kPassword).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(store_->CheckTotp("jsmith", auth::TotpCode(secret, clock_.Now()).value()).code(),
            StatusCode::kPermissionDenied);
  clock_.Advance(absl::Minutes(15));
  ASSERT_TRUE(store_->CheckPassword("jsmith", kPassword).ok());
  EXPECT_TRUE(store_->CheckTotp("jsmith", auth::TotpCode(secret, clock_.Now()).value()).ok());
  EXPECT_EQ(store_->GetUser("jsmith")->failed_logins, 0);
}

TEST_F(AccountStoreTest, Clients) {
  ClientRegistration client = Client();
  client.scopes = "system/Patient.read  system/Observation.cruds";
  ASSERT_TRUE(store_->AddClient(client).ok());
  ASSERT_TRUE(store_->AddClient(Client("another")).ok());
  EXPECT_EQ(store_->AddClient(Client()).code(), StatusCode::kAlreadyExists);

  absl::StatusOr<std::optional<ClientRegistration>> got = store_->GetClient("gp-system");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->name, "GP system");
  EXPECT_EQ((*got)->scopes, "system/Patient.rs system/Observation.cruds");
  EXPECT_EQ((*got)->jwks_json, client.jwks_json);
  EXPECT_EQ((*got)->establishments, std::vector<std::string>{"HMP-LEEDS"});
  EXPECT_FALSE((*got)->disabled);
  EXPECT_EQ((*got)->created, clock_.Now());
  EXPECT_FALSE(store_->GetClient("nobody").value().has_value());

  std::vector<ClientRegistration> all = store_->ListClients().value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].client_id, "another");
  EXPECT_EQ(all[1].client_id, "gp-system");

  ASSERT_TRUE(store_->SetClientDisabled("gp-system", true).ok());
  EXPECT_TRUE(store_->GetClient("gp-system").value()->disabled);
  EXPECT_EQ(store_->SetClientDisabled("nobody", true).code(), StatusCode::kNotFound);
}

TEST_F(AccountStoreTest, InvalidClientsRefused) {
  for (const char* scopes : {"", "user/Patient.rs", "system/Patient.rs openid", "patient/*.read",
                             "system/Patient.rs?gender=male"}) {
    ClientRegistration client = Client();
    client.scopes = scopes;
    EXPECT_EQ(store_->AddClient(client).code(), StatusCode::kInvalidArgument) << scopes;
  }
  // A private key must never be registered.
  auth::PkeyPtr key = auth::GenerateEcP384Key().value();
  std::string jwk = fhir::WriteJson(auth::PublicJwk(key, "k1").value());
  std::string private_jwk = absl::StrCat(R"({"d":"AAAA",)", jwk.substr(1));
  for (const std::string& jwks : {Jwks(private_jwk), std::string(R"({"keys":[]})"),
                                  std::string("not json"), std::string(R"({"keys":{}})")}) {
    ClientRegistration client = Client();
    client.jwks_json = jwks;
    EXPECT_EQ(store_->AddClient(client).code(), StatusCode::kInvalidArgument) << jwks;
  }
  ClientRegistration bad_id = Client("a b");
  EXPECT_EQ(store_->AddClient(bad_id).code(), StatusCode::kInvalidArgument);
  ClientRegistration bad_code = Client();
  bad_code.establishments = {"no spaces"};
  EXPECT_EQ(store_->AddClient(bad_code).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->ListClients().value().empty());
}

TEST_F(AccountStoreTest, UseJtiRefusesReplayUntilExpiry) {
  const absl::Time expires = clock_.Now() + absl::Minutes(5);
  ASSERT_TRUE(store_->UseJti("gp-system", "jti-1", expires).ok());
  EXPECT_EQ(store_->UseJti("gp-system", "jti-1", expires).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(store_->UseJti("other-client", "jti-1", expires).ok());
  EXPECT_TRUE(store_->UseJti("gp-system", "jti-2", expires).ok());
  EXPECT_EQ(store_->UseJti("", "x", expires).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->UseJti("gp-system", std::string(1025, 'x'), expires).code(),
            StatusCode::kInvalidArgument);

  clock_.Advance(absl::Minutes(4));
  EXPECT_EQ(store_->UseJti("gp-system", "jti-1", expires).code(), StatusCode::kAlreadyExists);
  Reopen();  // survives a restart
  EXPECT_EQ(store_->UseJti("gp-system", "jti-1", expires).code(), StatusCode::kAlreadyExists);
  clock_.Advance(absl::Minutes(1));
  EXPECT_TRUE(store_->UseJti("gp-system", "jti-1", clock_.Now() + absl::Minutes(5)).ok());
}

TEST_F(AccountStoreTest, UseJtiConcurrentReplaysAcceptOnlyOne) {
  const absl::Time expires = clock_.Now() + absl::Minutes(5);
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        absl::Status s = store_->UseJti("gp-system", absl::StrCat("jti-", i), expires);
        if (s.ok()) {
          ++accepted;
        } else if (absl::IsAlreadyExists(s)) {
          ++refused;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 20);
  EXPECT_EQ(refused.load(), 7 * 20);
}

TEST_F(AccountStoreTest, TokenSecretAndInstanceIdStableAcrossReopen) {
  absl::StatusOr<std::string> secret = store_->TokenSecret();
  absl::StatusOr<std::string> id = store_->InstanceId();
  ASSERT_TRUE(secret.ok()) << secret.status();
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(secret->size(), 32u);
  EXPECT_TRUE(std::regex_match(*id, std::regex("tc-[0-9a-f]{16}"))) << *id;
  EXPECT_EQ(store_->TokenSecret().value(), *secret);
  EXPECT_EQ(store_->InstanceId().value(), *id);
  Reopen();
  EXPECT_EQ(store_->TokenSecret().value(), *secret);
  EXPECT_EQ(store_->InstanceId().value(), *id);
}

TEST_F(AccountStoreTest, EnsureFirstAdminOnce) {
  absl::StatusOr<std::optional<std::string>> first = store_->EnsureFirstAdmin();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->has_value());
  UserAccount admin = store_->GetUser("admin").value();
  EXPECT_EQ(admin.display_name, "First administrator");
  EXPECT_EQ(admin.role, auth::Role::kSystemAdmin);
  EXPECT_TRUE(admin.must_change_password);
  EXPECT_TRUE(store_->CheckPassword("admin", **first).ok());

  EXPECT_FALSE(store_->EnsureFirstAdmin().value().has_value());
  Reopen();
  EXPECT_FALSE(store_->EnsureFirstAdmin().value().has_value());
}

TEST_F(AccountStoreTest, NoFirstAdminWhenUsersExist) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  EXPECT_FALSE(store_->EnsureFirstAdmin().value().has_value());
  EXPECT_EQ(store_->GetUser("admin").status().code(), StatusCode::kNotFound);
}

TEST_F(AccountStoreTest, PersistsAcrossReopen) {
  ASSERT_TRUE(store_->AddUser(Nurse(), kPassword).ok());
  ASSERT_TRUE(store_->AddClient(Client()).ok());
  ASSERT_TRUE(store_->SetDisabled("jsmith", true).ok());
  Reopen();
  UserAccount user = store_->GetUser("jsmith").value();
  EXPECT_TRUE(user.disabled);
  EXPECT_EQ(user.establishments, std::vector<std::string>{"HMP-LEEDS"});
  EXPECT_TRUE(store_->GetClient("gp-system").value().has_value());
  ASSERT_TRUE(store_->SetDisabled("jsmith", false).ok());
  EXPECT_TRUE(store_->CheckPassword("jsmith", kPassword).ok());
}

TEST_F(AccountStoreTest, DatabaseIsPrivateAndInWalMode) {
  struct stat st;
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto conn = store::sqlite_internal::Connection::Open(
                  path_, store::sqlite_internal::Connection::Mode::kReadOnly, absl::Seconds(5))
                  .value();
  auto journal = conn->Prepare("PRAGMA journal_mode").value();
  ASSERT_TRUE(journal.Step().value());
  EXPECT_EQ(journal.ColumnText(0), "wal");
}

TEST_F(AccountStoreTest, CreatesTheDataDirectory) {
  const std::string nested = AccountDbPath(dir_ + "/a/b");
  absl::StatusOr<std::unique_ptr<AccountStore>> opened =
      AccountStore::Open(nested, clock_, random_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_TRUE(std::filesystem::exists(nested));
}

}  // namespace
}  // namespace tc::access
