// File: auth/common_passwords.cc
//
// The built-in deny list behind IsCommonPassword (auth/password.h). Written for Throughcare, not
// copied from a breach corpus: the obvious keyboard walks, counting runs, "password"/"welcome"/
// "letmein" variants and the local vocabulary (NHS, prison, healthcare) that a hurried user
// reaches for. Only entries of at least kMinPasswordLength (12) characters matter, as shorter
// ones are already refused by length. Entries are lower case; comparison lower-cases ASCII.
// A deployment wanting a larger list (e.g. the NCSC's top 100,000) can check it in addition.
#include <algorithm>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "auth/password.h"

namespace tc::auth {
namespace {

constexpr std::string_view kCommonPasswords[] = {
    "000000000000",     "111111111111",     "123123123123",
    "123412341234",     "1234567890-=",     "123456789012",
    "1234567890123",    "12345678901234",   "123456789123",
    "1234567891011",    "123456123456",     "123qweasdzxc",
    "1q2w3e4r5t6y",     "1q2w3e4r5t6y7u",   "1qaz2wsx3edc",
    "1qaz2wsx3edc4rfv", "987654321098",     "abc123abc123",
    "abc123456789",     "abcd12345678",     "abcdefghijkl",
    "abcdefghijklm",    "abcdef123456",     "administrator",
    "administrator1",   "administrator123", "asdfghjkl123",
    "asdfghjkl;'#",     "asdfasdfasdf",     "baseball1234",
    "changeme1234",     "changemenow1",     "correcthorsebatterystaple",
    "football1234",     "healthcare123",    "healthcare1234",
    "hellohello12",     "iloveyou1234",     "letmein12345",
    "letmeinletmein",   "liverpool123",     "manchesterunited",
    "monkey123456",     "nhspassword1",     "nhspassword123",
    "p@ssw0rd1234",     "p@ssword1234",     "passw0rd1234",
    "password0000",     "password1111",     "password1234",
    "password12345",    "password123456",   "password123!",
    "password1234!",    "passwordpassword", "prison123456",
    "prisonhealth1",    "qazwsxedcrfv",     "qwerty123456",
    "qwertyqwerty",     "qwertyuiop12",     "qwertyuiop123",
    "qwertyuiop[]",     "qwertyuiopasdf",   "qwertyuiopasdfghjkl",
    "starwars1234",     "summer123456",     "sunshine1234",
    "superman1234",     "trustno1trustno1", "welcome12345",
    "welcome123456",    "welcomewelcome",   "winter123456",
    "zaq12wsxcde3",     "zxcvbnm12345",     "zxcvbnmasdfghjkl",
};

}  // namespace

bool IsCommonPassword(std::string_view password) {
  std::string folded = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(absl::string_view(password.data(), password.size())));
  return std::find(std::begin(kCommonPasswords), std::end(kCommonPasswords), folded) !=
         std::end(kCommonPasswords);
}

}  // namespace tc::auth
