#include "care/news2.h"

#include <algorithm>
#include <cmath>

namespace tc::care {
namespace {

int Respiration(int r) {
  if (r <= 8) return 3;
  if (r <= 11) return 1;
  if (r <= 20) return 0;
  if (r <= 24) return 2;
  return 3;
}

int Spo2Scale1(int s) {
  if (s <= 91) return 3;
  if (s <= 93) return 2;
  if (s <= 95) return 1;
  return 0;
}

int Systolic(int bp) {
  if (bp <= 90) return 3;
  if (bp <= 100) return 2;
  if (bp <= 110) return 1;
  if (bp <= 219) return 0;
  return 3;
}

int Pulse(int p) {
  if (p <= 40) return 3;
  if (p <= 50) return 1;
  if (p <= 90) return 0;
  if (p <= 110) return 1;
  if (p <= 130) return 2;
  return 3;
}

int Temperature(double t) {
  // Compared in tenths of a degree, as charted (35.0, 35.1, ...).
  const long tenths = std::lround(t * 10);
  if (tenths <= 350) return 3;
  if (tenths <= 360) return 1;
  if (tenths <= 380) return 0;
  if (tenths <= 390) return 1;
  return 2;
}

}  // namespace

News2 ScoreNews2(const Vitals& v) {
  News2 n;
  n.respiration = Respiration(v.respiration_rate);
  n.spo2 = Spo2Scale1(v.spo2);
  n.oxygen = v.on_oxygen ? 2 : 0;
  n.systolic = Systolic(v.systolic_bp);
  n.pulse = Pulse(v.pulse);
  n.consciousness = v.consciousness == Consciousness::kAlert ? 0 : 3;
  n.temperature = Temperature(v.temperature);
  n.total =
      n.respiration + n.spo2 + n.oxygen + n.systolic + n.pulse + n.consciousness + n.temperature;
  const int highest = std::max(
      {n.respiration, n.spo2, n.oxygen, n.systolic, n.pulse, n.consciousness, n.temperature});
  if (n.total >= 7) {
    n.risk = Risk::kHigh;
  } else if (n.total >= 5) {
    n.risk = Risk::kMedium;
  } else if (highest == 3) {
    n.risk = Risk::kLowMediumSingleParameter;
  } else if (n.total >= 1) {
    n.risk = Risk::kLow;
  }
  n.escalate =
      n.risk == Risk::kHigh || n.risk == Risk::kMedium || n.risk == Risk::kLowMediumSingleParameter;
  return n;
}

std::string_view ResponseFor(Risk risk) {
  switch (risk) {
    case Risk::kNone:
      return "Continue routine monitoring, at least every 12 hours";
    case Risk::kLow:
      return "Low risk: assessment by a registered nurse; monitor at least every 4 to 6 hours";
    case Risk::kLowMediumSingleParameter:
      return "A score of 3 in one parameter: urgent review by a clinician who decides whether "
             "to escalate; monitor at least hourly";
    case Risk::kMedium:
      return "Medium risk: urgent response — inform the medical team (GP or out-of-hours "
             "doctor) now; monitor at least hourly";
    case Risk::kHigh:
      return "High risk: emergency response — call 999 or the emergency team now; continuous "
             "monitoring";
  }
  return "";
}

}  // namespace tc::care
