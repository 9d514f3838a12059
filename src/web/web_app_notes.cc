// WebApp: clinical notes (web/web_app.h). A note is a Composition (LOINC 11506-3 "Progress
// note") whose one section holds the text as safe XHTML; writing it signs it (status final,
// author and time); amending writes a new version (status amended) and the history shows every
// version, so what was first written is never lost. Reads and writes go through the access layer.
#include <algorithm>

#include "absl/strings/str_split.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "engine/errors.h"
#include "engine/query_string.h"
#include "fhir/json.h"
#include "web/html.h"
#include "web/layout.h"
#include "web/page_parts.h"
#include "web/record_parts.h"
#include "web/web_app.h"
#include "web/web_app_context.h"

namespace tc::web {
namespace {

using fhir::Value;

constexpr size_t kMaxNoteChars = 10000;

// The note text as XHTML narrative: one paragraph per line, every character escaped.
std::string NoteXhtml(std::string_view text) {
  std::string div = "<div xmlns=\"http://www.w3.org/1999/xhtml\">";
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    std::string l(line.data(), line.size());
    if (!l.empty() && l.back() == '\r') l.pop_back();
    div += "<p>" + EscapeHtml(l) + "</p>";
  }
  return div + "</div>";
}

// The note's text back from its narrative (the paragraphs, one per line).
std::string NoteText(const Value& composition) {
  const Value* sections = composition.Find("section");
  if (sections == nullptr || !sections->is_array() || sections->size() == 0) return "";
  const Value* text = sections->array()[0].Find("text");
  std::string div(text ? text->GetString("div") : "");
  std::string out;
  size_t pos = 0;
  while ((pos = div.find("<p>", pos)) != std::string::npos) {
    const size_t end = div.find("</p>", pos);
    if (end == std::string::npos) break;
    std::string para = div.substr(pos + 3, end - pos - 3);
    // Undo EscapeHtml.
    std::string plain;
    for (size_t i = 0; i < para.size(); ++i) {
      if (para[i] != '&') {
        plain.push_back(para[i]);
        continue;
      }
      const size_t semi = para.find(';', i);
      const std::string ent = semi == std::string::npos ? "" : para.substr(i, semi - i + 1);
      const char* rep = ent == "&amp;"    ? "&"
                        : ent == "&lt;"   ? "<"
                        : ent == "&gt;"   ? ">"
                        : ent == "&quot;" ? "\""
                        : ent == "&#39;"  ? "'"
                                          : nullptr;
      if (rep != nullptr) {
        plain += rep;
        i = semi;
      } else {
        plain.push_back('&');
      }
    }
    if (!out.empty()) out += "\n";
    out += plain;
    pos = end + 4;
  }
  return out;
}

// The text as one paragraph per line (no inline styles: the CSP forbids them).
std::string Paragraphs(const std::string& text) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    out += "<p class=\"nhsuk-body\">" + EscapeHtml(std::string(line.data(), line.size())) + "</p>";
  }
  return out;
}

std::string AuthorOf(const Value& c) {
  if (const Value* a = c.Find("author"); a && a->is_array() && a->size()) {
    return std::string(a->array()[0].GetString("display"));
  }
  return "";
}

}  // namespace

http::Response WebApp::NotesPage(Context& ctx, const http::Request& request,
                                 const std::string& patient_id, const std::string& rest) {
  std::vector<std::string> parts;
  for (absl::string_view p : absl::StrSplit(rest, '/', absl::SkipEmpty())) parts.emplace_back(p);
  const std::string note_id = parts.size() == 2 ? parts[0] : "";
  const std::string action = parts.empty() ? "" : parts.back();
  if (!base::IsValidFhirId(patient_id) || (!note_id.empty() && !base::IsValidFhirId(note_id)) ||
      !(parts.empty() || (parts.size() == 1 && action == "new") ||
        (parts.size() == 2 && (action == "amend" || action == "history")))) {
    return Page(ctx, 404, "Page not found", "<h1 class=\"nhsuk-heading-l\">Page not found</h1>");
  }
  std::unique_ptr<access::RequestGuard> guard = GuardFor(ctx);
  const std::string resource = "Patient/" + patient_id;
  std::variant<engine::ReadResult, http::Response> opened = OpenPatient(ctx, *guard, patient_id);
  if (auto* refused = std::get_if<http::Response>(&opened)) return std::move(*refused);
  engine::ReadResult* patient = &std::get<engine::ReadResult>(opened);
  absl::StatusOr<Value> p = fhir::ParseJson(patient->content);
  const std::string name = p.ok() ? PatientName(*p) : patient_id;
  const std::string back = "<a class=\"nhsuk-back-link\" href=\"/patients/" +
                           EscapeAttribute(patient_id) + "/notes\">Back to notes</a>";

  // The note being amended or shown (checked to be this patient's and open to the user).
  std::optional<engine::ReadResult> note;
  if (!note_id.empty()) {
    absl::StatusOr<engine::ReadResult> n = deps_.repository.Read("Composition", note_id);
    if (!n.ok() || n->patient_compartment != patient_id) {
      return Page(ctx, 404, "Page not found", "<h1>Not known</h1>");
    }
    if (absl::Status s = guard->AllowResource(auth::Action::kRead, *n); !s.ok()) {
      guard->Finish("read", "Composition/" + note_id, "", 403, std::string(s.message()));
      return Page(ctx, 403, "Not available", "<h1>You cannot see this note</h1>");
    }
    note = std::move(*n);
  }

  if (action == "history") {
    engine::HistoryOptions ho;
    ho.count = 100;
    absl::StatusOr<store::HistoryPage> h = deps_.repository.History("Composition", note_id, ho);
    if (!h.ok()) return Page(ctx, 500, "Sorry, there is a problem", "<h1>Sorry</h1>");
    guard->FilterHistory(*h);
    std::string main = back + "<h1 class=\"nhsuk-heading-l\">History of a note</h1>";
    for (const store::StoredVersion& v : h->versions) {
      absl::StatusOr<Value> c = fhir::ParseJson(v.content);
      if (!c.ok()) continue;
      main +=
          "<div class=\"nhsuk-card\"><div class=\"nhsuk-card__content\"><h2 "
          "class=\"nhsuk-card__heading nhsuk-heading-s\">Version " +
          std::to_string(v.version) + " (" + EscapeHtml(c->GetString("status")) + "), " +
          EscapeHtml(When(v.last_updated)) + " UTC, by " + EscapeHtml(AuthorOf(*c)) + "</h2>" +
          Paragraphs(NoteText(*c)) + "</div></div>";
    }
    guard->Finish("history-instance", "Composition/" + note_id, "", 200);
    return Page(ctx, 200, "History of a note", main);
  }

  if (action == "new" || action == "amend") {
    std::string title, text, error;
    if (note) {
      absl::StatusOr<Value> c = fhir::ParseJson(note->content);
      if (c.ok()) {
        title = std::string(c->GetString("title"));
        text = NoteText(*c);
      }
    }
    if (request.method == "POST") {
      const engine::QueryParams form = engine::ParseQueryString(request.body);
      title = FormField(form, "title");
      text = FormField(form, "text");
      if (text.empty()) {
        error = "Enter the note";
      } else if (text.size() > kMaxNoteChars) {
        error = "The note must be 10,000 characters or fewer";
      } else {
        Value c = Value::Object();
        c.Set("resourceType", Str("Composition"));
        if (note) c.Set("id", Str(note_id));
        c.Set("status", Str(note ? "amended" : "final"));
        c.Set("type", Concept("http://loinc.org", "11506-3", "Progress note"));
        c.Set("subject", Ref(resource));
        c.Set("date", Str(base::FormatInstant(deps_.clock.Now())));
        Value author = Value::Object();
        author.Set("display", Str(ctx.user->display_name + " (" +
                                  std::string(auth::RoleId(ctx.user->role)) + ")"));
        Value authors = Value::MakeArray();
        authors.Append(std::move(author));
        c.Set("author", std::move(authors));
        c.Set("title", Str(title.empty() ? "Clinical note" : title));
        Value narrative = Value::Object();
        narrative.Set("status", Str("generated"));
        narrative.Set("div", Str(NoteXhtml(text)));
        Value section = Value::Object();
        section.Set("title", Str("Note"));
        section.Set("text", std::move(narrative));
        c.Set("section", ListOf(std::move(section)));
        engine::WriteOptions wo;
        wo.hooks = guard.get();
        if (note) wo.if_match_version = note->version;  // never overwrite an amendment unseen
        absl::StatusOr<engine::WriteResult> w =
            note ? deps_.repository.Update("Composition", note_id, std::move(c), wo)
                 : deps_.repository.Create("Composition", std::move(c), wo);
        guard->Finish(note ? "update" : "create", "Composition", "",
                      w.ok() ? (note ? 200 : 201) : engine::HttpStatusOf(w.status()),
                      w.ok() ? "" : std::string(w.status().message()));
        if (w.ok()) return Redirect("/patients/" + patient_id + "/notes");
        error = absl::IsFailedPrecondition(w.status())
                    ? "Someone amended this note while you were writing: reload it and try again"
                    : std::string(w.status().message());
      }
    }
    std::string main = back + "<h1 class=\"nhsuk-heading-l\">" +
                       std::string(note ? "Amend a note" : "Write a note") + "</h1><p>For " +
                       EscapeHtml(name) + ".</p>";
    if (!error.empty()) main += RenderErrorSummary({{"text", error}});
    InputField t;
    t.id = "title";
    t.label = "Title (optional)";
    t.value = title;
    t.autocomplete = "off";
    std::string area = std::string("<div class=\"nhsuk-form-group") +
                       (error.empty() ? "" : " nhsuk-form-group--error") +
                       "\"><label class=\"nhsuk-label\" for=\"text\">Note</label>";
    if (!error.empty()) {
      area +=
          "<span class=\"nhsuk-error-message\" id=\"text-error\"><span "
          "class=\"nhsuk-u-visually-hidden\">Error:</span> " +
          EscapeHtml(error) + "</span>";
    }
    area += std::string("<textarea class=\"nhsuk-textarea") +
            (error.empty() ? "" : " nhsuk-textarea--error") +
            "\" id=\"text\" name=\"text\" rows=\"10\"" +
            (error.empty() ? "" : " aria-describedby=\"text-error\"") + ">" + EscapeHtml(text) +
            "</textarea></div>";
    const std::string action_url =
        "/patients/" + patient_id + "/notes/" + (note ? note_id + "/amend" : std::string("new"));
    main += "<form method=\"post\" action=\"" + EscapeAttribute(action_url) +
            "\" novalidate><input type=\"hidden\" name=\"csrf\" value=\"" +
            EscapeAttribute(ctx.csrf) + "\">" + RenderInput(t) + area +
            "<button class=\"nhsuk-button\" data-module=\"nhsuk-button\" type=\"submit\" "
            "data-prevent-double-click=\"true\">Sign and save</button></form>";
    return Page(ctx, error.empty() ? 200 : 400, note ? "Amend a note" : "Write a note", main);
  }

  // The list, newest first.
  engine::SearchOptions so;
  so.count = 100;
  so.strict = true;
  so.patient_compartment = patient_id;
  so.restrict = guard->SearchRestriction();
  absl::StatusOr<engine::SearchOutcome> found =
      deps_.repository.Search("Composition", {{"_sort", "-date"}}, so);
  if (!found.ok()) return Page(ctx, 500, "Sorry, there is a problem", "<h1>Sorry</h1>");
  guard->FilterOutcome(auth::Action::kSearch, *found, /*restricted_in_query=*/true);
  std::string main = "<a class=\"nhsuk-back-link\" href=\"/patients/" +
                     EscapeAttribute(patient_id) +
                     "\">Back to the record</a><h1 "
                     "class=\"nhsuk-heading-l\">Notes for " +
                     EscapeHtml(name) + "</h1><a class=\"nhsuk-button\" href=\"/patients/" +
                     EscapeAttribute(patient_id) + "/notes/new\">Write a note</a>";
  if (found->matches.empty()) main += "<p class=\"nhsuk-body\">No notes yet.</p>";
  for (const engine::ReadResult& r : found->matches) {
    absl::StatusOr<Value> c = fhir::ParseJson(r.content);
    if (!c.ok()) continue;
    const bool amended = c->GetString("status") == "amended";
    std::string date;
    if (auto t = base::ParseFhirDateTime(c->GetString("date"))) date = When(*t);
    main +=
        "<div class=\"nhsuk-card\"><div class=\"nhsuk-card__content\"><h2 "
        "class=\"nhsuk-card__heading nhsuk-heading-m\">" +
        EscapeHtml(c->GetString("title")) + "</h2><p class=\"nhsuk-body-s\">" + EscapeHtml(date) +
        " UTC, " + EscapeHtml(AuthorOf(*c)) +
        (amended ? " — <strong class=\"nhsuk-tag\">Amended</strong>" : "") + "</p>" +
        Paragraphs(NoteText(*c)) + "<p><a href=\"/patients/" + EscapeAttribute(patient_id) +
        "/notes/" + EscapeAttribute(r.id) +
        "/amend\">Amend<span class=\"nhsuk-u-visually-hidden\"> this note</span></a>" +
        (amended ? " · <a href=\"/patients/" + EscapeAttribute(patient_id) + "/notes/" +
                       EscapeAttribute(r.id) +
                       "/history\">History<span class=\"nhsuk-u-visually-hidden\"> of this "
                       "note</span></a>"
                 : "") +
        "</p></div></div>";
  }
  guard->Finish("search-type", "Composition", "patient=" + resource, 200);
  return Page(ctx, 200, "Notes", main);
}

}  // namespace tc::web
