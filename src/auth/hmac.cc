#include "auth/hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/status/status.h"

namespace tc::auth {

absl::StatusOr<std::string> Hmac(HmacHash hash, std::string_view key, std::string_view data) {
  const EVP_MD* md = hash == HmacHash::kSha1     ? EVP_sha1()
                     : hash == HmacHash::kSha256 ? EVP_sha256()
                                                 : EVP_sha384();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  // OpenSSL wants a non-null key pointer even for an empty key.
  static constexpr unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  if (HMAC(md, key_ptr, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
           &out_len) == nullptr) {
    return absl::InternalError("HMAC failed");
  }
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tc::auth
