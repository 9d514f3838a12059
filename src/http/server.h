// File: http/server.h
//
// An HTTP/1.1 server that knows nothing of FHIR (DESIGN.md decision 6). It accepts connections,
// parses requests (keep-alive, pipelining-safe, Content-Length and chunked bodies, HEAD,
// `Expect: 100-continue`), calls one application `Handler` per request and writes its
// `Response`. Transport-level failures (malformed request → 400, body too large → 413, header
// too large → 431, handler threw → 500) are rendered by an optional `ErrorRenderer` so the
// application controls their body (the FHIR layer renders an OperationOutcome).
//
// TLS: with `tls_certificate_file` and `tls_private_key_file` set, the server speaks only HTTPS
// on its port (TLS 1.2 minimum, TLS 1.3 when the client offers it, ECDHE + AEAD ciphers, no
// compression, no renegotiation); everything else (keep-alive, limits, timeouts, shutdown,
// `run_inline`, the `ErrorRenderer`) works the same. A client that does not complete the
// handshake (plain HTTP, garbage, silence) gets no HTTP response and is closed.
//
// Security headers: every response the transport writes (handler responses and its own errors)
// carries `Content-Security-Policy`, `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
// `Referrer-Policy: no-referrer`, `Cache-Control: no-store` and, over TLS only,
// `Strict-Transport-Security`, unless the handler set a header of the same name (then only the
// handler's is sent). This is the one place they are added (http/internal/security_headers.h).
//
// Threading: `io_threads` threads each run their own event loop and own the connections
// assigned to them; handlers run on a separate pool of `worker_threads` threads so that a
// handler may block (e.g. on a durable database commit) without stalling I/O. Requests for
// which `run_inline` returns true skip that hop and run directly on the I/O thread.
//
// This header includes no Boost header; only server.cc and http/internal/ do.
//
//   tc::http::ServerOptions options;
//   options.port = 0;  // any free port
//   auto server = tc::http::Server::Start(options, [](const tc::http::Request& request) {
//     tc::http::Response response;
//     response.body = "you asked for " + request.path;
//     return response;
//   });
//   if (!server.ok()) return server.status();
//   std::cout << "listening on " << (*server)->port() << "\n";
//   ...
//   (*server)->Shutdown();  // graceful: in-flight requests finish
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "http/message.h"

namespace tc::http {

// Called once per request. It MAY block (it runs on the worker pool unless `run_inline` said
// otherwise). It MUST be thread-safe: it is called concurrently for different connections. It
// SHOULD NOT throw; if it does, the transport catches the exception and answers 500 (rendered by
// the `ErrorRenderer`). It MUST eventually return: `Server::Shutdown` waits for running handlers.
using Handler = std::function<Response(const Request&)>;

// Renders an error response produced by the transport itself. `status` is one of 400, 413, 431
// or 500; `message` is a short English description safe to show to a client (it never contains
// exception text or request bytes). MUST be thread-safe and non-blocking (it runs on I/O
// threads). If it throws, a plain-text response is used instead. The transport always closes the
// connection after a 400, 413 or 431.
using ErrorRenderer = std::function<Response(int status, std::string_view message)>;

// Decides whether a request is handled directly on the I/O thread. MUST be thread-safe, cheap and
// non-blocking; an exception counts as `false`.
using InlinePredicate = std::function<bool(const Request&)>;

struct ServerOptions {
  // The address to listen on (IPv4 or IPv6 literal). Default: loopback only.
  std::string address = "127.0.0.1";
  // The TCP port; 0 picks a free port (read it back with `Server::port()`).
  uint16_t port = 8080;
  // Threads running event loops (each owns the connections assigned to it). REQUIRES: >= 1.
  int io_threads = 2;
  // Threads running (possibly blocking) handlers. REQUIRES: >= 1.
  int worker_threads = 32;
  // Largest accepted request body. A larger `Content-Length` is answered 413 as soon as the
  // header is read (the body is not read); a chunked body is answered 413 once it exceeds this.
  size_t max_body_bytes = 16 * 1024 * 1024;
  // Largest accepted request line + header fields, in bytes. Larger → 431. REQUIRES: >= 1024.
  size_t max_header_bytes = 64 * 1024;
  // A connection making no progress for this long while the server waits to read from or write
  // to it is closed. Time spent in a handler does not count. REQUIRES: > 0.
  std::chrono::seconds idle_timeout{60};
  // Optional fast path: when set and it returns true for a parsed request, the handler runs
  // directly on the I/O thread. Use only for cheap, non-blocking requests (cached reads, health
  // checks): a blocking inline handler stalls every connection on that I/O thread.
  InlinePredicate run_inline;
  // Optional renderer for transport-generated errors; when empty, a text/plain body is used.
  ErrorRenderer error_renderer;
  // TLS: the PEM certificate chain (leaf first) and its unencrypted PEM private key. Both set:
  // HTTPS only; both empty: plain HTTP. Read once by `Start`, which fails with InvalidArgument
  // (and listens on nothing) when only one is set, a file is missing, unreadable or not PEM, the
  // key is encrypted, or the key does not match the certificate.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
  // A TLS connection that has not completed its handshake this long after it was accepted is
  // closed. REQUIRES: > 0.
  std::chrono::seconds tls_handshake_timeout{10};
};

// A running server. Thread-safe: `port`, `Shutdown` and `Wait` may be called from any thread
// (but not from inside a handler, which would deadlock).
class Server {
 public:
  // Binds `options.address:options.port`, starts the threads and returns once the socket is
  // listening (connections made after this returns are accepted).
  // Returns InvalidArgument for an unusable option (empty handler, bad address, thread counts
  // < 1, a TLS certificate or key that cannot be used, ...) and Unavailable when the address cannot
  // be bound (e.g. port in use).
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options, Handler handler);

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // Runs `Shutdown()` (default grace) if it has not completed yet.
  ~Server();

  // The bound port (the real one when `options.port` was 0).
  uint16_t port() const;
  // True when the server speaks TLS (HTTPS) on its port.
  bool tls() const;

  // Graceful shutdown: stops accepting (new connections are refused), closes idle keep-alive
  // connections, lets requests already being received or handled finish and their responses be
  // written (with `Connection: close`), for up to `grace`; then closes every remaining
  // connection, waits for handlers still running to return, and joins all threads.
  // Idempotent: a second or concurrent call waits for the first to complete.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // Blocks until `Shutdown` (called by another thread) has completed.
  void Wait();

 private:
  class Impl;  // Defined in server.cc (keeps Boost out of this header).
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tc::http
