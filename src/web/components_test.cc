#include "web/components.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tc::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kEvil[] = "<b onclick=\"x\">'&";
constexpr char kEvilText[] = "&lt;b onclick=&quot;x&quot;&gt;&#39;&amp;";

TEST(WebComponentsTest, ErrorSummaryMarkup) {
  std::string html = RenderErrorSummary(
      {{"username", "Enter your username"}, {"password", "Enter your password"}});
  EXPECT_THAT(html, HasSubstr("<div class=\"nhsuk-error-summary\" "
                              "data-module=\"nhsuk-error-summary\">"));
  EXPECT_THAT(html, HasSubstr("<div role=\"alert\">"));
  EXPECT_THAT(html,
              HasSubstr("<h2 class=\"nhsuk-error-summary__heading\">There is a problem</h2>"));
  EXPECT_THAT(html, HasSubstr("<ul class=\"nhsuk-list nhsuk-error-summary__list\">"));
  EXPECT_THAT(html, HasSubstr("<li><a href=\"#username\">Enter your username</a></li>"));
  EXPECT_THAT(html, HasSubstr("<li><a href=\"#password\">Enter your password</a></li>"));
  EXPECT_LT(html.find("#username"), html.find("#password"));
}

TEST(WebComponentsTest, ErrorSummaryEmptyWithoutErrors) { EXPECT_EQ(RenderErrorSummary({}), ""); }

TEST(WebComponentsTest, ErrorSummaryEscapesIdsAndMessages) {
  std::string html = RenderErrorSummary({{"a\"><script>", kEvil}});
  EXPECT_THAT(html, HasSubstr("href=\"#a&quot;&gt;&lt;script&gt;\""));
  EXPECT_THAT(html, HasSubstr(kEvilText));
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, Not(HasSubstr("<b ")));
}

TEST(WebComponentsTest, TextInputWithHintAndError) {
  std::string html = RenderInput({.id = "username",
                                  .label = "Username",
                                  .hint = "As given by your administrator",
                                  .error = "Enter your username",
                                  .value = "florence",
                                  .autocomplete = "username",
                                  .width = 20,
                                  .spellcheck = false});
  EXPECT_THAT(html, HasSubstr("<div class=\"nhsuk-form-group nhsuk-form-group--error\">"));
  EXPECT_THAT(html, HasSubstr("<label class=\"nhsuk-label\" for=\"username\">Username</label>"));
  EXPECT_THAT(html, HasSubstr("<div class=\"nhsuk-hint\" id=\"username-hint\">As given by your "
                              "administrator</div>"));
  EXPECT_THAT(html, HasSubstr("<span class=\"nhsuk-error-message\" id=\"username-error\">"
                              "<span class=\"nhsuk-u-visually-hidden\">Error: </span>"
                              "Enter your username</span>"));
  EXPECT_THAT(html, HasSubstr("<input class=\"nhsuk-input nhsuk-input--error "
                              "nhsuk-input--width-20\" id=\"username\" name=\"username\" "
                              "type=\"text\" spellcheck=\"false\" value=\"florence\" "
                              "aria-describedby=\"username-hint username-error\" "
                              "autocomplete=\"username\">"));
  // Order as in the component: label, hint, error message, input.
  EXPECT_LT(html.find("nhsuk-label"), html.find("nhsuk-hint"));
  EXPECT_LT(html.find("nhsuk-hint"), html.find("nhsuk-error-message"));
  EXPECT_LT(html.find("nhsuk-error-message"), html.find("<input"));
}

TEST(WebComponentsTest, PlainInputHasNoErrorStateOrDescription) {
  std::string html = RenderInput({.id = "q", .name = "query", .label = "Search"});
  EXPECT_THAT(html, HasSubstr("<div class=\"nhsuk-form-group\">"));
  EXPECT_THAT(html, HasSubstr("<input class=\"nhsuk-input\" id=\"q\" name=\"query\" "
                              "type=\"text\">"));
  EXPECT_THAT(html, Not(HasSubstr("error")));
  EXPECT_THAT(html, Not(HasSubstr("aria-describedby")));
  EXPECT_THAT(html, Not(HasSubstr("<h1")));
}

TEST(WebComponentsTest, LabelAsPageHeading) {
  std::string html =
      RenderInput({.id = "nhs", .label = "NHS number", .label_is_page_heading = true});
  EXPECT_THAT(html, HasSubstr("<h1 class=\"nhsuk-label-wrapper\">\n<label class=\"nhsuk-label "
                              "nhsuk-label--l\" for=\"nhs\">NHS number</label>\n</h1>"));
}

TEST(WebComponentsTest, PasswordInputFollowsThePasswordComponent) {
  std::string html = RenderInput(
      {.id = "password", .label = "Password", .error = "Enter your password", .type = "password"});
  EXPECT_THAT(html, HasSubstr("<div class=\"nhsuk-form-group nhsuk-form-group--error "
                              "nhsuk-password-input\" data-module=\"nhsuk-password-input\">"));
  EXPECT_THAT(html, HasSubstr("<div class=\"nhsuk-input-wrapper\">"));
  EXPECT_THAT(html, HasSubstr("<input class=\"nhsuk-input nhsuk-input--error "
                              "nhsuk-password-input__input nhsuk-js-password-input-input\" "
                              "id=\"password\" name=\"password\" type=\"password\" "
                              "spellcheck=\"false\" aria-describedby=\"password-error\" "
                              "autocomplete=\"current-password\" autocapitalize=\"none\">"));
  EXPECT_THAT(html, HasSubstr("aria-label=\"Show password\" aria-controls=\"password\" "
                              "hidden>Show</button>"));
  std::string fresh = RenderInput(
      {.id = "new", .label = "New password", .type = "password", .autocomplete = "new-password"});
  EXPECT_THAT(fresh, HasSubstr("autocomplete=\"new-password\""));
  EXPECT_THAT(fresh, Not(HasSubstr("current-password")));
}

TEST(WebComponentsTest, InputEscapesEveryUserString) {
  std::string html = RenderInput({.id = "x\"y",
                                  .name = "n\"><script>",
                                  .label = kEvil,
                                  .hint = kEvil,
                                  .error = kEvil,
                                  .value = "\"><script>alert(1)</script>",
                                  .type = "text\" onfocus=\"x",
                                  .autocomplete = "off\" autofocus=\"1"});
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, Not(HasSubstr("<b ")));
  EXPECT_THAT(html, Not(HasSubstr("onfocus=\"")));
  EXPECT_THAT(html, Not(HasSubstr("autofocus=\"")));
  EXPECT_THAT(html, HasSubstr("for=\"x&quot;y\""));
  EXPECT_THAT(html, HasSubstr("id=\"x&quot;y-hint\""));
  EXPECT_THAT(html, HasSubstr("name=\"n&quot;&gt;&lt;script&gt;\""));
  EXPECT_THAT(html, HasSubstr("value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
  // label, hint and error message
  size_t count = 0;
  for (size_t at = html.find(kEvilText); at != std::string::npos;
       at = html.find(kEvilText, at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 3u);
}

TEST(WebComponentsTest, WarningCallout) {
  std::string html = RenderWarningCallout("Important", "Break-glass access is recorded.");
  EXPECT_THAT(html, HasSubstr("<div class=\"nhsuk-card nhsuk-card--warning\">"));
  EXPECT_THAT(html, HasSubstr("<h2 class=\"nhsuk-card__heading\">Important</h2>"));
  EXPECT_THAT(html, HasSubstr("<p class=\"nhsuk-card__description\">Break-glass access is "
                              "recorded.</p>"));
  std::string custom = RenderWarningCallout("Emergency access", kEvil, "notice", 3);
  EXPECT_THAT(custom, HasSubstr("role=\"region\" aria-labelledby=\"notice\""));
  EXPECT_THAT(custom, HasSubstr("<h3 class=\"nhsuk-card__heading\" id=\"notice\"><span "
                                "role=\"text\"><span class=\"nhsuk-u-visually-hidden\">"
                                "Important: </span>Emergency access</span></h3>"));
  EXPECT_THAT(custom, HasSubstr(kEvilText));
  EXPECT_THAT(RenderWarningCallout(kEvil, "x"), HasSubstr(kEvilText));
}

}  // namespace
}  // namespace tc::web
