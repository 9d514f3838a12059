// File: engine/prepared_resource.h (engine and server-generated resources such as audit)
//
// A resource made ready for storage before its transaction starts: its canonical JSON with
// `meta.versionId` and `meta.lastUpdated` left as two holes, its search index rows and its patient
// compartment. Everything costly (serialising, extracting index rows) happens on the request's
// own thread; inside the store's single writer only the version and commit time are filled in, so
// versions and lastUpdated stay in commit order.
//
//   PreparedResource p = Prepare(indexer, "Patient", id, std::move(patient));
//   ... inside Store::Write:  std::string json = p.Render(version, clock.Now());
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "engine/index_extract.h"
#include "fhir/value.h"
#include "store/store.h"

namespace tc::engine {

struct PreparedResource {
  std::string type;
  std::string id;
  std::string head;  // `{"resourceType":…,"id":…,"meta":{"versionId":"`
  std::string tail;  // the rest after the lastUpdated value: other meta members, the body, `}`
  std::vector<store::IndexRow> index;
  std::string patient_compartment;

  // The canonical JSON with the version and time filled in.
  std::string Render(int64_t version, absl::Time last_updated) const;
};

// Prepares `resource` (of `type`) to be stored as `type/id`: sets `id`, puts `resourceType`, `id`
// and `meta` first (meta starting with versionId and lastUpdated) and keeps every other member
// in its order.
PreparedResource Prepare(const Indexer& indexer, const std::string& type, const std::string& id,
                         fhir::Value resource);

}  // namespace tc::engine
