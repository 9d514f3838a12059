// File: fhir/value.h
//
// The engine's resource tree: a JSON value as FHIR needs it. Every resource the engine handles
// (from JSON or XML) is held as a `Value`; FHIRPath, validation, patching and search extraction
// walk it. Two FHIR-specific choices:
//   * numbers keep their exact lexical form (`number_text()`), so decimal precision such as
//     `1.50` survives a round trip (FHIR decimals are significant-figure sensitive);
//   * objects keep member order as parsed (serialisation writes them back in that order), and
//     member lookup is by linear scan (FHIR objects are small).
//
// Example:
//   Value patient = Value::Object();
//   patient.Set("resourceType", Value::String("Patient"));
//   patient.Set("active", Value::Bool(true));
//   if (const Value* rt = patient.Find("resourceType")) { ... rt->string_value() ... }
//
// Thread-safety: a Value is a plain value type; concurrent const access is safe, mutation is not.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tc::fhir {

class Value {
 public:
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };
  struct Member;
  using Array = std::vector<Value>;
  using Members = std::vector<Member>;

  // A null value.
  Value() = default;

  static Value Null();
  static Value Bool(bool b);
  // REQUIRES: `lexical` is a valid JSON number (the caller checked it).
  static Value Number(std::string lexical);
  static Value Integer(int64_t i);
  static Value String(std::string s);
  static Value MakeArray();
  static Value MakeArray(Array items);
  static Value Object();

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_number() const { return kind() == Kind::kNumber; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_array() const { return kind() == Kind::kArray; }
  bool is_object() const { return kind() == Kind::kObject; }

  // Accessors. REQUIRES: the value is of the named kind.
  bool bool_value() const { return std::get<bool>(data_); }
  const std::string& number_text() const { return std::get<NumberText>(data_).text; }
  const std::string& string_value() const { return std::get<std::string>(data_); }
  std::string& mutable_string() { return std::get<std::string>(data_); }
  const Array& array() const { return std::get<Array>(data_); }
  Array& mutable_array() { return std::get<Array>(data_); }
  const Members& members() const { return std::get<Members>(data_); }
  Members& mutable_members() { return std::get<Members>(data_); }

  // Object helpers. Find/FindMutable return nullptr when absent or when this is not an object.
  const Value* Find(std::string_view key) const;
  Value* FindMutable(std::string_view key);
  // Returns the string member `key`, or "" when absent or not a string.
  std::string_view GetString(std::string_view key) const;
  // Sets member `key` (replacing an existing one in place, else appending). REQUIRES: object.
  Value& Set(std::string_view key, Value v);
  // Removes member `key`; returns whether it was present. REQUIRES: object.
  bool Erase(std::string_view key);

  // Array helper. REQUIRES: array.
  Value& Append(Value v);

  // Number of array items or object members; 0 for scalars.
  size_t size() const;

  // Deep equality. Object member order is ignored (FHIR JSON member order has no meaning);
  // numbers compare by lexical text, so `1.0` != `1.00` (as FHIR decimals).
  friend bool operator==(const Value& a, const Value& b);

 private:
  struct NumberText {
    std::string text;
  };
  std::variant<std::monostate, bool, NumberText, std::string, Array, Members> data_;
};

struct Value::Member {
  std::string key;
  Value value;
};

// A plain-language name of a value's JSON kind for error messages: "null", "a boolean",
// "a number", "a string", "an array", "an object".
const char* DescribeKind(const Value& v);

}  // namespace tc::fhir
