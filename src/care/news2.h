// File: care/news2.h
//
// The National Early Warning Score 2 (Royal College of Physicians, "National Early Warning Score
// (NEWS) 2: Standardising the assessment of acute-illness severity in the NHS", 2017): six
// physiological parameters, plus supplemental oxygen, each scored 0–3; the total and the clinical
// response it calls for. SpO2 uses Scale 1 (Scale 2, for patients with hypercapnic respiratory
// failure on a clinician's decision, is not supported yet). NEWS2 is for adults (16 and over), not
// during pregnancy.
//
// Scores per parameter (RCP 2017, chart 1):
//   respiration rate /min   ≤8: 3   9–11: 1   12–20: 0   21–24: 2   ≥25: 3
//   SpO2 % (Scale 1)        ≤91: 3  92–93: 2  94–95: 1   ≥96: 0
//   air or oxygen           oxygen: 2   air: 0
//   systolic BP mmHg        ≤90: 3  91–100: 2 101–110: 1 111–219: 0  ≥220: 3
//   pulse /min              ≤40: 3  41–50: 1  51–90: 0   91–110: 1  111–130: 2  ≥131: 3
//   consciousness           alert: 0   new confusion, voice, pain, unresponsive: 3
//   temperature °C          ≤35.0: 3  35.1–36.0: 1  36.1–38.0: 0  38.1–39.0: 1  ≥39.1: 2
// Response (RCP 2017, chart 2): total 0 — continue routine monitoring (at least 12-hourly);
// 1–4 low — ward-based response, at least 4–6-hourly; 3 in any single parameter — low-medium,
// urgent ward-based response; 5–6 medium — key threshold for urgent response; 7 or more high —
// emergency response. Escalation is shown for medium and high, and for 3 in one parameter.
// Pure; thread-safe.
#pragma once

#include <string_view>

namespace tc::care {

enum class Consciousness { kAlert, kNewConfusion, kVoice, kPain, kUnresponsive };

struct Vitals {
  int respiration_rate = 0;  // breaths per minute
  int spo2 = 0;              // %
  bool on_oxygen = false;
  int systolic_bp = 0;  // mmHg
  int pulse = 0;        // beats per minute
  Consciousness consciousness = Consciousness::kAlert;
  double temperature = 0;  // °C, one decimal
};

enum class Risk { kNone, kLow, kLowMediumSingleParameter, kMedium, kHigh };

struct News2 {
  int respiration = 0, spo2 = 0, oxygen = 0, systolic = 0, pulse = 0, consciousness = 0,
      temperature = 0;
  int total = 0;
  Risk risk = Risk::kNone;
  bool escalate = false;  // medium or high, or 3 in one parameter
};

News2 ScoreNews2(const Vitals& v);

// The clinical response for `risk`, in the RCP's terms, e.g. "Urgent response: inform the
// medical team caring for the patient now".
std::string_view ResponseFor(Risk risk);

}  // namespace tc::care
