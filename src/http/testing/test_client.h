// File: http/testing/test_client.h
//
// For tests only (never linked into the product): a minimal blocking HTTP/1.1 client over a POSIX
// socket, optionally over TLS (OpenSSL, verifying the server against a given CA file), so that
// the bytes on the wire are exactly what each test writes. Every socket operation times out
// after 10 s so that no test can hang forever.
//
//   TestClient client(server->port());
//   ASSERT_EQ(client.StartTls({.ca_file = cert_path}), "");  // optional: HTTPS
//   ASSERT_TRUE(client.Send(GetRequest("/")));
//   std::optional<ClientResponse> response = client.Read();
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace tc::http::testing {

struct ClientResponse {
  int status = 0;
  HeaderList headers;
  std::string body;

  // The first header named `name` (case-insensitive), or "" when absent.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // How many headers are named `name` (case-insensitive).
  int HeaderCount(std::string_view name) const;
};

struct TlsClientOptions {
  // PEM file of the certificate(s) to trust; the server's certificate must chain to one of them
  // and be valid for the IP address 127.0.0.1.
  std::string ca_file;
  // Highest protocol version to offer (e.g. TLS1_2_VERSION); 0: the highest supported.
  int max_version = 0;
  // TLS 1.2 cipher list to offer (OpenSSL syntax); "": OpenSSL's default.
  std::string tls12_ciphers;
};

class TestClient {
 public:
  // Connects to 127.0.0.1:`port`; check `connected()`.
  explicit TestClient(uint16_t port);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  int connect_errno() const { return connect_errno_; }

  // Runs a TLS handshake; afterwards every read and write goes through TLS. Returns "" on
  // success, otherwise a description of what failed (handshake or certificate verification).
  std::string StartTls(const TlsClientOptions& options);
  // The negotiated protocol ("TLSv1.3") and cipher; "" before `StartTls` succeeded.
  std::string TlsVersion() const;
  std::string TlsCipher() const;
  // Asks for a TLS 1.2 renegotiation; true when the new handshake completed.
  bool Renegotiate();

  bool Send(std::string_view data);
  // Reads one response. `head_request`: the response has no body whatever its headers say.
  std::optional<ClientResponse> Read(bool head_request = false);
  // True when the server closed the connection (EOF, TLS close_notify, reset) with no further
  // bytes.
  bool PeerClosed();
  void ShutdownWrite();
  // Reads whatever is available (at least one byte) into the buffer; false on EOF or error.
  bool ReadSome() { return Fill(); }
  std::string& buffered() { return buffer_; }

 private:
  bool Fill();

  int fd_ = -1;
  int connect_errno_ = 0;
  SSL_CTX* ssl_ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buffer_;
};

// Sends `raw` on a fresh plain connection and reads one response.
std::optional<ClientResponse> Exchange(uint16_t port, std::string_view raw, bool head = false);

// "GET `target` HTTP/1.1" with a Host header, `extra_headers` (each ending in CRLF) and no body.
std::string GetRequest(std::string_view target, std::string_view extra_headers = "");

}  // namespace tc::http::testing
