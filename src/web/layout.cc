#include "web/layout.h"

#include <string>
#include <string_view>
#include <utility>

#include "web/assets.h"
#include "web/html.h"

namespace tc::web {
namespace {

constexpr std::string_view kServiceName = "Throughcare";

// The "user" icon of nhsuk-frontend's header account fixture.
constexpr std::string_view kUserIcon =
    "<svg class=\"nhsuk-icon nhsuk-icon--user\" xmlns=\"http://www.w3.org/2000/svg\" "
    "viewBox=\"0 0 24 24\" width=\"16\" height=\"16\" focusable=\"false\" aria-hidden=\"true\">"
    "<path d=\"M12 1a11 11 0 1 1 0 22 11 11 0 0 1 0-22Zm0 2a9 9 0 0 0-5 16.5V18a4 4 0 0 1 4-4h2a4 "
    "4 0 0 1 4 4v1.5A9 9 0 0 0 12 3Zm0 3a3.5 3.5 0 1 1-3.5 3.5A3.4 3.4 0 0 1 12 6Z\"/></svg>";

void AppendHead(std::string* out, const PageOptions& options) {
  *out +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>";
  if (!options.title.empty() && options.title != kServiceName) {
    AppendEscaped(out, options.title);
    *out += " \xE2\x80\x93 ";  // en dash
  }
  *out += kServiceName;
  *out +=
      "</title>\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1, "
      "viewport-fit=cover\">\n"
      "<meta name=\"theme-color\" content=\"#005eb8\">\n"
      // No favicon request (the package's icons are the NHS logo).
      "<link rel=\"icon\" href=\"data:,\">\n"
      "<link rel=\"stylesheet\" href=\"";
  *out += AssetUrl("/assets/nhsuk.min.css");
  *out += "\">\n</head>\n";
}

void AppendAccount(std::string* out, const PageOptions& options) {
  *out +=
      "<nav class=\"nhsuk-header__account\" aria-label=\"Account\">\n"
      "<ul class=\"nhsuk-header__account-list\">\n"
      "<li class=\"nhsuk-header__account-item\">";
  *out += kUserIcon;
  *out += "<span class=\"nhsuk-u-visually-hidden\">Signed in as </span>";
  AppendEscaped(out, options.user_name);
  *out += "</li>\n";
  if (!options.user_role.empty()) {
    *out += "<li class=\"nhsuk-header__account-item\">";
    *out += "<span class=\"nhsuk-u-visually-hidden\">Role: </span>";
    AppendEscaped(out, options.user_role);
    *out += "</li>\n";
  }
  *out +=
      "<li class=\"nhsuk-header__account-item\">\n"
      "<form class=\"nhsuk-header__account-form\" action=\"/logout\" method=\"post\" novalidate>\n"
      "<input type=\"hidden\" name=\"csrf\"";
  AppendAttribute(out, "value", options.csrf_token);
  *out +=
      ">\n<button class=\"nhsuk-header__account-button\">Sign out</button>\n</form>\n</li>\n"
      "</ul>\n</nav>\n";
}

void AppendNavigation(std::string* out, const PageOptions& options) {
  *out +=
      "<nav class=\"nhsuk-header__navigation\" aria-label=\"Menu\">\n"
      "<div class=\"nhsuk-header__navigation-container nhsuk-width-container\">\n"
      "<ul class=\"nhsuk-header__navigation-list\">\n";
  for (const auto& [href, label] : options.nav) {
    bool current = !options.current_href.empty() && href == options.current_href;
    *out += current ? "<li class=\"nhsuk-header__navigation-item "
                      "nhsuk-header__navigation-item--current\">"
                    : "<li class=\"nhsuk-header__navigation-item\">";
    *out += "<a class=\"nhsuk-header__navigation-link\"";
    AppendAttribute(out, "href", IsSafeHref(href) ? std::string_view(href) : "#");
    if (current) *out += " aria-current=\"page\"";
    *out += ">";
    if (current) *out += "<strong class=\"nhsuk-header__navigation-item-current-fallback\">";
    AppendEscaped(out, label);
    if (current) *out += "</strong>";
    *out += "</a></li>\n";
  }
  *out +=
      "<li class=\"nhsuk-header__menu\" hidden>\n"
      "<button class=\"nhsuk-header__menu-toggle nhsuk-header__navigation-link\" "
      "id=\"toggle-menu\" aria-expanded=\"false\">"
      "<span class=\"nhsuk-u-visually-hidden\">Browse </span>More</button>\n"
      "</li>\n</ul>\n</div>\n</nav>\n";
}

void AppendHeader(std::string* out, const PageOptions& options) {
  *out +=
      "<a class=\"nhsuk-skip-link\" data-module=\"nhsuk-skip-link\" href=\"#maincontent\">"
      "Skip to main content</a>\n"
      "<header class=\"nhsuk-header\" data-module=\"nhsuk-header\" role=\"banner\">\n"
      "<div class=\"nhsuk-header__container nhsuk-width-container\">\n"
      "<div class=\"nhsuk-header__service\">\n"
      "<a class=\"nhsuk-header__service-name\" href=\"/\">";
  *out += kServiceName;
  *out += "</a>\n</div>\n";
  if (options.signed_in) AppendAccount(out, options);
  *out += "</div>\n";
  if (!options.nav.empty()) AppendNavigation(out, options);
  *out += "</header>\n";
}

}  // namespace

std::string RenderPage(const PageOptions& options, std::string_view main_html) {
  std::string out;
  out.reserve(4096 + main_html.size());
  AppendHead(&out, options);
  out += "<body>\n";
  AppendHeader(&out, options);
  out += "<div class=\"nhsuk-width-container\">\n";
  if (options.notice.empty()) {
    out += "<main class=\"nhsuk-main-wrapper\" id=\"maincontent\">\n";
  } else {
    // The callout's own bottom margin separates it from main, which then needs no top padding.
    out += "<div class=\"nhsuk-u-margin-top-5\">\n";
    out += RenderWarningCallout("Important", options.notice, "notice-heading");
    out += "</div>\n<main class=\"nhsuk-main-wrapper nhsuk-u-padding-top-0\" id=\"maincontent\">\n";
  }
  out += main_html;
  out +=
      "\n</main>\n</div>\n"
      "<footer class=\"nhsuk-footer\" role=\"contentinfo\">\n"
      "<div class=\"nhsuk-width-container\">\n<div class=\"nhsuk-footer__meta\">\n"
      "<p class=\"nhsuk-body-s\">";
  out += kServiceName;
  out +=
      ": the electronic patient record for healthcare in detention</p>\n"
      "</div>\n</div>\n</footer>\n"
      "<script type=\"module\" src=\"";
  out += AssetUrl("/assets/throughcare.js");
  out += "\"></script>\n</body>\n</html>\n";
  return out;
}

http::Response HtmlResponse(std::string html, int status) {
  http::Response r;
  r.status = status;
  r.SetHeader("Content-Type", "text/html; charset=utf-8");
  r.body = std::move(html);
  return r;
}

}  // namespace tc::web
