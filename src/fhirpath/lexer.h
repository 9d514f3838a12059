// File: fhirpath/lexer.h
//
// Splits a FHIRPath expression into tokens (FHIRPath N1 lexical grammar): identifiers (plain or
// `delimited`), 'strings' (escapes decoded), numbers, @date/@dateTime/@Ttime literals,
// $this/$index/$total, %constants, and operator punctuation. Comments (// and /* */) and
// whitespace are skipped.
//
//   absl::StatusOr<std::vector<Token>> tokens = Tokenize("Patient.name.given");
//
// Errors are InvalidArgument naming the 0-based character offset. Thread-safe (pure function).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tc::fhirpath {

enum class TokenKind {
  kIdentifier,  // text: the name (backticks removed for delimited identifiers)
  kString,      // text: the decoded value
  kNumber,      // text: the digits as written ("1", "1.50")
  kLongNumber,  // text: digits of an integer written with the L suffix
  kDateTime,    // text: the literal without '@' (contains 'T')
  kDate,        // text: the literal without '@'
  kTime,        // text: the literal without "@T"
  kVariable,    // text: "this", "index" or "total"
  kConstant,    // text: the name after '%' (quotes/backticks removed)
  kSymbol,      // text: ".", "[", "]", "(", ")", "{", "}", ",", "+", "-", "*", "/", "&", "|",
                //       "<", ">", "<=", ">=", "=", "~", "!=", "!~"
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  int pos = 0;             // offset of the token's first character
  bool delimited = false;  // identifier written in backticks
};

absl::StatusOr<std::vector<Token>> Tokenize(std::string_view expr);

}  // namespace tc::fhirpath
