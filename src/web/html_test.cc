#include "web/html.h"

#include <string>

#include "gtest/gtest.h"

namespace tc::web {
namespace {

TEST(WebHtmlTest, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(EscapeHtml("a & b < c > d \" e ' f"), "a &amp; b &lt; c &gt; d &quot; e &#39; f");
  EXPECT_EQ(EscapeHtml("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(EscapeHtml("&amp;"), "&amp;amp;");  // never "already escaped"
}

TEST(WebHtmlTest, LeavesOtherTextAndUtf8Alone) {
  EXPECT_EQ(EscapeHtml(""), "");
  EXPECT_EQ(EscapeHtml("Jörg O’Neill – ward 3"), "Jörg O’Neill – ward 3");
  EXPECT_EQ(EscapeHtml("`backtick` and\nnewline"), "`backtick` and\nnewline");
}

TEST(WebHtmlTest, ReplacesNul) {
  EXPECT_EQ(EscapeHtml(std::string("a\0b", 3)),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(WebHtmlTest, AttributeEscapingAlsoCoversBacktickAndWhitespaceControls) {
  EXPECT_EQ(EscapeAttribute("\" onmouseover=\"x"), "&quot; onmouseover=&quot;x");
  EXPECT_EQ(EscapeAttribute("a`b"), "a&#96;b");
  EXPECT_EQ(EscapeAttribute("a\r\n\tb"), "a&#13;&#10;&#9;b");
  EXPECT_EQ(EscapeAttribute("<'&>"), "&lt;&#39;&amp;&gt;");
}

TEST(WebHtmlTest, AppendsToExistingOutput) {
  std::string out = "<p>";
  AppendEscaped(&out, "1 < 2");
  out += "</p><a";
  AppendAttribute(&out, "title", "say \"hi\"");
  out += ">";
  EXPECT_EQ(out, "<p>1 &lt; 2</p><a title=\"say &quot;hi&quot;\">");
  std::string attr;
  AppendEscapedAttribute(&attr, "x'y");
  EXPECT_EQ(attr, "x&#39;y");
}

TEST(WebHtmlTest, SafeHrefs) {
  EXPECT_TRUE(IsSafeHref("/"));
  EXPECT_TRUE(IsSafeHref("/patients?q=smith"));
  EXPECT_TRUE(IsSafeHref("#main"));
  EXPECT_TRUE(IsSafeHref("?page=2"));
  EXPECT_TRUE(IsSafeHref("https://example.org/x"));
  EXPECT_TRUE(IsSafeHref("HTTP://example.org/"));
  EXPECT_FALSE(IsSafeHref(""));
  EXPECT_FALSE(IsSafeHref("javascript:alert(1)"));
  EXPECT_FALSE(IsSafeHref("JavaScript:alert(1)"));
  EXPECT_FALSE(IsSafeHref(" javascript:alert(1)"));
  EXPECT_FALSE(IsSafeHref("java\tscript:alert(1)"));
  EXPECT_FALSE(IsSafeHref("data:text/html,<script>"));
  EXPECT_FALSE(IsSafeHref("//evil.example/"));
  EXPECT_FALSE(IsSafeHref("/\\evil.example/"));
  EXPECT_FALSE(IsSafeHref("patients"));  // relative paths: ambiguous, not used by our pages
}

}  // namespace
}  // namespace tc::web
