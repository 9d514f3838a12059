#include "web/layout.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "web/assets.h"
#include "web/home_page.h"

namespace tc::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kEvil[] = "<img src=x onerror=\"alert('1')\">&";
constexpr char kEvilText[] = "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;";

size_t Count(const std::string& haystack, std::string_view needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(WebLayoutTest, SignedOutPageSkeleton) {
  std::string html = RenderPage({.title = "Sign in"}, "<h1>Sign in</h1>");
  EXPECT_THAT(html, StartsWith("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                               "<meta charset=\"utf-8\">\n"));
  EXPECT_THAT(html, HasSubstr("<title>Sign in \xE2\x80\x93 Throughcare</title>"));
  EXPECT_THAT(html, HasSubstr("<meta name=\"viewport\""));
  // The skip link is the first focusable element of the body.
  size_t body = html.find("<body>");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(html.find("<a ", body),
            html.find("<a class=\"nhsuk-skip-link\" data-module=\"nhsuk-skip-link\" "
                      "href=\"#maincontent\">Skip to main content</a>"));
  EXPECT_THAT(html, HasSubstr("<header class=\"nhsuk-header\" data-module=\"nhsuk-header\" "
                              "role=\"banner\">"));
  EXPECT_THAT(html,
              HasSubstr("<a class=\"nhsuk-header__service-name\" href=\"/\">Throughcare</a>"));
  EXPECT_THAT(html,
              HasSubstr("<div class=\"nhsuk-width-container\">\n<main "
                        "class=\"nhsuk-main-wrapper\" id=\"maincontent\">\n<h1>Sign in</h1>"));
  EXPECT_THAT(html, HasSubstr("<footer class=\"nhsuk-footer\" role=\"contentinfo\">"));
  EXPECT_THAT(html, HasSubstr("</html>\n"));
  // Signed out: no account area, no navigation, no notice.
  EXPECT_THAT(html, Not(HasSubstr("nhsuk-header__account")));
  EXPECT_THAT(html, Not(HasSubstr("/logout")));
  EXPECT_THAT(html, Not(HasSubstr("nhsuk-header__navigation")));
  EXPECT_THAT(html, Not(HasSubstr("nhsuk-card--warning")));
}

TEST(WebLayoutTest, NoNhsLogo) {
  std::string html = RenderPage({.signed_in = true, .nav = {{"/a", "A"}}}, "");
  EXPECT_THAT(html, Not(HasSubstr("nhsuk-header__logo")));
  EXPECT_THAT(html, Not(HasSubstr("nhsuk-header__service-logo")));
  EXPECT_THAT(html, Not(HasSubstr("aria-label=\"NHS")));
  EXPECT_THAT(html, Not(HasSubstr("favicon")));
}

TEST(WebLayoutTest, LinksTheFingerprintedAssets) {
  std::string html = RenderPage({}, "");
  std::string css(AssetUrl("/assets/nhsuk.min.css"));
  std::string js(AssetUrl("/assets/throughcare.js"));
  EXPECT_NE(css, "/assets/nhsuk.min.css");
  EXPECT_THAT(html, HasSubstr("<link rel=\"stylesheet\" href=\"" + css + "\">"));
  EXPECT_THAT(html, HasSubstr("<script type=\"module\" src=\"" + js + "\"></script>\n</body>"));
  EXPECT_LT(html.find("stylesheet"), html.find("</head>"));
}

TEST(WebLayoutTest, TitleDefaultsToTheServiceName) {
  EXPECT_THAT(RenderPage({}, ""), HasSubstr("<title>Throughcare</title>"));
  EXPECT_THAT(RenderPage({.title = "Throughcare"}, ""), HasSubstr("<title>Throughcare</title>"));
}

TEST(WebLayoutTest, SignedInHeaderWithSignOutForm) {
  std::string html = RenderPage({.title = "Caseload",
                                 .user_name = "Florence Nightingale",
                                 .user_role = "Registered nurse",
                                 .csrf_token = "tok-123",
                                 .signed_in = true},
                                "");
  EXPECT_THAT(html, HasSubstr("<nav class=\"nhsuk-header__account\" aria-label=\"Account\">"));
  EXPECT_THAT(html, HasSubstr("Signed in as </span>Florence Nightingale</li>"));
  EXPECT_THAT(html, HasSubstr("Role: </span>Registered nurse</li>"));
  EXPECT_THAT(html, HasSubstr("<form class=\"nhsuk-header__account-form\" action=\"/logout\" "
                              "method=\"post\" novalidate>\n<input type=\"hidden\" name=\"csrf\" "
                              "value=\"tok-123\">\n<button class=\"nhsuk-header__account-button\">"
                              "Sign out</button>\n</form>"));
  // The account area sits in the header, before main.
  EXPECT_LT(html.find("/logout"), html.find("<main"));
}

TEST(WebLayoutTest, Navigation) {
  std::string html = RenderPage(
      {.signed_in = true,
       .nav = {{"/caseload", "Caseload"}, {"/meds", "Medicines"}, {"javascript:alert(1)", "Bad"}},
       .current_href = "/meds"},
      "");
  EXPECT_THAT(html, HasSubstr("<nav class=\"nhsuk-header__navigation\" aria-label=\"Menu\">"));
  EXPECT_THAT(html, HasSubstr("<li class=\"nhsuk-header__navigation-item\"><a "
                              "class=\"nhsuk-header__navigation-link\" href=\"/caseload\">"
                              "Caseload</a></li>"));
  EXPECT_THAT(html, HasSubstr("<li class=\"nhsuk-header__navigation-item "
                              "nhsuk-header__navigation-item--current\"><a "
                              "class=\"nhsuk-header__navigation-link\" href=\"/meds\" "
                              "aria-current=\"page\"><strong "
                              "class=\"nhsuk-header__navigation-item-current-fallback\">Medicines"
                              "</strong></a></li>"));
  EXPECT_THAT(html, HasSubstr("href=\"#\">Bad</a>"));
  EXPECT_THAT(html, Not(HasSubstr("javascript:")));
  EXPECT_THAT(html, HasSubstr("<li class=\"nhsuk-header__menu\" hidden>"));
  EXPECT_EQ(Count(html, "aria-current"), 1u);
}

TEST(WebLayoutTest, NoticeIsAWarningCalloutBeforeMain) {
  std::string html =
      RenderPage({.notice = "Break-glass access: every record you open is reviewed."}, "<p>x</p>");
  size_t notice = html.find(
      "<div class=\"nhsuk-card nhsuk-card--warning\" role=\"region\" "
      "aria-labelledby=\"notice-heading\">");
  ASSERT_NE(notice, std::string::npos);
  EXPECT_LT(notice, html.find("<main"));
  EXPECT_GT(notice, html.find("</header>"));
  EXPECT_THAT(html, HasSubstr("Break-glass access: every record you open is reviewed."));
}

TEST(WebLayoutTest, EscapesEveryUserProvidedString) {
  std::string html = RenderPage({.title = kEvil,
                                 .user_name = kEvil,
                                 .user_role = kEvil,
                                 .csrf_token = "\"><script>alert(1)</script>",
                                 .signed_in = true,
                                 .nav = {{"/x\"onclick=\"y", kEvil}},
                                 .notice = kEvil,
                                 .current_href = "/x\"onclick=\"y"},
                                "<p>trusted</p>");
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, Not(HasSubstr("onclick=\"")));
  EXPECT_THAT(html, Not(HasSubstr("onerror=\"")));
  // title, name, role, nav label, notice
  EXPECT_EQ(Count(html, kEvilText), 5u);
  EXPECT_THAT(html, HasSubstr("<title>" + std::string(kEvilText)));
  EXPECT_THAT(html, HasSubstr("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
  EXPECT_THAT(html, HasSubstr("href=\"/x&quot;onclick=&quot;y\""));
  EXPECT_THAT(html, HasSubstr("<p>trusted</p>"));  // main_html is the caller's markup
}

TEST(WebLayoutTest, HtmlResponse) {
  http::Response r = HtmlResponse("<p>x</p>", 404);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.body, "<p>x</p>");
}

TEST(WebLayoutTest, HomePage) {
  http::Request get;
  get.method = "GET";
  get.path = "/";
  http::Response r = HomePage(get, "/fhir");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(r.body, HasSubstr("<title>Throughcare</title>"));
  EXPECT_THAT(r.body, HasSubstr("<h1>Throughcare</h1>"));
  EXPECT_THAT(r.body, HasSubstr("<a class=\"nhsuk-action-link\" href=\"/login\">"));
  EXPECT_THAT(r.body, HasSubstr("Sign in</span></a>"));
  EXPECT_THAT(r.body, HasSubstr("<a href=\"/fhir/metadata\"><code>/fhir/metadata</code></a>"));
  EXPECT_THAT(r.body, Not(HasSubstr("/logout")));

  http::Request post = get;
  post.method = "POST";
  http::Response p = HomePage(post, "/fhir");
  EXPECT_EQ(p.status, 405);
  EXPECT_EQ(p.Header("Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace tc::web
