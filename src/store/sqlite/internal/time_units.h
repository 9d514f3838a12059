// File: store/sqlite/internal/time_units.h
//
// Times are stored as Unix microseconds (sub-microsecond parts dropped, rounded to the past).
#pragma once

#include <cstdint>

#include "absl/time/time.h"

namespace tc::store::sqlite_internal {

inline int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
inline absl::Time FromMicros(int64_t us) { return absl::FromUnixMicros(us); }

}  // namespace tc::store::sqlite_internal
