// Tests for the HTTP transport: a real server on port 0, driven by a tiny blocking POSIX-socket
// client (http/testing/test_client.h) so that the bytes on the wire are exactly what each test
// writes. TLS and the security headers are tested in transport_security_test.cc.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

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
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using namespace std::chrono_literals;

// String helpers on std::string_view (Debian's absl::string_view is a distinct type).
void AppendPiece(std::string& out, std::string_view piece) { out.append(piece); }
template <typename T>
requires std::is_arithmetic_v<T>
void AppendPiece(std::string& out, T number) { out.append(std::to_string(number)); }
template <typename... Pieces>
std::string Cat(const Pieces&... pieces) {
  std::string out;
  (AppendPiece(out, pieces), ...);
  return out;
}
bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

ServerOptions TestOptions() {
  ServerOptions options;
  options.port = 0;
  options.io_threads = 2;
  options.worker_threads = 4;
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

// Records copies of the requests a handler saw.
class Recorder {
 public:
  Response Handle(const Request& request) {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    return TextResponse("ok");
  }
  std::vector<Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::vector<Request> requests_;
};

// ---------------------------------------------------------------------------------------------
// Request-target parsing (no server).

TEST(ParseTargetTest, DecodesPathAndQuery) {
  std::string path, raw_query;
  std::vector<std::pair<std::string, std::string>> query;
  ASSERT_TRUE(ParseTarget("/fhir/Patient%2Fa%20b/caf%C3%A9?name=J%C3%B6rg+Smith&a=1&a=2&"
                          "empty=&flag&&plus=%2B",
                          &path, &raw_query, &query)
                  .ok());
  EXPECT_EQ(path, "/fhir/Patient/a b/caf\xC3\xA9");
  EXPECT_EQ(raw_query, "name=J%C3%B6rg+Smith&a=1&a=2&empty=&flag&&plus=%2B");
  EXPECT_THAT(query, ElementsAre(Pair("name", "J\xC3\xB6rg Smith"), Pair("a", "1"), Pair("a", "2"),
                                 Pair("empty", ""), Pair("flag", ""), Pair("plus", "+")));
}

TEST(ParseTargetTest, PlusInPathIsLiteral) {
  std::string path, raw_query;
  std::vector<std::pair<std::string, std::string>> query;
  ASSERT_TRUE(ParseTarget("/a+b", &path, &raw_query, &query).ok());
  EXPECT_EQ(path, "/a+b");
  EXPECT_THAT(query, IsEmpty());
  EXPECT_EQ(raw_query, "");
}

TEST(ParseTargetTest, AbsoluteAndAsteriskForms) {
  std::string path, raw_query;
  std::vector<std::pair<std::string, std::string>> query;
  ASSERT_TRUE(
      ParseTarget("http://example.org:8080/fhir/metadata?x=1", &path, &raw_query, &query).ok());
  EXPECT_EQ(path, "/fhir/metadata");
  EXPECT_THAT(query, ElementsAre(Pair("x", "1")));
  ASSERT_TRUE(ParseTarget("https://example.org", &path, &raw_query, &query).ok());
  EXPECT_EQ(path, "/");
  ASSERT_TRUE(ParseTarget("*", &path, &raw_query, &query).ok());
  EXPECT_EQ(path, "*");
}

TEST(ParseTargetTest, RejectsMalformedTargets) {
  std::string path, raw_query;
  std::vector<std::pair<std::string, std::string>> query;
  EXPECT_EQ(ParseTarget("", &path, &raw_query, &query).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseTarget("example.org:443", &path, &raw_query, &query).ok());
  EXPECT_FALSE(ParseTarget("/a%zzb", &path, &raw_query, &query).ok());
  EXPECT_FALSE(ParseTarget("/a%4", &path, &raw_query, &query).ok());
  EXPECT_FALSE(ParseTarget("/a%", &path, &raw_query, &query).ok());
  EXPECT_FALSE(ParseTarget("/a%00b", &path, &raw_query, &query).ok());
  EXPECT_FALSE(ParseTarget("/a?x=%G1", &path, &raw_query, &query).ok());
  EXPECT_THAT(query, IsEmpty());
}

TEST(PercentDecodeTest, Decodes) {
  std::string out;
  EXPECT_TRUE(PercentDecode("a%41%62+c", false, &out));
  EXPECT_EQ(out, "aAb+c");
  EXPECT_TRUE(PercentDecode("a%41%62+c", true, &out));
  EXPECT_EQ(out, "aAb c");
  EXPECT_TRUE(PercentDecode("", true, &out));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(PercentDecode("%", true, &out));
}

TEST(MessageTest, HeaderLookupIsCaseInsensitive) {
  Request request;
  request.headers = {{"Content-Type", "application/fhir+json"}, {"X-A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(request.Header("content-type"), "application/fhir+json");
  EXPECT_EQ(request.Header("X-A"), "1");
  EXPECT_EQ(request.Header("Missing"), "");

  Response response;
  response.SetHeader("ETag", "W/\"1\"");
  response.AddHeader("Set-Cookie", "a=1");
  response.AddHeader("Set-Cookie", "b=2");
  response.SetHeader("etag", "W/\"2\"");
  EXPECT_EQ(response.Header("ETAG"), "W/\"2\"");
  response.SetHeader("set-cookie", "c=3");
  EXPECT_THAT(response.headers, ElementsAre(Pair("etag", "W/\"2\""), Pair("set-cookie", "c=3")));
}

// ---------------------------------------------------------------------------------------------
// Server: starting.

TEST(ServerTest, StartValidatesOptions) {
  auto echo = [](const Request&) { return TextResponse("x"); };
  EXPECT_EQ(Server::Start(TestOptions(), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  ServerOptions bad_address = TestOptions();
  bad_address.address = "not-an-address";
  EXPECT_EQ(Server::Start(bad_address, echo).status().code(), absl::StatusCode::kInvalidArgument);
  ServerOptions no_threads = TestOptions();
  no_threads.io_threads = 0;
  EXPECT_EQ(Server::Start(no_threads, echo).status().code(), absl::StatusCode::kInvalidArgument);

  std::unique_ptr<Server> first = StartOrDie(TestOptions(), echo);
  ASSERT_NE(first, nullptr);
  EXPECT_NE(first->port(), 0);
  ServerOptions same_port = TestOptions();
  same_port.port = first->port();
  EXPECT_EQ(Server::Start(same_port, echo).status().code(), absl::StatusCode::kUnavailable);
}

// ---------------------------------------------------------------------------------------------
// Server: requests reach the handler intact.

TEST(ServerTest, RoutesMethodsPathQueryHeadersAndBody) {
  Recorder recorder;
  std::unique_ptr<Server> server =
      StartOrDie(TestOptions(), [&](const Request& r) { return recorder.Handle(r); });
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();

  auto get = Exchange(port, GetRequest("/fhir/Patient?name=smith&_count=2", "X-Trace: abc\r\n"));
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "ok");

  for (std::string_view method : {"POST", "PUT"}) {
    std::string body = Cat("{\"resourceType\":\"Patient\",\"m\":\"", method, "\"}");
    auto response =
        Exchange(port, Cat(method, " /fhir/Patient/123 HTTP/1.1\r\nHost: h\r\n",
                           "Content-Type: application/fhir+json\r\nContent-Length: ", body.size(),
                           "\r\n\r\n", body));
    ASSERT_TRUE(response.has_value()) << method;
    EXPECT_EQ(response->status, 200);
  }
  auto del = Exchange(port, "DELETE /fhir/Patient/123 HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->status, 200);

  std::vector<Request> seen = recorder.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/fhir/Patient?name=smith&_count=2");
  EXPECT_EQ(seen[0].path, "/fhir/Patient");
  EXPECT_EQ(seen[0].raw_query, "name=smith&_count=2");
  EXPECT_THAT(seen[0].query, ElementsAre(Pair("name", "smith"), Pair("_count", "2")));
  EXPECT_EQ(seen[0].Header("x-trace"), "abc");
  EXPECT_EQ(seen[0].Header("HOST"), "localhost");
  EXPECT_EQ(seen[0].body, "");
  EXPECT_EQ(seen[0].remote_address, "127.0.0.1");
  EXPECT_EQ(seen[0].version, 11);
  EXPECT_EQ(seen[1].method, "POST");
  EXPECT_EQ(seen[1].path, "/fhir/Patient/123");
  EXPECT_EQ(seen[1].Header("Content-Type"), "application/fhir+json");
  EXPECT_EQ(seen[1].body, "{\"resourceType\":\"Patient\",\"m\":\"POST\"}");
  EXPECT_EQ(seen[2].method, "PUT");
  EXPECT_EQ(seen[2].body, "{\"resourceType\":\"Patient\",\"m\":\"PUT\"}");
  EXPECT_EQ(seen[3].method, "DELETE");
  EXPECT_EQ(seen[3].path, "/fhir/Patient/123");
}

TEST(ServerTest, PercentDecodesPathAndQuery) {
  Recorder recorder;
  std::unique_ptr<Server> server =
      StartOrDie(TestOptions(), [&](const Request& r) { return recorder.Handle(r); });
  ASSERT_NE(server, nullptr);
  auto response = Exchange(server->port(),
                           GetRequest("/fhir/Patient%20x/caf%C3%A9?name=J%C3%B6rg+Smith&b=%26%3D"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  std::vector<Request> seen = recorder.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, "/fhir/Patient x/caf\xC3\xA9");
  EXPECT_THAT(seen[0].query, ElementsAre(Pair("name", "J\xC3\xB6rg Smith"), Pair("b", "&=")));

  // A malformed escape is the client's error: 400, handler not called.
  auto bad = Exchange(server->port(), GetRequest("/fhir/Patient%zz"));
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(recorder.requests().size(), 1u);
}

TEST(ServerTest, ChunkedRequestBody) {
  Recorder recorder;
  std::unique_ptr<Server> server =
      StartOrDie(TestOptions(), [&](const Request& r) { return recorder.Handle(r); });
  ASSERT_NE(server, nullptr);
  auto response = Exchange(server->port(),
                           "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  ASSERT_EQ(recorder.requests().size(), 1u);
  EXPECT_EQ(recorder.requests()[0].body, "hello world");
}

TEST(ServerTest, ExpectContinueIsHonoured) {
  std::unique_ptr<Server> server =
      StartOrDie(TestOptions(), [](const Request& r) { return TextResponse(r.body); });
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(
      "POST /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto interim = client.Read();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.Send("hello"));
  auto final_response = client.Read();
  ASSERT_TRUE(final_response.has_value());
  EXPECT_EQ(final_response->status, 200);
  EXPECT_EQ(final_response->body, "hello");
}

// ---------------------------------------------------------------------------------------------
// Server: connection management.

TEST(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::atomic<int> calls{0};
  std::unique_ptr<Server> server = StartOrDie(TestOptions(), [&](const Request& r) {
    ++calls;
    return TextResponse(r.path);
  });
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.Send(GetRequest(Cat("/r", i))));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, Cat("/r", i));
    EXPECT_FALSE(response->HasHeader("Connection"));
  }
  // Pipelined: three requests in one write, answered in order.
  ASSERT_TRUE(client.Send(Cat(GetRequest("/p1"), GetRequest("/p2"), GetRequest("/p3"))));
  for (std::string_view expected : {"/p1", "/p2", "/p3"}) {
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->body, expected);
  }
  EXPECT_EQ(calls.load(), 8);
}

TEST(ServerTest, ConnectionCloseAndHttp10) {
  std::unique_ptr<Server> server =
      StartOrDie(TestOptions(), [](const Request&) { return TextResponse("bye"); });
  ASSERT_NE(server, nullptr);
  {
    TestClient client(server->port());
    ASSERT_TRUE(client.Send(GetRequest("/", "Connection: close\r\n")));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->Header("Connection"), "close");
    EXPECT_TRUE(client.PeerClosed());
  }
  {
    TestClient client(server->port());
    ASSERT_TRUE(client.Send("GET / HTTP/1.0\r\n\r\n"));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->body, "bye");
    EXPECT_TRUE(client.PeerClosed());
  }
  {
    TestClient client(server->port());
    ASSERT_TRUE(client.Send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->Header("Connection"), "keep-alive");
    ASSERT_TRUE(client.Send("GET / HTTP/1.0\r\n\r\n"));
    ASSERT_TRUE(client.Read().has_value());
    EXPECT_TRUE(client.PeerClosed());
  }
}

TEST(ServerTest, HandlerCanAskToClose) {
  std::unique_ptr<Server> server = StartOrDie(TestOptions(), [](const Request&) {
    Response response = TextResponse("x");
    response.SetHeader("Connection", "close");
    return response;
  });
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(GetRequest("/")));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(client.PeerClosed());
}

TEST(ServerTest, HeadSendsHeadersOnly) {
  std::unique_ptr<Server> server =
      StartOrDie(TestOptions(), [](const Request&) { return TextResponse("hello world"); });
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto head = client.Read(/*head_request=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "11");
  EXPECT_EQ(head->body, "");
  // No body bytes were sent: the next response on the connection parses cleanly.
  ASSERT_TRUE(client.Send(GetRequest("/x")));
  auto get = client.Read();
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->body, "hello world");
  EXPECT_TRUE(client.buffered().empty());
}

TEST(ServerTest, StandardHeadersAndSanitisedHandlerHeaders) {
  std::unique_ptr<Server> server = StartOrDie(TestOptions(), [](const Request& r) {
    Response response = TextResponse("body");
    if (r.path == "/server") {
      response.SetHeader("Server", "custom");
      return response;
    }
    response.SetHeader("X-Injected", "a\r\nSet-Cookie: evil=1");
    response.SetHeader("Bad Name", "1");
    response.SetHeader("Content-Length", "999");
    response.SetHeader("Transfer-Encoding", "chunked");
    response.SetHeader("X-Fine", "yes");
    return response;
  });
  ASSERT_NE(server, nullptr);
  auto response = Exchange(server->port(), GetRequest("/"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("Server"), "throughcare");
  EXPECT_TRUE(response->Header("Date").ends_with(" GMT")) << response->Header("Date");
  EXPECT_EQ(response->Header("Content-Length"), "4");
  EXPECT_EQ(response->Header("X-Fine"), "yes");
  EXPECT_FALSE(response->HasHeader("X-Injected"));
  EXPECT_FALSE(response->HasHeader("Set-Cookie"));
  EXPECT_FALSE(response->HasHeader("Bad Name"));
  EXPECT_FALSE(response->HasHeader("Transfer-Encoding"));
  EXPECT_EQ(response->body, "body");

  auto custom = Exchange(server->port(), GetRequest("/server"));
  ASSERT_TRUE(custom.has_value());
  EXPECT_EQ(custom->Header("Server"), "custom");
}

TEST(ServerTest, NoContentHasNoBodyOrLength) {
  std::unique_ptr<Server> server = StartOrDie(TestOptions(), [](const Request& r) {
    return r.path == "/204" ? TextResponse("ignored", 204) : TextResponse("after");
  });
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(Cat(GetRequest("/204"), GetRequest("/next"))));
  auto no_content = client.Read();
  ASSERT_TRUE(no_content.has_value());
  EXPECT_EQ(no_content->status, 204);
  EXPECT_FALSE(no_content->HasHeader("Content-Length"));
  auto next = client.Read();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, "after");
}

// ---------------------------------------------------------------------------------------------
// Server: bad input and failures.

TEST(ServerTest, OversizeBodyIs413AndServerCarriesOn) {
  std::atomic<int> calls{0};
  ServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  std::unique_ptr<Server> server = StartOrDie(options, [&](const Request& r) {
    ++calls;
    return TextResponse(Cat(r.body.size()));
  });
  ASSERT_NE(server, nullptr);
  {
    // Declared length too large: answered from the header alone, the body is never sent.
    TestClient client(server->port());
    ASSERT_TRUE(client.Send("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n"));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413);
    EXPECT_EQ(response->Header("Connection"), "close");
    EXPECT_TRUE(client.PeerClosed());
  }
  {
    // Chunked body growing past the limit.
    TestClient client(server->port());
    std::string chunk(600, 'a');
    ASSERT_TRUE(client.Send(Cat("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
                                "258\r\n", chunk, "\r\n", "258\r\n", chunk, "\r\n", "0\r\n\r\n")));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413);
  }
  {
    // Exactly at the limit is fine.
    std::string body(1024, 'b');
    auto response = Exchange(
        server->port(), Cat("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1024\r\n\r\n", body));
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "1024");
  }
  EXPECT_EQ(calls.load(), 1);
}

TEST(ServerTest, GarbageIs400RenderedByErrorRenderer) {
  std::atomic<int> calls{0};
  ServerOptions options = TestOptions();
  options.error_renderer = [](int status, std::string_view message) {
    Response response;
    response.SetHeader("Content-Type", "application/fhir+json");
    response.body = Cat("{\"status\":", status, ",\"message\":\"", message, "\"}");
    return response;
  };
  std::unique_ptr<Server> server = StartOrDie(options, [&](const Request&) {
    ++calls;
    return TextResponse("ok");
  });
  ASSERT_NE(server, nullptr);
  for (std::string_view garbage :
       {std::string_view("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", 22),
        std::string_view("GET\r\n\r\n"), std::string_view("GET / HTTP/9.9\r\n\r\n"),
        std::string_view("GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string_view("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
        std::string_view("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
        std::string_view("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
        std::string_view("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                         "Content-Length: 3\r\n\r\n"),
        std::string_view("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")}) {
    TestClient client(server->port());
    ASSERT_TRUE(client.Send(garbage));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value()) << garbage;
    EXPECT_EQ(response->status, 400) << garbage;
    EXPECT_EQ(response->Header("Content-Type"), "application/fhir+json");
    EXPECT_TRUE(response->body.starts_with("{\"status\":400,")) << response->body;
    EXPECT_TRUE(client.PeerClosed());
  }
  EXPECT_EQ(calls.load(), 0);
  auto fine = Exchange(server->port(), GetRequest("/"));
  ASSERT_TRUE(fine.has_value());
  EXPECT_EQ(fine->status, 200);
}

TEST(ServerTest, OversizeHeaderIs431) {
  ServerOptions options = TestOptions();
  options.max_header_bytes = 4096;
  std::unique_ptr<Server> server =
      StartOrDie(options, [](const Request&) { return TextResponse("ok"); });
  ASSERT_NE(server, nullptr);
  auto response =
      Exchange(server->port(), GetRequest("/", Cat("X-Big: ", std::string(8000, 'x'), "\r\n")));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
  auto fine = Exchange(server->port(), GetRequest("/"));
  ASSERT_TRUE(fine.has_value());
  EXPECT_EQ(fine->status, 200);
}

TEST(ServerTest, ThrowingHandlerIs500AndConnectionSurvives) {
  ServerOptions options = TestOptions();
  options.run_inline = [](const Request& r) { return r.path.starts_with("/inline"); };
  std::unique_ptr<Server> server = StartOrDie(options, [](const Request& r) -> Response {
    if (r.path.ends_with("/throw")) throw std::runtime_error("secret detail");
    if (r.path.ends_with("/throw-int")) throw 42;
    if (r.path.ends_with("/bad-status")) return TextResponse("x", 42);
    return TextResponse("fine");
  });
  ASSERT_NE(server, nullptr);
  TestClient client(server->port());
  for (std::string_view path :
       {"/throw", "/throw-int", "/bad-status", "/inline/throw", "/inline/bad-status"}) {
    ASSERT_TRUE(client.Send(GetRequest(path)));
    auto response = client.Read();
    ASSERT_TRUE(response.has_value()) << path;
    EXPECT_EQ(response->status, 500) << path;
    EXPECT_FALSE(Contains(response->body, "secret")) << response->body;
  }
  ASSERT_TRUE(client.Send(GetRequest("/ok")));
  auto response = client.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "fine");
}

TEST(ServerTest, ClientsDisconnectingMidRequestOrResponse) {
  std::string big(8 * 1024 * 1024, 'z');
  std::unique_ptr<Server> server = StartOrDie(
      TestOptions(), [&](const Request& r) { return TextResponse(r.path == "/big" ? big : "ok"); });
  ASSERT_NE(server, nullptr);
  for (int i = 0; i < 5; ++i) {
    {
      TestClient client(server->port());
      ASSERT_TRUE(client.Send("GET /partial HTT"));  // Then hang up mid request line.
    }
    {
      TestClient client(server->port());
      ASSERT_TRUE(client.Send("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly-some"));
    }
    {
      TestClient client(server->port());
      ASSERT_TRUE(client.Send(GetRequest("/big")));
      if (i % 2 == 0) {
        EXPECT_TRUE(client.ReadSome());  // Read a little of it, or nothing...
      }
    }  // ...and hang up without reading the rest of the 8 MiB response.
  }
  auto fine = Exchange(server->port(), GetRequest("/"));
  ASSERT_TRUE(fine.has_value());
  EXPECT_EQ(fine->body, "ok");
}

TEST(ServerTest, IdleConnectionsTimeOut) {
  ServerOptions options = TestOptions();
  options.idle_timeout = 1s;
  std::unique_ptr<Server> server =
      StartOrDie(options, [](const Request&) { return TextResponse("ok"); });
  ASSERT_NE(server, nullptr);
  TestClient silent(server->port());
  TestClient slow(server->port());
  ASSERT_TRUE(slow.Send("GET / HTTP/1.1\r\nHost:"));  // Never finishes its header.
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.PeerClosed());
  EXPECT_TRUE(slow.PeerClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

// ---------------------------------------------------------------------------------------------
// Server: threading.

TEST(ServerTest, InlineHandlersRunOnIoThreadWorkerHandlersDoNotBlockIt) {
  ServerOptions options = TestOptions();
  options.io_threads = 1;
  options.worker_threads = 2;
  options.run_inline = [](const Request& r) { return r.path == "/inline"; };
  std::mutex mu;
  std::set<std::thread::id> inline_threads, worker_threads;
  std::unique_ptr<Server> server = StartOrDie(options, [&](const Request& r) {
    {
      std::lock_guard lock(mu);
      (r.path == "/inline" ? inline_threads : worker_threads).insert(std::this_thread::get_id());
    }
    if (r.path == "/slow") std::this_thread::sleep_for(500ms);
    return TextResponse(r.path);
  });
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();

  // A slow worker request is in flight...
  std::future<std::optional<ClientResponse>> slow =
      std::async(std::launch::async, [port] { return Exchange(port, GetRequest("/slow")); });
  std::this_thread::sleep_for(100ms);
  // ...yet the single I/O thread keeps answering inline requests promptly.
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    auto response = Exchange(port, GetRequest("/inline"));
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->body, "/inline");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);
  auto slow_response = slow.get();
  ASSERT_TRUE(slow_response.has_value());
  EXPECT_EQ(slow_response->body, "/slow");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Exchange(port, GetRequest("/worker")).has_value());

  std::lock_guard lock(mu);
  EXPECT_EQ(inline_threads.size(), 1u);  // The one I/O thread.
  EXPECT_FALSE(worker_threads.empty());
  for (const auto& id : inline_threads) EXPECT_EQ(worker_threads.count(id), 0u);
  EXPECT_EQ(inline_threads.count(std::this_thread::get_id()), 0u);
}

TEST(ServerTest, ManyConcurrentClients) {
  ServerOptions options = TestOptions();
  options.run_inline = [](const Request& r) { return r.path.starts_with("/i/"); };
  std::atomic<int> calls{0};
  std::unique_ptr<Server> server = StartOrDie(options, [&](const Request& r) {
    ++calls;
    Response response = TextResponse(Cat(r.path, "|", r.body));
    return response;
  });
  ASSERT_NE(server, nullptr);
  constexpr int kClients = 16;
  constexpr int kRequests = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      TestClient client(server->port());
      if (!client.connected()) return;
      for (int i = 0; i < kRequests; ++i) {
        std::string path = Cat(i % 2 == 0 ? "/i/" : "/w/", t, "/", i);
        std::string body = Cat("b", t * 1000 + i);
        if (!client.Send(Cat("POST ", path, " HTTP/1.1\r\nHost: h\r\nContent-Length: ", body.size(),
                             "\r\n\r\n", body))) {
          return;
        }
        auto response = client.Read();
        if (response && response->status == 200 && response->body == path + "|" + body) ++ok;
      }
    });
  }
  for (std::thread& thread : clients) thread.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(calls.load(), kClients * kRequests);
}

// ---------------------------------------------------------------------------------------------
// Server: shutdown.

TEST(ServerTest, GracefulShutdownFinishesInFlightRequests) {
  std::promise<void> started;
  std::atomic<bool> signalled{false};
  std::unique_ptr<Server> server = StartOrDie(TestOptions(), [&](const Request& r) {
    if (r.path == "/slow") {
      if (!signalled.exchange(true)) started.set_value();
      std::this_thread::sleep_for(300ms);
      return TextResponse(std::string(100000, 's'));
    }
    return TextResponse("quick");
  });
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();

  // An idle keep-alive connection (one request served, then silent).
  TestClient idle(port);
  ASSERT_TRUE(idle.Send(GetRequest("/")));
  ASSERT_TRUE(idle.Read().has_value());

  std::future<void> waited = std::async(std::launch::async, [&] { server->Wait(); });
  TestClient slow(port);
  ASSERT_TRUE(slow.Send(GetRequest("/slow")));
  started.get_future().wait();

  auto shutdown_start = std::chrono::steady_clock::now();
  std::thread shutdown([&] { server->Shutdown(5s); });

  auto response = slow.Read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.size(), 100000u);
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(slow.PeerClosed());
  EXPECT_TRUE(idle.PeerClosed());

  shutdown.join();
  EXPECT_LT(std::chrono::steady_clock::now() - shutdown_start, 3s);
  EXPECT_EQ(waited.wait_for(2s), std::future_status::ready);

  TestClient late(port);
  EXPECT_FALSE(late.connected());
  EXPECT_EQ(late.connect_errno(), ECONNREFUSED);

  server->Shutdown();  // Idempotent.
}

TEST(ServerTest, ShutdownAfterGraceClosesStragglers) {
  std::promise<void> started;
  std::unique_ptr<Server> server = StartOrDie(TestOptions(), [&](const Request&) {
    started.set_value();
    std::this_thread::sleep_for(400ms);
    return TextResponse("too late");
  });
  ASSERT_NE(server, nullptr);
  TestClient slow(server->port());
  ASSERT_TRUE(slow.Send(GetRequest("/")));
  TestClient half(server->port());
  ASSERT_TRUE(half.Send("GET / HTTP/1.1\r\n"));  // Mid-request: allowed to finish, but won't.
  started.get_future().wait();
  auto start = std::chrono::steady_clock::now();
  server->Shutdown(50ms);
  // Shutdown waited for the running handler to return, but its connection was already closed.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  EXPECT_FALSE(slow.Read().has_value());
  EXPECT_TRUE(half.PeerClosed());
}

TEST(ServerTest, DestructorShutsDown) {
  uint16_t port;
  {
    std::unique_ptr<Server> server =
        StartOrDie(TestOptions(), [](const Request&) { return TextResponse("ok"); });
    ASSERT_NE(server, nullptr);
    port = server->port();
    TestClient open_connection(port);
    ASSERT_TRUE(open_connection.Send(GetRequest("/")));
    ASSERT_TRUE(open_connection.Read().has_value());
  }
  TestClient late(port);
  EXPECT_FALSE(late.connected());
}

}  // namespace
}  // namespace tc::http
