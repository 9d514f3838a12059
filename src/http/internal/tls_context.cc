#include "http/internal/tls_context.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace tc::http::http_internal {
namespace {

// TLS 1.2 suites: forward-secret (ECDHE) key exchange and AEAD ciphers only (no CBC, no RSA key
// transport, no SHA-1 MACs); the Mozilla "intermediate" profile without finite-field DHE.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr char kTls13Suites[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

// The reason of the most recent OpenSSL error on this thread (and clears the queue), e.g.
// "no start line"; "unknown error" when the queue is empty.
std::string TakeOpenSslError() {
  unsigned long code = ERR_peek_last_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  std::string text = reason != nullptr ? reason : "unknown error";
  ERR_clear_error();
  return text;
}

// Never prompt for a passphrase on the terminal: an encrypted key simply fails to load.
int NoPassphrase(char*, int, int, void*) { return 0; }

// InvalidArgument when `path` cannot be opened for reading (missing, permissions, a directory).
absl::Status CheckReadable(const std::string& path, const char* what) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the TLS ", what, " ", path, ": ", std::strerror(errno)));
  }
  char byte;
  bool readable = std::fread(&byte, 1, 1, file) == 1 || std::feof(file) != 0;
  std::fclose(file);
  if (!readable) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read the TLS ", what, " ", path));
  }
  return absl::OkStatus();
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

absl::StatusOr<std::unique_ptr<EVP_PKEY, PkeyDeleter>> ReadPrivateKey(const std::string& path) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_file(path.c_str(), "r"));
  if (bio == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the TLS private key ", path, ": ", TakeOpenSslError()));
  }
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot load the TLS private key ", path, ": ",
                                                   TakeOpenSslError(),
                                                   " (expected an unencrypted PEM private key)"));
  }
  return key;
}

absl::Status Configure(SSL_CTX* ctx, const std::string& certificate_file,
                       const std::string& private_key_file) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, 0) != 1) {  // 0: the highest supported (TLS 1.3).
    return absl::InternalError(absl::StrCat("cannot set TLS versions: ", TakeOpenSslError()));
  }
  // No TLS compression (CRIME); no renegotiation, client- or server-initiated (TLS 1.2 only;
  // TLS 1.3 has none). OpenSSL 3 already refuses client-initiated renegotiation by default; the
  // option makes it explicit and independent of the library's defaults.
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // Idle keep-alive connections give their read/write buffers back.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1) {
    return absl::InternalError(absl::StrCat("cannot set TLS ciphers: ", TakeOpenSslError()));
  }
  SSL_CTX_set_default_passwd_cb(ctx, NoPassphrase);

  if (absl::Status s = CheckReadable(certificate_file, "certificate"); !s.ok()) return s;
  if (absl::Status s = CheckReadable(private_key_file, "private key"); !s.ok()) return s;
  if (SSL_CTX_use_certificate_chain_file(ctx, certificate_file.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot load the TLS certificate ", certificate_file, ": ", TakeOpenSslError(),
                     " (expected a PEM certificate chain, leaf first)"));
  }
  absl::StatusOr<std::unique_ptr<EVP_PKEY, PkeyDeleter>> key = ReadPrivateKey(private_key_file);
  if (!key.ok()) return key.status();
  X509* certificate = SSL_CTX_get0_certificate(ctx);
  if (certificate == nullptr || X509_check_private_key(certificate, key->get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat("the TLS private key ", private_key_file,
                                                   " does not match the certificate ",
                                                   certificate_file));
  }
  if (SSL_CTX_use_PrivateKey(ctx, key->get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("cannot use the TLS private key ",
                                                   private_key_file, " with the certificate ",
                                                   certificate_file, ": ", TakeOpenSslError()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& certificate_file, const std::string& private_key_file) {
  if (certificate_file.empty() || private_key_file.empty()) {
    return absl::InvalidArgumentError("TLS needs both a certificate file and a private key file");
  }
  ERR_clear_error();
  std::unique_ptr<boost::asio::ssl::context> context;
  try {
    context = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot create the TLS context: ", e.what()));
  }
  absl::Status configured = Configure(context->native_handle(), certificate_file, private_key_file);
  ERR_clear_error();
  if (!configured.ok()) return configured;
  return context;
}

}  // namespace tc::http::http_internal
