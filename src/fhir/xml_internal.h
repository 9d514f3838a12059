// File: fhir/xml_internal.h
//
// Low-level XML text helpers shared by the FHIR XML reader and writer (fhir/xml.h). Not part of
// the public API. They work on raw UTF-8 bytes and never allocate except to build messages or
// output.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pugixml.hpp"

namespace tc::fhir::xml_internal {

// String building (absl::StrCat takes absl::string_view, which in Debian's abseil is not
// std::string_view): Cat("at ", name, "[", 3, "]").
template <typename T>
void AppendPiece(std::string& out, const T& piece) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>) {
    out.append(std::to_string(piece));
  } else if constexpr (std::is_same_v<T, absl::string_view>) {
    out.append(piece.data(), piece.size());
  } else {
    out.append(std::string_view(piece));
  }
}
template <typename... Pieces>
void Append(std::string& out, const Pieces&... pieces) {
  (AppendPiece(out, pieces), ...);
}
template <typename... Pieces>
std::string Cat(const Pieces&... pieces) {
  std::string out;
  Append(out, pieces...);
  return out;
}

// "line L, column C" (both 1-based; columns count bytes) for byte `offset` of `text`.
std::string Where(std::string_view text, size_t offset);

// True for the characters XML 1.0 allows in a document (production [2] Char).
bool IsXmlChar(char32_t cp);

// Decodes the UTF-8 sequence starting at `text[i]` into `cp` and returns its length, or 0 when
// the bytes are not valid UTF-8 (overlong forms, surrogates and values above U+10FFFF are
// invalid). REQUIRES: i < text.size().
size_t DecodeUtf8(std::string_view text, size_t i, char32_t& cp);

// Checks raw XML text before an XML parser sees it. Returns InvalidArgument (with line and
// column) when the text
//   * is not valid UTF-8 or holds characters XML 1.0 forbids (e.g. most C0 controls);
//   * contains markup declarations: `<!DOCTYPE`, `<!ENTITY`, ... (no DTD is ever processed);
//   * references an entity other than the five predefined ones, or a character reference to a
//     character XML forbids;
//   * has '<' inside an attribute value;
//   * nests elements deeper than `max_depth`.
// Other malformations are left for the XML parser to report; the scan never reads out of bounds
// whatever the input.
absl::Status CheckXmlText(std::string_view text, int max_depth);

// Given well-formed XML `text` and the offset of a '<' that opens an element, returns the offset
// just past the element's end (its matching end tag, or its "/>"). Returns npos when the text
// ends first.
size_t ElementEnd(std::string_view text, size_t start);

// Appends `s` escaped for use inside a double-quoted attribute value: & < > " as entity
// references and tab, LF and CR as character references (so attribute-value normalisation
// keeps them). Returns InvalidArgument when `s` is not valid UTF-8 or holds a character XML 1.0
// cannot carry; `out` may then hold a partial result.
absl::Status AppendAttributeEscaped(std::string_view s, std::string& out);

// True when element `e` has two attributes of the same name (pugixml accepts that; XML forbids
// it).
bool HasDuplicateAttributes(pugi::xml_node e);

// The first element, in document order, of the subtree rooted at `root` (itself included) that
// has duplicate attributes; an empty node when there is none.
pugi::xml_node FindDuplicateAttributes(pugi::xml_node root);

// True when `s` is a JSON number (RFC 8259 grammar): -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s);

}  // namespace tc::fhir::xml_internal
