#include "http/testing/test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"
#include "http/internal/ascii.h"

namespace tc::http::testing {
namespace {

template <typename Int>
bool ParseInt(std::string_view text, Int* out) {
  auto result = std::from_chars(text.data(), text.data() + text.size(), *out);
  return result.ec == std::errc() && result.ptr == text.data() + text.size() && !text.empty();
}

std::string OpenSslError(std::string_view what) {
  std::string text(what);
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    text.append(": ").append(buf);
  }
  ERR_clear_error();
  return text;
}

}  // namespace

std::string_view ClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (http_internal::EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

bool ClientResponse::HasHeader(std::string_view name) const { return HeaderCount(name) > 0; }

int ClientResponse::HeaderCount(std::string_view name) const {
  int count = 0;
  for (const auto& [key, value] : headers) {
    if (http_internal::EqualsIgnoreCase(key, name)) ++count;
  }
  return count;
}

TestClient::TestClient(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  timeval timeout{10, 0};  // No test may hang forever.
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    connect_errno_ = errno;
    ::close(fd_);
    fd_ = -1;
  }
}

TestClient::~TestClient() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ssl_ctx_ != nullptr) SSL_CTX_free(ssl_ctx_);
  if (fd_ >= 0) ::close(fd_);
}

std::string TestClient::StartTls(const TlsClientOptions& options) {
  if (fd_ < 0) return "not connected";
  if (ssl_ != nullptr) return "TLS already started";
  ERR_clear_error();
  ssl_ctx_ = SSL_CTX_new(TLS_client_method());
  if (ssl_ctx_ == nullptr) return OpenSslError("SSL_CTX_new");
  if (options.max_version != 0 &&
      SSL_CTX_set_max_proto_version(ssl_ctx_, options.max_version) != 1) {
    return OpenSslError("SSL_CTX_set_max_proto_version");
  }
  if (!options.tls12_ciphers.empty() &&
      SSL_CTX_set_cipher_list(ssl_ctx_, options.tls12_ciphers.c_str()) != 1) {
    return OpenSslError("SSL_CTX_set_cipher_list");
  }
  if (SSL_CTX_load_verify_locations(ssl_ctx_, options.ca_file.c_str(), nullptr) != 1) {
    return OpenSslError("SSL_CTX_load_verify_locations");
  }
  SSL_CTX_set_verify(ssl_ctx_, SSL_VERIFY_PEER, nullptr);
  ssl_ = SSL_new(ssl_ctx_);
  if (ssl_ == nullptr) return OpenSslError("SSL_new");
  if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1") != 1) {
    return OpenSslError("X509_VERIFY_PARAM_set1_ip_asc");
  }
  SSL_set_fd(ssl_, fd_);
  if (SSL_connect(ssl_) != 1) {
    std::string error = OpenSslError("TLS handshake failed");
    SSL_free(ssl_);
    ssl_ = nullptr;
    return error;
  }
  if (SSL_get_verify_result(ssl_) != X509_V_OK) return "server certificate not verified";
  return "";
}

std::string TestClient::TlsVersion() const { return ssl_ != nullptr ? SSL_get_version(ssl_) : ""; }

std::string TestClient::TlsCipher() const {
  return ssl_ != nullptr ? SSL_CIPHER_get_name(SSL_get_current_cipher(ssl_)) : "";
}

bool TestClient::Renegotiate() {
  if (ssl_ == nullptr || SSL_renegotiate(ssl_) != 1) return false;
  bool done = SSL_do_handshake(ssl_) == 1;
  ERR_clear_error();
  return done;
}

bool TestClient::Send(std::string_view data) {
  while (!data.empty()) {
    if (ssl_ != nullptr) {
      int n =
          SSL_write(ssl_, data.data(), static_cast<int>(std::min<size_t>(data.size(), 1 << 20)));
      if (n <= 0) {
        ERR_clear_error();
        return false;
      }
      data.remove_prefix(static_cast<size_t>(n));
    } else {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  return true;
}

std::optional<ClientResponse> TestClient::Read(bool head_request) {
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill()) return std::nullopt;
  }
  std::string head = buffer_.substr(0, end);
  buffer_.erase(0, end + 4);
  std::vector<std::string> lines = absl::StrSplit(head, "\r\n");
  ClientResponse response;
  std::vector<std::string> status_line = absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (status_line.size() < 2 || !status_line[0].starts_with("HTTP/1.") ||
      !ParseInt(std::string_view(status_line[1]), &response.status)) {
    return std::nullopt;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string value = lines[i].substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    response.headers.emplace_back(lines[i].substr(0, colon), value);
  }
  size_t length = 0;
  if (!head_request && response.status >= 200 && response.status != 204 && response.status != 304) {
    if (!ParseInt(response.Header("Content-Length"), &length)) return std::nullopt;
  }
  while (buffer_.size() < length) {
    if (!Fill()) return std::nullopt;
  }
  response.body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return response;
}

bool TestClient::PeerClosed() {
  char c;
  if (ssl_ != nullptr) {
    int n = SSL_read(ssl_, &c, 1);
    if (n > 0) return false;
    int error = SSL_get_error(ssl_, n);
    ERR_clear_error();
    // WANT_READ: the receive timeout expired with the connection still open.
    return error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE;
  }
  ssize_t n = ::recv(fd_, &c, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

void TestClient::ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

bool TestClient::Fill() {
  char chunk[16384];
  if (ssl_ != nullptr) {
    int n = SSL_read(ssl_, chunk, sizeof(chunk));
    if (n <= 0) {
      ERR_clear_error();
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

std::optional<ClientResponse> Exchange(uint16_t port, std::string_view raw, bool head) {
  TestClient client(port);
  if (!client.connected() || !client.Send(raw)) return std::nullopt;
  return client.Read(head);
}

std::string GetRequest(std::string_view target, std::string_view extra_headers) {
  std::string out = "GET ";
  out.append(target).append(" HTTP/1.1\r\nHost: localhost\r\n").append(extra_headers);
  out.append("\r\n");
  return out;
}

}  // namespace tc::http::testing
