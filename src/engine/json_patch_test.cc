#include "engine/json_patch.h"

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fhir/json.h"
#include "fhir/testing/known_failures.h"
#include "fhir/testing/shared_definitions.h"
#include "fhir/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tc::engine {
namespace {

using fhir::ParseJson;
using fhir::Value;
using fhir::WriteJson;
using ::testing::HasSubstr;

Value Json(const std::string& text) {
  absl::StatusOr<Value> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status() << " in " << text;
  return v.ok() ? *std::move(v) : Value();
}

// Applies `patch` to `doc` and returns the compact result, or the error.
absl::StatusOr<std::string> Patch(const std::string& doc, const std::string& patch,
                                  const JsonPatchOptions& options = {}) {
  Value target = Json(doc);
  absl::Status s = ApplyJsonPatch(Json(patch), target, options);
  if (!s.ok()) {
    EXPECT_EQ(WriteJson(target), WriteJson(Json(doc))) << "target changed on error";
    return s;
  }
  return WriteJson(target);
}

// The error message of a patch that must fail with InvalidArgument.
std::string PatchError(const std::string& doc, const std::string& patch,
                       const JsonPatchOptions& options = {}) {
  absl::StatusOr<std::string> r = Patch(doc, patch, options);
  EXPECT_FALSE(r.ok()) << "unexpectedly succeeded: " << *r;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  return std::string(r.status().message());
}

#define EXPECT_PATCH(doc, patch, expected)              \
  do {                                                  \
    absl::StatusOr<std::string> r_ = Patch(doc, patch); \
    ASSERT_TRUE(r_.ok()) << r_.status();                \
    EXPECT_EQ(*r_, expected);                           \
  } while (false)

// --- add ------------------------------------------------------------------------------------

TEST(JsonPatchTest, AddObjectMemberAppendsAndKeepsOrder) {
  EXPECT_PATCH(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])",
               R"({"foo":"bar","baz":"qux"})");
}

TEST(JsonPatchTest, AddExistingMemberReplacesInPlace) {
  EXPECT_PATCH(R"({"a":1,"b":2,"c":3})", R"([{"op":"add","path":"/b","value":[true]}])",
               R"({"a":1,"b":[true],"c":3})");
}

TEST(JsonPatchTest, AddArrayInsertAndAppend) {
  EXPECT_PATCH(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/0","value":0}])", R"({"a":[0,1,2]})");
  EXPECT_PATCH(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/1","value":9}])", R"({"a":[1,9,2]})");
  EXPECT_PATCH(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/2","value":3}])", R"({"a":[1,2,3]})");
  EXPECT_PATCH(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/-","value":3}])", R"({"a":[1,2,3]})");
  EXPECT_PATCH(R"({"a":[]})", R"([{"op":"add","path":"/a/-","value":{}}])", R"({"a":[{}]})");
  EXPECT_PATCH(R"([])", R"([{"op":"add","path":"/-","value":1}])", R"([1])");
}

TEST(JsonPatchTest, AddNullValueIsAValue) {
  EXPECT_PATCH(R"({})", R"([{"op":"add","path":"/a","value":null}])", R"({"a":null})");
}

TEST(JsonPatchTest, AddAtRootReplacesDocument) {
  EXPECT_PATCH(R"({"a":1})", R"([{"op":"add","path":"","value":[1,2]}])", R"([1,2])");
}

TEST(JsonPatchTest, AddEmptyKeyAndEscapes) {
  EXPECT_PATCH(R"({})", R"([{"op":"add","path":"/","value":1}])", R"({"":1})");
  EXPECT_PATCH(R"({})", R"([{"op":"add","path":"/a~1b","value":1}])", R"({"a/b":1})");
  EXPECT_PATCH(R"({})", R"([{"op":"add","path":"/m~0n","value":1}])", R"({"m~n":1})");
  // "~01" is "~1" (unescape ~0 first would give "/"), RFC 6901 section 4.
  EXPECT_PATCH(R"({})", R"([{"op":"add","path":"/~01","value":1}])", R"({"~1":1})");
  EXPECT_PATCH(R"({"a":{"":{"":{}}}})", R"([{"op":"add","path":"/a///x","value":1}])",
               R"({"a":{"":{"":{"x":1}}}})");
  EXPECT_PATCH(R"({"a":{"":{"":5}}})", R"([{"op":"add","path":"/a//","value":1}])",
               R"({"a":{"":{"":1}}})");
}

TEST(JsonPatchTest, AddErrors) {
  EXPECT_THAT(PatchError(R"({"q":{"bar":2}})", R"([{"op":"add","path":"/a/b","value":1}])"),
              HasSubstr("path \"/a\" does not exist"));
  EXPECT_THAT(PatchError(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/3","value":1}])"),
              HasSubstr("out of bounds"));
  EXPECT_THAT(PatchError(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/01","value":1}])"),
              HasSubstr("is not an array index"));
  EXPECT_THAT(PatchError(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/-1","value":1}])"),
              HasSubstr("is not an array index"));
  EXPECT_THAT(PatchError(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/+1","value":1}])"),
              HasSubstr("is not an array index"));
  EXPECT_THAT(PatchError(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/","value":1}])"),
              HasSubstr("is not an array index"));
  EXPECT_THAT(PatchError(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/1e0","value":1}])"),
              HasSubstr("is not an array index"));
  EXPECT_THAT(
      PatchError(R"({"a":[1]})", R"([{"op":"add","path":"/a/99999999999999999999999","value":1}])"),
      HasSubstr("out of bounds"));
  EXPECT_THAT(PatchError(R"({"a":"s"})", R"([{"op":"add","path":"/a/b","value":1}])"),
              HasSubstr("\"/a\" is a string, not an object or array"));
  EXPECT_THAT(PatchError(R"({"a":[[1]]})", R"([{"op":"add","path":"/a/-/0","value":1}])"),
              HasSubstr("after the end of the array"));
}

// --- remove ---------------------------------------------------------------------------------

TEST(JsonPatchTest, Remove) {
  EXPECT_PATCH(R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])",
               R"({"foo":"bar"})");
  EXPECT_PATCH(R"({"a":[1,2,3]})", R"([{"op":"remove","path":"/a/1"}])", R"({"a":[1,3]})");
  EXPECT_PATCH(R"({"a":[1,2,3]})", R"([{"op":"remove","path":"/a/2"}])", R"({"a":[1,2]})");
  EXPECT_PATCH(R"({"a":null})", R"([{"op":"remove","path":"/a"}])", R"({})");
}

TEST(JsonPatchTest, RemoveErrors) {
  EXPECT_THAT(PatchError(R"({"a":1})", R"([{"op":"remove","path":"/b"}])"),
              HasSubstr("path \"/b\" does not exist"));
  EXPECT_THAT(PatchError(R"({"a":[1]})", R"([{"op":"remove","path":"/a/1"}])"),
              HasSubstr("out of bounds"));
  EXPECT_THAT(PatchError(R"({"a":[1]})", R"([{"op":"remove","path":"/a/-"}])"),
              HasSubstr("after the end of the array"));
  EXPECT_THAT(PatchError(R"({"a":1})", R"([{"op":"remove","path":""}])"),
              HasSubstr("whole document cannot be removed"));
  EXPECT_THAT(PatchError(R"({"a":1})", R"([{"op":"remove","path":"/a/b"}])"),
              HasSubstr("\"/a\" is a number"));
}

// --- replace --------------------------------------------------------------------------------

TEST(JsonPatchTest, Replace) {
  EXPECT_PATCH(R"({"a":1,"b":2})", R"([{"op":"replace","path":"/a","value":{"x":[]}}])",
               R"({"a":{"x":[]},"b":2})");
  EXPECT_PATCH(R"({"a":[1,2]})", R"([{"op":"replace","path":"/a/0","value":9}])", R"({"a":[9,2]})");
  EXPECT_PATCH(R"({"a":1})", R"([{"op":"replace","path":"","value":"x"}])", R"("x")");
  EXPECT_PATCH(R"({"a":1})", R"([{"op":"replace","path":"/a","value":null}])", R"({"a":null})");
}

TEST(JsonPatchTest, ReplaceErrors) {
  EXPECT_THAT(PatchError(R"({"a":1})", R"([{"op":"replace","path":"/b","value":1}])"),
              HasSubstr("\"/b\" does not exist"));
  EXPECT_THAT(PatchError(R"({"a":[1]})", R"([{"op":"replace","path":"/a/1","value":1}])"),
              HasSubstr("out of bounds"));
  EXPECT_THAT(PatchError(R"({"a":[1]})", R"([{"op":"replace","path":"/a/-","value":1}])"),
              HasSubstr("after the end"));
  EXPECT_THAT(PatchError(R"({"a":1})", R"([{"op":"replace","path":"/a"}])"),
              HasSubstr("missing \"value\""));
}

// --- move -----------------------------------------------------------------------------------

TEST(JsonPatchTest, Move) {
  EXPECT_PATCH(R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
               R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
               R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})");
  // RFC 6902 A.7: the target index is evaluated after the removal.
  EXPECT_PATCH(R"({"foo":["all","grass","cows","eat"]})",
               R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])",
               R"({"foo":["all","cows","eat","grass"]})");
  EXPECT_PATCH(R"({"a":[1,2,3]})", R"([{"op":"move","from":"/a/2","path":"/a/0"}])",
               R"({"a":[3,1,2]})");
  EXPECT_PATCH(R"({"a":[1,2,3]})", R"([{"op":"move","from":"/a/0","path":"/a/-"}])",
               R"({"a":[2,3,1]})");
  // Out to a sibling of the parent, and up into the parent's place.
  EXPECT_PATCH(R"({"a":{"b":{"c":1}}})", R"([{"op":"move","from":"/a/b","path":"/a"}])",
               R"({"a":{"c":1}})");
  EXPECT_PATCH(R"({"a":{"b":1},"c":2})", R"([{"op":"move","from":"/a","path":"/c"}])",
               R"({"c":{"b":1}})");
}

TEST(JsonPatchTest, MoveOntoItselfIsANoOpButMustExist) {
  EXPECT_PATCH(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a"}])",
               R"({"a":{"b":1}})");
  EXPECT_PATCH(R"({"a":1})", R"([{"op":"move","from":"","path":""}])", R"({"a":1})");
  EXPECT_THAT(PatchError(R"({"a":1})", R"([{"op":"move","from":"/x","path":"/x"}])"),
              HasSubstr("\"/x\" does not exist"));
}

TEST(JsonPatchTest, MoveErrors) {
  EXPECT_THAT(PatchError(R"({"a":{"b":{}}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])"),
              HasSubstr("cannot move \"/a\" into its own child \"/a/b/c\""));
  EXPECT_THAT(PatchError(R"({"a":{}})", R"([{"op":"move","from":"","path":"/a/x"}])"),
              HasSubstr("into its own child"));
  // A sibling whose name merely starts with the source name is fine.
  EXPECT_PATCH(R"({"a":1,"ab":{}})", R"([{"op":"move","from":"/a","path":"/ab/x"}])",
               R"({"ab":{"x":1}})");
  EXPECT_THAT(PatchError(R"({"a":1})", R"([{"op":"move","from":"/b","path":"/c"}])"),
              HasSubstr("\"/b\" does not exist"));
  EXPECT_THAT(PatchError(R"({"a":1})", R"([{"op":"move","path":"/c"}])"),
              HasSubstr("missing \"from\""));
  EXPECT_THAT(PatchError(R"({"a":1})", R"([{"op":"move","from":1,"path":"/c"}])"),
              HasSubstr("\"from\" must be a string"));
  EXPECT_THAT(PatchError(R"({"a":1})", R"([{"op":"move","from":"a","path":"/c"}])"),
              HasSubstr("not a JSON Pointer"));
  // The target's parent is gone once the source is removed.
  EXPECT_THAT(PatchError(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a"}, )"
                                             R"({"op":"move","from":"/a/b","path":"/x/y"}])"),
              HasSubstr("operation 1"));
}

// --- copy -----------------------------------------------------------------------------------

TEST(JsonPatchTest, Copy) {
  EXPECT_PATCH(R"({"a":{"b":[1]}})", R"([{"op":"copy","from":"/a","path":"/c"}])",
               R"({"a":{"b":[1]},"c":{"b":[1]}})");
  EXPECT_PATCH(R"({"a":[1,2]})", R"([{"op":"copy","from":"/a/0","path":"/a/-"}])",
               R"({"a":[1,2,1]})");
  // Copying a value into itself is allowed (the copy is taken first).
  EXPECT_PATCH(R"({"a":{"b":1}})", R"([{"op":"copy","from":"/a","path":"/a/c"}])",
               R"({"a":{"b":1,"c":{"b":1}}})");
  EXPECT_PATCH(R"({"a":1})", R"([{"op":"copy","from":"","path":"/b"}])", R"({"a":1,"b":{"a":1}})");
  EXPECT_THAT(PatchError(R"({"a":1})", R"([{"op":"copy","from":"/b","path":"/c"}])"),
              HasSubstr("\"/b\" does not exist"));
  EXPECT_THAT(PatchError(R"({"a":1})", R"([{"op":"copy","path":"/c"}])"),
              HasSubstr("missing \"from\""));
}

// --- test -----------------------------------------------------------------------------------

TEST(JsonPatchTest, TestSucceeds) {
  const std::string doc =
      R"({"s":"x","n":10,"b":true,"z":null,"a":[1,{"k":"v"}],"o":{"p":1,"q":2}})";
  for (const char* patch : {
           R"([{"op":"test","path":"/s","value":"x"}])",
           R"([{"op":"test","path":"/n","value":10}])",
           R"([{"op":"test","path":"/n","value":10.0}])",
           R"([{"op":"test","path":"/n","value":1e1}])",
           R"([{"op":"test","path":"/n","value":100E-1}])",
           R"([{"op":"test","path":"/n","value":0.01e3}])",
           R"([{"op":"test","path":"/b","value":true}])",
           R"([{"op":"test","path":"/z","value":null}])",
           R"([{"op":"test","path":"/a","value":[1.0,{"k":"v"}]}])",
           R"([{"op":"test","path":"/o","value":{"q":2,"p":1}}])",
           R"([{"op":"test","path":"/a/1/k","value":"v"}])",
           R"([{"op":"test","path":"","value":{"o":{"p":1,"q":2},"s":"x","n":10,"b":true,)"
           R"("z":null,"a":[1,{"k":"v"}]}}])",
       }) {
    absl::StatusOr<std::string> r = Patch(doc, patch);
    EXPECT_TRUE(r.ok()) << patch << ": " << r.status();
  }
}

TEST(JsonPatchTest, TestFails) {
  const std::string doc = R"({"s":"x","n":10,"z":null,"a":[1,2],"o":{"p":1}})";
  for (const char* patch : {
           R"([{"op":"test","path":"/s","value":"y"}])",
           R"([{"op":"test","path":"/n","value":"10"}])",
           R"([{"op":"test","path":"/n","value":11}])",
           R"([{"op":"test","path":"/n","value":-10}])",
           R"([{"op":"test","path":"/n","value":1}])",
           R"([{"op":"test","path":"/z","value":false}])",
           R"([{"op":"test","path":"/a","value":[2,1]}])",
           R"([{"op":"test","path":"/a","value":[1,2,3]}])",
           R"([{"op":"test","path":"/o","value":{"p":1,"q":null}}])",
           R"([{"op":"test","path":"/o","value":{}}])",
       }) {
    EXPECT_THAT(PatchError(doc, patch), HasSubstr("test operation failed")) << patch;
  }
  EXPECT_EQ(PatchError(doc, R"([{"op":"test","path":"/n","value":"10"}])"),
            "JSON Patch operation 0 (test \"/n\"): test operation failed: the value at \"/n\" is "
            "a number, the given value is a string");
  // A missing target is reported as such.
  EXPECT_THAT(PatchError(doc, R"([{"op":"test","path":"/missing","value":1}])"),
              HasSubstr("\"/missing\" does not exist"));
  EXPECT_THAT(PatchError(doc, R"([{"op":"test","path":"/n"}])"), HasSubstr("missing \"value\""));
}

TEST(JsonPatchTest, TestComparesZeroAndExponentsNumerically) {
  EXPECT_TRUE(Patch("[0]", R"([{"op":"test","path":"/0","value":-0.0}])").ok());
  EXPECT_TRUE(Patch("[0]", R"([{"op":"test","path":"/0","value":0e99}])").ok());
  EXPECT_TRUE(Patch("[1.50]", R"([{"op":"test","path":"/0","value":1.5}])").ok());
  EXPECT_TRUE(Patch("[-120]", R"([{"op":"test","path":"/0","value":-1.2e+2}])").ok());
  EXPECT_FALSE(Patch("[1.5]", R"([{"op":"test","path":"/0","value":15}])").ok());
}

// Numbers beyond double range (a stored resource need not come from our parser).
TEST(JsonPatchTest, TestComparesHugeNumbersExactly) {
  auto test_op = [](const std::string& expected) {
    Value op = Value::Object();
    op.Set("op", Value::String("test"));
    op.Set("path", Value::String("/0"));
    op.Set("value", Value::Number(expected));
    return Value::MakeArray({op});
  };
  Value doc = Value::MakeArray({Value::Number("1e400")});
  EXPECT_TRUE(ApplyJsonPatch(test_op("10e399"), doc).ok());
  EXPECT_FALSE(ApplyJsonPatch(test_op("1e401"), doc).ok());
  // Exponents too large to normalise fall back to comparing the text.
  Value huge = Value::MakeArray({Value::Number("1e99999999999999999999")});
  EXPECT_TRUE(ApplyJsonPatch(test_op("1e99999999999999999999"), huge).ok());
  EXPECT_FALSE(ApplyJsonPatch(test_op("1e99999999999999999998"), huge).ok());
}

// --- document and operation shape ------------------------------------------------------------

TEST(JsonPatchTest, EmptyPatchIsANoOp) { EXPECT_PATCH(R"({"a":1})", "[]", R"({"a":1})"); }

TEST(JsonPatchTest, IgnoresUnknownMembers) {
  EXPECT_PATCH(R"({})", R"([{"op":"add","path":"/a","value":1,"xyz":123,"from":"/nope"}])",
               R"({"a":1})");
}

TEST(JsonPatchTest, MalformedPatches) {
  EXPECT_THAT(PatchError("{}", R"({"op":"add","path":"/a","value":1})"),
              HasSubstr("must be an array of operations, not an object"));
  EXPECT_EQ(PatchError("{}", R"([1])"),
            "JSON Patch operation 0: an operation must be an object, not a number");
  EXPECT_EQ(PatchError("{}", R"([{"path":"/a","value":1}])"),
            "JSON Patch operation 0: missing \"op\"");
  EXPECT_EQ(PatchError("{}", R"([{"op":3,"path":"/a"}])"),
            "JSON Patch operation 0: \"op\" must be a string, not a number");
  EXPECT_EQ(PatchError("{}", R"([{"op":"ADD","path":"/a","value":1}])"),
            "JSON Patch operation 0: unknown op \"ADD\" (expected add, remove, replace, move, "
            "copy or test)");
  EXPECT_EQ(PatchError("{}", R"([{"op":"add","value":1}])"),
            "JSON Patch operation 0 (add): missing \"path\"");
  EXPECT_EQ(PatchError("{}", R"([{"op":"add","path":null,"value":1}])"),
            "JSON Patch operation 0 (add): \"path\" must be a string, not null");
  EXPECT_EQ(PatchError("{}", R"([{"op":"add","path":"/a"}])"),
            "JSON Patch operation 0 (add \"/a\"): missing \"value\"");
  EXPECT_EQ(PatchError("{}", R"([{"op":"add","path":"a","value":1}])"),
            "JSON Patch operation 0 (add \"a\"): \"path\" \"a\" is not a JSON Pointer: it must "
            "be empty or start with '/'");
  EXPECT_THAT(PatchError("{}", R"([{"op":"add","path":"/a~2","value":1}])"),
              HasSubstr("'~' at offset 2 must be followed by '0' or '1'"));
  EXPECT_THAT(PatchError("{}", R"([{"op":"add","path":"/a~","value":1}])"),
              HasSubstr("must be followed by '0' or '1'"));
}

TEST(JsonPatchTest, ErrorNamesOperationIndexAndEscapedPath) {
  EXPECT_EQ(PatchError(R"({"a":1})", R"([{"op":"test","path":"/a","value":1},)"
                                     R"({"op":"remove","path":"/b\n"}])"),
            "JSON Patch operation 1 (remove \"/b\\n\"): path \"/b\\n\" does not exist");
}

TEST(JsonPatchTest, AllOrNothing) {
  Value target = Json(R"({"a":1,"list":[1,2]})");
  const Value before = target;
  absl::Status s = ApplyJsonPatch(Json(R"([{"op":"add","path":"/b","value":2},
                                           {"op":"remove","path":"/list/0"},
                                           {"op":"replace","path":"","value":7},
                                           {"op":"test","path":"","value":8}])"),
                                  target);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("operation 3"));
  EXPECT_EQ(WriteJson(target), WriteJson(before));
}

TEST(JsonPatchTest, OperationsSeeEarlierResults) {
  EXPECT_PATCH(R"({})",
               R"([{"op":"add","path":"/a","value":{}},{"op":"add","path":"/a/b","value":[]},)"
               R"({"op":"add","path":"/a/b/-","value":1},{"op":"copy","from":"/a/b","path":"/c"},)"
               R"({"op":"test","path":"/c/0","value":1},{"op":"remove","path":"/a"}])",
               R"({"c":[1]})");
}

TEST(JsonPatchTest, KeepsDecimalText) {
  EXPECT_PATCH(R"({"valueDecimal":1.0})",
               R"([{"op":"replace","path":"/valueDecimal","value":1.50}])",
               R"({"valueDecimal":1.50})");
}

// --- limits ---------------------------------------------------------------------------------

TEST(JsonPatchTest, CopyBombIsBounded) {
  std::string patch = "[";
  for (int i = 0; i < 64; ++i) {
    if (i > 0) patch += ",";
    patch += R"({"op":"copy","from":"/a","path":"/a/-"})";
  }
  patch += "]";
  // Each copy doubles /a; 2^64 values must be refused long before memory runs out. (A small
  // limit keeps the test fast; the default is 1,000,000.)
  JsonPatchOptions options;
  options.max_nodes = 10'000;
  EXPECT_THAT(PatchError(R"({"a":[1]})", patch, options),
              HasSubstr("operation 12 (copy \"/a/-\"): the patched document would exceed 10000 "
                        "JSON values"));
}

TEST(JsonPatchTest, NodeLimitCountsReplacedValues) {
  JsonPatchOptions options;
  options.max_nodes = 4;  // {"a":[1,2]} is 4 values
  EXPECT_TRUE(
      Patch(R"({"a":[1,2]})", R"([{"op":"replace","path":"/a","value":[3,4]}])", options).ok());
  EXPECT_TRUE(Patch(R"({"a":[1,2]})", R"([{"op":"add","path":"/a","value":[3,4]}])", options).ok());
  EXPECT_TRUE(Patch(R"({"a":[1,2]})", R"([{"op":"copy","from":"/a","path":"/a"}])", options).ok());
  EXPECT_TRUE(Patch(R"({"a":[1,2]})",
                    R"([{"op":"remove","path":"/a/0"},{"op":"add","path":"/b","value":1}])",
                    options)
                  .ok());
  EXPECT_THAT(PatchError(R"({"a":[1,2]})", R"([{"op":"add","path":"/b","value":1}])", options),
              HasSubstr("would exceed 4 JSON values"));
  EXPECT_THAT(
      PatchError(R"({"a":[1,2]})", R"([{"op":"replace","path":"/a","value":[1,2,3]}])", options),
      HasSubstr("would exceed 4 JSON values"));
  EXPECT_THAT(
      PatchError(R"({"a":[1,2]})", R"([{"op":"copy","from":"/a/0","path":"/a/-"}])", options),
      HasSubstr("would exceed 4 JSON values"));
}

TEST(JsonPatchTest, DepthLimit) {
  JsonPatchOptions options;
  options.max_depth = 3;
  EXPECT_TRUE(Patch(R"({"a":{}})", R"([{"op":"add","path":"/a/b","value":[1]}])", options).ok());
  EXPECT_THAT(PatchError(R"({"a":{}})", R"([{"op":"add","path":"/a/b","value":[[1]]}])", options),
              HasSubstr("would nest 4 levels deep at \"/a/b\"; at most 3"));
  EXPECT_THAT(
      PatchError(R"({"a":{"b":{}}})", R"([{"op":"copy","from":"","path":"/a/b/c"}])", options),
      HasSubstr("would nest"));
  EXPECT_THAT(PatchError(R"({"a":{"b":{}},"c":[[]]})",
                         R"([{"op":"move","from":"/c","path":"/a/b/c"}])", options),
              HasSubstr("would nest"));
  // Repeated self-copies deepen the document one level each: bounded by the default limit.
  std::string patch = "[";
  for (int i = 0; i < 200; ++i) {
    if (i > 0) patch += ",";
    patch += R"({"op":"copy","from":"","path":"/x"})";
  }
  patch += "]";
  EXPECT_THAT(PatchError(R"({})", patch), HasSubstr("would nest"));
}

// --- HL7 fixture conformance run ------------------------------------------------------------

using fhir::testing::KnownFailureTally;
using fhir::testing::LoadKnownFailures;
using fhir::testing::ReadFileOrEmpty;

TEST(JsonPatchConformanceTest, Hl7Fixtures) {
  const std::filesystem::path fixture =
      std::filesystem::path(TC_FIXTURES_DIR) / "hl7-fhir-test-cases/r4/patch/json-patch-tests.json";
  if (!std::filesystem::exists(fixture)) {
    GTEST_SKIP() << "HL7 JSON Patch fixtures not found at " << fixture
                 << " (set THROUGHCARE_FIXTURES or -DTC_FIXTURES=...)";
  }
  absl::StatusOr<Value> cases = ParseJson(ReadFileOrEmpty(fixture));
  ASSERT_TRUE(cases.ok()) << cases.status();
  ASSERT_TRUE(cases->is_array()) << fixture << " is not a list of cases";
  KnownFailureTally tally(LoadKnownFailures(std::filesystem::path(TC_SOURCE_DIR) /
                                            "src/engine/testdata/json-patch-known-failures.txt"));

  size_t disabled = 0;
  for (size_t i = 0; i < cases->array().size(); ++i) {
    const Value& c = cases->array()[i];
    ASSERT_TRUE(c.is_object()) << "case #" << i;
    const std::string name = c.Find("comment") != nullptr ? std::string(c.GetString("comment"))
                                                          : "#" + std::to_string(i);
    if (const Value* d = c.Find("disabled"); d != nullptr && d->is_bool() && d->bool_value()) {
      ++disabled;
      continue;
    }
    const Value* doc = c.Find("doc");
    const Value* patch = c.Find("patch");
    const Value* expected = c.Find("expected");
    const bool expect_error = c.Find("error") != nullptr;
    std::string failure;
    if (doc == nullptr || patch == nullptr) {
      failure = "case has no \"doc\" or \"patch\"";
    } else {
      Value target = *doc;
      absl::Status s = ApplyJsonPatch(*patch, target);
      if (expect_error) {
        if (s.ok()) {
          failure = "expected error \"" + std::string(c.GetString("error")) +
                    "\" but the patch applied, giving " + WriteJson(target);
        } else if (!(target == *doc) || WriteJson(target) != WriteJson(*doc)) {
          failure = "the document changed although the patch failed";
        }
      } else if (!s.ok()) {
        failure = "unexpected error: " + std::string(s.message());
      } else if (expected != nullptr && !(target == *expected)) {
        failure = "got " + WriteJson(target) + ", expected " + WriteJson(*expected);
      }
    }
    tally.Record(name, failure);
  }
  tally.Finish();
  std::cout << "JSON Patch fixtures: " << tally.passed() << "/" << tally.run() << " passed";
  if (disabled > 0) std::cout << " (" << disabled << " disabled)";
  std::cout << "\n";
  RecordProperty("fixtures_passed", static_cast<int>(tally.passed()));
  RecordProperty("fixtures_run", static_cast<int>(tally.run()));
}

}  // namespace
}  // namespace tc::engine
