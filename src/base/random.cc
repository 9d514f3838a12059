#include "base/random.h"

#include <sys/random.h>

#include <cstdlib>

namespace tc::base {

uint64_t SystemRandom::Next64() {
  uint64_t value = 0;
  auto* out = reinterpret_cast<unsigned char*>(&value);
  size_t filled = 0;
  while (filled < sizeof(value)) {
    ssize_t n = getrandom(out + filled, sizeof(value) - filled, 0);
    if (n > 0) filled += static_cast<size_t>(n);
  }
  return value;
}

}  // namespace tc::base
