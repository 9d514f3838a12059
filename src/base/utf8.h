// File: base/utf8.h
//
// UTF-8 checks for text people type (names, passwords). Pure; thread-safe.
#pragma once

#include <string_view>

namespace tc::base {

// The number of code points in `s`; -1 when `s` is not valid UTF-8 (overlong forms, surrogates
// and values above U+10FFFF are invalid) or contains a control character (C0, DEL or C1).
int CountPrintableCodePoints(std::string_view s);

}  // namespace tc::base
