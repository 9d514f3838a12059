// File: fhirpath/item.h
//
// The values FHIRPath evaluation produces. An `Item` is either
//   * a node of the resource tree: a pointer to the JSON value (`node`, null for a primitive that
//     has only an id/extensions) and to a primitive's `_name` sibling (`ext`), with its FHIR type
//     name ("HumanName", "string", "Patient") and the definitions context of its children; or
//   * a computed System value: Boolean, Integer, Decimal, String, Date, DateTime, Time, Quantity.
// Tree items borrow the tree (and type names borrow the Definitions): they are valid while the
// evaluated resource and the Definitions live. A `Collection` is an ordered list of items.
//
// Thread-safety: plain value types.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "fhir/value.h"
#include "fhirpath/decimal.h"
#include "fhirpath/quantity.h"
#include "fhirpath/temporal.h"

namespace tc::fhirpath {

// The System type of a value (for tree primitives, the one their FHIR type maps to).
enum class SystemType : uint8_t {
  kNone,  // a complex tree node (no System value)
  kBoolean,
  kInteger,
  kDecimal,
  kString,
  kDate,
  kDateTime,
  kTime,
  kQuantity,
};

// "Boolean", "Integer", ... ("" for kNone).
std::string_view SystemTypeName(SystemType t);

class Item {
 public:
  Item() = default;

  // Tree node. `type` and `context` MUST outlive the item (Definitions-owned strings).
  static Item Node(const fhir::Value* node, const fhir::Value* ext, std::string_view type,
                   std::string_view context, SystemType sys) {
    Item i;
    i.node_ = node;
    i.ext_ = ext;
    i.type_ = type;
    i.context_ = context;
    i.sys_ = sys;
    return i;
  }
  static Item Boolean(bool b) { return Item(SystemType::kBoolean, b); }
  static Item Integer(int64_t v) { return Item(SystemType::kInteger, v); }
  static Item Dec(Decimal d) { return Item(SystemType::kDecimal, d); }
  static Item String(std::string s) { return Item(SystemType::kString, std::move(s)); }
  // A string borrowed from storage that outlives the item (the compiled expression).
  static Item StringView(std::string_view s) { return Item(SystemType::kString, s); }
  static Item Time(const Temporal& t) {
    SystemType k = t.kind == TemporalKind::kDate       ? SystemType::kDate
                   : t.kind == TemporalKind::kDateTime ? SystemType::kDateTime
                                                       : SystemType::kTime;
    return Item(k, t);
  }
  static Item Qty(Quantity q) {
    return Item(SystemType::kQuantity, std::make_shared<const Quantity>(std::move(q)));
  }

  bool is_node() const { return node_ != nullptr || ext_ != nullptr; }
  const fhir::Value* node() const { return node_; }
  const fhir::Value* ext() const { return ext_; }
  // FHIR type name of a tree node; "" for computed values.
  std::string_view type() const { return type_; }
  std::string_view context() const { return context_; }
  SystemType system_type() const { return sys_; }
  // A primitive (tree or computed) that has a value.
  bool has_primitive_value() const {
    return sys_ != SystemType::kNone && (!is_node() || (node_ != nullptr && !node_->is_null()));
  }

  // Computed payload accessors. REQUIRES: !is_node() and the matching system type.
  bool bool_value() const { return std::get<bool>(data_); }
  int64_t int_value() const { return std::get<int64_t>(data_); }
  const Decimal& decimal_value() const { return std::get<Decimal>(data_); }
  std::string_view string_value() const {
    if (const auto* s = std::get_if<std::string>(&data_)) return *s;
    return std::get<std::string_view>(data_);
  }
  const Temporal& temporal_value() const { return std::get<Temporal>(data_); }
  const Quantity& quantity_value() const {
    return *std::get<std::shared_ptr<const Quantity>>(data_);
  }

 private:
  template <typename T>
  Item(SystemType sys, T v) : sys_(sys), data_(std::move(v)) {}

  const fhir::Value* node_ = nullptr;
  const fhir::Value* ext_ = nullptr;
  std::string_view type_;
  std::string_view context_;
  SystemType sys_ = SystemType::kNone;
  // Quantities are rare: kept out of line to keep items small.
  std::variant<std::monostate, bool, int64_t, Decimal, std::string, std::string_view, Temporal,
               std::shared_ptr<const Quantity>>
      data_;
};

// Most intermediate collections hold one item: keep that one inline (no heap allocation).
using Collection = absl::InlinedVector<Item, 1>;

}  // namespace tc::fhirpath
