// The Beast implementation of http/client.h: one io_context per request, a C++20 coroutine for
// the exchange, beast::tcp_stream expiry for the per-step timeouts.
#include "http/client.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <exception>
#include <utility>

#include "absl/status/status.h"
#include "http/internal/ascii.h"
#include "http/url.h"

namespace tc::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

bool IsIpv4(const std::string& host) {
  in_addr addr{};
  return inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

bool ForbiddenHeader(std::string_view name) {
  for (std::string_view h : {"host", "content-length", "connection", "transfer-encoding"}) {
    if (http_internal::EqualsIgnoreCase(name, h)) return true;
  }
  return false;
}

// Where one exchange records its outcome.
struct Outcome {
  absl::Status status = absl::DeadlineExceededError("no response in time");
  ClientResponse response;
};

absl::Status StepError(const beast::error_code& ec, std::string_view step, const Url& url) {
  std::string what = std::string(step).append(" ").append(url.HostHeader());
  if (ec == beast::error::timeout) return absl::DeadlineExceededError("timed out: " + what);
  if (ec == bhttp::error::body_limit) {
    return absl::ResourceExhaustedError("response too large from " + url.HostHeader());
  }
  return absl::UnavailableError(what + ": " + ec.message());
}

template <typename Stream>
asio::awaitable<void> Exchange(Stream& stream, const Url& url,
                               const bhttp::request<bhttp::string_body>& request,
                               const HttpClientOptions& options, Outcome* out) {
  beast::get_lowest_layer(stream).expires_after(options.timeout);
  auto [wec, written] = co_await bhttp::async_write(stream, request, kTuple);
  if (wec) {
    out->status = StepError(wec, "cannot send to", url);
    co_return;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options.max_response_bytes);
  parser.header_limit(64 * 1024);
  if (request.method() == bhttp::verb::head) parser.skip(true);
  beast::get_lowest_layer(stream).expires_after(options.timeout);
  auto [rec, read] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
  if (rec) {
    out->status = StepError(rec, "no valid response from", url);
    co_return;
  }
  const auto& message = parser.get();
  out->response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    out->response.headers.emplace_back(std::string(field.name_string()),
                                       std::string(field.value()));
  }
  out->response.body = message.body();
  out->status = absl::OkStatus();
}

asio::awaitable<void> Run(const Url& url, const bhttp::request<bhttp::string_body>& request,
                          asio::ssl::context* tls, const HttpClientOptions& options, Outcome* out) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [rec, endpoints] =
      co_await resolver.async_resolve(url.host, std::to_string(url.port), kTuple);
  if (rec) {
    out->status = absl::UnavailableError("cannot resolve " + url.host);
    co_return;
  }
  beast::tcp_stream tcp_stream(executor);
  tcp_stream.expires_after(options.timeout);
  auto [cec, endpoint] = co_await tcp_stream.async_connect(endpoints, kTuple);
  if (cec) {
    out->status = StepError(cec, "cannot connect to", url);
    co_return;
  }
  if (tls == nullptr) {
    co_await Exchange(tcp_stream, url, request, options, out);
    beast::error_code ignored;
    tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), *tls);
  SSL* ssl = stream.native_handle();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  const bool ip = IsIpv4(url.host);
  if ((ip ? X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str())
          : X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), url.host.size())) != 1 ||
      (!ip && SSL_set_tlsext_host_name(ssl, url.host.c_str()) != 1)) {
    out->status = absl::InternalError("cannot set up TLS for " + url.host);
    co_return;
  }
  SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  beast::get_lowest_layer(stream).expires_after(options.timeout);
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kTuple);
  if (hec) {
    const long verify = SSL_get_verify_result(ssl);
    out->status =
        verify != X509_V_OK
            ? absl::UnavailableError("TLS: the certificate of " + url.HostHeader() +
                                     " is not trusted: " + X509_verify_cert_error_string(verify))
            : StepError(hec, "TLS handshake failed with", url);
    co_return;
  }
  co_await Exchange(stream, url, request, options, out);
  beast::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
}

class BeastHttpClient final : public HttpClient {
 public:
  BeastHttpClient(HttpClientOptions options, std::unique_ptr<asio::ssl::context> tls)
      : options_(std::move(options)), tls_(std::move(tls)) {}

  absl::StatusOr<ClientResponse> Send(const ClientRequest& request) override {
    absl::StatusOr<Url> url = ParseUrl(request.url);
    if (!url.ok()) return url.status();
    bhttp::verb verb = bhttp::string_to_verb(request.method);
    if (verb == bhttp::verb::unknown) {
      return absl::InvalidArgumentError("unsupported HTTP method " + request.method);
    }
    bhttp::request<bhttp::string_body> message{verb, url->target, 11};
    message.set(bhttp::field::host, url->HostHeader());
    message.set(bhttp::field::user_agent, "throughcare");
    message.set(bhttp::field::connection, "close");
    for (const auto& [name, value] : request.headers) {
      if (!ForbiddenHeader(name)) message.insert(name, value);
    }
    message.body() = request.body;
    if (!request.body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put) {
      message.prepare_payload();
    }
    Outcome outcome;
    try {
      asio::io_context io;
      asio::co_spawn(
          io, Run(*url, message, url->scheme == "https" ? tls_.get() : nullptr, options_, &outcome),
          [&outcome](std::exception_ptr e) {
            if (e) outcome.status = absl::InternalError("HTTP client failure");
          });
      io.run_for(2 * options_.timeout);
    } catch (const std::exception&) {
      return absl::InternalError("HTTP client failure");
    }
    if (!outcome.status.ok()) return outcome.status;
    return std::move(outcome.response);
  }

 private:
  const HttpClientOptions options_;
  const std::unique_ptr<asio::ssl::context> tls_;  // configured once; SSL_CTX is then shareable
};

}  // namespace

std::string_view ClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (http_internal::EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

absl::StatusOr<std::unique_ptr<HttpClient>> NewHttpClient(const HttpClientOptions& options) {
  try {
    auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    if (options.ca_file.empty()) {
      tls->set_default_verify_paths(ec);
    } else {
      tls->load_verify_file(options.ca_file, ec);
    }
    if (ec) {
      return absl::InvalidArgumentError(
          "cannot load the trusted certificates" +
          (options.ca_file.empty() ? std::string() : " from " + options.ca_file));
    }
    tls->set_verify_mode(asio::ssl::verify_peer, ec);
    if (ec) return absl::InternalError("cannot set TLS verification");
    return std::make_unique<BeastHttpClient>(options, std::move(tls));
  } catch (const std::exception&) {
    return absl::InternalError("cannot create the TLS client context");
  }
}

}  // namespace tc::http
