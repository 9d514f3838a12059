// Tests for the outbound client (http/client.h) against the project's own http::Server, plain
// and over TLS with a throwaway self-signed certificate made here; and for http/url.h. Suites
// are named Http* so that `ctest -R Http` runs them with the other transport tests.
#include "http/client.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "http/server.h"
#include "http/url.h"

namespace tc::http {
namespace {

using namespace std::chrono_literals;

// A self-signed EC P-256 certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1), written with
// its key to `dir`; returns false on any OpenSSL failure.
bool WriteSelfSigned(const std::filesystem::path& cert_path,
                     const std::filesystem::path& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  bool ok = key != nullptr && cert != nullptr;
  if (ok) {
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
    ok = ext != nullptr && X509_add_ext(cert, ext, -1) == 1 && X509_sign(cert, key, EVP_sha256());
    X509_EXTENSION_free(ext);
  }
  if (ok) {
    std::FILE* c = std::fopen(cert_path.c_str(), "w");
    std::FILE* k = std::fopen(key_path.c_str(), "w");
    ok = c != nullptr && k != nullptr && PEM_write_X509(c, cert) == 1 &&
         PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    if (c != nullptr) std::fclose(c);
    if (k != nullptr) std::fclose(k);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

// Echoes the request: "<method> <target> <x-probe header> <body>"; /big answers 4 KiB; /slow
// waits 2 s; /redirect answers 303.
Response Echo(const Request& request) {
  Response r;
  if (request.path == "/big") {
    r.body = std::string(4096, 'x');
  } else if (request.path == "/slow") {
    std::this_thread::sleep_for(2s);
    r.body = "late";
  } else if (request.path == "/redirect") {
    r.status = 303;
    r.SetHeader("Location", "/elsewhere");
  } else {
    r.body = request.method + " " + request.target + " " + std::string(request.Header("X-Probe")) +
             " " + std::string(request.Header("Content-Type")) + " " + request.body;
  }
  r.SetHeader("X-Answer", "yes");
  return r;
}

class HttpClientTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tc-client-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = new std::filesystem::path(pattern);
    ASSERT_TRUE(WriteSelfSigned(*dir_ / "cert.pem", *dir_ / "key.pem"));
    ASSERT_TRUE(WriteSelfSigned(*dir_ / "other.pem", *dir_ / "other-key.pem"));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);
    delete dir_;
  }

  std::unique_ptr<Server> StartServer(bool tls) {
    ServerOptions options;
    options.port = 0;
    options.io_threads = 1;
    options.worker_threads = 2;
    if (tls) {
      options.tls_certificate_file = (*dir_ / "cert.pem").string();
      options.tls_private_key_file = (*dir_ / "key.pem").string();
    }
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, Echo);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? std::move(*server) : nullptr;
  }

  static std::unique_ptr<HttpClient> Client(HttpClientOptions options = {}) {
    absl::StatusOr<std::unique_ptr<HttpClient>> client = NewHttpClient(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  static std::string Ca() { return (*dir_ / "cert.pem").string(); }
  static std::string OtherCa() { return (*dir_ / "other.pem").string(); }

  static std::filesystem::path* dir_;
};

std::filesystem::path* HttpClientTest::dir_ = nullptr;

std::string Origin(const Server& server, std::string_view scheme = "http",
                   std::string_view host = "127.0.0.1") {
  return std::string(scheme) + "://" + std::string(host) + ":" + std::to_string(server.port());
}

TEST_F(HttpClientTest, PlainGetAndPost) {
  std::unique_ptr<Server> server = StartServer(false);
  std::unique_ptr<HttpClient> client = Client();
  ASSERT_TRUE(server && client);
  absl::StatusOr<ClientResponse> got = client->Send(
      {.method = "GET", .url = Origin(*server) + "/a/b?x=1", .headers = {{"X-Probe", "p1"}}});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "GET /a/b?x=1 p1  ");
  EXPECT_EQ(got->Header("x-answer"), "yes");

  absl::StatusOr<ClientResponse> posted =
      client->Send({.method = "POST",
                    .url = Origin(*server) + "/token",
                    .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                    .body = FormEncode({{"code", "a b&c"}, {"grant_type", "authorization_code"}})});
  ASSERT_TRUE(posted.ok()) << posted.status();
  EXPECT_EQ(posted->body,
            "POST /token  application/x-www-form-urlencoded "
            "code=a%20b%26c&grant_type=authorization_code");
}

TEST_F(HttpClientTest, RedirectsAreReturnedNotFollowed) {
  std::unique_ptr<Server> server = StartServer(false);
  std::unique_ptr<HttpClient> client = Client();
  absl::StatusOr<ClientResponse> got = client->Send({.url = Origin(*server) + "/redirect"});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->status, 303);
  EXPECT_EQ(got->Header("Location"), "/elsewhere");
}

TEST_F(HttpClientTest, TlsWithTheConfiguredCa) {
  std::unique_ptr<Server> server = StartServer(true);
  std::unique_ptr<HttpClient> client = Client({.ca_file = Ca()});
  absl::StatusOr<ClientResponse> got = client->Send({.url = Origin(*server, "https") + "/hello"});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->body, "GET /hello   ");
}

TEST_F(HttpClientTest, TlsRefusesUntrustedOrMismatchedCertificates) {
  std::unique_ptr<Server> server = StartServer(true);
  // The system store does not hold the throwaway certificate.
  absl::StatusOr<ClientResponse> system = Client()->Send({.url = Origin(*server, "https")});
  EXPECT_EQ(system.status().code(), absl::StatusCode::kUnavailable) << system.status();
  // Another self-signed certificate is not this one.
  absl::StatusOr<ClientResponse> other =
      Client({.ca_file = OtherCa()})->Send({.url = Origin(*server, "https")});
  EXPECT_EQ(other.status().code(), absl::StatusCode::kUnavailable) << other.status();
  // Trusted, but issued for 127.0.0.1, not for the name "localhost".
  absl::StatusOr<ClientResponse> name =
      Client({.ca_file = Ca()})->Send({.url = Origin(*server, "https", "localhost")});
  EXPECT_EQ(name.status().code(), absl::StatusCode::kUnavailable) << name.status();
  // Plain HTTP to a TLS port gets no response.
  EXPECT_FALSE(Client()->Send({.url = Origin(*server)}).ok());
}

TEST_F(HttpClientTest, MissingCaFileIsInvalidArgument) {
  EXPECT_EQ(NewHttpClient({.ca_file = "/nonexistent/ca.pem"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(HttpClientTest, LimitsTimeoutsAndUnreachableServers) {
  std::unique_ptr<Server> server = StartServer(false);
  absl::StatusOr<ClientResponse> big =
      Client({.max_response_bytes = 1024})->Send({.url = Origin(*server) + "/big"});
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted) << big.status();
  absl::StatusOr<ClientResponse> slow =
      Client({.timeout = 300ms})->Send({.url = Origin(*server) + "/slow"});
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded) << slow.status();
  const std::string gone = Origin(*server);
  server->Shutdown();
  absl::StatusOr<ClientResponse> refused = Client()->Send({.url = gone});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_EQ(Client()->Send({.method = "BREW", .url = gone}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HttpUrlTest, ParsesHttpAndHttpsUrls) {
  absl::StatusOr<Url> url = ParseUrl("HTTPS://IdP.Example.NHS.uk/oauth2/authorize?a=1");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "idp.example.nhs.uk");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/oauth2/authorize?a=1");
  EXPECT_EQ(url->HostHeader(), "idp.example.nhs.uk");
  url = ParseUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->target, "/");
  EXPECT_EQ(url->Origin(), "http://127.0.0.1:8080");
  EXPECT_EQ(ParseUrl("http://h:80/x")->HostHeader(), "h");
  for (const char* bad : {"ftp://h/", "http://", "http://user@h/", "http://h:0/", "http://h:99999",
                          "http://h/a b", "http://h/#frag", "h/x", "http://h_x/"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
}

TEST(HttpUrlTest, PercentAndFormEncoding) {
  EXPECT_EQ(PercentEncode("openid profile email"), "openid%20profile%20email");
  EXPECT_EQ(PercentEncode("a-b_c.d~e/f?g=h&i+j"), "a-b_c.d~e%2Ff%3Fg%3Dh%26i%2Bj");
  EXPECT_EQ(FormEncode({{"a", "1"}, {"r u", "x/y"}}), "a=1&r%20u=x%2Fy");
}

}  // namespace
}  // namespace tc::http
