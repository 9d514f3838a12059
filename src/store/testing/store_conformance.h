// File: store/testing/store_conformance.h
//
// The conformance suite every Store backend passes (DESIGN.md decision 3: SQLite and PostgreSQL
// "both pass one typed conformance suite"). It is a value-parameterised GoogleTest suite over a
// backend factory, so a backend's test file only says how to make a database:
//
//   class SqliteHarness : public conformance::StoreHarness { ... };
//   TC_INSTANTIATE_STORE_CONFORMANCE(Sqlite, (conformance::StoreBackend{
//       "Sqlite", [] { return std::make_unique<SqliteHarness>(); }}));
//
// The suite covers the Store contract only (store.h); backend details (group-commit batching,
// migrations, files) are tested beside each backend.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "store/store.h"

namespace tc::store::conformance {

// One fresh, empty database for one test. Thread-compatible.
class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  // Opens a store on this harness's database. Every call opens the same database, so data
  // written through one store is read back by a store opened later (durability tests close the
  // first store before opening the next). The harness outlives every store it opened and removes
  // the database when destroyed.
  virtual absl::StatusOr<std::unique_ptr<Store>> Open() = 0;
};

// A backend under test.
struct StoreBackend {
  std::string name;  // test-name suffix; [A-Za-z0-9_] only
  std::function<std::unique_ptr<StoreHarness>()> make_harness;  // a fresh database per call
};

inline void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }

// The fixture: each test gets a fresh harness and an open store.
class StoreConformanceTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Closes the store and opens the same database again (as after a restart).
  void Reopen();

  std::unique_ptr<StoreHarness> harness_;
  std::unique_ptr<Store> store_;
};

namespace internal {
// Defined beside the suite's tests; referencing it makes the linker keep them (they live in a
// static library and would otherwise be dropped). Returns true.
bool LinkStoreConformanceTests();
}  // namespace internal

}  // namespace tc::store::conformance

// Instantiates the conformance suite for one backend. Use at namespace scope, once per backend.
// `prefix` is an identifier; `backend` an expression of type StoreBackend (parenthesise it when it
// contains commas).
#define TC_INSTANTIATE_STORE_CONFORMANCE(prefix, backend)                                \
  using ::tc::store::conformance::StoreConformanceTest;                                  \
  INSTANTIATE_TEST_SUITE_P(                                                              \
      prefix, StoreConformanceTest, ::testing::Values(backend),                          \
      [](const ::testing::TestParamInfo<::tc::store::conformance::StoreBackend>& info) { \
        return info.param.name;                                                          \
      });                                                                                \
  [[maybe_unused]] static const bool tc_store_conformance_linked_##prefix =              \
      ::tc::store::conformance::internal::LinkStoreConformanceTests()
