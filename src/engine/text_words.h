// File: engine/text_words.h
//
// The words of an XHTML narrative for `_text` search: markup and character references removed,
// split at anything that is not a letter or digit (UTF-8 multi-byte letters are kept), each
// distinct word once, in order of first appearance, at most `kMaxWords`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tc::engine {

inline constexpr size_t kMaxWords = 1000;

std::vector<std::string> WordsOfMarkup(std::string_view xhtml);

}  // namespace tc::engine
