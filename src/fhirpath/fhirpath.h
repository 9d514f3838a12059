// File: fhirpath/fhirpath.h
//
// FHIRPath (http://hl7.org/fhirpath/N1, as used by FHIR R4) over the engine's resource tree
// (DESIGN.md decision 5). Expressions compile once into an immutable `Expression` that any
// number of threads may evaluate concurrently; evaluation walks a `fhir::Value` typed by the FHIR
// definitions, so `is`/`as`/`ofType`, choice elements (`Observation.value`) and polymorphic
// resource containers work.
//
//   absl::StatusOr<Expression> e =
//       Compile("Patient.name.where(use = 'official').given.first()", defs);
//   absl::StatusOr<Collection> r = Evaluate(*e, patient);
//   for (const Item& item : *r) {
//     std::optional<std::string> text = ToText(item);     // operations.h
//     std::string where = LocationOf(patient, item);       // "Patient.name[0].given[0]"
//   }
//
// Errors:
//   * Compile: InvalidArgument with the character offset for syntax errors, unknown functions,
//     wrong argument counts, unknown type names in is/as/ofType, invalid literal regexes, and
//     (with CompileOptions::context_type) static type errors.
//   * Evaluate: InvalidArgument for run-time errors the spec defines (a collection where a
//     single value is required, operands of the wrong type, unknown %constants, choice elements
//     named with their type suffix such as `valueQuantity`, unless allowed by CompileOptions).
//   No exceptions escape either function.
//
// Lifetimes: an Expression borrows the Definitions it was compiled with (they MUST outlive it).
// Result items that are tree nodes borrow the evaluated resource; items of `type()` borrow the
// Expression. Keep both alive while using the results.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "fhir/definitions.h"
#include "fhir/value.h"
#include "fhirpath/item.h"

namespace tc::fhirpath {

struct Program;  // the compiled form (internal)

struct CompileOptions {
  // Accept choice elements named with their type suffix (`Observation.valueQuantity`), as many
  // implementation guides write them. Default: false (the FHIRPath rule: use `value.ofType()`).
  bool allow_choice_type_suffix = false;
  // The FHIR type of the context the expression will be evaluated on ("Patient"). When set,
  // Compile also checks the expression against the definitions (typecheck.h): element names no
  // possible type defines, paths starting with another resource type, and members of a type
  // chosen with as()/ofType() that it lacks are errors. Default: "" (no static checks).
  std::string context_type;
  // With context_type: also reject order-dependent functions (first, skip, [n]...) applied to
  // the unordered output of children()/descendants(). Default: false.
  bool check_ordered_functions = false;
};

// A compiled expression. Cheap to copy (shares the immutable program). Thread-safe.
class Expression {
 public:
  // The expression text as given to Compile.
  const std::string& source() const;
  const Program& program() const { return *program_; }

 private:
  friend absl::StatusOr<Expression> Compile(std::string_view, const fhir::Definitions&,
                                            const CompileOptions&);
  explicit Expression(std::shared_ptr<const Program> p) : program_(std::move(p)) {}
  std::shared_ptr<const Program> program_;
};

absl::StatusOr<Expression> Compile(std::string_view expr, const fhir::Definitions& defs,
                                   const CompileOptions& options = {});

struct EvalContext {
  // Source of now()/today()/timeOfDay(). Default (nullptr): the system clock. Evaluations that
  // must be deterministic MUST pass one.
  const base::Clock* clock = nullptr;
  // External constants: %name → value. %context, %resource, %rootResource, %ucum, %sct, %loinc,
  // %`vs-*` and %`ext-*` are built in.
  std::vector<std::pair<std::string, Collection>> variables;
  // Receives trace(name[, projection]) output. Default: discarded.
  std::function<void(std::string_view name, const Collection& values)> trace;
  // %resource / %rootResource when the evaluated node is not itself the resource (e.g. a
  // contained resource inside a Bundle). Default: the evaluated root.
  const fhir::Value* resource = nullptr;
  const fhir::Value* root_resource = nullptr;
};

// Evaluates `expr` with `resource` (a resource tree, or any JSON-shaped value) as %context.
absl::StatusOr<Collection> Evaluate(const Expression& expr, const fhir::Value& resource,
                                    const EvalContext& context = {});

// Evaluates with an explicit input collection (e.g. an element found by another expression);
// `resource` is the tree the items belong to (%resource).
absl::StatusOr<Collection> EvaluateOn(const Expression& expr, const Collection& input,
                                      const fhir::Value& resource, const EvalContext& context = {});

// The FHIRPath location of a tree item inside `root`: "Patient.name[0].given[1]" (member names
// as in JSON: choice elements keep their suffix, e.g. "Observation.valueQuantity.value"; arrays
// are always indexed). "" when the item is computed or not inside `root`. Linear in the size of
// `root`.
std::string LocationOf(const fhir::Value& root, const Item& item);

// The name of an item's type as the FHIRPath test suite writes it: FHIR types as named
// ("HumanName", "code"); System types as "boolean", "integer", "decimal", "string", "date",
// "dateTime", "time", "Quantity".
std::string TypeNameOf(const Item& item);

}  // namespace tc::fhirpath
