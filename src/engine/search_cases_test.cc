// Data-driven search conformance over the spec's example resources (issue 3 item 7).
//
// Every JSON resource of hl7.fhir.r4.examples (except the ones the spec ships invalid,
// src/fhir/testdata/known-invalid-examples.txt) is PUT with its own id into a repository over
// SQLite; then every case of testdata/search/*.txt runs through Repository::Search and the result
// ids are compared with the expected ones. The expectations were derived independently of
// Throughcare (tools/search-cases/derive.mjs: HL7 fhirpath.js + hand-written R4 search rules).
//
// Case line: `Type?query => id1,id2,...` (sorted; `(none)` for no match; resources added by
// _include / _revinclude as `Type/id` in the same sorted list), optionally ` # why`.
// A mismatch fails the test unless the query is listed, with a reason, in
// testdata/search/known-differences.txt ("<query> | <reason>"); a listed query that passes (or
// no longer exists) fails it too.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/clock.h"
#include "base/random.h"
#include "engine/query_string.h"
#include "engine/repository.h"
#include "fhir/json.h"
#include "fhir/testing/known_failures.h"
#include "fhir/testing/shared_definitions.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace tc::engine {
namespace {

namespace fs = std::filesystem;

const fs::path kCaseDir = fs::path(TC_SOURCE_DIR) / "src/engine/testdata/search";

std::set<std::string> KnownInvalidExamples() {
  std::set<std::string> names;
  std::ifstream in(fs::path(TC_SOURCE_DIR) / "src/fhir/testdata/known-invalid-examples.txt");
  std::string line;
  while (std::getline(in, line)) {
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    names.insert(line.substr(start, line.find_first_of(" \t", start) - start));
  }
  return names;
}

struct Case {
  int line = 0;
  std::string query;  // Type?params
  std::vector<std::string> expected;
};

std::vector<Case> ReadCases(const fs::path& file) {
  std::vector<Case> cases;
  std::ifstream in(file);
  EXPECT_TRUE(in.good()) << "cannot read " << file;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    if (size_t hash = line.find(" #"); hash != std::string::npos) line.resize(hash);
    const size_t arrow = line.find(" => ");
    if (arrow == std::string::npos) {
      ADD_FAILURE() << file.filename() << ":" << n << ": no ` => `: " << line;
      continue;
    }
    Case c;
    c.line = n;
    c.query = line.substr(start, arrow - start);
    std::string ids = line.substr(arrow + 4);
    ids.erase(ids.find_last_not_of(" \t\r") + 1);
    if (ids != "(none)") c.expected = absl::StrSplit(ids, ',');
    std::sort(c.expected.begin(), c.expected.end());
    cases.push_back(std::move(c));
  }
  return cases;
}

class SearchCasesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path dir = fs::path(TC_NODE_MODULES_DIR) / "hl7.fhir.r4.examples";
    if (!fs::exists(dir / "package.json")) return;
    store::SqliteOptions so;
    so.path = ":memory:";
    absl::StatusOr<std::unique_ptr<store::Store>> st = store::OpenSqliteStore(so);
    ASSERT_TRUE(st.ok()) << st.status();
    store_ = std::move(*st).release();
    RepositoryOptions options;
    options.max_count = 100000;
    repo_ = new Repository(*store_, fhir::testing::SharedDefinitions(), *clock_, *random_,
                           options);
    std::vector<fs::path> files;
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".json" && e.path().filename() != "package.json") {
        files.push_back(e.path());
      }
    }
    std::sort(files.begin(), files.end());
    const std::set<std::string> invalid = KnownInvalidExamples();
    int loaded = 0;
    int failed = 0;
    for (const fs::path& file : files) {
      if (invalid.count(file.filename().string())) continue;
      absl::StatusOr<fhir::Value> v =
          fhir::ParseJson(fhir::testing::ReadFileOrEmpty(file));
      if (!v.ok() || v->Find("resourceType") == nullptr || v->Find("id") == nullptr) continue;
      const std::string type(v->GetString("resourceType"));
      const std::string id(v->GetString("id"));
      absl::StatusOr<WriteResult> w = repo_->Update(type, id, std::move(*v), {});
      if (w.ok()) {
        ++loaded;
      } else if (++failed <= 20) {
        ADD_FAILURE() << "loading " << file.filename() << ": " << w.status();
      }
    }
    std::cout << "search cases: loaded " << loaded << " spec examples, " << failed
              << " failed\n";
    EXPECT_EQ(failed, 0);
    EXPECT_GT(loaded, 5000);
  }

  static void TearDownTestSuite() {
    delete repo_;
    delete store_;
    repo_ = nullptr;
    store_ = nullptr;
  }

  // The sorted ids a query yields (included resources as Type/id), or an error text.
  static absl::StatusOr<std::vector<std::string>> Run(const std::string& query) {
    const size_t q = query.find('?');
    const std::string type = query.substr(0, q);
    SearchOptions options;
    options.count = 100000;
    options.strict = true;
    absl::StatusOr<SearchOutcome> out = repo_->Search(
        type, ParseQueryString(q == std::string::npos ? "" : query.substr(q + 1)), options);
    if (!out.ok()) return out.status();
    std::vector<std::string> ids;
    for (const ReadResult& r : out->matches) ids.push_back(r.id);
    for (const ReadResult& r : out->included) ids.push_back(r.type + "/" + r.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  static inline base::FakeClock* clock_ = new base::FakeClock(absl::FromUnixSeconds(1764000000));
  static inline base::SeededRandom* random_ = new base::SeededRandom(7);
  static inline store::Store* store_ = nullptr;
  static inline Repository* repo_ = nullptr;
};

std::string Describe(const std::vector<std::string>& ids) {
  return ids.empty() ? "(none)" : absl::StrJoin(ids, ",");
}

TEST_F(SearchCasesTest, SpecExamples) {
  if (repo_ == nullptr) {
    GTEST_SKIP() << "spec package not installed under " << TC_NODE_MODULES_DIR << " (npm ci)";
  }
  fhir::testing::KnownFailureTally tally(
      fhir::testing::LoadKnownFailures(kCaseDir / "known-differences.txt"));
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(kCaseDir)) {
    if (e.path().extension() == ".txt" && e.path().filename() != "known-differences.txt") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  size_t total = 0;
  for (const fs::path& file : files) {
    const std::vector<Case> cases = ReadCases(file);
    size_t passed = 0;
    for (const Case& c : cases) {
      absl::StatusOr<std::vector<std::string>> got = Run(c.query);
      std::string failure;
      if (!got.ok()) {
        failure = "error " + got.status().ToString();
      } else if (*got != c.expected) {
        std::vector<std::string> missing;
        std::vector<std::string> extra;
        std::set_difference(c.expected.begin(), c.expected.end(), got->begin(), got->end(),
                            std::back_inserter(missing));
        std::set_difference(got->begin(), got->end(), c.expected.begin(), c.expected.end(),
                            std::back_inserter(extra));
        failure = "missing " + Describe(missing) + "; unexpected " + Describe(extra);
      }
      if (failure.empty()) ++passed;
      if (!failure.empty()) {
        std::cout << "  DIFF " << file.filename().string() << ":" << c.line << " " << c.query
                  << ": " << failure << "\n";
      }
      tally.Record(c.query, failure.empty() ? "" : file.filename().string() + ":" +
                                                      std::to_string(c.line) + ": " + failure);
    }
    total += cases.size();
    std::cout << "search cases " << file.filename().string() << ": " << passed << "/"
              << cases.size() << " pass\n";
  }
  tally.Finish();
  std::cout << "search cases: " << tally.passed() << "/" << tally.run() << " pass\n";
  EXPECT_GE(total, 150u);
}

}  // namespace
}  // namespace tc::engine
