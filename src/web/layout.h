// File: web/layout.h
//
// The page layout of the web UI (DESIGN.md decision 9): a complete HTML5 document in NHS.UK
// frontend markup, after nhsuk-frontend's page template (dist/nhsuk/template.njk) and the
// skip-link, header, footer and warning-callout fixtures:
//
//   <html lang="en">  head: title "<title> – Throughcare", viewport, the CSS from /assets
//   skip link "Skip to main content" (the first Tab stop) → #maincontent
//   header: service name "Throughcare" (linked to /, and no NHS logo: its use is for NHS
//           organisations); when signed in, an account area with the user's name and role and a
//           "Sign out" form (POST /logout, hidden input `csrf`); navigation links if any
//   notice: a warning callout (a labelled region) when options.notice is set
//   <main class="nhsuk-main-wrapper" id="maincontent"> main_html </main>  in a width container
//   footer; the page script from /assets (an ES module; the page works without it)
//
//   PageOptions page{.title = "Sign in"};
//   std::string html = RenderPage(page, "<h1 class=\"nhsuk-heading-l\">Sign in</h1>...");
//   return HtmlResponse(std::move(html));
//
// Every string in PageOptions is plain text and is escaped here; `main_html` is trusted markup
// built by the caller (escape what goes into it with web/html.h). Navigation hrefs that are not
// IsSafeHref are rendered as "#". A page that shows form errors should put RenderErrorSummary
// first in main_html and start its title with "Error: ".
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"
#include "web/components.h"  // RenderErrorSummary, RenderInput, RenderWarningCallout

namespace tc::web {

struct PageOptions {
  std::string title;       // this page's title, e.g. "Sign in"; "" = just "Throughcare"
  std::string user_name;   // shown in the header when signed_in
  std::string user_role;   // shown in the header when signed_in (a display name, not a code)
  std::string csrf_token;  // value of the sign-out form's hidden `csrf` input
  bool signed_in = false;  // show the account area and the sign-out form
  std::vector<std::pair<std::string, std::string>> nav;  // header navigation (href, label)
  std::string notice;        // e.g. the break-glass banner text; "" = none
  std::string current_href;  // the nav item with this href is marked aria-current="page"
};

// The whole document for one page.
std::string RenderPage(const PageOptions& options, std::string_view main_html);

// A response carrying `html` as `text/html; charset=utf-8`.
http::Response HtmlResponse(std::string html, int status = 200);

}  // namespace tc::web
