// File: base/random.h
//
// Randomness is injected (DESIGN.md decision 8). Resource ids and tokens come from a Random;
// tests use SeededRandom for reproducible output.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <random>

namespace tc::base {

// Source of random 64-bit values. Implementations MUST be thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  virtual uint64_t Next64() = 0;
};

// Cryptographically strong randomness from the operating system (getrandom).
class SystemRandom final : public Random {
 public:
  uint64_t Next64() override;
};

// Deterministic randomness for tests and the demo generator: the same seed gives the same values.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  uint64_t Next64() override {
    std::lock_guard<std::mutex> lock(mu_);
    return engine_();
  }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

}  // namespace tc::base
