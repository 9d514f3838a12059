// File: base/ids.h
//
// Resource ids: UUID version 4 strings (lower-case, 36 characters), which are valid FHIR ids
// (`[A-Za-z0-9\-\.]{1,64}`) and unguessable when drawn from SystemRandom.
#pragma once

#include <string>

#include "base/random.h"

namespace tc::base {

// Returns a new random UUID v4 in canonical text form.
std::string NewUuid(Random& random);

// True when `id` is a valid FHIR logical id: 1..64 characters of [A-Za-z0-9-.].
bool IsValidFhirId(std::string_view id);

}  // namespace tc::base
