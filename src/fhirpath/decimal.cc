#include "fhirpath/decimal.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tc::fhirpath {
namespace {

// 10^38 is just below the largest positive __int128 (about 1.7e38).
constexpr int kMaxDigits = 38;

__int128 Pow10(int n) {
  __int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

bool MulOverflow(__int128 a, __int128 b, __int128* out) {
  return __builtin_mul_overflow(a, b, out);
}

// Scales `c` up by 10^n; false on overflow.
bool ScaleUp(__int128 c, int n, __int128* out) {
  __int128 r = c;
  for (int i = 0; i < n; ++i) {
    if (MulOverflow(r, 10, &r)) return false;
  }
  *out = r;
  return true;
}

// Divides with rounding half away from zero.
__int128 DivRound(__int128 num, __int128 den) {
  __int128 q = num / den;
  __int128 r = num % den;
  if (r < 0) r = -r;
  __int128 d = den < 0 ? -den : den;
  if (2 * r >= d) q += ((num < 0) != (den < 0)) ? -1 : 1;
  return q;
}

// Brings both to a common scale; false on overflow.
bool Align(const Decimal& a, const Decimal& b, __int128* ca, __int128* cb, int* scale) {
  int s = a.scale() > b.scale() ? a.scale() : b.scale();
  if (!ScaleUp(a.coefficient(), s - a.scale(), ca)) return false;
  if (!ScaleUp(b.coefficient(), s - b.scale(), cb)) return false;
  *scale = s;
  return true;
}

}  // namespace

std::optional<Decimal> Decimal::Parse(std::string_view text) {
  size_t i = 0;
  bool neg = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    neg = text[i] == '-';
    ++i;
  }
  __int128 coef = 0;
  int digits = 0;
  int scale = 0;
  bool any = false;
  bool point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (coef != 0 || c != '0') ++digits;
      if (digits > kMaxDigits) return std::nullopt;
      coef = coef * 10 + (c - '0');
      if (point) ++scale;
    } else if (c == '.' && !point) {
      point = true;
      if (i + 1 >= text.size() || text[i + 1] < '0' || text[i + 1] > '9') return std::nullopt;
    } else {
      break;
    }
  }
  if (!any) return std::nullopt;
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return std::nullopt;
    ++i;
    bool eneg = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      eneg = text[i] == '-';
      ++i;
    }
    if (i >= text.size()) return std::nullopt;
    int e = 0;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      e = e * 10 + (text[i] - '0');
      if (e > 1000) return std::nullopt;
    }
    if (eneg) {
      scale += e;
    } else if (e <= scale) {
      scale -= e;
    } else {
      if (!ScaleUp(coef, e - scale, &coef)) return std::nullopt;
      scale = 0;
    }
  }
  while (scale > kMaxScale) {
    coef = DivRound(coef, 10);
    --scale;
  }
  return Decimal(neg ? -coef : coef, scale);
}

std::optional<Decimal> Decimal::FromDouble(double d) {
  if (!std::isfinite(d)) return std::nullopt;
  if (std::fabs(d) > 1e30) return std::nullopt;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  std::optional<Decimal> r = Parse(buf);
  if (!r) return r;
  return r->Normalized();
}

double Decimal::ToDouble() const { return std::strtod(ToString().c_str(), nullptr); }

std::string Decimal::ToString() const {
  // Digits least significant first, then reversed.
  char buf[96];
  int n = 0;
  __int128 c = coef_ < 0 ? -coef_ : coef_;
  do {
    buf[n++] = static_cast<char>('0' + static_cast<int>(c % 10));
    c /= 10;
    if (n == scale_) buf[n++] = '.';
  } while (c > 0 || n <= scale_);
  if (buf[n - 1] == '.') buf[n++] = '0';
  if (coef_ < 0) buf[n++] = '-';
  std::string out(static_cast<size_t>(n), '0');
  for (int i = 0; i < n; ++i) out[static_cast<size_t>(i)] = buf[n - 1 - i];
  return out;
}

std::optional<Decimal> Decimal::Add(const Decimal& a, const Decimal& b) {
  __int128 ca, cb, r;
  int s;
  if (!Align(a, b, &ca, &cb, &s)) return std::nullopt;
  if (__builtin_add_overflow(ca, cb, &r)) return std::nullopt;
  return Decimal(r, s);
}

std::optional<Decimal> Decimal::Sub(const Decimal& a, const Decimal& b) {
  return Add(a, b.Negate());
}

std::optional<Decimal> Decimal::Mul(const Decimal& a, const Decimal& b) {
  __int128 ca = a.coef_, cb = b.coef_;
  int s = a.scale_ + b.scale_;
  __int128 r;
  while (MulOverflow(ca, cb, &r)) {
    // Drop precision from the operand with the larger scale.
    if (a.scale_ == 0 && b.scale_ == 0) return std::nullopt;
    if (ca % 10 == 0 || cb % 10 == 0 || s > 0) {
      if ((ca < 0 ? -ca : ca) > (cb < 0 ? -cb : cb)) {
        ca = DivRound(ca, 10);
      } else {
        cb = DivRound(cb, 10);
      }
      --s;
      if (s < 0) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  Decimal out(r, s);
  if (s > kMaxScale) out = out.Rescale(kMaxScale);
  return out;
}

std::optional<Decimal> Decimal::Div(const Decimal& a, const Decimal& b) {
  if (b.coef_ == 0) return std::nullopt;
  // Result scale: enough for 8 places beyond the operands.
  int target = (a.scale_ > b.scale_ ? a.scale_ : b.scale_) + 8;
  if (target > kMaxScale) target = kMaxScale;
  // a/b = (ca / 10^sa) / (cb / 10^sb) = ca * 10^(sb - sa + target) / cb / 10^target
  int shift = b.scale_ - a.scale_ + target;
  __int128 num = a.coef_;
  __int128 den = b.coef_;
  if (shift >= 0) {
    while (shift > 0 && !MulOverflow(num, 10, &num)) --shift;
    // If the numerator cannot take more digits, reduce the target instead.
    target -= shift;
  } else {
    if (!ScaleUp(den, -shift, &den)) return std::nullopt;
  }
  if (target < 0) return std::nullopt;
  Decimal r(DivRound(num, den), target);
  // Strip the zeros that division padding added, but keep the operands' own precision.
  int keep = a.scale_ > b.scale_ ? a.scale_ : b.scale_;
  while (r.scale_ > keep && r.coef_ % 10 == 0) {
    r.coef_ /= 10;
    --r.scale_;
  }
  return r;
}

std::optional<Decimal> Decimal::IntDiv(const Decimal& a, const Decimal& b) {
  if (b.coef_ == 0) return std::nullopt;
  __int128 ca, cb;
  int s;
  if (!Align(a, b, &ca, &cb, &s)) return std::nullopt;
  return Decimal(ca / cb, 0);
}

std::optional<Decimal> Decimal::Mod(const Decimal& a, const Decimal& b) {
  if (b.coef_ == 0) return std::nullopt;
  __int128 ca, cb;
  int s;
  if (!Align(a, b, &ca, &cb, &s)) return std::nullopt;
  return Decimal(ca % cb, s);
}

int Decimal::Compare(const Decimal& a, const Decimal& b) {
  __int128 ca, cb;
  int s;
  if (!Align(a, b, &ca, &cb, &s)) {
    double x = a.ToDouble(), y = b.ToDouble();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  return ca < cb ? -1 : (ca > cb ? 1 : 0);
}

Decimal Decimal::Rescale(int scale) const {
  if (scale < 0) scale = 0;
  if (scale >= scale_) {
    __int128 c;
    if (!ScaleUp(coef_, scale - scale_, &c)) return *this;
    return Decimal(c, scale);
  }
  return Decimal(DivRound(coef_, Pow10(scale_ - scale)), scale);
}

Decimal Decimal::Round(int digits) const {
  if (digits >= scale_) return *this;
  return Rescale(digits);
}

Decimal Decimal::Truncate() const { return Decimal(coef_ / Pow10(scale_), 0); }

Decimal Decimal::Floor() const {
  __int128 p = Pow10(scale_);
  __int128 q = coef_ / p;
  if (coef_ % p != 0 && coef_ < 0) --q;
  return Decimal(q, 0);
}

Decimal Decimal::Ceiling() const {
  __int128 p = Pow10(scale_);
  __int128 q = coef_ / p;
  if (coef_ % p != 0 && coef_ > 0) ++q;
  return Decimal(q, 0);
}

Decimal Decimal::Normalized() const {
  Decimal r = *this;
  while (r.scale_ > 0 && r.coef_ % 10 == 0) {
    r.coef_ /= 10;
    --r.scale_;
  }
  return r;
}

std::optional<int64_t> Decimal::ToInt64() const {
  __int128 p = Pow10(scale_);
  if (coef_ % p != 0) return std::nullopt;
  __int128 q = coef_ / p;
  if (q > INT64_MAX || q < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(q);
}

}  // namespace tc::fhirpath
