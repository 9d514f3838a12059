// File: web/record_parts.h (web-internal)
//
// Small pieces the web pages share for reading and writing FHIR: a form field, codes and
// references as FHIR values, and a patient's name and NHS number as staff read them.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/repository.h"
#include "fhir/value.h"

namespace tc::web {

// The value of form field `name`, surrounding spaces trimmed ("" when absent).
std::string FormField(const engine::QueryParams& form, std::string_view name);

fhir::Value Str(std::string_view s);
// An array holding just `v`.
fhir::Value ListOf(fhir::Value v);
// {"reference": ref}
fhir::Value Ref(std::string_view ref);
// A CodeableConcept with one coding (system, code, display) and text = display.
fhir::Value Concept(std::string_view system, std::string_view code, std::string_view display);

// An nhsuk radios group: `choices` are (value, label); the one equal to `value` is checked; with
// `error`, the group shows it (ids are <name>-1, <name>-2, ... for the error summary's links).
std::string RenderRadios(std::string_view name, std::string_view legend,
                         const std::vector<std::pair<std::string, std::string>>& choices,
                         std::string_view value, std::string_view error = "");

// "SMITH, John Paul" from the official (else first) name; "(no name)" when there is none.
std::string PatientName(const fhir::Value& patient);
// The NHS number among the patient's identifiers ("" when none).
std::string PatientNhsNumber(const fhir::Value& patient);

}  // namespace tc::web
