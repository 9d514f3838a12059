// tc_http_ping_server: the HTTP ceiling for Throughcare's benchmarks.
//
// A bare Boost.Beast server with the same threading and coroutine model as src/http (one
// io_context per I/O thread, round-robin accept, one C++20 coroutine per connection, TCP_NODELAY)
// but none of Throughcare's code: stock `http::request<string_body>` / `http::response<...>`
// messages and `http::async_read` / `http::async_write`. Every request, whatever its path, gets
// a small JSON body. Compare `wrk` against it with `wrk` against the real server.
//
//   tc_http_ping_server --port 0 [--threads 2]
//   → prints "listening on http://127.0.0.1:PORT" and serves until killed.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Token = asio::as_tuple_t<asio::use_awaitable_t<>>;
using Socket = Token::as_default_on_t<tcp::socket>;
using Acceptor = Token::as_default_on_t<tcp::acceptor>;

constexpr std::string_view kBody = R"({"status":"ok"})";

asio::awaitable<void> Session(Socket socket) {
  beast::flat_buffer buffer;
  for (;;) {
    bhttp::request<bhttp::string_body> request;
    auto [read_ec, read_n] = co_await bhttp::async_read(socket, buffer, request);
    if (read_ec) break;
    bhttp::response<bhttp::string_body> response(bhttp::status::ok, request.version());
    response.set(bhttp::field::server, "ping");
    response.set(bhttp::field::content_type, "application/json");
    response.keep_alive(request.keep_alive());
    response.body() = kBody;
    response.prepare_payload();
    auto [write_ec, write_n] = co_await bhttp::async_write(socket, response);
    if (write_ec || !response.keep_alive()) break;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> AcceptLoop(Acceptor& acceptor,
                                 std::vector<std::unique_ptr<asio::io_context>>& loops) {
  size_t next = 0;
  for (;;) {
    asio::io_context& loop = *loops[next];
    next = (next + 1) % loops.size();
    Socket socket(loop);
    auto [ec] = co_await acceptor.async_accept(socket);
    if (ec) {
      if (!acceptor.is_open()) co_return;
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(loop, Session(std::move(socket)), asio::detached);
  }
}

int Usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--port N] [--threads N]\n", argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8081;
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if ((arg == "--port" || arg == "--threads") && i + 1 < argc) {
      int value = std::atoi(argv[++i]);
      (arg == "--port" ? port : threads) = value;
    } else {
      return Usage(argv[0]);
    }
  }
  if (port < 0 || port > 65535 || threads < 1) return Usage(argv[0]);

  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (int i = 0; i < threads; ++i) {
    loops.push_back(std::make_unique<asio::io_context>(1));
    guards.push_back(asio::make_work_guard(*loops.back()));
  }
  boost::system::error_code ec;
  Acceptor acceptor(*loops[0]);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "cannot listen on port %d: %s\n", port, ec.message().c_str());
    return 1;
  }
  std::printf("listening on http://127.0.0.1:%u\n",
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);

  asio::co_spawn(*loops[0], AcceptLoop(acceptor, loops), asio::detached);
  asio::signal_set signals(*loops[0], SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    for (auto& loop : loops) loop->stop();
  });
  std::vector<std::thread> runners;
  for (int i = 1; i < threads; ++i) runners.emplace_back([&loops, i] { loops[i]->run(); });
  loops[0]->run();
  for (std::thread& runner : runners) runner.join();
  return 0;
}
