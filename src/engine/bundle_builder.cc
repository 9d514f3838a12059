#include "engine/bundle_builder.h"

#include "base/time_format.h"
#include "engine/errors.h"
#include "fhir/json.h"

namespace tc::engine {
namespace {

using fhir::Value;

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == ',';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string Link(const std::string& base_url, const std::string& path, const QueryParams& used,
                 int64_t count, int64_t offset) {
  std::string url = base_url + (path.empty() ? "" : "/" + path) + "?";
  for (const auto& [name, value] : used)
    url += PercentEncode(name) + "=" + PercentEncode(value) + "&";
  url += "_count=" + std::to_string(count) + "&_offset=" + std::to_string(offset);
  return url;
}

Value LinkEntry(const char* relation, std::string url) {
  Value link = Value::Object();
  link.Set("relation", Value::String(relation));
  link.Set("url", Value::String(std::move(url)));
  return link;
}

Value Paging(const std::string& base_url, const std::string& path, const QueryParams& used,
             int64_t total, int64_t count, int64_t offset) {
  Value links = Value::MakeArray();
  links.Append(LinkEntry("self", Link(base_url, path, used, count, offset)));
  if (count > 0 && offset + count < total) {
    links.Append(LinkEntry("next", Link(base_url, path, used, count, offset + count)));
  }
  if (offset > 0) {
    links.Append(LinkEntry("previous",
                           Link(base_url, path, used, count, offset > count ? offset - count : 0)));
  }
  return links;
}

std::string CursorLink(const std::string& base_url, const std::string& path,
                       const QueryParams& used, int64_t count, const std::string& cursor) {
  std::string url = base_url + (path.empty() ? "" : "/" + path) + "?";
  for (const auto& [name, value] : used)
    url += PercentEncode(name) + "=" + PercentEncode(value) + "&";
  url += "_count=" + std::to_string(count) + "&_cursor=" + PercentEncode(cursor);
  return url;
}

// Search paging: keyset cursors when the store gave them (stable while data changes), else
// offsets.
Value SearchPaging(const std::string& base_url, const std::string& path,
                   const SearchOutcome& outcome, int64_t count, int64_t offset) {
  Value links = Value::MakeArray();
  links.Append(LinkEntry("self", Link(base_url, path, outcome.used, count, offset)));
  if (!outcome.next_cursor.empty()) {
    links.Append(
        LinkEntry("next", CursorLink(base_url, path, outcome.used, count, outcome.next_cursor)));
  } else if (outcome.total >= 0 && count > 0 && offset + count < outcome.total &&
             outcome.matches.size() == static_cast<size_t>(count)) {
    links.Append(LinkEntry("next", Link(base_url, path, outcome.used, count, offset + count)));
  }
  if (!outcome.previous_cursor.empty()) {
    links.Append(LinkEntry(
        "previous", CursorLink(base_url, path, outcome.used, count, outcome.previous_cursor)));
  } else if (offset > 0) {
    links.Append(LinkEntry("previous", Link(base_url, path, outcome.used, count,
                                            offset > count ? offset - count : 0)));
  }
  return links;
}

// The outcome entry listing ignored search parameters (lenient handling).
Value IgnoredEntry(const std::vector<std::string>& ignored) {
  fhir::Issues issues;
  for (const std::string& name : ignored) {
    issues.push_back(fhir::Issue{fhir::Issue::Severity::kWarning, "not-supported",
                                 "search parameter ignored: " + name, ""});
  }
  Value entry = Value::Object();
  entry.Set("resource", OperationOutcome(issues));
  Value search = Value::Object();
  search.Set("mode", Value::String("outcome"));
  entry.Set("search", std::move(search));
  return entry;
}

Value ParseStored(const std::string& content) {
  absl::StatusOr<Value> v = fhir::ParseJson(content);
  return v.ok() ? std::move(*v) : Value::Object();
}

}  // namespace

std::string WeakEtag(int64_t version) { return "W/\"" + std::to_string(version) + "\""; }

Value OperationOutcome(const fhir::Issues& issues) {
  Value oo = Value::Object();
  oo.Set("resourceType", Value::String("OperationOutcome"));
  Value arr = Value::MakeArray();
  for (const fhir::Issue& i : issues) {
    Value issue = Value::Object();
    issue.Set("severity", Value::String(fhir::SeverityCode(i.severity)));
    issue.Set("code", Value::String(i.code.empty() ? "processing" : i.code));
    if (!i.diagnostics.empty()) issue.Set("diagnostics", Value::String(i.diagnostics));
    if (!i.expression.empty()) {
      Value expr = Value::MakeArray();
      expr.Append(Value::String(i.expression));
      issue.Set("expression", std::move(expr));
    }
    arr.Append(std::move(issue));
  }
  if (arr.size() == 0) {
    Value issue = Value::Object();
    issue.Set("severity", Value::String("information"));
    issue.Set("code", Value::String("informational"));
    issue.Set("diagnostics", Value::String("All OK"));
    arr.Append(std::move(issue));
  }
  oo.Set("issue", std::move(arr));
  return oo;
}

Value SearchsetBundle(const std::string& base_url, const std::string& path,
                      const SearchOutcome& outcome, int64_t count, int64_t offset) {
  Value bundle = Value::Object();
  bundle.Set("resourceType", Value::String("Bundle"));
  bundle.Set("type", Value::String("searchset"));
  if (outcome.total >= 0) bundle.Set("total", Value::Integer(outcome.total));
  bundle.Set("link", SearchPaging(base_url, path, outcome, count, offset));
  Value entries = Value::MakeArray();
  for (const auto* list : {&outcome.matches, &outcome.included}) {
    for (const ReadResult& r : *list) {
      Value entry = Value::Object();
      entry.Set("fullUrl", Value::String(base_url + "/" + r.type + "/" + r.id));
      entry.Set("resource", ParseStored(r.content));
      Value search = Value::Object();
      search.Set("mode", Value::String(list == &outcome.matches ? "match" : "include"));
      entry.Set("search", std::move(search));
      entries.Append(std::move(entry));
    }
  }
  if (!outcome.ignored.empty()) entries.Append(IgnoredEntry(outcome.ignored));
  if (entries.size() > 0) bundle.Set("entry", std::move(entries));
  return bundle;
}

std::string SearchsetBundleJson(const std::string& base_url, const std::string& path,
                                const SearchOutcome& outcome, int64_t count, int64_t offset) {
  Value head = Value::Object();
  head.Set("resourceType", Value::String("Bundle"));
  head.Set("type", Value::String("searchset"));
  if (outcome.total >= 0) head.Set("total", Value::Integer(outcome.total));
  head.Set("link", SearchPaging(base_url, path, outcome, count, offset));
  std::string out = fhir::WriteJson(head);
  out.pop_back();  // the closing brace: entries follow
  const bool any =
      !outcome.matches.empty() || !outcome.included.empty() || !outcome.ignored.empty();
  if (any) {
    out += ",\"entry\":[";
    bool first = true;
    for (const auto* list : {&outcome.matches, &outcome.included}) {
      const char* mode = list == &outcome.matches ? "match" : "include";
      for (const ReadResult& r : *list) {
        if (!first) out.push_back(',');
        first = false;
        out += "{\"fullUrl\":";
        out += fhir::WriteJson(Value::String(base_url + "/" + r.type + "/" + r.id));
        out += ",\"resource\":";
        out += r.content;
        out += ",\"search\":{\"mode\":\"";
        out += mode;
        out += "\"}}";
      }
    }
    if (!outcome.ignored.empty()) {
      if (!first) out.push_back(',');
      out += fhir::WriteJson(IgnoredEntry(outcome.ignored));
    }
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

Value HistoryBundle(const std::string& base_url, const std::string& path,
                    const store::HistoryPage& page, const QueryParams& used, int64_t count,
                    int64_t offset) {
  Value bundle = Value::Object();
  bundle.Set("resourceType", Value::String("Bundle"));
  bundle.Set("type", Value::String("history"));
  bundle.Set("total", Value::Integer(page.total));
  bundle.Set("link", Paging(base_url, path, used, page.total, count, offset));
  Value entries = Value::MakeArray();
  for (const store::StoredVersion& v : page.versions) {
    Value entry = Value::Object();
    entry.Set("fullUrl", Value::String(base_url + "/" + v.type + "/" + v.id));
    if (!v.deleted) entry.Set("resource", ParseStored(v.content));
    Value request = Value::Object();
    Value response = Value::Object();
    if (v.deleted) {
      request.Set("method", Value::String("DELETE"));
      request.Set("url", Value::String(v.type + "/" + v.id));
      response.Set("status", Value::String("204 No Content"));
    } else {
      request.Set("method", Value::String(v.version == 1 ? "POST" : "PUT"));
      request.Set("url", Value::String(v.version == 1 ? v.type : v.type + "/" + v.id));
      response.Set("status", Value::String(v.version == 1 ? "201 Created" : "200 OK"));
    }
    response.Set("etag", Value::String(WeakEtag(v.version)));
    response.Set("lastModified", Value::String(base::FormatInstant(v.last_updated)));
    entry.Set("request", std::move(request));
    entry.Set("response", std::move(response));
    entries.Append(std::move(entry));
  }
  if (entries.size() > 0) bundle.Set("entry", std::move(entries));
  return bundle;
}

}  // namespace tc::engine
