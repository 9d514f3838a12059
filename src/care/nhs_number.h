// File: care/nhs_number.h
//
// NHS numbers (NHS Data Dictionary, "NHS Number"): ten digits, the tenth a modulus 11 check
// digit over the first nine (weights 10 down to 2; 11 - (sum mod 11), where 11 means 0 and 10
// means the number is invalid). Displayed in 3-3-4 groups. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tc::care {

// The ten digits of `text` when it is a valid NHS number, ignoring spaces and hyphens
// ("943 476 5919" → "9434765919"); nullopt otherwise.
std::optional<std::string> NormalizeNhsNumber(std::string_view text);

// "943 476 5919" for a ten-digit string; anything else unchanged.
std::string FormatNhsNumber(std::string_view digits);

}  // namespace tc::care
