// File: engine/index_extract.h
//
// Search index rows and the patient compartment for a resource version.
//
// Foundation scope: a search parameter is indexed when its FHIRPath expression is a plain path
// or a union of plain paths (`Patient.name | Practitioner.name`, `Observation.subject`) — the
// majority of R4 parameters of type token, string, reference and uri. Parameters whose
// expressions need functions (`where`, `as`, `resolve`) wait for the FHIRPath engine
// (issue "FHIRPath and complete FHIR search"), which replaces this extractor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fhir/definitions.h"
#include "fhir/value.h"
#include "store/store.h"

namespace tc::engine {

struct IndexedResource {
  std::vector<store::IndexRow> rows;
  std::string patient_compartment;  // "" when the resource is in no patient's compartment
};

// Lower-cases ASCII letters and folds common Latin-1 accented letters, for string search.
std::string NormalizeForSearch(std::string_view s);

// True when `param` of `resource_type` can be indexed by this extractor.
bool IsIndexable(const fhir::SearchParamDef& param, const std::string& resource_type);

// The extraction plan of every resource type, compiled once from the definitions (expressions
// split into paths, parameter types resolved). Immutable after construction; thread-safe.
class Indexer {
 public:
  // Reads `definitions` only during construction.
  explicit Indexer(const fhir::Definitions& definitions);
  ~Indexer();

  // Extracts every indexable parameter's rows from `resource` (of type `resource_type`, logical
  // id `id`), and its patient compartment.
  IndexedResource Extract(const std::string& resource_type, const std::string& id,
                          const fhir::Value& resource) const;

 private:
  struct Plan;
  std::unique_ptr<const Plan> plan_;
};

}  // namespace tc::engine
