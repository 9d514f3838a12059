// File: fhirpath/evaluator.h
//
// Internal: the compiled program and the tree-walking evaluator shared by the function library
// files (functions_*.cc). Not part of the public API (see fhirpath.h).
//
// One Evaluator serves one Evaluate() call on one thread; the Program it reads is immutable
// (apart from internally synchronised caches) and shared by all threads.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fhirpath/ast.h"
#include "fhirpath/fhirpath.h"
#include "fhirpath/model.h"
#include "fhirpath/operations.h"

namespace tc::fhirpath {

struct Program {
  Program(std::string src, const fhir::Definitions& defs, CompileOptions opts)
      : source(std::move(src)), model(defs), options(opts) {}

  // The {namespace, name, baseType} object type() returns for a type (owned here).
  const fhir::Value* TypeInfo(std::string_view ns, std::string_view name,
                              std::string_view base) const;

  std::string source;
  std::unique_ptr<Node> root;
  Model model;
  CompileOptions options;

 private:
  mutable std::mutex type_info_mu_;
  mutable std::deque<fhir::Value> type_infos_;  // guarded by type_info_mu_; stable addresses
};

class Evaluator {
 public:
  Evaluator(const Program& program, const EvalContext& ctx, const fhir::Value& resource,
            const Collection& input);

  // Evaluates `n`. `focus` is the input collection of an invocation after '.', or nullptr for a
  // term at the start of a path (whose input is $this of the current frame).
  absl::Status Eval(const Node& n, const Collection* focus, Collection* out);

  // --- helpers for the function library ---
  const Model& model() const { return program_.model; }
  const Program& program() const { return program_; }
  const EvalContext& context() const { return ctx_; }
  const fhir::Value& resource() const { return resource_; }

  // Evaluates an argument in the caller's frame.
  absl::Status EvalArg(const Node& arg, Collection* out) { return Eval(arg, nullptr, out); }
  // Evaluates `arg` with $this = item, $index = index (and $total = total when given).
  absl::Status EvalFor(const Node& arg, const Item& item, int64_t index, Collection* out,
                       const Collection* total = nullptr);

  // Evaluates `arg` with $this = item, keeping the caller's $index and $total.
  absl::Status EvalWithThis(const Node& arg, const Item& item, Collection* out);

  // The single item of `c`; nullptr when empty; an error naming `what` when it has more.
  absl::StatusOr<const Item*> Single(const Collection& c, std::string_view what) const;
  // Singleton evaluation as a Boolean: empty → kEmpty; a Boolean → its value; another single
  // item → true; more items → error.
  absl::StatusOr<Tri> AsBool(const Collection& c, std::string_view what) const;
  // Argument `i` of `call` as a String / Integer singleton (nullopt when empty).
  absl::StatusOr<std::optional<std::string>> StringArg(const Node& call, size_t i);
  absl::StatusOr<std::optional<int64_t>> IntegerArg(const Node& call, size_t i);

  // Whether `item` is of type `spec` (`exact`: as()/ofType() semantics).
  bool IsType(const Item& item, const TypeSpec& spec, bool exact) const;

  absl::Status Error(const Node& n, std::string_view message) const;

 private:
  absl::Status EvalMember(const Node& n, const Collection& input, Collection* out);
  absl::Status EvalBinary(const Node& n, const Collection* focus, Collection* out);
  absl::Status EvalConstant(const Node& n, Collection* out);
  absl::Status CallFunction(const Node& n, const Collection& input, Collection* out);
  const MemberResolution* Resolution(const Node& n, std::string_view context,
                                     MemberResolution* scratch) const;

  struct Frame {
    const Collection* this_coll = nullptr;
    int64_t index = 0;
    bool has_index = false;
    const Collection* total = nullptr;
  };

  const Program& program_;
  const EvalContext& ctx_;
  const fhir::Value& resource_;
  const Collection& input_;
  Frame frame_;
  int depth_ = 0;
};

// Function groups (functions_*.cc). Each handles the Fn values of its group.
absl::Status CallCollectionFunction(Evaluator& ev, const Node& n, const Collection& in,
                                    Collection* out);
absl::Status CallStringFunction(Evaluator& ev, const Node& n, const Collection& in,
                                Collection* out);
absl::Status CallConversionFunction(Evaluator& ev, const Node& n, const Collection& in,
                                    Collection* out);
absl::Status CallMathFunction(Evaluator& ev, const Node& n, const Collection& in, Collection* out);
absl::Status CallFhirFunction(Evaluator& ev, const Node& n, const Collection& in, Collection* out);

// Whether `name` names a type known to FHIR or System (for compile-time checks).
bool IsKnownTypeName(const Model& model, const TypeSpec& spec);

}  // namespace tc::fhirpath
