// File: fhirpath/parser.h
//
// Parses FHIRPath text into an AST (ast.h) following the N1 grammar and operator precedence
// (high to low): `.` and `[]`; unary + -; * / div mod; + - &; is as; |; < > <= >=;
// = ~ != !~; in contains; and; xor or; implies.
//
//   absl::StatusOr<std::unique_ptr<Node>> ast = Parse("Patient.name.where(use = 'official')");
//
// Errors (InvalidArgument) name the character offset: syntax errors, unknown functions, wrong
// argument counts, malformed literals and invalid regular expression literals.
// Thread-safe (pure function).
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "fhirpath/ast.h"

namespace tc::fhirpath {

absl::StatusOr<std::unique_ptr<Node>> Parse(std::string_view expr);

}  // namespace tc::fhirpath
