// File: fhirpath/ast.h
//
// The compiled form of a FHIRPath expression: an immutable tree of `Node`s built by the parser
// (parser.h) and walked by the evaluator. Literals are pre-built items; calls are resolved to a
// function id; regular expressions given as literals are compiled once, here.
//
// Thread-safety: immutable after parsing, except `MemberCache`, which is internally
// synchronised, so one tree may be evaluated concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "fhirpath/functions.h"
#include "fhirpath/item.h"

namespace tc::fhirpath {

enum class NodeKind : uint8_t {
  kLiteral,   // `literal`
  kEmpty,     // {}
  kMember,    // identifier `name` evaluated on the focus
  kFunction,  // `fn`(args...) on the focus
  kThis,      // $this
  kIndex,     // $index
  kTotal,     // $total
  kConstant,  // %name
  kPath,      // args[0] . args[1]: args[1] evaluated with args[0]'s result as focus
  kIndexer,   // args[0] [ args[1] ]
  kNegate,    // - args[0]
  kBinary,    // args[0] op args[1]
  kIs,        // args[0] is type_name
  kAs,        // args[0] as type_name
};

enum class BinaryOp : uint8_t {
  kMul,
  kDiv,
  kIntDiv,
  kMod,
  kAdd,
  kSub,
  kConcat,
  kUnion,
  kLt,
  kGt,
  kLe,
  kGe,
  kEq,
  kEquiv,
  kNe,
  kNotEquiv,
  kIn,
  kContains,
  kAnd,
  kOr,
  kXor,
  kImplies,
};

// A parsed type specifier: "FHIR.Patient" → {ns "FHIR", name "Patient"}; unqualified names
// have an empty namespace.
struct TypeSpec {
  std::string ns;
  std::string name;
};

struct MemberResolution;  // evaluator-private (model.h)

struct Node {
  NodeKind kind = NodeKind::kLiteral;
  int pos = 0;       // offset in the source
  std::string name;  // member / function / constant name; string literal storage
  Item literal;      // kLiteral
  BinaryOp op = BinaryOp::kAdd;
  Fn fn = Fn::kEmpty;
  TypeSpec type;          // kIs, kAs, and the is/as/ofType functions
  bool at_start = false;  // kMember / kFunction with the implicit focus ($this)
  std::vector<std::unique_ptr<Node>> args;
  // matches/matchesFull/replaceMatches with a literal pattern: the compiled pattern.
  std::unique_ptr<std::regex> regex;
  // kMember: resolution cache (see model.h), owned by the node.
  mutable std::atomic<const MemberResolution*> member_cache{nullptr};

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node();
};

}  // namespace tc::fhirpath
