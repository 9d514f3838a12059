// File: base/clock.h
//
// Time is injected (DESIGN.md decision 8): code that needs "now" takes a `const Clock&`, so tests
// can use FakeClock and never read the wall clock.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace tc::base {

// Source of the current time. Implementations MUST be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Returns the current time (UTC).
  virtual absl::Time Now() const = 0;
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// A clock for tests: returns a set time, advanced only by the test. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : nanos_(absl::ToUnixNanos(start)) {}
  absl::Time Now() const override { return absl::FromUnixNanos(nanos_.load()); }
  void Advance(absl::Duration d) { nanos_ += absl::ToInt64Nanoseconds(d); }
  void Set(absl::Time t) { nanos_ = absl::ToUnixNanos(t); }

 private:
  std::atomic<int64_t> nanos_;
};

}  // namespace tc::base
