#include "web/home_page.h"

#include <string>
#include <string_view>

#include "web/html.h"
#include "web/layout.h"

namespace tc::web {

http::Response HomePage(const http::Request& request, std::string_view fhir_base_path) {
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response r = HtmlResponse(
        RenderPage({.title = "Method not allowed"},
                   "<h1>Method not allowed</h1>\n<p>This page can only be viewed.</p>"),
        405);
    r.SetHeader("Allow", "GET, HEAD");
    return r;
  }
  std::string metadata(fhir_base_path);
  metadata += "/metadata";
  std::string main =
      "<div class=\"nhsuk-grid-row\">\n<div class=\"nhsuk-grid-column-two-thirds\">\n"
      "<h1>Throughcare</h1>\n"
      "<p class=\"nhsuk-body-l\">The electronic patient record for healthcare in detention: "
      "one safe clinical record that follows a person through custody and back to their GP.</p>\n"
      "<a class=\"nhsuk-action-link\" href=\"/login\">"
      "<svg class=\"nhsuk-icon nhsuk-icon--arrow-right-circle\" "
      "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\" width=\"16\" height=\"16\" "
      "focusable=\"false\" aria-hidden=\"true\"><path d=\"M12 2a10 10 0 0 0-10 9h11.7l-4-4a1 1 0 "
      "0 1 1.5-1.4l5.6 5.7a1 1 0 0 1 0 1.4l-5.6 5.7a1 1 0 0 1-1.5 0 1 1 0 0 1 0-1.4l4-4H2A10 10 0 "
      "1 0 12 2z\"/></svg><span class=\"nhsuk-action-link__text\">Sign in</span></a>\n"
      "<h2>For other systems</h2>\n"
      "<p>Throughcare is a FHIR R4 server. Its capability statement is at <a";
  AppendAttribute(&main, "href", metadata);
  main += "><code>";
  AppendEscaped(&main, metadata);
  main += "</code></a>.</p>\n</div>\n</div>";
  return HtmlResponse(RenderPage({}, main));
}

}  // namespace tc::web
