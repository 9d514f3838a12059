#include "http/internal/tls_context.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
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

// The reasons of the OpenSSL errors queued on this thread, oldest (the root cause) first, e.g.
// "no start line; PEM lib"; "unknown error" when the queue is empty. Clears the queue.
std::string TakeOpenSslError() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    std::string piece = reason != nullptr ? reason : absl::StrCat("error ", code);
    if (text.find(piece) != std::string::npos) continue;
    absl::StrAppend(&text, text.empty() ? "" : "; ", piece);
  }
  return text.empty() ? "unknown error" : text;
}

// Never prompt for a passphrase on the terminal: an encrypted key simply fails to load.
int NoPassphrase(char*, int, int, void*) { return 0; }

// PEM files larger than this are refused (a certificate chain is a few KiB).
constexpr size_t kMaxPemBytes = 1024 * 1024;

// The contents of `path`, or InvalidArgument naming it (missing, permissions, a directory, huge).
absl::StatusOr<std::string> ReadPemFile(const std::string& path, const char* what) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the TLS ", what, " ", path, ": ", std::strerror(errno)));
  }
  std::string text;
  char chunk[4096];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), file)) > 0 && text.size() <= kMaxPemBytes) {
    text.append(chunk, n);
  }
  int error = std::ferror(file) != 0 ? errno : 0;
  std::fclose(file);
  if (error != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the TLS ", what, " ", path, ": ", std::strerror(error)));
  }
  if (text.size() > kMaxPemBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the TLS ", what, " ", path, " is too large to be a PEM file"));
  }
  return text;
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

absl::StatusOr<std::unique_ptr<EVP_PKEY, PkeyDeleter>> ReadPrivateKey(const std::string& path) {
  absl::StatusOr<std::string> text = ReadPemFile(path, "private key");
  if (!text.ok()) return text.status();
  if (text->find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos ||
      text->find("Proc-Type: 4,ENCRYPTED") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the TLS private key ", path,
        " is encrypted: an unencrypted PEM private key is needed (the server never asks for a "
        "passphrase; protect the file with its permissions instead)"));
  }
  if (text->find("PRIVATE KEY-----") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("the TLS private key ", path, " contains no PEM private key"));
  }
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  if (bio == nullptr) return absl::ResourceExhaustedError("out of memory reading the TLS key");
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  OPENSSL_cleanse(text->data(), text->size());
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot load the TLS private key ", path, ": ",
                                                   TakeOpenSslError(),
                                                   " (expected an unencrypted PEM private key)"));
  }
  return key;
}

absl::Status LoadCertificateChain(SSL_CTX* ctx, const std::string& path) {
  absl::StatusOr<std::string> text = ReadPemFile(path, "certificate");
  if (!text.ok()) return text.status();
  if (text->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("the TLS certificate ", path,
                     " contains no PEM certificate (-----BEGIN CERTIFICATE-----)"));
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, path.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot load the TLS certificate ", path, ": ", TakeOpenSslError(),
                     " (expected a PEM certificate chain, leaf first)"));
  }
  return absl::OkStatus();
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

  if (absl::Status s = LoadCertificateChain(ctx, certificate_file); !s.ok()) return s;
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
