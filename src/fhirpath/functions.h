// File: fhirpath/functions.h
//
// The FHIRPath function catalogue: names, identifiers and accepted argument counts. The parser
// resolves every call against it, so an unknown function or a wrong argument count is a compile
// error. Thread-safe (an immutable table).
#pragma once

#include <cstdint>
#include <string_view>

namespace tc::fhirpath {

enum class Fn : uint8_t {
  // Existence
  kEmpty,
  kExists,
  kAll,
  kAllTrue,
  kAnyTrue,
  kAllFalse,
  kAnyFalse,
  kSubsetOf,
  kSupersetOf,
  kCount,
  kDistinct,
  kIsDistinct,
  // Filtering and projection
  kWhere,
  kSelect,
  kRepeat,
  kOfType,
  // Subsetting
  kSingle,
  kFirst,
  kLast,
  kTail,
  kSkip,
  kTake,
  kIntersect,
  kExclude,
  // Combining
  kUnion,
  kCombine,
  // Conversion
  kIif,
  kToBoolean,
  kConvertsToBoolean,
  kToInteger,
  kConvertsToInteger,
  kToDecimal,
  kConvertsToDecimal,
  kToString,
  kConvertsToString,
  kToDate,
  kConvertsToDate,
  kToDateTime,
  kConvertsToDateTime,
  kToTime,
  kConvertsToTime,
  kToQuantity,
  kConvertsToQuantity,
  // String
  kIndexOf,
  kSubstring,
  kStartsWith,
  kEndsWith,
  kContains,
  kUpper,
  kLower,
  kReplace,
  kMatches,
  kMatchesFull,
  kReplaceMatches,
  kLength,
  kToChars,
  kTrim,
  kSplit,
  kJoin,
  kEncode,
  kDecode,
  kEscape,
  kUnescape,
  // Math
  kAbs,
  kCeiling,
  kExp,
  kFloor,
  kLn,
  kLog,
  kPower,
  kRound,
  kSqrt,
  kTruncate,
  // Tree navigation
  kChildren,
  kDescendants,
  // Utility
  kTrace,
  kNow,
  kToday,
  kTimeOfDay,
  kNot,
  kAggregate,
  kSort,
  kLowBoundary,
  kHighBoundary,
  kPrecision,
  kComparable,
  // Types
  kIs,
  kAs,
  kType,
  // FHIR
  kExtension,
  kHasExtension,
  kHasValue,
  kGetValue,
  kResolve,
  kConformsTo,
  kMemberOf,
  kHtmlChecks,
  kSubsumes,
  kSubsumedBy,
  kElementDefinition,
  kSlice,
  kCheckModifiers,
};

struct FunctionSpec {
  std::string_view name;
  Fn id;
  int8_t min_args;
  int8_t max_args;
};

// The function named `name`, or nullptr.
const FunctionSpec* FindFunction(std::string_view name);

}  // namespace tc::fhirpath
