// File: web/components.h
//
// NHS.UK frontend components rendered as HTML fragments, following the markup of the
// `nhsuk-frontend` component fixtures (node_modules/nhsuk-frontend/dist/nhsuk/components/
// */fixtures.json): error summary, text and password inputs, warning callout. Every string
// argument is plain text and is escaped here; none is trusted as HTML.
//
//   std::string html = RenderErrorSummary({{"username", "Enter your username"}});
//   html += RenderInput({.id = "username", .label = "Username", .error = "Enter your username",
//                        .autocomplete = "username"});
//   html += RenderInput({.id = "password", .label = "Password", .type = "password"});
//
// The page layout (web/layout.h) includes this header, so a page needs only that one.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tc::web {

// The error summary, for the top of <main> on a page whose form has errors: heading "There is a
// problem" and one link per error to "#" + field id (the input's id, see InputField::id).
// `errors` are (field id, message) pairs; the messages should match each field's own error.
// Returns "" when `errors` is empty. (The page title should then start with "Error: ".)
std::string RenderErrorSummary(const std::vector<std::pair<std::string, std::string>>& errors);

// One labelled input ("nhsuk-input" component; "nhsuk-password-input" when type is "password",
// with its Show/Hide toggle, hidden until the page script enables it).
struct InputField {
  std::string id;             // the element id; REQUIRED, unique on the page
  std::string name;           // the form field name; "" = id
  std::string label;          // the visible label text; REQUIRED (WCAG 1.3.1, 3.3.2)
  std::string hint;           // "" = none; otherwise linked by aria-describedby
  std::string error;          // "" = valid; otherwise the error message and the error state classes
  std::string value;          // the current value ("" = none). Never echo a password back.
  std::string type = "text";  // text, password, email, tel, search, number, url
  // The autocomplete token (e.g. "username", "current-password", "off"); "" = omitted, except
  // for passwords, which default to "current-password".
  std::string autocomplete;
  bool label_is_page_heading = false;  // wrap the label in the page's <h1> (large label)
  int width = 0;           // 2, 3, 4, 5, 10, 20 or 30 characters (nhsuk-input--width-N); 0 full
  bool spellcheck = true;  // false writes spellcheck="false" (codes, identifiers)
};
std::string RenderInput(const InputField& field);

// The warning callout (a yellow "nhsuk-card--warning" card) with a heading and one paragraph.
// A heading that does not say "important" gets a visually hidden "Important: " prefix, as the
// component does. A non-empty `heading_id` is set on the heading and makes the card a region
// landmark labelled by it, so it may stand outside <main> (the layout's notice).
std::string RenderWarningCallout(std::string_view heading, std::string_view text,
                                 std::string_view heading_id = "", int heading_level = 2);

}  // namespace tc::web
