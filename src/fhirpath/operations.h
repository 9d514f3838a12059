// File: fhirpath/operations.h
//
// FHIRPath value semantics shared by the operators and the function library: reading the System
// value of a tree primitive, equality (`=`) and equivalence (`~`) of items and collections,
// ordering, arithmetic with implicit conversions (Integer → Decimal → Quantity, Date →
// DateTime), and string conversion. Results that the spec leaves unknown (e.g. comparing dates
// of different precision) are reported as such, not guessed.
//
// Thread-safety: pure functions over their arguments.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "fhirpath/item.h"
#include "fhirpath/model.h"

namespace tc::fhirpath {

// Three-valued result of a comparison.
enum class Tri : uint8_t { kFalse, kTrue, kEmpty };

// The computed System value of `item`: `item` itself when computed; for a tree primitive with a
// value, `*scratch` filled (strings borrow the tree) and returned; nullptr for complex nodes,
// primitives without a value, and unparsable lexical forms.
const Item* Primitive(const Item& item, Item* scratch);

// `item` as a Quantity: a System Quantity, or a FHIR Quantity (or subtype) node with a value
// (unit from `code` when the system is UCUM, else `unit`).
std::optional<Quantity> AsQuantity(const Model& model, const Item& item);

// Item equality / equivalence.
Tri Equal(const Model& model, const Item& a, const Item& b);
bool Equivalent(const Model& model, const Item& a, const Item& b);

// Collection equality (ordered, element-wise) and equivalence (order-independent).
Tri EqualCollections(const Model& model, const Collection& a, const Collection& b);
bool EquivalentCollections(const Model& model, const Collection& a, const Collection& b);

// Ordering of two singletons: -1/0/1, nullopt when unknown (incomparable precision/units).
// An error when the types cannot be compared at all (e.g. Decimal vs String).
absl::StatusOr<std::optional<int>> CompareItems(const Model& model, const Item& a, const Item& b);

// Arithmetic on singletons (`op` one of + - * / div mod &). Empty (nullopt) for division by
// zero, overflow and undefined results; an error for operand types the operator does not take.
enum class ArithOp : uint8_t { kAdd, kSub, kMul, kDiv, kIntDiv, kMod };
absl::StatusOr<std::optional<Item>> Arithmetic(const Model& model, ArithOp op, const Item& a,
                                               const Item& b);

// The string form used by toString() and string concatenation; nullopt for complex values.
std::optional<std::string> ToText(const Item& item);

// Decimal value of an Integer or Decimal primitive.
std::optional<Decimal> AsDecimal(const Item& primitive);

}  // namespace tc::fhirpath
