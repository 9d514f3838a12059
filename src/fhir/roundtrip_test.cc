// Round-trip conformance of the JSON and XML converters against resources no one here wrote:
//   * every JSON resource of the spec package hl7.fhir.r4.examples (examples and definitions):
//     JSON → tree → JSON → tree is identical, and tree → XML → tree is identical;
//   * the HL7 fhir-test-cases R4 JSON examples: the same;
//   * the UK Core XML examples: XML → tree → XML → tree is identical, and tree → JSON → tree;
//   * fixture XML files that are copies of spec JSON examples parse to exactly the spec's tree.
// Each set prints its pass counts. Every resource is also validated (fhir/validate.h) and
// validation passes are counted separately; resources the spec itself
// ships invalid are listed, with reasons, in testdata/known-invalid-examples.txt (shared with the
// validator's own tests). Any unexpected failure fails the test.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "fhir/definitions.h"
#include "fhir/json.h"
#include "fhir/testing/shared_definitions.h"
#include "fhir/validate.h"
#include "fhir/value.h"
#include "fhir/xml.h"
#include "gtest/gtest.h"

namespace tc::fhir {
namespace {

namespace fs = std::filesystem;

// Large spec bundles (Bundle-resources.json is 35 MB of JSON) exceed the default XML limit.
constexpr size_t kMaxXmlBytes = size_t{256} << 20;
// How many failures of each kind a set prints in full.
constexpr int kMaxReported = 15;

const Definitions& Defs() { return tc::fhir::testing::SharedDefinitions(); }

std::string ReadFile(const fs::path& path) { return tc::fhir::testing::ReadFileOrEmpty(path); }

std::vector<fs::path> ListFiles(const fs::path& dir, std::string_view extension) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == extension) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

using KnownInvalidMap = absl::flat_hash_map<std::string, std::string>;

// Spec example file name → reason, from testdata/known-invalid-examples.txt ("name reason...",
// '#' comments), the list the validator's own test shares.
KnownInvalidMap KnownInvalidSpecExamples() {
  KnownInvalidMap known;
  std::ifstream in(fs::path(TC_SOURCE_DIR) / "src/fhir/testdata/known-invalid-examples.txt");
  std::string line;
  while (std::getline(in, line)) {
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    const size_t end = line.find_first_of(" \t", start);
    std::string name = line.substr(start, end == std::string::npos ? end : end - start);
    std::string reason = end == std::string::npos ? "" : line.substr(end + 1);
    known.emplace(std::move(name), std::move(reason));
  }
  return known;
}

// fhir-test-cases files that are copies of spec examples listed as known invalid (the shared
// list may name only files of the spec package, so the mapping lives here).
constexpr std::pair<std::string_view, std::string_view> kTestCasesSameAsSpec[] = {
    {"bundle-questionnaire.json", "Questionnaire-qs1.json"},
    {"devicemetric-example.json", "DeviceMetric-example.json"},
    {"deviceusestatement-example.json", "DeviceUseStatement-example.json"},
    {"medicationrequest0301.json", "MedicationRequest-medrx0301.json"},
};

KnownInvalidMap KnownInvalidTestCases() {
  const KnownInvalidMap spec = KnownInvalidSpecExamples();
  KnownInvalidMap known;
  for (const auto& [file, spec_file] : kTestCasesSameAsSpec) {
    auto it = spec.find(std::string(spec_file));
    known.emplace(std::string(file),
                  "same as " + std::string(spec_file) + ": " +
                      (it == spec.end() ? std::string("(no longer listed)") : it->second));
  }
  return known;
}

// UK Core examples (upstream, read-only fixtures) that break base R4 rules.
KnownInvalidMap KnownInvalidUkCore() {
  return {
      {"Extension-UKCore-ConditionEpisode-Example.xml",
       "the extension carries two values (valueCode and valueCodeableConcept); value[x] is 0..1"},
      {"UKCore-MedicationDispense-Amoxicillin-Example.xml",
       "authorizingPrescription.reference is a bare id, not Type/id"},
      {"UKCore-MedicationDispense-CiprofloxacinIV-Example.xml",
       "authorizingPrescription.reference is a bare id, not Type/id"},
      {"UKCore-MedicationDispense-CiprofloxacinOral-Example.xml",
       "authorizingPrescription.reference is a bare id, not Type/id"},
      {"UKCore-Provenance-RARecordConsent-Example.xml",
       "agent.onBehalfOf.reference is 'Organization/' + a profile URL, not Type/id"},
  };
}

// Where two trees first differ, as a path ("" when equal), for failure messages.
std::string FirstDifference(const Value& a, const Value& b, const std::string& path) {
  if (a.kind() != b.kind()) return path + " (kinds differ)";
  switch (a.kind()) {
    case Value::Kind::kNull:
      return "";
    case Value::Kind::kBool:
      return a.bool_value() == b.bool_value() ? "" : path;
    case Value::Kind::kNumber:
      return a.number_text() == b.number_text()
                 ? ""
                 : path + " (" + a.number_text() + " vs " + b.number_text() + ")";
    case Value::Kind::kString:
      return a.string_value() == b.string_value()
                 ? ""
                 : path + " (\"" + a.string_value().substr(0, 80) + "\" vs \"" +
                       b.string_value().substr(0, 80) + "\")";
    case Value::Kind::kArray: {
      if (a.size() != b.size()) return path + " (array sizes differ)";
      for (size_t i = 0; i < a.size(); ++i) {
        std::string d =
            FirstDifference(a.array()[i], b.array()[i], path + "[" + std::to_string(i) + "]");
        if (!d.empty()) return d;
      }
      return "";
    }
    case Value::Kind::kObject: {
      for (const Value::Member& m : a.members()) {
        const Value* other = b.Find(m.key);
        if (other == nullptr) return path + "." + m.key + " (missing on the right)";
        std::string d = FirstDifference(m.value, *other, path + "." + m.key);
        if (!d.empty()) return d;
      }
      for (const Value::Member& m : b.members()) {
        if (a.Find(m.key) == nullptr) return path + "." + m.key + " (missing on the left)";
      }
      return "";
    }
  }
  return "";
}

// Counts for one set, and the failures to report.
struct SetResult {
  int files = 0;
  int resources = 0;
  int json_round_trip = 0;
  int xml_round_trip = 0;
  int validated = 0;
  std::vector<std::string> failures;        // unexpected: fail the test
  std::vector<std::string> known_failures;  // listed as known invalid, with the reason
  absl::flat_hash_set<std::string> known_seen;

  void Fail(const std::string& what) { failures.push_back(what); }

  // A failure that is expected when `name` is listed as known invalid.
  void FailUnlessKnown(const std::string& name, const std::string& what,
                       const KnownInvalidMap& known) {
    auto it = known.find(name);
    if (it == known.end()) {
      Fail(name + ": " + what);
      return;
    }
    if (known_seen.insert(name).second) known_failures.push_back(name + ": " + it->second);
  }

  // Fails for listed files that were seen and showed no problem: the list is stale.
  void CheckNoStaleEntries(const std::vector<std::string>& seen_files,
                           const KnownInvalidMap& known) {
    for (const std::string& name : seen_files) {
      if (known.contains(name) && !known_seen.contains(name)) {
        Fail(name + ": listed as known invalid but parses and validates (remove it from the list)");
      }
    }
  }

  void Print(std::string_view name) const {
    std::cout << "[roundtrip] " << name << ": " << resources << " resources (" << files
              << " files); JSON round trip " << json_round_trip << "/" << resources
              << "; XML round trip " << xml_round_trip << "/" << resources << "; valid "
              << validated << "/" << resources << " (" << known_failures.size()
              << " known invalid)";
    std::cout << "; unexpected failures " << failures.size() << "\n";
    for (size_t i = 0; i < failures.size() && i < kMaxReported; ++i) {
      std::cout << "  FAIL " << failures[i] << "\n";
    }
    for (size_t i = 0; i < known_failures.size() && i < kMaxReported; ++i) {
      std::cout << "  known " << known_failures[i] << "\n";
    }
    if (known_failures.size() > kMaxReported) {
      std::cout << "  (and " << known_failures.size() - kMaxReported << " more known)\n";
    }
  }
};

// tree → JSON → tree.
bool JsonRoundTrip(const Value& tree, const std::string& name, SetResult& r) {
  absl::StatusOr<Value> again = ParseJson(WriteJson(tree));
  if (!again.ok()) {
    r.Fail(name + ": re-parsing written JSON: " + std::string(again.status().message()));
    return false;
  }
  if (!(*again == tree)) {
    r.Fail(name + ": JSON round trip differs at " + FirstDifference(tree, *again, ""));
    return false;
  }
  return true;
}

// tree → XML → tree (compact and pretty).
bool XmlRoundTrip(const Value& tree, const std::string& name, SetResult& r) {
  XmlParseOptions options;
  options.max_bytes = kMaxXmlBytes;
  for (bool pretty : {false, true}) {
    absl::StatusOr<std::string> xml = WriteXml(Defs(), tree, pretty);
    if (!xml.ok()) {
      r.Fail(name + ": writing XML: " + std::string(xml.status().message()));
      return false;
    }
    absl::StatusOr<Value> again = ParseXml(Defs(), *xml, options);
    if (!again.ok()) {
      r.Fail(name + ": parsing written XML: " + std::string(again.status().message()));
      return false;
    }
    if (!(*again == tree)) {
      r.Fail(name + ": XML round trip differs at " + FirstDifference(tree, *again, ""));
      return false;
    }
  }
  return true;
}

void Validate(const Value& tree, const std::string& name, const KnownInvalidMap& known,
              SetResult& r) {
  const Issues issues = ValidateResource(Defs(), tree);
  if (!HasErrors(issues)) {
    ++r.validated;
    return;
  }
  std::string first;
  for (const Issue& i : issues) {
    if (i.severity == Issue::Severity::kError || i.severity == Issue::Severity::kFatal) {
      first = i.expression + ": " + i.diagnostics;
      break;
    }
  }
  r.FailUnlessKnown(name, "invalid: " + first, known);
}

// Runs the JSON-sourced checks over every .json file in `dir`.
SetResult RunJsonSet(const fs::path& dir, const KnownInvalidMap& known) {
  SetResult r;
  std::vector<std::string> seen;
  for (const fs::path& file : ListFiles(dir, ".json")) {
    const std::string name = file.filename().string();
    if (name == "package.json" || name.starts_with(".")) continue;
    ++r.files;
    absl::StatusOr<Value> tree = ParseJson(ReadFile(file));
    if (!tree.ok()) {
      r.FailUnlessKnown(name, "parsing JSON: " + std::string(tree.status().message()), known);
      continue;
    }
    if (tree->Find("resourceType") == nullptr) continue;  // not a resource
    ++r.resources;
    seen.push_back(name);
    if (JsonRoundTrip(*tree, name, r)) ++r.json_round_trip;
    if (XmlRoundTrip(*tree, name, r)) ++r.xml_round_trip;
    Validate(*tree, name, known, r);
  }
  r.CheckNoStaleEntries(seen, known);
  return r;
}

TEST(RoundTripConformance, SpecPackageExamples) {
  const fs::path dir = fs::path(TC_NODE_MODULES_DIR) / "hl7.fhir.r4.examples";
  if (!fs::exists(dir / "package.json")) {
    GTEST_SKIP() << "spec package not installed at " << dir << " (run npm ci)";
  }
  const SetResult r = RunJsonSet(dir, KnownInvalidSpecExamples());
  r.Print("hl7.fhir.r4.examples");
  EXPECT_GT(r.resources, 5000);
  EXPECT_EQ(r.failures.size(), 0u) << "see the FAIL lines above";
}

TEST(RoundTripConformance, FhirTestCasesExamples) {
  const fs::path dir = fs::path(TC_FIXTURES_DIR) / "hl7-fhir-test-cases/r4/examples";
  if (!fs::exists(dir)) {
    GTEST_SKIP() << "conformance fixtures not found at " << dir
                 << " (set THROUGHCARE_FIXTURES or TC_FIXTURES)";
  }
  const SetResult r = RunJsonSet(dir, KnownInvalidTestCases());
  r.Print("fhir-test-cases r4/examples");
  EXPECT_GT(r.resources, 0);
  EXPECT_EQ(r.failures.size(), 0u) << "see the FAIL lines above";
}

TEST(RoundTripConformance, UkCoreXmlExamples) {
  const fs::path dir = fs::path(TC_FIXTURES_DIR) / "uk-core/examples";
  if (!fs::exists(dir)) {
    GTEST_SKIP() << "conformance fixtures not found at " << dir
                 << " (set THROUGHCARE_FIXTURES or TC_FIXTURES)";
  }
  const KnownInvalidMap known = KnownInvalidUkCore();
  SetResult r;
  std::vector<std::string> seen;
  for (const fs::path& file : ListFiles(dir, ".xml")) {
    const std::string name = file.filename().string();
    ++r.files;
    seen.push_back(name);
    absl::StatusOr<Value> tree = ParseXml(Defs(), ReadFile(file));
    if (!tree.ok()) {
      r.FailUnlessKnown(name, "parsing XML: " + std::string(tree.status().message()), known);
      continue;
    }
    ++r.resources;
    if (XmlRoundTrip(*tree, name, r)) ++r.xml_round_trip;
    if (JsonRoundTrip(*tree, name, r)) ++r.json_round_trip;
    Validate(*tree, name, known, r);
  }
  r.CheckNoStaleEntries(seen, known);
  r.Print("uk-core/examples (XML)");
  EXPECT_GT(r.resources, 0);
  EXPECT_EQ(r.failures.size(), 0u) << "see the FAIL lines above";
}

// Independent check of the XML reading against the spec's own JSON: fixture XML files whose
// content is identical to a spec package JSON example must parse to exactly that tree
// (narrative text included).
TEST(RoundTripConformance, FixtureXmlMatchesSpecJson) {
  const fs::path fixtures = fs::path(TC_FIXTURES_DIR) / "hl7-fhir-test-cases/r4/fhirpath";
  const fs::path spec = fs::path(TC_NODE_MODULES_DIR) / "hl7.fhir.r4.examples";
  if (!fs::exists(fixtures) || !fs::exists(spec)) {
    GTEST_SKIP() << "needs " << fixtures << " and " << spec;
  }
  constexpr std::pair<std::string_view, std::string_view> kPairs[] = {
      {"patient-example.xml", "Patient-example.json"},
      {"questionnaire-example.xml", "Questionnaire-3141.json"},
  };
  for (const auto& [xml_file, json_file] : kPairs) {
    absl::StatusOr<Value> from_xml = ParseXml(Defs(), ReadFile(fixtures / xml_file));
    ASSERT_TRUE(from_xml.ok()) << xml_file << ": " << from_xml.status();
    absl::StatusOr<Value> from_json = ParseJson(ReadFile(spec / json_file));
    ASSERT_TRUE(from_json.ok()) << json_file << ": " << from_json.status();
    EXPECT_EQ(*from_xml, *from_json) << xml_file << " vs " << json_file << " differ at "
                                     << FirstDifference(*from_xml, *from_json, "");
  }
}

}  // namespace
}  // namespace tc::fhir
