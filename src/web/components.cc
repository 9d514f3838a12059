#include "web/components.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "web/html.h"

namespace tc::web {
namespace {

bool ContainsImportant(std::string_view text) {
  return text.find("Important") != std::string_view::npos ||
         text.find("important") != std::string_view::npos;
}

bool IsSupportedWidth(int width) {
  switch (width) {
    case 2:
    case 3:
    case 4:
    case 5:
    case 10:
    case 20:
    case 30:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string RenderErrorSummary(const std::vector<std::pair<std::string, std::string>>& errors) {
  if (errors.empty()) return "";
  std::string out =
      "<div class=\"nhsuk-error-summary\" data-module=\"nhsuk-error-summary\">\n"
      "<div role=\"alert\">\n"
      "<h2 class=\"nhsuk-error-summary__heading\">There is a problem</h2>\n"
      "<div class=\"nhsuk-error-summary__body\">\n"
      "<ul class=\"nhsuk-list nhsuk-error-summary__list\">\n";
  for (const auto& [field_id, message] : errors) {
    out += "<li><a href=\"#";
    AppendEscapedAttribute(&out, field_id);
    out += "\">";
    AppendEscaped(&out, message);
    out += "</a></li>\n";
  }
  out += "</ul>\n</div>\n</div>\n</div>\n";
  return out;
}

std::string RenderInput(const InputField& field) {
  const bool password = field.type == "password";
  const bool error = !field.error.empty();
  const std::string& name = field.name.empty() ? field.id : field.name;
  std::string describedby;
  if (!field.hint.empty()) describedby = field.id + "-hint";
  if (error) describedby += (describedby.empty() ? "" : " ") + field.id + "-error";

  std::string out = "<div class=\"nhsuk-form-group";
  if (error) out += " nhsuk-form-group--error";
  if (password) out += " nhsuk-password-input\" data-module=\"nhsuk-password-input";
  out += "\">\n";

  if (field.label_is_page_heading) out += "<h1 class=\"nhsuk-label-wrapper\">\n";
  out += field.label_is_page_heading ? "<label class=\"nhsuk-label nhsuk-label--l\""
                                     : "<label class=\"nhsuk-label\"";
  AppendAttribute(&out, "for", field.id);
  out += ">";
  AppendEscaped(&out, field.label);
  out += "</label>\n";
  if (field.label_is_page_heading) out += "</h1>\n";

  if (!field.hint.empty()) {
    out += "<div class=\"nhsuk-hint\"";
    AppendAttribute(&out, "id", field.id + "-hint");
    out += ">";
    AppendEscaped(&out, field.hint);
    out += "</div>\n";
  }
  if (error) {
    out += "<span class=\"nhsuk-error-message\"";
    AppendAttribute(&out, "id", field.id + "-error");
    out += "><span class=\"nhsuk-u-visually-hidden\">Error: </span>";
    AppendEscaped(&out, field.error);
    out += "</span>\n";
  }

  if (password) out += "<div class=\"nhsuk-input-wrapper\">\n";
  out += "<input class=\"nhsuk-input";
  if (error) out += " nhsuk-input--error";
  if (IsSupportedWidth(field.width)) out += " nhsuk-input--width-" + std::to_string(field.width);
  if (password) out += " nhsuk-password-input__input nhsuk-js-password-input-input";
  out += "\"";
  AppendAttribute(&out, "id", field.id);
  AppendAttribute(&out, "name", name);
  AppendAttribute(&out, "type", field.type.empty() ? "text" : field.type);
  if (password || !field.spellcheck) out += " spellcheck=\"false\"";
  if (!field.value.empty()) AppendAttribute(&out, "value", field.value);
  if (!describedby.empty()) AppendAttribute(&out, "aria-describedby", describedby);
  if (!field.autocomplete.empty()) {
    AppendAttribute(&out, "autocomplete", field.autocomplete);
  } else if (password) {
    out += " autocomplete=\"current-password\"";
  }
  if (password) out += " autocapitalize=\"none\"";
  out += ">\n";
  if (password) {
    out +=
        "<button class=\"nhsuk-button nhsuk-button--secondary nhsuk-button--small "
        "nhsuk-password-input__toggle nhsuk-js-password-input-toggle\" "
        "data-module=\"nhsuk-button\" "
        "type=\"button\" aria-label=\"Show password\"";
    AppendAttribute(&out, "aria-controls", field.id);
    out += " hidden>Show</button>\n</div>\n";
  }
  out += "</div>\n";
  return out;
}

std::string RenderWarningCallout(std::string_view heading, std::string_view text,
                                 std::string_view heading_id, int heading_level) {
  if (heading_level < 1 || heading_level > 6) heading_level = 2;
  const std::string level = std::to_string(heading_level);
  std::string out = "<div class=\"nhsuk-card nhsuk-card--warning\"";
  if (!heading_id.empty()) {
    out += " role=\"region\"";
    AppendAttribute(&out, "aria-labelledby", heading_id);
  }
  out += ">\n<div class=\"nhsuk-card__content\">\n<h" + level + " class=\"nhsuk-card__heading\"";
  if (!heading_id.empty()) AppendAttribute(&out, "id", heading_id);
  out += ">";
  if (ContainsImportant(heading)) {
    AppendEscaped(&out, heading);
  } else {
    out += "<span role=\"text\"><span class=\"nhsuk-u-visually-hidden\">Important: </span>";
    AppendEscaped(&out, heading);
    out += "</span>";
  }
  out += "</h" + level + ">\n<p class=\"nhsuk-card__description\">";
  AppendEscaped(&out, text);
  out += "</p>\n</div>\n</div>\n";
  return out;
}

}  // namespace tc::web
