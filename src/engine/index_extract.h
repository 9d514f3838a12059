// File: engine/index_extract.h
//
// Search index rows and the patient compartment for a resource version.
//
// Every SearchParameter of the compiled definitions (and any added at run time) is indexed
// through its FHIRPath expression, compiled once: each union branch that applies to the resource
// type is compiled; branches of the form `X.where(resolve() is T)` are indexed as the references
// in X whose target type is T (resolve() cannot reach other resources during indexing). The
// values found become rows by parameter type:
//   token      Coding / CodeableConcept / Identifier / ContactPoint / code, string, boolean, uri…
//              (+ "<code>:text" string rows of display texts, "<code>:of-type" token rows of an
//              Identifier's type (system "<type system>|<type code>", value the identifier))
//   string     the text of HumanName / Address parts or any string-valued element, normalised
//              (case- and accent-folded), and as written
//   reference  Reference.reference (Type/id, absolute URL) and canonical/uri values
//              (+ "<code>:identifier" token rows of Reference.identifier)
//   uri        token rows without a system
//   date       date / dateTime / instant / Period / Timing events as covered ranges
//   number     integer / decimal values (points); Range as its low–high
//   quantity   Quantity-like values (as written, and a UCUM-canonical row: system
//              kCanonicalUnitSystem, code the dimension, value in base units); Money; Range
//   composite  two components evaluated on each element the composite's expression finds
//   special    `_text` (words of the narrative); Location `near` is not indexed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fhir/definitions.h"
#include "fhir/value.h"
#include "store/store.h"

namespace tc::engine {

// The unit "system" of canonical quantity rows (never a real code system).
inline constexpr char kCanonicalUnitSystem[] = "urn:throughcare:ucum-canonical";

struct IndexedResource {
  std::vector<store::IndexRow> rows;
  std::string patient_compartment;  // "" when the resource is in no patient's compartment
};

// Lower-cases ASCII letters and folds common Latin-1 accented letters, for string search.
std::string NormalizeForSearch(std::string_view s);

// The index table a parameter type's rows go to ("token" → kToken, "uri" → kToken, …); false for
// types with no rows (special).
bool IndexKindOf(const std::string& param_type, store::IndexRow::Kind* kind);

// A parameter the indexer could not compile, with the reason.
struct SkippedParam {
  std::string resource_type;
  std::string code;
  std::string reason;
  bool unsupported = false;  // a valid shape this server does not index (not an error)
};

// The extraction plan of every resource type, compiled once from the definitions. Immutable after
// construction; thread-safe.
class Indexer {
 public:
  // Reads `definitions` during construction; the compiled expressions borrow it (it MUST outlive
  // the Indexer). `custom`: SearchParameters a deployment added (SearchParameter resources);
  // one with the code of a built-in parameter of the same base replaces it.
  explicit Indexer(const fhir::Definitions& definitions,
                   std::vector<fhir::SearchParamDef> custom = {});
  ~Indexer();

  // Extracts every indexable parameter's rows from `resource` (of type `resource_type`, logical
  // id `id`), and its patient compartment. Never fails: a parameter whose expression fails on
  // this resource contributes no rows.
  IndexedResource Extract(const std::string& resource_type, const std::string& id,
                          const fhir::Value& resource) const;

  // When `code` of `resource_type` is the union of other parameters (and so has no rows of its
  // own), those parameters; else nullptr. A search on it is a search on any of them.
  const std::vector<std::string>* AliasOf(const std::string& resource_type,
                                          const std::string& code) const;

  // Whether `code` of `resource_type` has an extraction plan or is an alias (so it can be
  // searched).
  bool IsIndexed(const std::string& resource_type, const std::string& code) const;

  // The definition of parameter `code` of `resource_type` (custom ones first), or nullptr.
  const fhir::SearchParamDef* FindParam(const std::string& resource_type,
                                        const std::string& code) const;

  // The parameter with canonical URL `url` (e.g. a composite's component), or nullptr.
  const fhir::SearchParamDef* FindParamByUrl(const std::string& url) const;

  // Every parameter of `resource_type`: built-in ones (less those a custom one replaces), then
  // custom ones.
  std::vector<const fhir::SearchParamDef*> ParamsFor(const std::string& resource_type) const;

  // Parameters with an expression that did not compile (reported by tests and the
  // CapabilityStatement documentation).
  const std::vector<SkippedParam>& skipped() const;

 public:
  struct Plan;  // internal

 private:
  std::unique_ptr<const Plan> plan_;
};

}  // namespace tc::engine
