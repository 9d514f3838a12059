// File: web/html.h
//
// HTML escaping for server-rendered pages (DESIGN.md decision 9). Every string that did not come
// from a literal in our own code — names, roles, notices, form values, messages, ids — goes
// through one of these before it is concatenated into markup. Our markup always double-quotes
// attribute values.
//
//   std::string html = "<p>Hello, ";
//   AppendEscaped(&html, user_name);          // text content
//   html += "</p><input value=\"";
//   AppendEscapedAttribute(&html, value);     // inside "..."
//   html += "\">";
//
// Escaping makes text inert; it does not make a URL safe to follow: check hrefs that come from
// data with IsSafeHref before putting them in href/src/action.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace tc::web {

// Text content: & < > " ' become &amp; &lt; &gt; &quot; &#39;, and NUL (never valid in HTML)
// becomes U+FFFD. Every other byte, including UTF-8 sequences, is copied unchanged.
std::string EscapeHtml(std::string_view text);
void AppendEscaped(std::string* out, std::string_view text);

// A double-quoted attribute value: as EscapeHtml, and also ` (&#96;), which old Internet
// Explorer treated as an attribute delimiter, plus CR/LF/TAB as character references so the
// value round-trips exactly.
std::string EscapeAttribute(std::string_view value);
void AppendEscapedAttribute(std::string* out, std::string_view value);

// Appends ` name="value"` with `value` escaped. `name` must be a literal from our own code.
void AppendAttribute(std::string* out, std::string_view name, std::string_view value);

// True for a link target that cannot run script or leave for another origin implicitly: a path
// ("/x", not "//host"), a fragment ("#x"), a query ("?x"), or an absolute http(s) URL. Anything
// else (javascript:, data:, vbscript:, scheme-relative "//host", backslashes, control
// characters) is false.
bool IsSafeHref(std::string_view href);

}  // namespace tc::web
