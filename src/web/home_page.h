// File: web/home_page.h
//
// GET / : the start page for people who are not signed in (no data, no session): the service
// name, what it is, a "Sign in" link to /login and a link to the FHIR API's CapabilityStatement
// ([fhir_base_path]/metadata, public).
//
//   if (request.path == "/") return web::HomePage(request, "/fhir");
//
// Thread-safety: a pure function.
#pragma once

#include <string_view>

#include "http/message.h"

namespace tc::web {

// 200 with the page for GET and HEAD; 405 (Allow: GET, HEAD) for any other method.
http::Response HomePage(const http::Request& request, std::string_view fhir_base_path);

}  // namespace tc::web
