#include "care/news2.h"

#include "gtest/gtest.h"

namespace tc::care {
namespace {

Vitals Normal() {
  Vitals v;
  v.respiration_rate = 16;
  v.spo2 = 97;
  v.systolic_bp = 125;
  v.pulse = 72;
  v.temperature = 36.8;
  return v;
}

TEST(News2Test, NormalObservationsScoreZero) {
  News2 n = ScoreNews2(Normal());
  EXPECT_EQ(n.total, 0);
  EXPECT_EQ(n.risk, Risk::kNone);
  EXPECT_FALSE(n.escalate);
}

TEST(News2Test, EveryBandBoundary) {
  struct Case {
    int rr;
    int expected;
  };
  for (Case c : {Case{8, 3}, {9, 1}, {11, 1}, {12, 0}, {20, 0}, {21, 2}, {24, 2}, {25, 3}}) {
    Vitals v = Normal();
    v.respiration_rate = c.rr;
    EXPECT_EQ(ScoreNews2(v).respiration, c.expected) << "rr " << c.rr;
  }
  for (Case c : {Case{91, 3}, {92, 2}, {93, 2}, {94, 1}, {95, 1}, {96, 0}}) {
    Vitals v = Normal();
    v.spo2 = c.rr;
    EXPECT_EQ(ScoreNews2(v).spo2, c.expected) << "spo2 " << c.rr;
  }
  for (Case c :
       {Case{90, 3}, {91, 2}, {100, 2}, {101, 1}, {110, 1}, {111, 0}, {219, 0}, {220, 3}}) {
    Vitals v = Normal();
    v.systolic_bp = c.rr;
    EXPECT_EQ(ScoreNews2(v).systolic, c.expected) << "sbp " << c.rr;
  }
  for (Case c : {Case{40, 3},
                 {41, 1},
                 {50, 1},
                 {51, 0},
                 {90, 0},
                 {91, 1},
                 {110, 1},
                 {111, 2},
                 {130, 2},
                 {131, 3}}) {
    Vitals v = Normal();
    v.pulse = c.rr;
    EXPECT_EQ(ScoreNews2(v).pulse, c.expected) << "pulse " << c.rr;
  }
  struct TempCase {
    double t;
    int expected;
  };
  for (TempCase c : {TempCase{35.0, 3},
                     {35.1, 1},
                     {36.0, 1},
                     {36.1, 0},
                     {38.0, 0},
                     {38.1, 1},
                     {39.0, 1},
                     {39.1, 2}}) {
    Vitals v = Normal();
    v.temperature = c.t;
    EXPECT_EQ(ScoreNews2(v).temperature, c.expected) << "temp " << c.t;
  }
  Vitals v = Normal();
  v.on_oxygen = true;
  EXPECT_EQ(ScoreNews2(v).oxygen, 2);
  v = Normal();
  v.consciousness = Consciousness::kNewConfusion;
  EXPECT_EQ(ScoreNews2(v).consciousness, 3);
}

TEST(News2Test, RiskAndEscalation) {
  Vitals v = Normal();
  v.pulse = 95;  // 1
  EXPECT_EQ(ScoreNews2(v).risk, Risk::kLow);
  EXPECT_FALSE(ScoreNews2(v).escalate);
  v = Normal();
  v.consciousness = Consciousness::kVoice;  // a single 3
  EXPECT_EQ(ScoreNews2(v).total, 3);
  EXPECT_EQ(ScoreNews2(v).risk, Risk::kLowMediumSingleParameter);
  EXPECT_TRUE(ScoreNews2(v).escalate);
  v = Normal();
  v.respiration_rate = 22;  // 2
  v.pulse = 115;            // 2
  v.temperature = 38.5;     // 1
  EXPECT_EQ(ScoreNews2(v).total, 5);
  EXPECT_EQ(ScoreNews2(v).risk, Risk::kMedium);
  EXPECT_TRUE(ScoreNews2(v).escalate);
  v.spo2 = 93;  // +2
  EXPECT_EQ(ScoreNews2(v).total, 7);
  EXPECT_EQ(ScoreNews2(v).risk, Risk::kHigh);
  EXPECT_FALSE(ResponseFor(Risk::kHigh).empty());
}

}  // namespace
}  // namespace tc::care
