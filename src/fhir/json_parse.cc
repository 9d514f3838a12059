// JSON → Value with simdjson's On-Demand API. Numbers keep their raw lexical text so FHIR decimal
// precision survives; strings are unescaped and validated as UTF-8 by simdjson.
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "fhir/json.h"
#include "simdjson.h"

namespace tc::fhir {
namespace {

namespace od = simdjson::ondemand;

class Parser {
 public:
  explicit Parser(const JsonParseOptions& options) : options_(options) {}

  absl::Status ParseValue(od::value v, int depth, Value& out) {
    if (depth > options_.max_depth) {
      return absl::InvalidArgumentError(
          absl::StrCat("JSON nested deeper than ", options_.max_depth, " levels"));
    }
    od::json_type type;
    if (auto err = v.type().get(type)) return Error(err);
    switch (type) {
      case od::json_type::object: {
        od::object obj;
        if (auto err = v.get_object().get(obj)) return Error(err);
        return ParseObject(obj, depth, out);
      }
      case od::json_type::array: {
        od::array arr;
        if (auto err = v.get_array().get(arr)) return Error(err);
        return ParseArray(arr, depth, out);
      }
      case od::json_type::string: {
        std::string_view s;
        if (auto err = v.get_string().get(s)) return Error(err);
        out = Value::String(std::string(s));
        return absl::OkStatus();
      }
      case od::json_type::number: {
        // Validate the number, then keep its exact text.
        double ignored;
        std::string_view raw = TrimRight(v.raw_json_token());
        if (auto err = v.get_double().get(ignored)) {
          // Very large integers fail get_double only when malformed; big ints are fine as text.
          if (err != simdjson::NUMBER_OUT_OF_RANGE) {
            return Error(err);
          }
        }
        out = Value::Number(std::string(raw));
        return absl::OkStatus();
      }
      case od::json_type::boolean: {
        bool b;
        if (auto err = v.get_bool().get(b)) return Error(err);
        out = Value::Bool(b);
        return absl::OkStatus();
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto err = v.is_null().get(is_null)) return Error(err);
        if (!is_null) return absl::InvalidArgumentError("invalid JSON literal");
        out = Value::Null();
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError("unexpected JSON value");
  }

  absl::Status ParseObject(od::object obj, int depth, Value& out) {
    out = Value::Object();
    Value::Members& members = out.mutable_members();
    for (auto field : obj) {
      std::string_view key;
      if (auto err = field.unescaped_key().get(key)) return Error(err);
      if (options_.reject_duplicate_keys && IsDuplicate(members, key)) {
        return absl::InvalidArgumentError("duplicate JSON property \"" + std::string(key) + "\"");
      }
      members.push_back(Value::Member{std::string(key), Value()});
      od::value child;
      if (auto err = field.value().get(child)) return Error(err);
      absl::Status s = ParseValue(child, depth + 1, members.back().value);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status ParseArray(od::array arr, int depth, Value& out) {
    out = Value::MakeArray();
    for (auto element : arr) {
      od::value child;
      if (auto err = element.get(child)) return Error(err);
      Value item;
      absl::Status s = ParseValue(child, depth + 1, item);
      if (!s.ok()) return s;
      out.Append(std::move(item));
    }
    return absl::OkStatus();
  }

  static absl::Status Error(simdjson::error_code err) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON: ", simdjson::error_message(err)));
  }

 private:
  static std::string_view TrimRight(std::string_view s) {
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t' ||
            s.back() == ',' || s.back() == ']' || s.back() == '}')) {
      s.remove_suffix(1);
    }
    return s;
  }

  static bool IsDuplicate(const Value::Members& members, std::string_view key) {
    if (members.size() < 24) {
      for (const Value::Member& m : members) {
        if (m.key == key) return true;
      }
      return false;
    }
    absl::flat_hash_set<std::string_view> seen;
    for (const Value::Member& m : members) seen.insert(m.key);
    return seen.contains(key);
  }

  const JsonParseOptions& options_;
};

}  // namespace

absl::StatusOr<Value> ParseJson(std::string_view text, const JsonParseOptions& options) {
  simdjson::padded_string padded(text);
  od::parser parser;
  od::document doc;
  if (auto err = parser.iterate(padded).get(doc)) return Parser::Error(err);
  Parser p(options);
  Value out;
  od::json_type type;
  if (auto err = doc.type().get(type)) return Parser::Error(err);
  if (type == od::json_type::object) {
    od::object obj;
    if (auto err = doc.get_object().get(obj)) return Parser::Error(err);
    absl::Status s = p.ParseObject(obj, 1, out);
    if (!s.ok()) return s;
  } else if (type == od::json_type::array) {
    od::array arr;
    if (auto err = doc.get_array().get(arr)) return Parser::Error(err);
    absl::Status s = p.ParseArray(arr, 1, out);
    if (!s.ok()) return s;
  } else {
    // Scalar documents: parse through a wrapping array so On-Demand treats it as a value.
    std::string wrapped;
    wrapped.reserve(text.size() + 2);
    wrapped.push_back('[');
    wrapped.append(text.data(), text.size());
    wrapped.push_back(']');
    absl::StatusOr<Value> arr = ParseJson(wrapped, options);
    if (!arr.ok()) return arr.status();
    if (arr->size() != 1) return absl::InvalidArgumentError("malformed JSON");
    return std::move(arr->mutable_array()[0]);
  }
  const char* trailing = nullptr;
  if (!doc.current_location().get(trailing)) {
    return absl::InvalidArgumentError("malformed JSON: trailing content after the document");
  }
  return out;
}

}  // namespace tc::fhir
