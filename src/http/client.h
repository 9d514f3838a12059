// File: http/client.h
//
// Outbound HTTP (DESIGN.md decision 8): modules that call other servers (the OpenID Connect
// relying party, later PDS and GP record) take an `HttpClient&`, so tests hand them a fake and
// stay hermetic. `NewHttpClient` makes the real one (Boost.Beast, in client.cc):
//   * http:// and https:// URLs (http/url.h); one request per connection (Connection: close);
//     redirects are NOT followed (a 3xx is returned to the caller);
//   * TLS 1.2 minimum, the server's certificate verified against the system trust store or,
//     when `ca_file` is set, against that PEM file only; the certificate must match the URL's
//     host (DNS name or IP address); SNI is sent for DNS names;
//   * every network step (connect, handshake, write, read) times out after `timeout`, and the
//     whole exchange after twice that;
//   * a response body larger than `max_response_bytes` is refused.
// Errors: InvalidArgument for a URL or method the client cannot send; Unavailable when the host
// cannot be resolved or reached, the TLS handshake or certificate check fails, or the
// connection breaks; DeadlineExceeded on a timeout; ResourceExhausted for an oversized
// response. Messages name the host, never the request body or headers (they may hold secrets).
// This header includes no Boost header.
//
//   TC_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> client, NewHttpClient({}));
//   TC_ASSIGN_OR_RETURN(ClientResponse r, client->Send({.method = "GET", .url = url}));
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace tc::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;     // absolute http:// or https:// URL
  HeaderList headers;  // Host, Content-Length and Connection are set by the client
  std::string body;
};

struct ClientResponse {
  int status = 0;
  HeaderList headers;
  std::string body;

  // The first header named `name` (case-insensitive), or "" when absent.
  std::string_view Header(std::string_view name) const;
};

// Sends one request and waits for its response. Implementations MUST be thread-safe.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual absl::StatusOr<ClientResponse> Send(const ClientRequest& request) = 0;
};

struct HttpClientOptions {
  // PEM file of the certificate authorities to trust for https://; "" = the system store.
  std::string ca_file;
  std::chrono::milliseconds timeout{10000};
  size_t max_response_bytes = 1024 * 1024;
};

// The Beast client. InvalidArgument when `ca_file` cannot be loaded.
absl::StatusOr<std::unique_ptr<HttpClient>> NewHttpClient(const HttpClientOptions& options);

}  // namespace tc::http
