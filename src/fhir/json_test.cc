#include "fhir/json.h"

#include "gtest/gtest.h"

namespace tc::fhir {
namespace {

TEST(JsonTest, ParsesAndKeepsDecimalText) {
  absl::StatusOr<Value> v =
      ParseJson(R"({"resourceType":"Observation","valueQuantity":{"value":1.50}})");
  ASSERT_TRUE(v.ok()) << v.status();
  const Value* q = v->Find("valueQuantity");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->Find("value")->number_text(), "1.50");
  EXPECT_EQ(WriteJson(*v), R"({"resourceType":"Observation","valueQuantity":{"value":1.50}})");
}

TEST(JsonTest, RoundTripsAllKindsAndEscapes) {
  std::string text =
      R"({"a":[1,-2.5e3,true,false,null,"x\"y\\z\n\u0001é"],"b":{},"c":[],"d":{"e":{"f":0}}})";
  absl::StatusOr<Value> v = ParseJson(text);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(WriteJson(*v), text);
  absl::StatusOr<Value> again = ParseJson(WriteJson(*v, {.pretty = true}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *v);
}

TEST(JsonTest, PrettyOutput) {
  absl::StatusOr<Value> v = ParseJson(R"({"a":[1,2],"b":{}})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(WriteJson(*v, {.pretty = true}), "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}");
}

TEST(JsonTest, RejectsMalformedInput) {
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "nul", "{\"a\" 1}",
                          "{\"a\":\"\xff\"}", "{'a':1}", "[01]"}) {
    EXPECT_FALSE(ParseJson(bad).ok()) << bad;
  }
}

TEST(JsonTest, RejectsDuplicateKeys) {
  absl::StatusOr<Value> v = ParseJson(R"({"id":"a","id":"b"})");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("duplicate"), std::string::npos);
}

TEST(JsonTest, RejectsExcessiveDepth) {
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  EXPECT_FALSE(ParseJson(deep).ok());
  std::string ok(50, '[');
  ok += std::string(50, ']');
  EXPECT_TRUE(ParseJson(ok).ok());
}

TEST(JsonTest, ScalarDocuments) {
  EXPECT_EQ(ParseJson("42")->number_text(), "42");
  EXPECT_EQ(ParseJson("\"s\"")->string_value(), "s");
}

TEST(ValueTest, EqualityIgnoresMemberOrder) {
  Value a = *ParseJson(R"({"x":1,"y":[1,2]})");
  Value b = *ParseJson(R"({"y":[1,2],"x":1})");
  Value c = *ParseJson(R"({"y":[2,1],"x":1})");
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
}

TEST(ValueTest, SetFindErase) {
  Value o = Value::Object();
  o.Set("a", Value::String("1"));
  o.Set("b", Value::Bool(true));
  o.Set("a", Value::String("2"));
  EXPECT_EQ(o.size(), 2u);
  EXPECT_EQ(o.GetString("a"), "2");
  EXPECT_TRUE(o.Erase("a"));
  EXPECT_FALSE(o.Erase("a"));
  EXPECT_EQ(o.Find("a"), nullptr);
}

}  // namespace
}  // namespace tc::fhir
