// File: cli/demo.h
//
// A small synthetic detained population for demos and `make run`: establishments (prisons, a YOI,
// an IRC) as Organizations with wing Locations, and per patient a Patient (NHS test-range number,
// prison number), a custody EpisodeOfCare, a reception Encounter, and a few Conditions,
// AllergyIntolerances and vital-sign Observations. Every resource goes in through transaction
// Bundles, so it is validated and indexed like any client write. Deterministic for a given seed.
//
// The full generator (prevalence matched to published prison-health figures, movements over
// time, screens, appointments) is the clinical-record issue's `throughcare demo`; this is its
// first slice.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "engine/repository.h"

namespace tc::cli {

// Loads `patients` patients; returns the number of resources written.
absl::StatusOr<int64_t> LoadDemo(engine::Repository& repository, int patients, uint64_t seed);

// Loads the demo set only when the store holds no Patient yet; returns whether it loaded.
absl::StatusOr<bool> LoadDemoIfEmpty(engine::Repository& repository, int patients, uint64_t seed);

// Returns a valid NHS number (modulus 11 check digit) in the 999 test range for `n`.
std::string TestNhsNumber(uint64_t n);

}  // namespace tc::cli
