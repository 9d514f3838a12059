#include "fhir/value.h"

#include <algorithm>

namespace tc::fhir {

Value Value::Bool(bool b) {
  Value v;
  v.data_ = b;
  return v;
}

Value Value::Number(std::string lexical) {
  Value v;
  v.data_ = NumberText{std::move(lexical)};
  return v;
}

Value Value::Integer(int64_t i) { return Number(std::to_string(i)); }

Value Value::String(std::string s) {
  Value v;
  v.data_ = std::move(s);
  return v;
}

Value Value::Null() { return Value(); }

Value Value::MakeArray() { return MakeArray(Array{}); }

Value Value::MakeArray(Array items) {
  Value v;
  v.data_ = std::move(items);
  return v;
}

Value Value::Object() {
  Value v;
  v.data_ = Members{};
  return v;
}

const Value* Value::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const Member& m : members()) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

Value* Value::FindMutable(std::string_view key) {
  if (!is_object()) return nullptr;
  for (Member& m : mutable_members()) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

std::string_view Value::GetString(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr || !v->is_string()) return {};
  return v->string_value();
}

Value& Value::Set(std::string_view key, Value v) {
  for (Member& m : mutable_members()) {
    if (m.key == key) {
      m.value = std::move(v);
      return m.value;
    }
  }
  mutable_members().push_back(Member{std::string(key), std::move(v)});
  return mutable_members().back().value;
}

bool Value::Erase(std::string_view key) {
  Members& ms = mutable_members();
  auto it = std::find_if(ms.begin(), ms.end(), [&](const Member& m) { return m.key == key; });
  if (it == ms.end()) return false;
  ms.erase(it);
  return true;
}

Value& Value::Append(Value v) {
  mutable_array().push_back(std::move(v));
  return mutable_array().back();
}

size_t Value::size() const {
  if (is_array()) return array().size();
  if (is_object()) return members().size();
  return 0;
}

const char* DescribeKind(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
      return "a boolean";
    case Value::Kind::kNumber:
      return "a number";
    case Value::Kind::kString:
      return "a string";
    case Value::Kind::kArray:
      return "an array";
    case Value::Kind::kObject:
      return "an object";
  }
  return "a value";
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
      return a.bool_value() == b.bool_value();
    case Value::Kind::kNumber:
      return a.number_text() == b.number_text();
    case Value::Kind::kString:
      return a.string_value() == b.string_value();
    case Value::Kind::kArray:
      return a.array() == b.array();
    case Value::Kind::kObject: {
      if (a.members().size() != b.members().size()) return false;
      for (const Value::Member& m : a.members()) {
        const Value* other = b.Find(m.key);
        if (other == nullptr || !(*other == m.value)) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace tc::fhir
