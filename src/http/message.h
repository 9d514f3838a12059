// File: http/message.h
//
// The HTTP/1.1 request and response values exchanged between the transport (`http/server.h`) and
// the application. The transport knows nothing of FHIR: it parses bytes into a `Request`, hands
// it to the application's handler and writes the returned `Response` back. This header includes
// no Boost header, so every module may include it cheaply.
//
//   tc::http::Response Hello(const tc::http::Request& request) {
//     tc::http::Response response;
//     response.SetHeader("Content-Type", "text/plain");
//     response.body = "hello " + std::string(request.Header("User-Agent"));
//     return response;
//   }
//
// Also here: the request-target helpers the transport uses (`PercentDecode`, `ParseTarget`),
// public so that routers and tests can reuse exactly the same decoding rules.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace tc::http {

// An ordered list of (name, value) pairs. Header names keep the case they were received or set
// with; lookups are case-insensitive. A name may appear more than once.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One parsed HTTP request, as handed to a `Handler`.
//
// Thread-safety: a `Request` is a plain value; the transport never touches it while a handler
// runs. It is only valid for the duration of the handler call (the transport reuses its storage
// for the next request on the same connection): copy what you need to keep.
struct Request {
  // The method token exactly as received, e.g. "GET", "POST", "PATCH". Case-sensitive.
  std::string method;
  // The raw request-target as received, e.g. "/fhir/Patient?name=J%C3%B6rg". For an
  // absolute-form target ("http://host/x") this is the full absolute URI.
  std::string target;
  // The percent-decoded path, without the query, always starting with '/' (or exactly "*" for
  // "OPTIONS *"). Not normalised: dot-segments and repeated slashes are kept, and "%2F" decodes
  // to '/'; a router that needs segment fidelity must split `target` itself. Never contains NUL.
  std::string path;
  // The decoded query parameters in the order received. '+' decodes to a space. A parameter
  // without '=' has an empty value; empty segments ("a=1&&b=2") are skipped.
  std::vector<std::pair<std::string, std::string>> query;
  // The query string exactly as received (without the '?'), empty when absent.
  std::string raw_query;
  // The request headers in the order received, names as received.
  HeaderList headers;
  // The request body, de-chunked. Empty when the request has none.
  std::string body;
  // The IP address of the peer (e.g. "127.0.0.1" or "::1"), without the port.
  std::string remote_address;
  // The HTTP version: 10 for HTTP/1.0, 11 for HTTP/1.1.
  int version = 11;

  // Returns the value of the first header named `name` (case-insensitive), or "" when absent.
  // The view is valid as long as this request is unmodified.
  std::string_view Header(std::string_view name) const;
};

// The response a handler returns.
//
// The transport owns the framing headers: it always writes `Content-Length` (except for 1xx,
// 204 and 304), decides `Connection` itself, and adds `Date`, `Server: throughcare` (no version)
// and the security headers listed in server.h unless the handler set a header of that name.
// Handler-set `Content-Length`, `Transfer-Encoding` and `Connection` headers are ignored, except
// that a `Connection` value containing "close" makes the transport close the connection after this
// response. Headers whose name is not a valid token or whose value contains CR, LF or NUL are
// dropped (never written), so untrusted data cannot split a response.
struct Response {
  // The status code. REQUIRES: 200..599 (anything else is replaced by a 500 from the transport).
  int status = 200;
  HeaderList headers;
  // The body. For HEAD requests the transport writes `Content-Length: body.size()` but not the
  // body, so a handler may treat HEAD exactly like GET.
  std::string body;

  // Replaces every header named `name` (case-insensitive) with one `name: value`, or appends it.
  void SetHeader(std::string name, std::string value);
  // Appends `name: value` even if a header of that name exists (e.g. `Set-Cookie`).
  void AddHeader(std::string name, std::string value);
  // Returns the value of the first header named `name` (case-insensitive), or "" when absent.
  std::string_view Header(std::string_view name) const;
};

// Percent-decodes `in` into `*out` (replacing its contents, reusing its capacity). When
// `plus_as_space` is true, '+' decodes to ' ' (the form-urlencoded rule used for queries).
// Returns false when a '%' is not followed by two hex digits; `*out` is then unspecified.
// REQUIRES: out != nullptr.
bool PercentDecode(std::string_view in, bool plus_as_space, std::string* out);

// Splits a request-target (origin-form "/p?q", absolute-form "http://h/p?q", or "*") into the
// decoded path, the raw query and the decoded query parameters, following the rules documented
// on `Request`. The outputs are replaced (their capacity reused).
// Returns InvalidArgument for a target that is not origin-, absolute- or asterisk-form, for a
// malformed percent-escape, or for a path that decodes to contain NUL.
// REQUIRES: all outputs non-null.
absl::Status ParseTarget(std::string_view target, std::string* path, std::string* raw_query,
                         std::vector<std::pair<std::string, std::string>>* query);

}  // namespace tc::http
