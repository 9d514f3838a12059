// The HL7 FHIRPath R4 conformance suite (tests-fhir-r4.xml from hl7-fhir-test-cases), run as
// data: every <test> is compiled and evaluated against its input file, and its outputs compared
// in order and type. Tests whose expression is marked invalid pass when compiling or evaluating
// fails. testdata/known-failures.txt lists the tests expected to fail (name, then a reason);
// this test fails when an unlisted test fails or a listed one passes.
//
// Set TC_FHIRPATH_VERBOSE=1 to print every failure with its actual output.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/definitions.h"
#include "fhir/json.h"
#include "fhir/xml.h"
#include "fhirpath/fhirpath.h"
#include "fhirpath/operations.h"
#include "gtest/gtest.h"
#include "pugixml.hpp"

namespace tc::fhirpath {
namespace {

const std::string kSuiteDir = std::string(TC_FIXTURES_DIR) + "/hl7-fhir-test-cases/r4/fhirpath";

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Expected {
  std::string type;  // "" when untyped
  std::string text;
};

// Normalises an expected value for comparison with ToText(): date/time literals lose '@'/'@T'.
std::string Normalise(std::string_view s) {
  if (!s.empty() && s[0] == '@') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == 'T') s.remove_prefix(1);
  }
  return std::string(s);
}

bool Matches(const Item& item, const Expected& want) {
  std::optional<std::string> text = ToText(item);
  if (!text) return false;
  if (!want.type.empty() && TypeNameOf(item) != want.type) return false;
  std::string expected = Normalise(want.text);
  if (want.type == "decimal") {
    std::optional<Decimal> a = Decimal::Parse(*text), b = Decimal::Parse(expected);
    return a && b && Decimal::Compare(*a, *b) == 0;
  }
  return *text == expected;
}

std::string Describe(const Collection& c) {
  std::string s = "[";
  for (size_t i = 0; i < c.size(); ++i) {
    if (i > 0) s += ", ";
    std::optional<std::string> t = ToText(c[i]);
    s += TypeNameOf(c[i]) + ":" + (t ? *t : "<complex>");
  }
  return s + "]";
}

std::map<std::string, std::string> LoadKnownFailures() {
  std::map<std::string, std::string> out;
  std::optional<std::string> text =
      ReadFile(std::string(TC_SOURCE_DIR) + "/src/fhirpath/testdata/known-failures.txt");
  if (!text) return out;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.find_first_of(" \t");
    std::string name = line.substr(0, sp);
    std::string reason = sp == std::string::npos ? "" : line.substr(sp + 1);
    out[name] = reason;
  }
  return out;
}

TEST(FhirPathSuite, R4) {
  std::optional<std::string> suite = ReadFile(kSuiteDir + "/tests-fhir-r4.xml");
  if (!suite) GTEST_SKIP() << "FHIRPath suite not found under " << kSuiteDir;
  absl::StatusOr<std::unique_ptr<fhir::Definitions>> defs = fhir::Definitions::LoadEmbedded();
  ASSERT_TRUE(defs.ok()) << defs.status();

  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(suite->c_str()));
  std::map<std::string, std::unique_ptr<fhir::Value>> inputs;
  auto input = [&](const std::string& file) -> const fhir::Value* {
    auto it = inputs.find(file);
    if (it != inputs.end()) return it->second.get();
    std::optional<std::string> text = ReadFile(kSuiteDir + "/" + file);
    std::unique_ptr<fhir::Value> v;
    if (text) {
      absl::StatusOr<fhir::Value> parsed =
          file.ends_with(".json") ? fhir::ParseJson(*text) : fhir::ParseXml(**defs, *text);
      if (parsed.ok()) {
        v = std::make_unique<fhir::Value>(*std::move(parsed));
      } else {
        ADD_FAILURE() << file << ": " << parsed.status();
      }
    }
    return (inputs[file] = std::move(v)).get();
  };

  std::map<std::string, std::string> known = LoadKnownFailures();
  bool verbose = std::getenv("TC_FHIRPATH_VERBOSE") != nullptr;
  base::FakeClock clock(absl::Now());
  int total = 0, passed = 0;
  std::set<std::string> seen;
  std::vector<std::string> unexpected_failures, unexpected_passes;

  for (pugi::xml_node group : doc.child("tests").children("group")) {
    for (pugi::xml_node test : group.children("test")) {
      ++total;
      std::string name = test.attribute("name").as_string();
      for (int k = 2; seen.count(name); ++k) {
        name = std::string(test.attribute("name").as_string()) + "#" + std::to_string(k);
      }
      seen.insert(name);
      pugi::xml_node expr_node = test.child("expression");
      std::string expr = expr_node.text().as_string();
      bool invalid = !expr_node.attribute("invalid").empty();
      std::vector<Expected> expected;
      for (pugi::xml_node o : test.children("output")) {
        expected.push_back({o.attribute("type").as_string(), o.text().as_string()});
      }
      std::string file = test.attribute("inputfile").as_string();
      fhir::Value empty = fhir::Value::Object();
      const fhir::Value* resource = file.empty() ? &empty : input(file);

      bool ok = false;
      std::string detail;
      // Static checks against the input's type, as a strict engine would do them.
      CompileOptions options;
      if (resource != nullptr) options.context_type = resource->GetString("resourceType");
      options.check_ordered_functions =
          std::string_view(test.attribute("checkOrderedFunctions").as_string()) == "true";
      absl::StatusOr<Expression> compiled = Compile(expr, **defs, options);
      if (resource == nullptr) {
        detail = "input not loaded";
      } else if (!compiled.ok()) {
        ok = invalid;
        detail = "compile: " + std::string(std::string(compiled.status().message()));
      } else {
        EvalContext ctx;
        ctx.clock = &clock;
        absl::StatusOr<Collection> result = Evaluate(*compiled, *resource, ctx);
        if (!result.ok()) {
          ok = invalid;
          detail = "evaluate: " + std::string(std::string(result.status().message()));
        } else if (invalid) {
          detail = "expected an error, got " + Describe(*result);
        } else {
          Collection got = *std::move(result);
          if (std::string_view(test.attribute("predicate").as_string()) == "true") {
            got = Collection{Item::Boolean(!got.empty())};
          }
          bool unordered = std::string_view(test.attribute("ordered").as_string()) == "false";
          ok = got.size() == expected.size();
          std::vector<bool> used(got.size(), false);
          for (size_t i = 0; ok && i < expected.size(); ++i) {
            if (!unordered) {
              ok = Matches(got[i], expected[i]);
              continue;
            }
            bool found = false;
            for (size_t j = 0; j < got.size() && !found; ++j) {
              if (!used[j] && Matches(got[j], expected[i])) used[j] = found = true;
            }
            ok = found;
          }
          if (!ok) {
            std::string want = "[";
            for (const Expected& e : expected) want += e.type + ":" + e.text + " ";
            detail = "got " + Describe(got) + " want " + want + "]";
          }
        }
      }
      bool listed = known.count(name) > 0;
      if (ok) ++passed;
      if (!ok && !listed) unexpected_failures.push_back(name + " — " + expr + " — " + detail);
      if (ok && listed) unexpected_passes.push_back(name);
      if (!ok && verbose) std::cout << "FAIL " << name << ": " << expr << " — " << detail << "\n";
    }
  }
  std::cout << "FHIRPath R4 suite: " << passed << "/" << total << " passed\n";
  for (const std::string& f : unexpected_failures) ADD_FAILURE() << "unexpected failure: " << f;
  for (const std::string& p : unexpected_passes) {
    ADD_FAILURE() << "now passes, remove from known-failures.txt: " << p;
  }
  for (const auto& [name, reason] : known) {
    if (!seen.count(name)) ADD_FAILURE() << "known-failures.txt names an unknown test: " << name;
  }
}

}  // namespace
}  // namespace tc::fhirpath
