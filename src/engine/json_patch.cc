#include "engine/json_patch.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace tc::engine {
namespace {

using fhir::Value;

// A parsed RFC 6901 JSON Pointer: its reference tokens, unescaped. Empty = the whole document.
using Pointer = std::vector<std::string>;

enum class Op { kAdd, kRemove, kReplace, kMove, kCopy, kTest };

std::optional<Op> ParseOp(const std::string& name) {
  if (name == "add") return Op::kAdd;
  if (name == "remove") return Op::kRemove;
  if (name == "replace") return Op::kReplace;
  if (name == "move") return Op::kMove;
  if (name == "copy") return Op::kCopy;
  if (name == "test") return Op::kTest;
  return std::nullopt;
}

// A string quoted and C-escaped for an error message (pointers may hold any character).
std::string Quote(const std::string& s) { return absl::StrCat("\"", absl::CHexEscape(s), "\""); }

const char* KindName(const Value& v) { return fhir::DescribeKind(v); }

// The pointer text for the first `count` tokens of `p` (re-escaped), for messages.
std::string Format(const Pointer& p, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    out += '/';
    for (char c : p[i]) {
      if (c == '~') {
        out += "~0";
      } else if (c == '/') {
        out += "~1";
      } else {
        out += c;
      }
    }
  }
  return out;
}

// Parses `text` as an RFC 6901 JSON Pointer. `what` names the member ("path" / "from").
absl::StatusOr<Pointer> ParsePointer(const std::string& text, const std::string& what) {
  Pointer tokens;
  if (text.empty()) return tokens;
  if (text[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", what, "\" ", Quote(text),
                     " is not a JSON Pointer: it must be empty or start with '/'"));
  }
  std::string token;
  for (size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      tokens.push_back(token);
      token.clear();
      continue;
    }
    if (text[i] != '~') {
      token += text[i];
      continue;
    }
    if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
      token += text[i + 1] == '0' ? '~' : '/';
      ++i;
      continue;
    }
    return absl::InvalidArgumentError(absl::StrCat("\"", what, "\" ", Quote(text),
                                                   " is not a JSON Pointer: '~' at offset ", i,
                                                   " must be followed by '0' or '1'"));
  }
  return tokens;
}

// Resolves token `p[i]` as an index into `array` (the value at Format(p, i)). With `allow_end`
// (an add target), "-" and an index equal to the size mean "append" and return the size.
absl::StatusOr<size_t> ArrayIndex(const Value& array, const Pointer& p, size_t i, bool allow_end) {
  const std::string& token = p[i];
  const size_t size = array.array().size();
  if (token == "-") {
    if (allow_end) return size;
    return absl::InvalidArgumentError(
        absl::StrCat("path ", Quote(Format(p, i + 1)),
                     " refers to the nonexistent element after the end of the array"));
  }
  const bool digits = !token.empty() && std::all_of(token.begin(), token.end(),
                                                    [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || (token.size() > 1 && token[0] == '0')) {
    return absl::InvalidArgumentError(
        absl::StrCat("path ", Quote(Format(p, i + 1)), ": ", Quote(token),
                     " is not an array index (a decimal number without leading zeros, or '-')"));
  }
  size_t index = SIZE_MAX;  // syntactically valid but too long to hold: out of bounds anyway
  if (token.size() <= 18) {
    index = 0;
    for (char c : token) index = index * 10 + static_cast<size_t>(c - '0');
  }
  if (index < size || (allow_end && index == size)) return index;
  return absl::InvalidArgumentError(absl::StrCat("path ", Quote(Format(p, i + 1)), ": index ",
                                                 token, " is out of bounds (the array at ",
                                                 Quote(Format(p, i)), " has ", size, " elements)"));
}

absl::Status NotAContainer(const Pointer& p, size_t i, const Value& v) {
  return absl::InvalidArgumentError(absl::StrCat("path ", Quote(Format(p, i + 1)),
                                                 " does not exist: ", Quote(Format(p, i)), " is ",
                                                 KindName(v), ", not an object or array"));
}

// Walks the first `count` tokens of `p` from `root` and returns the value reached, or an error
// naming the first prefix that does not exist.
absl::StatusOr<Value*> Walk(Value& root, const Pointer& p, size_t count) {
  Value* cur = &root;
  for (size_t i = 0; i < count; ++i) {
    if (cur->is_object()) {
      Value* next = cur->FindMutable(p[i]);
      if (next == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("path ", Quote(Format(p, i + 1)), " does not exist"));
      }
      cur = next;
    } else if (cur->is_array()) {
      absl::StatusOr<size_t> index = ArrayIndex(*cur, p, i, /*allow_end=*/false);
      if (!index.ok()) return index.status();
      cur = &cur->mutable_array()[*index];
    } else {
      return NotAContainer(p, i, *cur);
    }
  }
  return cur;
}

struct Measure {
  size_t nodes = 0;   // this value and everything under it
  size_t height = 0;  // container nesting: 0 for a scalar, 1 for a flat array/object, ...
};

Measure MeasureValue(const Value& v) {
  Measure m{1, 0};
  auto add_child = [&m](const Value& child) {
    Measure c = MeasureValue(child);
    m.nodes += c.nodes;
    m.height = std::max(m.height, c.height + 1);
  };
  if (v.is_array()) {
    m.height = 1;
    for (const Value& item : v.array()) add_child(item);
  } else if (v.is_object()) {
    m.height = 1;
    for (const Value::Member& member : v.members()) add_child(member.value);
  }
  return m;
}

// Adds `v` at `p` (RFC 6902 4.1). Returns the number of nodes displaced (an object member or the
// whole document replaced), for the caller's node accounting.
absl::StatusOr<size_t> AddAt(Value& doc, const Pointer& p, Value v) {
  if (p.empty()) {
    size_t displaced = MeasureValue(doc).nodes;
    doc = std::move(v);
    return displaced;
  }
  absl::StatusOr<Value*> parent = Walk(doc, p, p.size() - 1);
  if (!parent.ok()) return parent.status();
  Value& container = **parent;
  if (container.is_object()) {
    size_t displaced = 0;
    if (const Value* existing = container.Find(p.back())) displaced = MeasureValue(*existing).nodes;
    container.Set(p.back(), std::move(v));
    return displaced;
  }
  if (container.is_array()) {
    absl::StatusOr<size_t> index = ArrayIndex(container, p, p.size() - 1, /*allow_end=*/true);
    if (!index.ok()) return index.status();
    Value::Array& items = container.mutable_array();
    items.insert(items.begin() + static_cast<std::ptrdiff_t>(*index), std::move(v));
    return 0;
  }
  return NotAContainer(p, p.size() - 1, container);
}

// Removes and returns the value at `p` (RFC 6902 4.2).
absl::StatusOr<Value> RemoveAt(Value& doc, const Pointer& p) {
  if (p.empty()) return absl::InvalidArgumentError("the whole document cannot be removed");
  absl::StatusOr<Value*> parent = Walk(doc, p, p.size() - 1);
  if (!parent.ok()) return parent.status();
  Value& container = **parent;
  if (container.is_object()) {
    Value* member = container.FindMutable(p.back());
    if (member == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("path ", Quote(Format(p, p.size())), " does not exist"));
    }
    Value removed = std::move(*member);
    container.Erase(p.back());
    return removed;
  }
  if (container.is_array()) {
    absl::StatusOr<size_t> index = ArrayIndex(container, p, p.size() - 1, /*allow_end=*/false);
    if (!index.ok()) return index.status();
    Value::Array& items = container.mutable_array();
    Value removed = std::move(items[*index]);
    items.erase(items.begin() + static_cast<std::ptrdiff_t>(*index));
    return removed;
  }
  return NotAContainer(p, p.size() - 1, container);
}

// A JSON number in canonical scientific form: value = (negative ? -1 : 1) * digits * 10^exponent,
// `digits` without leading or trailing zeros (empty for zero, which is then never negative).
struct CanonicalNumber {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;
  friend bool operator==(const CanonicalNumber&, const CanonicalNumber&) = default;
};

// Canonicalises a JSON number's lexical form; nullopt if malformed or the exponent is absurdly
// large (callers then fall back to lexical comparison).
std::optional<CanonicalNumber> Canonicalise(const std::string& text) {
  constexpr int64_t kMaxExponent = int64_t{1} << 40;
  CanonicalNumber n;
  size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    n.negative = true;
    ++i;
  }
  auto is_digit = [&text](size_t at) {
    return at < text.size() && text[at] >= '0' && text[at] <= '9';
  };
  std::string digits;
  while (is_digit(i)) digits += text[i++];
  if (digits.empty()) return std::nullopt;
  int64_t exponent = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!is_digit(i)) return std::nullopt;
    while (is_digit(i)) {
      digits += text[i++];
      --exponent;
    }
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
    if (!is_digit(i)) return std::nullopt;
    int64_t e = 0;
    while (is_digit(i)) {
      e = e * 10 + (text[i++] - '0');
      if (e > kMaxExponent) return std::nullopt;
    }
    exponent += exp_negative ? -e : e;
  }
  if (i != text.size()) return std::nullopt;
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return CanonicalNumber{};  // zero, including -0 and 0e5
  size_t last = digits.find_last_not_of('0');
  exponent += static_cast<int64_t>(digits.size() - 1 - last);
  n.digits = digits.substr(first, last - first + 1);
  n.exponent = exponent;
  return n;
}

bool NumbersEqual(const std::string& a, const std::string& b) {
  if (a == b) return true;
  std::optional<CanonicalNumber> ca = Canonicalise(a);
  std::optional<CanonicalNumber> cb = Canonicalise(b);
  return ca.has_value() && cb.has_value() && *ca == *cb;
}

// RFC 6902 4.6 equality (see the header).
bool JsonEqual(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
      return a.bool_value() == b.bool_value();
    case Value::Kind::kNumber:
      return NumbersEqual(a.number_text(), b.number_text());
    case Value::Kind::kString:
      return a.string_value() == b.string_value();
    case Value::Kind::kArray: {
      if (a.array().size() != b.array().size()) return false;
      for (size_t i = 0; i < a.array().size(); ++i) {
        if (!JsonEqual(a.array()[i], b.array()[i])) return false;
      }
      return true;
    }
    case Value::Kind::kObject: {
      if (a.members().size() != b.members().size()) return false;
      for (const Value::Member& m : a.members()) {
        const Value* other = b.Find(m.key);
        if (other == nullptr || !JsonEqual(m.value, *other)) return false;
      }
      return true;
    }
  }
  return false;
}

// The state of one patch application: the working copy and its running size.
class Applier {
 public:
  Applier(Value doc, const JsonPatchOptions& options)
      : doc_(std::move(doc)), options_(options), nodes_(MeasureValue(doc_).nodes) {}

  Value TakeResult() && { return std::move(doc_); }

  // Applies one parsed operation. Errors carry the detail only; the caller adds the op prefix.
  absl::Status Apply(Op op, const Pointer& path, const Pointer* from, const Value* value) {
    switch (op) {
      case Op::kAdd:
        return Place(path, *value);
      case Op::kRemove: {
        absl::StatusOr<Value> removed = RemoveAt(doc_, path);
        if (!removed.ok()) return removed.status();
        nodes_ -= MeasureValue(*removed).nodes;
        return absl::OkStatus();
      }
      case Op::kReplace: {
        absl::StatusOr<Value*> target = Walk(doc_, path, path.size());
        if (!target.ok()) return target.status();
        Measure m = MeasureValue(*value);
        if (absl::Status s = CheckDepth(path, m); !s.ok()) return s;
        nodes_ = nodes_ - MeasureValue(**target).nodes + m.nodes;
        **target = *value;
        return CheckNodes();
      }
      case Op::kMove:
        return Move(*from, path);
      case Op::kCopy: {
        absl::StatusOr<Value*> source = Walk(doc_, *from, from->size());
        if (!source.ok()) return source.status();
        return Place(path, **source);
      }
      case Op::kTest: {
        absl::StatusOr<Value*> target = Walk(doc_, path, path.size());
        if (!target.ok()) return target.status();
        if (JsonEqual(**target, *value)) return absl::OkStatus();
        std::string detail = (*target)->kind() == value->kind()
                                 ? "is not equal to the given value"
                                 : absl::StrCat("is ", KindName(**target), ", the given value is ",
                                                KindName(*value));
        return absl::InvalidArgumentError(absl::StrCat(
            "test operation failed: the value at ", Quote(Format(path, path.size())), " ", detail));
      }
    }
    return absl::InternalError("unhandled JSON Patch op");
  }

 private:
  // add(path, copy of v); `v` may live inside doc_ (copy), so it is copied before any mutation.
  absl::Status Place(const Pointer& path, const Value& v) {
    Measure m = MeasureValue(v);
    if (absl::Status s = CheckDepth(path, m); !s.ok()) return s;
    if (nodes_ + m.nodes > options_.max_nodes + NodesUnder(path)) return TooLarge();
    absl::StatusOr<size_t> displaced = AddAt(doc_, path, Value(v));
    if (!displaced.ok()) return displaced.status();
    nodes_ = nodes_ - *displaced + m.nodes;
    return CheckNodes();
  }

  absl::Status Move(const Pointer& from, const Pointer& path) {
    if (from == path) {  // a no-op, but `from` must still exist
      absl::StatusOr<Value*> source = Walk(doc_, from, from.size());
      return source.ok() ? absl::OkStatus() : source.status();
    }
    if (from.size() < path.size() && std::equal(from.begin(), from.end(), path.begin())) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot move ", Quote(Format(from, from.size())), " into its own child ",
                       Quote(Format(path, path.size()))));
    }
    absl::StatusOr<Value> moved = RemoveAt(doc_, from);
    if (!moved.ok()) return moved.status();
    Measure m = MeasureValue(*moved);
    if (absl::Status s = CheckDepth(path, m); !s.ok()) return s;
    absl::StatusOr<size_t> displaced = AddAt(doc_, path, *std::move(moved));
    if (!displaced.ok()) return displaced.status();
    nodes_ -= *displaced;
    return absl::OkStatus();
  }

  // Nodes an add at `path` would displace (an existing object member or the whole document).
  // Only used for the pre-copy size check, so lookups that fail count 0 (AddAt reports them).
  size_t NodesUnder(const Pointer& path) {
    if (path.empty()) return nodes_;
    absl::StatusOr<Value*> parent = Walk(doc_, path, path.size() - 1);
    if (!parent.ok() || !(*parent)->is_object()) return 0;
    const Value* existing = (*parent)->Find(path.back());
    return existing == nullptr ? 0 : MeasureValue(*existing).nodes;
  }

  absl::Status CheckDepth(const Pointer& path, const Measure& m) const {
    if (path.size() + m.height <= options_.max_depth) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "the result would nest ", path.size() + m.height, " levels deep at ",
        Quote(Format(path, path.size())), "; at most ", options_.max_depth, " are allowed"));
  }

  absl::Status CheckNodes() const {
    return nodes_ <= options_.max_nodes ? absl::OkStatus() : TooLarge();
  }

  absl::Status TooLarge() const {
    return absl::InvalidArgumentError(
        absl::StrCat("the patched document would exceed ", options_.max_nodes, " JSON values"));
  }

  Value doc_;
  const JsonPatchOptions options_;
  size_t nodes_;  // MeasureValue(doc_).nodes, kept up to date incrementally
};

// Looks up an optional string member of an operation object.
absl::StatusOr<const std::string*> StringMember(const Value& op, const char* name) {
  const Value* v = op.Find(name);
  if (v == nullptr) return nullptr;
  if (!v->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" must be a string, not ", KindName(*v)));
  }
  return &v->string_value();
}

}  // namespace

absl::Status ApplyJsonPatch(const fhir::Value& patch, fhir::Value& target,
                            const JsonPatchOptions& options) {
  if (!patch.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a JSON Patch document must be an array of operations, not ", KindName(patch)));
  }
  Applier applier(target, options);
  const Value::Array& ops = patch.array();
  for (size_t i = 0; i < ops.size(); ++i) {
    const Value& op_object = ops[i];
    std::string prefix = absl::StrCat("JSON Patch operation ", i);
    auto fail = [&prefix](const absl::Status& s) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, ": ", s.message()));
    };
    if (!op_object.is_object()) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("an operation must be an object, not ", KindName(op_object))));
    }
    absl::StatusOr<const std::string*> op_name = StringMember(op_object, "op");
    if (!op_name.ok()) return fail(op_name.status());
    if (*op_name == nullptr) return fail(absl::InvalidArgumentError("missing \"op\""));
    std::optional<Op> op = ParseOp(**op_name);
    if (!op.has_value()) {
      return fail(absl::InvalidArgumentError(
          absl::StrCat("unknown op ", Quote(**op_name),
                       " (expected add, remove, replace, move, copy or test)")));
    }
    absl::StatusOr<const std::string*> path_text = StringMember(op_object, "path");
    if (!path_text.ok() || *path_text == nullptr) {
      prefix = absl::StrCat(prefix, " (", **op_name, ")");
      return fail(path_text.ok() ? absl::InvalidArgumentError("missing \"path\"")
                                 : path_text.status());
    }
    prefix = absl::StrCat(prefix, " (", **op_name, " ", Quote(**path_text), ")");
    absl::StatusOr<Pointer> path = ParsePointer(**path_text, "path");
    if (!path.ok()) return fail(path.status());

    const Value* value = nullptr;
    if (*op == Op::kAdd || *op == Op::kReplace || *op == Op::kTest) {
      value = op_object.Find("value");
      if (value == nullptr) return fail(absl::InvalidArgumentError("missing \"value\""));
    }
    std::optional<Pointer> from;
    if (*op == Op::kMove || *op == Op::kCopy) {
      absl::StatusOr<const std::string*> from_text = StringMember(op_object, "from");
      if (!from_text.ok()) return fail(from_text.status());
      if (*from_text == nullptr) return fail(absl::InvalidArgumentError("missing \"from\""));
      absl::StatusOr<Pointer> parsed = ParsePointer(**from_text, "from");
      if (!parsed.ok()) return fail(parsed.status());
      from = *std::move(parsed);
    }
    if (absl::Status s = applier.Apply(*op, *path, from ? &*from : nullptr, value); !s.ok()) {
      return fail(s);
    }
  }
  target = std::move(applier).TakeResult();
  return absl::OkStatus();
}

}  // namespace tc::engine
