// Tests for transport security: HTTPS (a throwaway self-signed certificate generated at test
// time with the OpenSSL 3 API, trusted by the test client) and the security headers on every
// response, over TLS and over plain HTTP. Suites are named Http* so that `ctest -R Http` runs
// them with the other transport tests.

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/message.h"
#include "http/server.h"
#include "http/testing/test_client.h"

namespace tc::http {
namespace {

using ::tc::http::testing::ClientResponse;
using ::tc::http::testing::Exchange;
using ::tc::http::testing::GetRequest;
using ::tc::http::testing::TestClient;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr std::string_view kCsp =
    "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'";
constexpr std::string_view kHsts = "max-age=31536000; includeSubDomains";

// ---------------------------------------------------------------------------------------------
// Throwaway certificates (OpenSSL 3 C API).

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

// A self-signed certificate for CN=127.0.0.1 with subjectAltName IP:127.0.0.1, valid for a day.
Cert SelfSigned(EVP_PKEY* key) {
  Cert cert(X509_new());
  if (!cert) return nullptr;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) return nullptr;
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return nullptr;
  return cert;
}

bool WriteKey(const std::filesystem::path& path, EVP_PKEY* key, const char* passphrase = nullptr) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return false;
  int ok = passphrase == nullptr
               ? PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr)
               : PEM_write_PrivateKey(file, key, EVP_aes_256_cbc(),
                                      reinterpret_cast<const unsigned char*>(passphrase),
                                      static_cast<int>(std::string_view(passphrase).size()),
                                      nullptr, nullptr);
  return std::fclose(file) == 0 && ok == 1;
}

bool WriteCert(const std::filesystem::path& path, X509* cert) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return false;
  int ok = PEM_write_X509(file, cert);
  return std::fclose(file) == 0 && ok == 1;
}

bool WriteText(const std::filesystem::path& path, std::string_view text) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return false;
  size_t written = std::fwrite(text.data(), 1, text.size(), file);
  return std::fclose(file) == 0 && written == text.size();
}

// The files every test uses, generated once per test binary in a fresh temporary directory.
struct Pki {
  std::filesystem::path dir;
  std::string cert;           // Self-signed, EC P-256, for 127.0.0.1.
  std::string key;            // Its key.
  std::string other_key;      // Another EC P-256 key (does not match `cert`).
  std::string other_cert;     // Self-signed with `other_key` (a certificate `cert` is not).
  std::string rsa_key;        // An RSA key (does not match `cert` either).
  std::string encrypted_key;  // `key`, encrypted with a passphrase.
  std::string garbage;        // Not PEM at all.
};

class HttpTlsEnvironment {
 public:
  static const Pki& Get() {
    static const Pki* pki = Create();  // Immutable once created; removed at exit.
    return *pki;
  }

 private:
  static Pki* Create() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tc-tls-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    auto* pki = new Pki;
    pki->dir = pattern;
    pki->cert = (pki->dir / "cert.pem").string();
    pki->key = (pki->dir / "key.pem").string();
    pki->other_key = (pki->dir / "other-key.pem").string();
    pki->other_cert = (pki->dir / "other-cert.pem").string();
    pki->rsa_key = (pki->dir / "rsa-key.pem").string();
    pki->encrypted_key = (pki->dir / "encrypted-key.pem").string();
    pki->garbage = (pki->dir / "garbage.pem").string();
    Pkey key(EVP_EC_gen("P-256"));
    Pkey other(EVP_EC_gen("P-256"));
    Pkey rsa(EVP_RSA_gen(2048));
    if (!key || !other || !rsa) throw std::runtime_error("key generation failed");
    Cert cert = SelfSigned(key.get());
    Cert other_cert = SelfSigned(other.get());
    if (!cert || !other_cert || !WriteCert(pki->cert, cert.get()) ||
        !WriteCert(pki->other_cert, other_cert.get()) || !WriteKey(pki->key, key.get()) ||
        !WriteKey(pki->other_key, other.get()) || !WriteKey(pki->rsa_key, rsa.get()) ||
        !WriteKey(pki->encrypted_key, key.get(), "correct horse") ||
        !WriteText(pki->garbage, "this is not a certificate\n")) {
      throw std::runtime_error("cannot write the test certificate files");
    }
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(Get().dir, ignored);
    });
    return pki;
  }
};

// ---------------------------------------------------------------------------------------------
// Helpers.

ServerOptions PlainOptions() {
  ServerOptions options;
  options.port = 0;
  options.io_threads = 2;
  options.worker_threads = 4;
  return options;
}

ServerOptions TlsOptions() {
  ServerOptions options = PlainOptions();
  options.tls_certificate_file = HttpTlsEnvironment::Get().cert;
  options.tls_private_key_file = HttpTlsEnvironment::Get().key;
  return options;
}

std::unique_ptr<Server> StartOrDie(ServerOptions options, Handler handler) {
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(std::move(options), std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

Response TextResponse(std::string body, int status = 200) {
  Response response;
  response.status = status;
  response.SetHeader("Content-Type", "text/plain");
  response.body = std::move(body);
  return response;
}

// A JSON body, like the FHIR layer's OperationOutcome.
ErrorRenderer JsonErrors() {
  return [](int status, std::string_view message) {
    Response response;
    response.SetHeader("Content-Type", "application/fhir+json");
    response.body =
        "{\"status\":" + std::to_string(status) + ",\"message\":\"" + std::string(message) + "\"}";
    return response;
  };
}

// A connected client that completed a verified TLS handshake (or failed the test).
std::unique_ptr<TestClient> TlsClient(uint16_t port, int max_version = 0) {
  auto client = std::make_unique<TestClient>(port);
  EXPECT_TRUE(client->connected());
  if (!client->connected()) return nullptr;
  std::string error =
      client->StartTls({.ca_file = HttpTlsEnvironment::Get().cert, .max_version = max_version});
  EXPECT_EQ(error, "");
  return error.empty() ? std::move(client) : nullptr;
}

std::optional<ClientResponse> TlsExchange(uint16_t port, std::string_view raw) {
  std::unique_ptr<TestClient> client = TlsClient(port);
  if (client == nullptr || !client->Send(raw)) return std::nullopt;
  return client->Read();
}

void ExpectSecurityHeaders(const ClientResponse& response, bool tls) {
  SCOPED_TRACE("status " + std::to_string(response.status));
  EXPECT_EQ(response.Header("Content-Security-Policy"), kCsp);
  EXPECT_EQ(response.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(response.Header("X-Frame-Options"), "DENY");
  EXPECT_EQ(response.Header("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(response.Header("Cache-Control"), "no-store");
  if (tls) {
    EXPECT_EQ(response.Header("Strict-Transport-Security"), kHsts);
  } else {
    EXPECT_FALSE(response.HasHeader("Strict-Transport-Security"));
  }
  // The product name only: no version banner.
  EXPECT_EQ(response.Header("Server"), "throughcare");
  for (std::string_view name :
       {"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
        "Cache-Control", "Strict-Transport-Security", "Server"}) {
    EXPECT_LE(response.HeaderCount(name), 1) << name;
  }
}

// Reads until the peer closes (or 10 s pass); returns everything received.
std::string ReadUntilClosed(TestClient& client) {
  while (client.ReadSome()) {
  }
  return client.buffered();
}

// ---------------------------------------------------------------------------------------------
// HTTPS.

TEST(HttpTlsTest, ServesHttpsWithKeepAliveAndSecurityHeaders) {
  std::atomic<int> calls{0};
  std::unique_ptr<Server> server = StartOrDie(TlsOptions(), [&](const Request& r) {
    ++calls;
    if (r.path == "/missing") return TextResponse("no such page", 404);
    return TextResponse("you asked for " + r.path);
  });
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(server->tls());
  std::unique_ptr<TestClient> client = TlsClient(server->port());
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->TlsVersion(), "TLSv1.3");  // Preferred when the client offers it.

  for (int i = 0; i < 3; ++i) {  // Keep-alive: one connection, several requests.
    ASSERT_TRUE(client->Send(GetRequest("/r" + std::to_string(i))));
    std::optional<ClientResponse> response = client->Read();
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "you asked for /r" + std::to_string(i));
    EXPECT_FALSE(response->HasHeader("Connection"));
    ExpectSecurityHeaders(*response, /*tls=*/true);
  }
  // Pipelined, including a 404.
  ASSERT_TRUE(client->Send(GetRequest("/p1") + GetRequest("/missing") + GetRequest("/p3")));
  for (auto [status, body] : {std::pair{200, "you asked for /p1"}, std::pair{404, "no such page"},
                              std::pair{200, "you asked for /p3"}}) {
    std::optional<ClientResponse> response = client->Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, status);
    EXPECT_EQ(response->body, body);
    ExpectSecurityHeaders(*response, /*tls=*/true);
  }
  EXPECT_EQ(calls.load(), 6);
}

TEST(HttpTlsTest, Tls12UsesAForwardSecretAeadCipherAndRefusesRenegotiation) {
  std::unique_ptr<Server> server =
      StartOrDie(TlsOptions(), [](const Request&) { return TextResponse("ok"); });
  ASSERT_NE(server, nullptr);
  {
    std::unique_ptr<TestClient> client = TlsClient(server->port(), TLS1_2_VERSION);
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->TlsVersion(), "TLSv1.2");
    std::string cipher = client->TlsCipher();
    EXPECT_TRUE(cipher.starts_with("ECDHE-")) << cipher;
    EXPECT_TRUE(cipher.find("GCM") != std::string::npos ||
                cipher.find("CHACHA20") != std::string::npos)
        << cipher;
    ASSERT_TRUE(client->Send(GetRequest("/")));
    ASSERT_TRUE(client->Read().has_value());
    EXPECT_FALSE(client->Renegotiate());
  }
  // Suites without forward secrecy or with CBC-mode encryption are refused.
  for (std::string_view ciphers : {"AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256",
                                   "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES128-SHA"}) {
    TestClient weak(server->port());
    EXPECT_NE(weak.StartTls({.ca_file = HttpTlsEnvironment::Get().cert,
                             .max_version = TLS1_2_VERSION,
                             .tls12_ciphers = std::string(ciphers)}),
              "")
        << ciphers;
  }
  // The server carries on.
  std::optional<ClientResponse> response = TlsExchange(server->port(), GetRequest("/"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "ok");
}

TEST(HttpTlsTest, LargeBodiesHeadChunkedAndInlineHandlersOverTls) {
  ServerOptions options = TlsOptions();
  options.run_inline = [](const Request& r) { return r.path == "/inline"; };
  std::string big(3 * 1024 * 1024 + 17, 'z');
  std::unique_ptr<Server> server = StartOrDie(options, [&](const Request& r) {
    if (r.path == "/big") return TextResponse(big);
    if (r.path == "/echo") return TextResponse(r.body);
    return TextResponse(r.path);
  });
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = TlsClient(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(GetRequest("/big")));
  std::optional<ClientResponse> response = client->Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body.size(), big.size());
  EXPECT_TRUE(response->body == big);

  ASSERT_TRUE(client->Send("HEAD /big HTTP/1.1\r\nHost: h\r\n\r\n"));
  response = client->Read(/*head_request=*/true);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("Content-Length"), std::to_string(big.size()));
  EXPECT_EQ(response->body, "");

  std::string body(200000, 'b');
  ASSERT_TRUE(
      client->Send("POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "30d40\r\n" +
                   body + "\r\n0\r\n\r\n"));
  response = client->Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body == body);

  ASSERT_TRUE(client->Send(GetRequest("/inline")));
  response = client->Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "/inline");
  EXPECT_TRUE(client->buffered().empty());
}

TEST(HttpTlsTest, TransportErrorsOverTlsAreRenderedWithSecurityHeaders) {
  std::atomic<int> calls{0};
  ServerOptions options = TlsOptions();
  options.max_body_bytes = 1024;
  options.max_header_bytes = 4096;
  options.error_renderer = JsonErrors();
  std::unique_ptr<Server> server = StartOrDie(options, [&](const Request&) {
    ++calls;
    return TextResponse("ok");
  });
  ASSERT_NE(server, nullptr);
  for (auto [raw, status] :
       {std::pair<std::string, int>{"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n",
                                    413},
        std::pair<std::string, int>{"GET / HTTP/9.9\r\n\r\n", 400},
        std::pair<std::string, int>{GetRequest("/%zz"), 400},
        std::pair<std::string, int>{GetRequest("/", "X-Big: " + std::string(8000, 'x') + "\r\n"),
                                    431}}) {
    std::unique_ptr<TestClient> client = TlsClient(server->port());
    ASSERT_NE(client, nullptr);
    ASSERT_TRUE(client->Send(raw));
    std::optional<ClientResponse> response = client->Read();
    ASSERT_TRUE(response.has_value()) << raw;
    EXPECT_EQ(response->status, status);
    EXPECT_EQ(response->Header("Content-Type"), "application/fhir+json");
    EXPECT_EQ(response->Header("Connection"), "close");
    ExpectSecurityHeaders(*response, /*tls=*/true);
    EXPECT_TRUE(client->PeerClosed());
  }
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpTlsTest, PlainHttpAndBadHandshakesGetNoHttpResponseAndAreClosed) {
  ServerOptions options = TlsOptions();
  options.tls_handshake_timeout = 1s;
  std::atomic<int> calls{0};
  std::unique_ptr<Server> server = StartOrDie(options, [&](const Request&) {
    ++calls;
    return TextResponse("ok");
  });
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();
  {
    // Plain HTTP on the TLS port: no HTTP response (perhaps a TLS alert), then closed.
    TestClient plain(port);
    ASSERT_TRUE(plain.Send(GetRequest("/")));
    std::string received = ReadUntilClosed(plain);
    EXPECT_FALSE(received.starts_with("HTTP/")) << received;
    EXPECT_EQ(received.find("ok"), std::string::npos);
  }
  auto start = std::chrono::steady_clock::now();
  TestClient silent(port);  // Connects, never says anything.
  TestClient half(port);    // Starts a ClientHello, never ends it.
  ASSERT_TRUE(half.Send(std::string_view("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)));
  TestClient untrusting(port);  // Does not trust the certificate: aborts the handshake.
  std::string error = untrusting.StartTls({.ca_file = HttpTlsEnvironment::Get().other_cert});
  EXPECT_NE(error, "");
  EXPECT_TRUE(silent.PeerClosed());
  EXPECT_TRUE(half.PeerClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // The handshake timeout is 1 s.
  // The server keeps serving.
  std::optional<ClientResponse> response = TlsExchange(port, GetRequest("/"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "ok");
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpTlsTest, IdleTlsConnectionsTimeOut) {
  ServerOptions options = TlsOptions();
  options.idle_timeout = 1s;
  std::unique_ptr<Server> server =
      StartOrDie(options, [](const Request&) { return TextResponse("ok"); });
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = TlsClient(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(GetRequest("/")));
  ASSERT_TRUE(client->Read().has_value());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client->PeerClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(HttpTlsTest, GracefulShutdownOverTls) {
  std::promise<void> started;
  std::atomic<bool> signalled{false};
  std::unique_ptr<Server> server = StartOrDie(TlsOptions(), [&](const Request& r) {
    if (r.path == "/slow") {
      if (!signalled.exchange(true)) started.set_value();
      std::this_thread::sleep_for(300ms);
      return TextResponse(std::string(100000, 's'));
    }
    return TextResponse("quick");
  });
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();
  std::unique_ptr<TestClient> idle = TlsClient(port);
  ASSERT_NE(idle, nullptr);
  ASSERT_TRUE(idle->Send(GetRequest("/")));
  ASSERT_TRUE(idle->Read().has_value());
  TestClient handshaking(port);  // Mid-handshake (never starts it): closed as idle.
  std::unique_ptr<TestClient> slow = TlsClient(port);
  ASSERT_NE(slow, nullptr);
  ASSERT_TRUE(slow->Send(GetRequest("/slow")));
  started.get_future().wait();

  auto shutdown_start = std::chrono::steady_clock::now();
  std::thread shutdown([&] { server->Shutdown(5s); });
  std::optional<ClientResponse> response = slow->Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.size(), 100000u);
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(slow->PeerClosed());
  EXPECT_TRUE(idle->PeerClosed());
  EXPECT_TRUE(handshaking.PeerClosed());
  shutdown.join();
  EXPECT_LT(std::chrono::steady_clock::now() - shutdown_start, 3s);
  TestClient late(port);
  EXPECT_FALSE(late.connected());
}

TEST(HttpTlsTest, StartFailsClearlyForAnUnusableCertificateOrKey) {
  const Pki& pki = HttpTlsEnvironment::Get();
  auto start = [](std::string cert, std::string key) {
    ServerOptions options = PlainOptions();
    options.tls_certificate_file = std::move(cert);
    options.tls_private_key_file = std::move(key);
    return Server::Start(options, [](const Request&) { return TextResponse("never"); }).status();
  };
  absl::Status mismatch = start(pki.cert, pki.other_key);
  EXPECT_EQ(mismatch.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mismatch.message(), HasSubstr("does not match the certificate"));
  EXPECT_THAT(mismatch.message(), HasSubstr(pki.other_key));

  absl::Status rsa = start(pki.cert, pki.rsa_key);
  EXPECT_EQ(rsa.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(rsa.message(), HasSubstr("does not match the certificate"));

  std::string missing = (pki.dir / "missing.pem").string();
  absl::Status no_file = start(missing, pki.key);
  EXPECT_EQ(no_file.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_file.message(), HasSubstr(missing));
  EXPECT_THAT(no_file.message(), HasSubstr("No such file"));

  absl::Status not_pem = start(pki.garbage, pki.key);
  EXPECT_EQ(not_pem.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(not_pem.message(), HasSubstr("contains no PEM certificate"));
  absl::Status key_as_cert = start(pki.key, pki.key);
  EXPECT_EQ(key_as_cert.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(key_as_cert.message(), HasSubstr("contains no PEM certificate"));

  absl::Status key_not_pem = start(pki.cert, pki.garbage);
  EXPECT_EQ(key_not_pem.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(key_not_pem.message(), HasSubstr("contains no PEM private key"));
  absl::Status cert_as_key = start(pki.cert, pki.cert);
  EXPECT_EQ(cert_as_key.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cert_as_key.message(), HasSubstr("contains no PEM private key"));

  // Never prompts for the passphrase (the test would hang): refused instead.
  absl::Status encrypted = start(pki.cert, pki.encrypted_key);
  EXPECT_EQ(encrypted.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(encrypted.message(), HasSubstr("is encrypted"));

  absl::Status directory = start(pki.dir.string(), pki.key);
  EXPECT_EQ(directory.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(directory.message(), HasSubstr("cannot read the TLS certificate"));

  EXPECT_EQ(start(pki.cert, "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(start("", pki.key).code(), absl::StatusCode::kInvalidArgument);
  for (const absl::Status& s : {mismatch, rsa, no_file, not_pem, key_as_cert, key_not_pem,
                                cert_as_key, encrypted, directory}) {
    EXPECT_EQ(s.message().find('\n'), std::string_view::npos) << s;  // One line.
  }
}

// ---------------------------------------------------------------------------------------------
// Security headers.

TEST(HttpSecurityHeadersTest, EveryPlainResponseCarriesThemButNotHsts) {
  ServerOptions options = PlainOptions();
  options.max_body_bytes = 1024;
  options.error_renderer = JsonErrors();
  options.run_inline = [](const Request& r) { return r.path == "/inline"; };
  std::unique_ptr<Server> server = StartOrDie(options, [](const Request& r) -> Response {
    if (r.path == "/missing") return TextResponse("no such page", 404);
    if (r.path == "/throw") throw std::runtime_error("boom");
    if (r.path == "/empty") return Response{};
    return TextResponse("ok");
  });
  ASSERT_NE(server, nullptr);
  EXPECT_FALSE(server->tls());
  const uint16_t port = server->port();
  for (auto [raw, status] :
       {std::pair<std::string, int>{GetRequest("/"), 200},
        std::pair<std::string, int>{GetRequest("/inline"), 200},
        std::pair<std::string, int>{GetRequest("/empty"), 200},
        std::pair<std::string, int>{GetRequest("/missing"), 404},
        std::pair<std::string, int>{GetRequest("/throw"), 500},
        std::pair<std::string, int>{"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n",
                                    413},
        std::pair<std::string, int>{"GET\r\n\r\n", 400}}) {
    std::optional<ClientResponse> response = Exchange(port, raw);
    ASSERT_TRUE(response.has_value()) << raw;
    EXPECT_EQ(response->status, status) << raw;
    ExpectSecurityHeaders(*response, /*tls=*/false);
  }
}

TEST(HttpSecurityHeadersTest, HandlerSetHeadersWinAndAreNotDuplicated) {
  auto handler = [](const Request&) {
    Response response = TextResponse("asset");
    response.SetHeader("cache-control", "public, max-age=3600");
    response.SetHeader("X-Frame-Options", "SAMEORIGIN");
    response.SetHeader("Strict-Transport-Security", "max-age=60");
    response.SetHeader("Referrer-Policy", "bad\r\nvalue");  // Dropped: the default is used.
    return response;
  };
  std::unique_ptr<Server> plain = StartOrDie(PlainOptions(), handler);
  std::unique_ptr<Server> tls = StartOrDie(TlsOptions(), handler);
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(tls, nullptr);
  std::optional<ClientResponse> over_plain = Exchange(plain->port(), GetRequest("/"));
  std::optional<ClientResponse> over_tls = TlsExchange(tls->port(), GetRequest("/"));
  for (const std::optional<ClientResponse>& response : {over_plain, over_tls}) {
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->HeaderCount("Cache-Control"), 1);
    EXPECT_EQ(response->Header("Cache-Control"), "public, max-age=3600");
    EXPECT_EQ(response->HeaderCount("X-Frame-Options"), 1);
    EXPECT_EQ(response->Header("X-Frame-Options"), "SAMEORIGIN");
    EXPECT_EQ(response->HeaderCount("Referrer-Policy"), 1);
    EXPECT_EQ(response->Header("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(response->Header("Content-Security-Policy"), kCsp);
    // A handler's own HSTS is its business (sent as set, once), even over plain HTTP.
    EXPECT_EQ(response->HeaderCount("Strict-Transport-Security"), 1);
    EXPECT_EQ(response->Header("Strict-Transport-Security"), "max-age=60");
  }
}

}  // namespace
}  // namespace tc::http
