// The HTTP/1.1 transport: Boost.Beast's request parser driven by Asio C++20 coroutines.
//
// Design (see server.h for the contract):
// - One `Worker` per I/O thread, each with its own io_context; a connection lives entirely on the
//   worker it was assigned to (round-robin at accept), so connection state needs no locks.
// - Each connection is one coroutine (`Serve`): read a request, run the handler (inline or on the
//   blocking pool, resuming on the I/O thread), write the response, repeat while keep-alive.
// - Requests are parsed by a `beast::http::basic_parser` subclass that writes straight into the
//   connection's reusable `Request` (no intermediate Beast message); responses are serialised
//   by hand into a reusable string and written with one gather write together with the body.
// - Timeouts: each connection records a deadline before every read/write; one timer per worker
//   sweeps its connections and closes those past their deadline (no per-operation timers).
// - Shutdown: close the acceptor, mark workers as stopping (each connection finishes the request
//   it is on and closes), close idle connections, wait up to the grace period, close the rest,
//   let running handlers return, join.
// - TLS: an `asio::ssl::stream` layered on the connection's socket (which stays the thing the
//   sweeper and shutdown close). The handshake runs first, under its own deadline; then reads
//   and writes go through the stream; closing sends close_notify without waiting for the peer's.
// - Security headers (internal/security_headers.h) are added in `WriteResponse`, the one place
//   every response passes through.

#include "http/server.h"

// GCC 12 warns (-Wtsan) that ThreadSanitizer does not model the std::atomic_thread_fence Asio
// uses in its fenced_block when invoking handlers. Those fences are redundant with the
// scheduler's mutexes, which TSan does model, so the warning is noise under TSan builds only.
#if defined(__SANITIZE_THREAD__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wtsan"
#endif

#include <openssl/ssl.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "http/internal/ascii.h"
#include "http/internal/security_headers.h"
#include "http/internal/tls_context.h"

namespace tc::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

// Every asynchronous operation completes with a tuple (error_code, ...) instead of throwing.
using Token = asio::as_tuple_t<asio::use_awaitable_t<>>;
using Socket = Token::as_default_on_t<tcp::socket>;
using Acceptor = Token::as_default_on_t<tcp::acceptor>;
using Timer = Token::as_default_on_t<asio::steady_timer>;
// TLS over a connection's socket (owned by the connection, so closing it aborts TLS operations).
using TlsStream = asio::ssl::stream<Socket&>;

constexpr size_t kReadChunk = 64 * 1024;
// A connection's body buffer is released after a request whose body exceeded this.
constexpr size_t kKeepBodyCapacity = 1024 * 1024;
// After an error response, unread request bytes are drained for at most this long / this much
// before closing, so that the client sees the response rather than a reset.
constexpr std::chrono::seconds kMaxLinger{2};
constexpr size_t kMinLingerBytes = 1024 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// Over TLS, a body up to this size is copied behind the response head so that both go out in
// one TLS record (the stream writes one buffer per record).
constexpr size_t kTlsCoalesceBytes = 16 * 1024;

// "Sun, 06 Nov 1994 08:49:37 GMT", recomputed at most once per second per I/O thread.
class DateCache {
 public:
  std::string_view Get() {
    std::time_t now = std::time(nullptr);
    if (now != second_) {
      second_ = now;
      Format(now);
    }
    return std::string_view(buf_, len_);
  }

 private:
  void Format(std::time_t t) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&t, &tm);
    int n = std::snprintf(buf_, sizeof(buf_), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                          kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12],
                          tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    len_ = n > 0 ? std::min(static_cast<size_t>(n), sizeof(buf_) - 1) : 0;
  }

  std::time_t second_ = -1;
  char buf_[64] = {};
  size_t len_ = 0;
};

bool IsTokenChar(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool ValidHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

bool ValidHeaderValue(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

void AppendNumber(std::string& out, uint64_t n) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof(digits), n);
  out.append(digits, result.ptr);
}

// Parses one request straight into a `Request` (whose previous contents must have been cleared).
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  explicit RequestParser(Request& request) : request_(request) {}

 private:
  void on_request_impl(bhttp::verb, beast::string_view method, beast::string_view target,
                       int version, error_code&) override {
    request_.method.assign(method.data(), method.size());
    request_.target.assign(target.data(), target.size());
    request_.version = version;
  }
  void on_response_impl(int, beast::string_view, int, error_code& ec) override {
    ec = bhttp::error::bad_version;  // Unreachable for a request parser.
  }
  void on_field_impl(bhttp::field field, beast::string_view name, beast::string_view value,
                     error_code&) override {
    if (field == bhttp::field::transfer_encoding) has_transfer_encoding_ = true;
    request_.headers.emplace_back(std::piecewise_construct,
                                  std::forward_as_tuple(name.data(), name.size()),
                                  std::forward_as_tuple(value.data(), value.size()));
  }
  void on_header_impl(error_code& ec) override {
    // Beast rejects Transfer-Encoding together with Content-Length, and "chunked" twice, but
    // accepts a request whose codings do not end in "chunked" as having no body. RFC 9112 §6.3:
    // the length of such a request cannot be determined, so it MUST be answered 400 (else the
    // unread body would be taken as the next request: request smuggling). Other codings
    // ("gzip, chunked") are not supported either.
    if (has_transfer_encoding_) {
      for (const auto& [name, value] : request_.headers) {
        if (http_internal::EqualsIgnoreCase(name, "Transfer-Encoding") &&
            !http_internal::EqualsIgnoreCase(TrimOws(value), "chunked")) {
          ec = bhttp::error::bad_transfer_encoding;
          return;
        }
      }
      if (!chunked()) ec = bhttp::error::bad_transfer_encoding;
    }
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    // Already checked against body_limit by the parser; do not trust it for more than 1 MiB up
    // front (a client may announce 16 MiB and then trickle).
    if (length) request_.body.reserve(std::min<uint64_t>(*length, kKeepBodyCapacity));
  }
  size_t on_body_impl(beast::string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  static std::string_view TrimOws(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  }

  Request& request_;
  bool has_transfer_encoding_ = false;
};

void ResetRequest(Request& request) {
  request.method.clear();
  request.target.clear();
  request.path.clear();
  request.query.clear();
  request.raw_query.clear();
  request.headers.clear();
  if (request.body.capacity() > kKeepBodyCapacity) {
    std::string().swap(request.body);
  } else {
    request.body.clear();
  }
  request.version = 11;
}

struct Connection;

// One I/O thread's event loop and the connections it owns. Everything but `ioc` is touched only
// from that thread.
struct Worker {
  Worker() : ioc(1), sweep_timer(ioc), work(asio::make_work_guard(ioc)) {}

  asio::io_context ioc;
  Timer sweep_timer;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  DateCache date;
  Connection* connections = nullptr;  // Intrusive list of live connections.
  bool stopping = false;              // Shutdown began: serve no new request.
  bool stopped = false;               // Grace is over: the sweep loop must exit.
};

enum class Phase { kHandshake, kReading, kHandling, kWriting, kLingering };

// One client connection; lives in its `Serve` coroutine's frame.
struct Connection {
  Connection(Worker& w, Socket s, size_t buffer_limit)
      : worker(w), socket(std::move(s)), buffer(buffer_limit) {}

  // True when waiting for the first byte of a new request, or still in the TLS handshake (safe to
  // close on shutdown).
  bool Idle() const {
    if (phase == Phase::kHandshake) return true;
    return phase == Phase::kReading && buffer.size() == 0 &&
           (parser == nullptr || !parser->got_some());
  }
  void Close() {
    error_code ignored;
    socket.close(ignored);
  }

  Worker& worker;
  Socket socket;
  std::optional<TlsStream> tls;  // Set when the server speaks TLS; wraps `socket`.
  beast::flat_buffer buffer;
  Phase phase = Phase::kReading;
  Clock::time_point deadline = Clock::time_point::max();
  const bhttp::basic_parser<true>* parser = nullptr;  // Set while reading a request.
  Request request;
  Response response;
  std::string head;  // Serialised response head, reused.
  Connection* prev = nullptr;
  Connection* next = nullptr;
};

struct ReadResult {
  enum Kind { kRequest, kClosed, kError };
  Kind kind = kClosed;
  int status = 0;
  std::string message;
};

ReadResult ParseError(const error_code& ec) {
  if (ec == bhttp::error::body_limit) return {ReadResult::kError, 413, "request body too large"};
  if (ec == bhttp::error::header_limit) {
    return {ReadResult::kError, 431, "request header fields too large"};
  }
  return {ReadResult::kError, 400, absl::StrCat("malformed HTTP request: ", ec.message())};
}

std::string_view ReasonPhrase(int status) {
  std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  if (reason.empty() || reason.front() == '<') return "Unknown";
  return reason;
}

void RunLoop(asio::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (...) {
      // A handler threw past our boundaries (should not happen); keep serving.
    }
  }
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, Handler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        sweep_period_(std::clamp<std::chrono::milliseconds>(
            std::chrono::duration_cast<std::chrono::milliseconds>(options_.idle_timeout) / 4,
            std::chrono::milliseconds(50), std::chrono::milliseconds(1000))) {
    // `Start` checked that both TLS files or neither are set, and never runs a server whose TLS
    // set-up failed.
    const bool tls = !options_.tls_certificate_file.empty();
    for (const http_internal::DefaultHeader& header : http_internal::kSecurityHeaders) {
      if (header.tls_only && !tls) continue;
      security_headers_.append(header.name).append(": ").append(header.value).append("\r\n");
    }
    for (int i = 0; i < options_.io_threads; ++i) workers_.push_back(std::make_unique<Worker>());
  }

  ~Impl() { Shutdown(std::chrono::milliseconds(0)); }

  absl::Status Listen();
  void Run();
  absl::Status SetUpTls();
  uint16_t port() const { return port_; }
  bool tls() const { return tls_context_ != nullptr; }
  void Shutdown(std::chrono::milliseconds grace);
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return state_ == State::kDone; });
  }

 private:
  enum class State { kRunning, kStopping, kDone };

  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> SweepLoop(Worker& worker);
  asio::awaitable<void> Serve(Worker& worker, Socket socket);
  asio::awaitable<void> ServeRequests(Connection& c);
  asio::awaitable<ReadResult> ReadRequest(Connection& c, RequestParser& parser);
  asio::awaitable<bool> WriteAll(Connection& c, std::string_view first, std::string_view second);
  asio::awaitable<bool> WriteResponse(Connection& c, bool keep_alive);
  asio::awaitable<void> ShutdownSend(Connection& c);
  asio::awaitable<void> SendErrorAndClose(Connection& c, int status, std::string_view message);
  asio::awaitable<void> RunOnPool(Connection& c);
  bool RunInline(const Request& request) const noexcept;
  void CallHandler(Connection& c) noexcept;
  Response RenderError(int status, std::string_view message) const;

  size_t BufferLimit() const { return options_.max_header_bytes + kReadChunk; }
  Clock::time_point IdleDeadline() const { return Clock::now() + options_.idle_timeout; }

  const ServerOptions options_;
  const Handler handler_;
  const std::chrono::milliseconds sweep_period_;
  // The security headers this server sends, serialised ("Name: value\r\n" each).
  std::string security_headers_;
  // Null for plain HTTP. Immutable once running; shared by every connection's TLS stream.
  // Declared before the workers so that it outlives the connections.
  std::unique_ptr<asio::ssl::context> tls_context_;
  // Declaration order matters for destruction: the acceptor and pool before the workers.
  std::vector<std::unique_ptr<Worker>> workers_;
  std::optional<Acceptor> acceptor_;  // Used only on workers_[0]'s thread once running.
  std::optional<asio::thread_pool> pool_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  int active_connections_ = 0;     // Guarded by mu_.
  State state_ = State::kRunning;  // Guarded by mu_.
};

absl::Status Server::Impl::SetUpTls() {
  if (options_.tls_certificate_file.empty() && options_.tls_private_key_file.empty()) {
    return absl::OkStatus();
  }
  TC_ASSIGN_OR_RETURN(tls_context_,
                      http_internal::MakeServerTlsContext(options_.tls_certificate_file,
                                                          options_.tls_private_key_file));
  return absl::OkStatus();
}

absl::Status Server::Impl::Listen() {
  error_code ec;
  asio::ip::address address = asio::ip::make_address(options_.address, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid listen address '", options_.address, "': ", ec.message()));
  }
  tcp::endpoint endpoint(address, options_.port);
  std::string where = absl::StrCat(options_.address, ":", options_.port);
  acceptor_.emplace(workers_[0]->ioc);
  acceptor_->open(endpoint.protocol(), ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot open socket: ", ec.message()));
  acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot set SO_REUSEADDR: ", ec.message()));
  acceptor_->bind(endpoint, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot bind ", where, ": ", ec.message()));
  acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", where, ": ", ec.message()));
  }
  tcp::endpoint bound = acceptor_->local_endpoint(ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot read bound port: ", ec.message()));
  port_ = bound.port();
  return absl::OkStatus();
}

void Server::Impl::Run() {
  pool_.emplace(static_cast<size_t>(options_.worker_threads));
  for (auto& worker : workers_) asio::co_spawn(worker->ioc, SweepLoop(*worker), asio::detached);
  asio::co_spawn(workers_[0]->ioc, AcceptLoop(), asio::detached);
  threads_.reserve(workers_.size());
  for (auto& worker : workers_) {
    threads_.emplace_back([w = worker.get()] { RunLoop(w->ioc); });
  }
}

void Server::Impl::Shutdown(std::chrono::milliseconds grace) {
  {
    std::unique_lock lock(mu_);
    if (state_ != State::kRunning) {
      cv_.wait(lock, [this] { return state_ == State::kDone; });
      return;
    }
    state_ = State::kStopping;
  }
  // 1. Stop accepting; 2. finish the current request on each connection, close idle ones.
  if (acceptor_) {
    asio::post(workers_[0]->ioc, [this] {
      error_code ignored;
      acceptor_->close(ignored);
    });
  }
  for (auto& worker : workers_) {
    asio::post(worker->ioc, [w = worker.get()] {
      w->stopping = true;
      for (Connection* c = w->connections; c != nullptr; c = c->next) {
        if (c->Idle()) c->Close();
      }
    });
  }
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, grace, [this] { return active_connections_ == 0; });
  }
  // 3. Grace is over: close whatever remains and stop the sweepers. Handlers still running on
  // the pool keep their I/O thread alive (via a work guard) until they return.
  for (auto& worker : workers_) {
    asio::post(worker->ioc, [w = worker.get()] {
      w->stopped = true;
      w->sweep_timer.cancel();
      for (Connection* c = w->connections; c != nullptr; c = c->next) c->Close();
    });
    worker->work.reset();
  }
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  if (pool_) pool_->join();
  {
    std::lock_guard lock(mu_);
    state_ = State::kDone;
  }
  cv_.notify_all();
}

asio::awaitable<void> Server::Impl::AcceptLoop() {
  size_t next = 0;
  Timer backoff(workers_[0]->ioc);
  for (;;) {
    Worker& worker = *workers_[next];
    next = (next + 1) % workers_.size();
    Socket socket(worker.ioc);
    auto [ec] = co_await acceptor_->async_accept(socket);
    if (ec) {
      if (!acceptor_->is_open() || ec == asio::error::operation_aborted) co_return;
      // Transient (EMFILE, ECONNABORTED, ...): back off instead of spinning.
      backoff.expires_after(std::chrono::milliseconds(20));
      co_await backoff.async_wait();
      continue;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    {
      std::lock_guard lock(mu_);
      ++active_connections_;
    }
    try {
      asio::co_spawn(worker.ioc, Serve(worker, std::move(socket)), asio::detached);
    } catch (...) {
      // Out of memory: drop this connection (the socket closes), keep accepting.
      {
        std::lock_guard lock(mu_);
        --active_connections_;
      }
      cv_.notify_all();
    }
  }
}

asio::awaitable<void> Server::Impl::SweepLoop(Worker& worker) {
  while (!worker.stopped) {
    worker.sweep_timer.expires_after(sweep_period_);
    co_await worker.sweep_timer.async_wait();
    if (worker.stopped) break;
    Clock::time_point now = Clock::now();
    for (Connection* c = worker.connections; c != nullptr; c = c->next) {
      if (c->phase != Phase::kHandling && c->deadline <= now) c->Close();
    }
  }
}

asio::awaitable<void> Server::Impl::Serve(Worker& worker, Socket socket) {
  Connection c(worker, std::move(socket), BufferLimit());
  c.next = worker.connections;
  if (c.next != nullptr) c.next->prev = &c;
  worker.connections = &c;
  try {
    error_code ec;
    tcp::endpoint peer = c.socket.remote_endpoint(ec);
    if (!ec) c.request.remote_address = peer.address().to_string();
    co_await ServeRequests(c);
  } catch (...) {
    // Out of memory or similar: drop this connection, keep the server.
  }
  c.Close();
  if (c.prev != nullptr) c.prev->next = c.next;
  if (c.next != nullptr) c.next->prev = c.prev;
  if (worker.connections == &c) worker.connections = c.next;
  {
    std::lock_guard lock(mu_);
    --active_connections_;
  }
  cv_.notify_all();
}

asio::awaitable<void> Server::Impl::ServeRequests(Connection& c) {
  const uint32_t header_limit = static_cast<uint32_t>(
      std::min<size_t>(options_.max_header_bytes, std::numeric_limits<uint32_t>::max()));
  if (tls_context_) {
    c.tls.emplace(c.socket, *tls_context_);
    c.phase = Phase::kHandshake;
    c.deadline = Clock::now() + options_.tls_handshake_timeout;
    auto [ec] = co_await c.tls->async_handshake(asio::ssl::stream_base::server);
    // Failed (plain HTTP, garbage, an unacceptable version or cipher), timed out or shut down:
    // close without a word; there is no channel to answer on.
    if (ec || !c.socket.is_open()) co_return;
  }
  for (;;) {
    if (c.worker.stopping) co_return;
    ResetRequest(c.request);
    RequestParser parser(c.request);
    parser.eager(true);
    parser.header_limit(header_limit);
    parser.body_limit(static_cast<std::uint64_t>(options_.max_body_bytes));
    c.phase = Phase::kReading;
    c.parser = &parser;
    ReadResult read = co_await ReadRequest(c, parser);
    c.parser = nullptr;
    if (read.kind == ReadResult::kClosed) co_return;
    // Shutdown may have closed this connection as idle while the bytes of a request were already
    // read but not yet handed to the parser. Nobody can receive the answer any more, so the
    // request MUST NOT run: running it could change data the client is never told about.
    if (!c.socket.is_open()) co_return;
    if (read.kind == ReadResult::kError) {
      co_await SendErrorAndClose(c, read.status, read.message);
      co_return;
    }
    absl::Status target =
        ParseTarget(c.request.target, &c.request.path, &c.request.raw_query, &c.request.query);
    if (!target.ok()) {
      co_await SendErrorAndClose(c, 400, std::string(target.message()));
      co_return;
    }
    bool keep_alive = parser.keep_alive();

    c.phase = Phase::kHandling;
    if (RunInline(c.request)) {
      CallHandler(c);
    } else {
      co_await RunOnPool(c);
    }
    if (c.worker.stopping) keep_alive = false;
    if (!c.socket.is_open()) co_return;  // Closed when the shutdown grace ran out.

    c.phase = Phase::kWriting;
    bool more = co_await WriteResponse(c, keep_alive);
    if (!more) {
      co_await ShutdownSend(c);
      co_return;
    }
  }
}

asio::awaitable<ReadResult> Server::Impl::ReadRequest(Connection& c, RequestParser& parser) {
  bool header_seen = false;
  for (;;) {
    if (c.buffer.size() != 0) {
      error_code ec;
      size_t used = parser.put(c.buffer.data(), ec);
      c.buffer.consume(used);
      if (ec && ec != bhttp::error::need_more) co_return ParseError(ec);
      if (parser.is_done()) co_return ReadResult{ReadResult::kRequest};
      if (!header_seen && parser.is_header_done()) {
        header_seen = true;
        if (c.request.version >= 11 &&
            http_internal::EqualsIgnoreCase(c.request.Header("Expect"), "100-continue")) {
          bool written = co_await WriteAll(c, kContinue, {});
          if (!written) co_return ReadResult{ReadResult::kClosed};
        }
      }
    }
    size_t room = c.buffer.max_size() - c.buffer.size();
    if (room == 0) {
      // Only reachable for an absurd chunk header (the header itself is bounded by header_limit).
      co_return ReadResult{ReadResult::kError, header_seen ? 400 : 431,
                           header_seen ? "malformed chunked body" : "request header too large"};
    }
    c.deadline = IdleDeadline();
    auto buffer = c.buffer.prepare(std::min(room, kReadChunk));
    error_code ec;
    size_t n = 0;
    if (c.tls) {
      std::tie(ec, n) = co_await c.tls->async_read_some(buffer);
    } else {
      std::tie(ec, n) = co_await c.socket.async_read_some(buffer);
    }
    // EOF (with or without TLS close_notify), reset, timeout or shutdown.
    if (ec) co_return ReadResult{ReadResult::kClosed};
    c.buffer.commit(n);
  }
}

asio::awaitable<bool> Server::Impl::WriteAll(Connection& c, std::string_view first,
                                             std::string_view second) {
  while (!first.empty() || !second.empty()) {
    std::array<asio::const_buffer, 2> buffers = {asio::const_buffer(first.data(), first.size()),
                                                 asio::const_buffer(second.data(), second.size())};
    c.deadline = IdleDeadline();
    error_code ec;
    size_t n = 0;
    if (c.tls) {
      std::tie(ec, n) = co_await c.tls->async_write_some(buffers);
    } else {
      std::tie(ec, n) = co_await c.socket.async_write_some(buffers);
    }
    if (ec) co_return false;
    size_t from_first = std::min(n, first.size());
    first.remove_prefix(from_first);
    second.remove_prefix(n - from_first);
  }
  co_return true;
}

asio::awaitable<bool> Server::Impl::WriteResponse(Connection& c, bool keep_alive) {
  const Response& response = c.response;
  const int status = response.status;
  const bool no_body = status < 200 || status == 204 || status == 304;
  std::string& head = c.head;
  head.clear();
  head.append("HTTP/1.1 ");
  AppendNumber(head, static_cast<uint64_t>(status));
  head.push_back(' ');
  head.append(ReasonPhrase(status));
  head.append("\r\n");
  bool has_date = false;
  bool has_server = false;
  uint32_t has_security_header = 0;  // Bit i: the handler set kSecurityHeaders[i].
  static_assert(http_internal::kSecurityHeaders.size() <= 32);
  for (const auto& [name, value] : response.headers) {
    if (!ValidHeaderName(name) || !ValidHeaderValue(value)) continue;
    if (http_internal::EqualsIgnoreCase(name, "Content-Length") ||
        http_internal::EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;
    }
    if (http_internal::EqualsIgnoreCase(name, "Connection")) {
      if (http_internal::ContainsIgnoreCase(value, "close")) keep_alive = false;
      continue;
    }
    has_date = has_date || http_internal::EqualsIgnoreCase(name, "Date");
    has_server = has_server || http_internal::EqualsIgnoreCase(name, "Server");
    if (int i = http_internal::SecurityHeaderIndex(name); i >= 0) {
      has_security_header |= uint32_t{1} << i;
    }
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_date) head.append("Date: ").append(c.worker.date.Get()).append("\r\n");
  if (!has_server) head.append("Server: throughcare\r\n");
  if (has_security_header == 0) {
    head.append(security_headers_);  // The common case: all of them, in one go.
  } else {
    for (size_t i = 0; i < http_internal::kSecurityHeaders.size(); ++i) {
      const http_internal::DefaultHeader& header = http_internal::kSecurityHeaders[i];
      if ((has_security_header & (uint32_t{1} << i)) != 0 || (header.tls_only && !c.tls)) continue;
      head.append(header.name).append(": ").append(header.value).append("\r\n");
    }
  }
  if (!no_body) {
    head.append("Content-Length: ");
    AppendNumber(head, response.body.size());
    head.append("\r\n");
  }
  if (!keep_alive) {
    head.append("Connection: close\r\n");
  } else if (c.request.version == 10) {
    head.append("Connection: keep-alive\r\n");
  }
  head.append("\r\n");
  std::string_view body;
  if (!no_body && c.request.method != "HEAD") body = response.body;
  if (c.tls && !body.empty() && body.size() <= kTlsCoalesceBytes) {
    head.append(body);
    body = {};
  }
  bool written = co_await WriteAll(c, head, body);
  co_return written&& keep_alive;
}

asio::awaitable<void> Server::Impl::SendErrorAndClose(Connection& c, int status,
                                                      std::string_view message) {
  c.response = RenderError(status, message);
  c.phase = Phase::kWriting;
  bool written = co_await WriteResponse(c, /*keep_alive=*/false);
  if (!written && !c.socket.is_open()) co_return;
  // Lingering close: stop sending, then drain what the client is still sending for a little
  // while, so that closing with unread data does not reset the connection before the client has
  // read the response. (Over TLS the drained bytes are records nobody needs to decrypt.)
  co_await ShutdownSend(c);
  if (!c.socket.is_open()) co_return;
  c.phase = Phase::kLingering;
  c.deadline = Clock::now() + std::min<Clock::duration>(options_.idle_timeout, kMaxLinger);
  const size_t max_bytes = std::max(options_.max_body_bytes, kMinLingerBytes);
  size_t drained = 0;
  while (drained < max_bytes) {
    c.buffer.clear();
    auto [read_ec, n] = co_await c.socket.async_read_some(
        c.buffer.prepare(std::min(kReadChunk, c.buffer.max_size())));
    if (read_ec) break;
    drained += n;
  }
  c.buffer.clear();
}

asio::awaitable<void> Server::Impl::ShutdownSend(Connection& c) {
  if (c.tls && c.socket.is_open()) {
    // Send close_notify, but do not wait for the client's: marking it as already received makes
    // SSL_shutdown complete once ours is written (the socket is closed right after anyway).
    SSL* ssl = c.tls->native_handle();
    SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
    c.deadline = Clock::now() + std::min<Clock::duration>(options_.idle_timeout, kMaxLinger);
    co_await c.tls->async_shutdown();
  }
  error_code ignored;
  c.socket.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> Server::Impl::RunOnPool(Connection& c) {
  // Post the handler to the blocking pool; when it returns, post the coroutine's continuation
  // back to the connection's I/O thread. The work guard keeps that thread's loop alive meanwhile
  // (even during shutdown).
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [this, &c](auto completion) {
        asio::post(*pool_, [this, &c, completion = std::move(completion),
                            work = asio::make_work_guard(c.worker.ioc)]() mutable {
          CallHandler(c);
          asio::post(work.get_executor(), std::move(completion));
        });
      },
      asio::use_awaitable);
}

bool Server::Impl::RunInline(const Request& request) const noexcept {
  if (!options_.run_inline) return false;
  try {
    return options_.run_inline(request);
  } catch (...) {
    return false;
  }
}

void Server::Impl::CallHandler(Connection& c) noexcept {
  try {
    c.response = handler_(c.request);
    if (c.response.status >= 200 && c.response.status <= 599) return;
    c.response = RenderError(500, "handler returned an invalid status code");
    return;
  } catch (...) {
  }
  try {
    c.response = RenderError(500, "internal server error");
  } catch (...) {
    // Out of memory: an empty 500 needs no allocation.
    c.response.status = 500;
    c.response.headers.clear();
    c.response.body.clear();
  }
}

Response Server::Impl::RenderError(int status, std::string_view message) const {
  if (options_.error_renderer) {
    try {
      Response response = options_.error_renderer(status, message);
      response.status = status;
      return response;
    } catch (...) {
      // Fall back to plain text.
    }
  }
  Response response;
  response.status = status;
  response.SetHeader("Content-Type", "text/plain; charset=utf-8");
  response.body.reserve(message.size() + 1);
  response.body.append(message).push_back('\n');
  return response;
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { impl_->Shutdown(std::chrono::seconds(10)); }

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options, Handler handler) {
  if (!handler) return absl::InvalidArgumentError("HTTP handler is empty");
  if (options.io_threads < 1) return absl::InvalidArgumentError("io_threads must be >= 1");
  if (options.worker_threads < 1) return absl::InvalidArgumentError("worker_threads must be >= 1");
  if (options.max_header_bytes < 1024) {
    return absl::InvalidArgumentError("max_header_bytes must be >= 1024");
  }
  if (options.idle_timeout.count() <= 0) {
    return absl::InvalidArgumentError("idle_timeout must be positive");
  }
  if (options.tls_handshake_timeout.count() <= 0) {
    return absl::InvalidArgumentError("tls_handshake_timeout must be positive");
  }
  if (options.tls_certificate_file.empty() != options.tls_private_key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both a certificate file and a private key file (only one was given)");
  }
  try {
    auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
    TC_RETURN_IF_ERROR(impl->SetUpTls());  // Before binding: a bad certificate listens on nothing.
    TC_RETURN_IF_ERROR(impl->Listen());
    impl->Run();
    return std::unique_ptr<Server>(new Server(std::move(impl)));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot start HTTP server: ", e.what()));
  }
}

uint16_t Server::port() const { return impl_->port(); }

bool Server::tls() const { return impl_->tls(); }

void Server::Shutdown(std::chrono::milliseconds grace) { impl_->Shutdown(grace); }

void Server::Wait() { impl_->Wait(); }

}  // namespace tc::http
