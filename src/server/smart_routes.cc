#include "server/smart_routes.h"

#include "access/smart_configuration.h"
#include "fhir/json.h"
#include "fhir/value.h"

namespace tc::server {
namespace {

http::Response MethodNotAllowed(std::string_view allow, std::string_view description) {
  http::Response r;
  r.status = 405;
  r.SetHeader("Allow", std::string(allow));
  r.SetHeader("Content-Type", "application/json");
  fhir::Value body = fhir::Value::Object();
  body.Set("error", fhir::Value::String("invalid_request"));
  body.Set("error_description", fhir::Value::String(std::string(description)));
  r.body = fhir::WriteJson(body);
  return r;
}

}  // namespace

std::string TokenUrlFor(std::string_view base_url, std::string_view base_path) {
  std::string_view root = base_url;
  if (!base_path.empty() && root.ends_with(base_path)) {
    root.remove_suffix(base_path.size());
  } else {
    const size_t scheme = root.find("://");
    const size_t path = root.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
    if (path != std::string_view::npos) root = root.substr(0, path);
  }
  while (root.ends_with('/')) root.remove_suffix(1);
  return std::string(root) + std::string(kTokenPath);
}

http::Response TokenRoute(access::TokenEndpoint& endpoint, const http::Request& request) {
  if (request.method != "POST") {
    http::Response r = MethodNotAllowed("POST", "the token endpoint accepts POST only");
    r.SetHeader("Cache-Control", "no-store");
    return r;
  }
  access::TokenHttpRequest token_request;
  token_request.content_type = request.Header("Content-Type");
  token_request.body = request.body;
  token_request.address = request.remote_address;
  token_request.request_id = request.Header("X-Request-Id");
  access::TokenHttpResponse answer = endpoint.Handle(token_request);
  http::Response r;
  r.status = answer.status;
  r.body = std::move(answer.body);
  r.SetHeader("Content-Type", "application/json");
  r.SetHeader("Cache-Control", "no-store");
  r.SetHeader("Pragma", "no-cache");
  return r;
}

http::Response SmartConfigurationRoute(const http::Request& request, std::string_view token_url) {
  if (request.method != "GET" && request.method != "HEAD") {
    return MethodNotAllowed("GET, HEAD", "the SMART configuration is read with GET");
  }
  http::Response r;
  r.SetHeader("Content-Type", "application/json");
  r.body = access::SmartConfigurationJson(token_url);
  return r;
}

}  // namespace tc::server
