#include "store/testing/store_conformance.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace tc::store::conformance {

namespace internal {
bool LinkStoreConformanceTests() { return true; }
}  // namespace internal

void StoreConformanceTest::SetUp() {
  harness_ = GetParam().make_harness();
  ASSERT_NE(harness_, nullptr);
  absl::StatusOr<std::unique_ptr<Store>> store = harness_->Open();
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);
}

void StoreConformanceTest::TearDown() {
  store_.reset();
  harness_.reset();
}

void StoreConformanceTest::Reopen() {
  store_.reset();
  absl::StatusOr<std::unique_ptr<Store>> store = harness_->Open();
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);
}

namespace {

using Match = Criterion::Match;

#define TC_EXPECT_OK(expr)                            \
  do {                                                \
    const ::absl::Status tc_status_ = StatusOf(expr); \
    EXPECT_TRUE(tc_status_.ok()) << tc_status_;       \
  } while (false)
#define TC_ASSERT_OK(expr)                            \
  do {                                                \
    const ::absl::Status tc_status_ = StatusOf(expr); \
    ASSERT_TRUE(tc_status_.ok()) << tc_status_;       \
  } while (false)

absl::Status StatusOf(const absl::Status& s) { return s; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

// Unwraps `s`; on error records a test failure and returns a default T.
template <typename T>
T Must(absl::StatusOr<T> s) {
  if (!s.ok()) {
    ADD_FAILURE() << s.status();
    return T{};
  }
  return *std::move(s);
}

absl::Time At(int64_t seconds) { return absl::FromUnixSeconds(1'700'000'000 + seconds); }

std::string Content(const std::string& type, const std::string& id, int64_t version) {
  return absl::StrCat(R"({"resourceType":")", type, R"(","id":")", id, R"(","meta":{"versionId":")",
                      version, R"("}})");
}

NewVersion Version(const std::string& type, const std::string& id, int64_t version, absl::Time at,
                   std::vector<IndexRow> index = {}) {
  NewVersion v;
  v.type = type;
  v.id = id;
  v.version = version;
  v.last_updated = at;
  v.content = Content(type, id, version);
  v.index = std::move(index);
  return v;
}

NewVersion Deletion(const std::string& type, const std::string& id, int64_t version,
                    absl::Time at) {
  NewVersion v;
  v.type = type;
  v.id = id;
  v.version = version;
  v.last_updated = at;
  v.deleted = true;
  return v;
}

IndexRow Row(IndexRow::Kind kind, std::string param, std::string system, std::string value,
             double low = 0, double high = 0) {
  IndexRow row;
  row.kind = kind;
  row.param = std::move(param);
  row.system = std::move(system);
  row.value = std::move(value);
  row.low = low;
  row.high = high;
  return row;
}
IndexRow Token(std::string param, std::string system, std::string code) {
  return Row(IndexRow::Kind::kToken, std::move(param), std::move(system), std::move(code));
}
IndexRow String(std::string param, std::string value) {
  // The engine stores the text as written in `system`; these tests write it already folded.
  std::string raw = value;
  return Row(IndexRow::Kind::kString, std::move(param), std::move(raw), std::move(value));
}
IndexRow Reference(std::string param, std::string target_type, std::string target_id) {
  return Row(IndexRow::Kind::kReference, std::move(param), std::move(target_type),
             std::move(target_id));
}

Criterion::Alternative Alt(std::string value) {
  Criterion::Alternative alt;
  alt.value = std::move(value);
  return alt;
}
Criterion::Alternative AltWithSystem(std::string system, std::string value) {
  Criterion::Alternative alt;
  alt.has_system = true;
  alt.system = std::move(system);
  alt.value = std::move(value);
  return alt;
}
Criterion Crit(Match match, std::string param, std::vector<Criterion::Alternative> any_of) {
  Criterion c;
  c.match = match;
  c.param = std::move(param);
  c.any_of = std::move(any_of);
  return c;
}
SearchQuery Query(std::string type, std::vector<Criterion> all_of = {}) {
  SearchQuery q;
  q.type = std::move(type);
  q.all_of = std::move(all_of);
  return q;
}

absl::Status PutOne(Store& store, const NewVersion& v) {
  return store.Write([&](Transaction& txn) { return txn.Put(v); });
}

std::vector<std::string> Ids(const SearchResult& result) {
  std::vector<std::string> ids;
  for (const StoredVersion& v : result.versions) ids.push_back(v.id);
  return ids;
}

// "Type/id/version" for each entry, with a trailing "-" for delete markers.
std::vector<std::string> Keys(const HistoryPage& page) {
  std::vector<std::string> keys;
  for (const StoredVersion& v : page.versions) {
    keys.push_back(absl::StrCat(v.type, "/", v.id, "/", v.version, v.deleted ? "-" : ""));
  }
  return keys;
}

using Strings = std::vector<std::string>;

// ---- Versions ---------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, ReadOfUnknownResourceIsEmpty) {
  EXPECT_EQ(Must(store_->ReadCurrent("Patient", "nope")), std::nullopt);
  EXPECT_EQ(Must(store_->ReadVersion("Patient", "nope", 1)), std::nullopt);
}

TEST_P(StoreConformanceTest, CreateThenReadCurrent) {
  NewVersion v = Version("Patient", "p1", 1, At(1) + absl::Microseconds(123456));
  TC_ASSERT_OK(PutOne(*store_, v));
  std::optional<StoredVersion> got = Must(store_->ReadCurrent("Patient", "p1"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->type, "Patient");
  EXPECT_EQ(got->id, "p1");
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->last_updated, At(1) + absl::Microseconds(123456));
  EXPECT_FALSE(got->deleted);
  EXPECT_EQ(got->content, v.content);
  // Same id, other type: a different resource.
  EXPECT_EQ(Must(store_->ReadCurrent("Observation", "p1")), std::nullopt);
}

TEST_P(StoreConformanceTest, ContentIsStoredByteForByte) {
  NewVersion v = Version("Binary", "b", 1, At(1));
  v.content = std::string("{\"data\":\"caf\xc3\xa9 \xe2\x9c\x93\"}\0tail", 26);
  TC_ASSERT_OK(PutOne(*store_, v));
  EXPECT_EQ(Must(store_->ReadCurrent("Binary", "b"))->content, v.content);
}

TEST_P(StoreConformanceTest, UpdatesMoveCurrentAndKeepEveryVersion) {
  for (int64_t version = 1; version <= 3; ++version) {
    TC_ASSERT_OK(PutOne(*store_, Version("Patient", "p1", version, At(version))));
  }
  std::optional<StoredVersion> current = Must(store_->ReadCurrent("Patient", "p1"));
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->version, 3);
  EXPECT_EQ(current->content, Content("Patient", "p1", 3));
  for (int64_t version = 1; version <= 3; ++version) {
    std::optional<StoredVersion> old = Must(store_->ReadVersion("Patient", "p1", version));
    ASSERT_TRUE(old.has_value()) << version;
    EXPECT_EQ(old->version, version);
    EXPECT_EQ(old->last_updated, At(version));
    EXPECT_EQ(old->content, Content("Patient", "p1", version));
    EXPECT_FALSE(old->deleted);
  }
  EXPECT_EQ(Must(store_->ReadVersion("Patient", "p1", 0)), std::nullopt);
  EXPECT_EQ(Must(store_->ReadVersion("Patient", "p1", 4)), std::nullopt);
}

TEST_P(StoreConformanceTest, WrongVersionIsFailedPreconditionAndChangesNothing) {
  EXPECT_EQ(PutOne(*store_, Version("Patient", "p1", 2, At(1))).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(PutOne(*store_, Version("Patient", "p1", 0, At(1))).code(),
            absl::StatusCode::kFailedPrecondition);
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "p1", 1, At(1))));
  EXPECT_EQ(PutOne(*store_, Version("Patient", "p1", 1, At(2))).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(PutOne(*store_, Version("Patient", "p1", 3, At(2))).code(),
            absl::StatusCode::kFailedPrecondition);
  std::optional<StoredVersion> current = Must(store_->ReadCurrent("Patient", "p1"));
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->version, 1);
  EXPECT_EQ(Must(store_->History(HistoryQuery{"Patient", "p1"})).total, 1);
}

TEST_P(StoreConformanceTest, PutRejectsEmptyTypeOrId) {
  EXPECT_EQ(PutOne(*store_, Version("", "p1", 1, At(1))).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PutOne(*store_, Version("Patient", "", 1, At(1))).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, DeleteIsAVersionWithoutContent) {
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "p1", 1, At(1), {Token("gender", "", "male")})));
  NewVersion deletion = Deletion("Patient", "p1", 2, At(2));
  deletion.content = "ignored: a delete marker has no content";
  TC_ASSERT_OK(PutOne(*store_, deletion));

  std::optional<StoredVersion> current = Must(store_->ReadCurrent("Patient", "p1"));
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->version, 2);
  EXPECT_TRUE(current->deleted);
  EXPECT_EQ(current->content, "");
  EXPECT_EQ(current->last_updated, At(2));

  // vread of the delete marker returns it (the engine answers 410 Gone); older versions stay.
  std::optional<StoredVersion> marker = Must(store_->ReadVersion("Patient", "p1", 2));
  ASSERT_TRUE(marker.has_value());
  EXPECT_TRUE(marker->deleted);
  EXPECT_EQ(marker->content, "");
  EXPECT_EQ(Must(store_->ReadVersion("Patient", "p1", 1))->content, Content("Patient", "p1", 1));

  // Gone from search, by criteria and without.
  EXPECT_EQ(Must(store_->Search(Query("Patient"))).total, 0);
  EXPECT_EQ(
      Must(store_->Search(Query("Patient", {Crit(Match::kTokenCode, "gender", {Alt("male")})})))
          .total,
      0);

  // Deleting again is just another version; so is bringing it back.
  TC_ASSERT_OK(PutOne(*store_, Deletion("Patient", "p1", 3, At(3))));
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "p1", 4, At(4), {Token("gender", "", "other")})));
  current = Must(store_->ReadCurrent("Patient", "p1"));
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->version, 4);
  EXPECT_FALSE(current->deleted);
  EXPECT_EQ(Ids(Must(store_->Search(
                Query("Patient", {Crit(Match::kTokenCode, "gender", {Alt("other")})})))),
            Strings{"p1"});
  EXPECT_EQ(
      Must(store_->Search(Query("Patient", {Crit(Match::kTokenCode, "gender", {Alt("male")})})))
          .total,
      0);
}

TEST_P(StoreConformanceTest, DeleteOfUnknownResourceCreatesMarker) {
  // The engine decides whether deleting a missing resource is allowed; the store records it.
  TC_ASSERT_OK(PutOne(*store_, Deletion("Patient", "ghost", 1, At(1))));
  std::optional<StoredVersion> current = Must(store_->ReadCurrent("Patient", "ghost"));
  ASSERT_TRUE(current.has_value());
  EXPECT_TRUE(current->deleted);
}

TEST_P(StoreConformanceTest, EveryIndexKindIsAcceptedAndReplaced) {
  std::vector<IndexRow> rows = {
      Token("code", "http://loinc.org", "1234-5"),
      Token("code", "http://loinc.org", "1234-5"),  // duplicates are harmless
      String("name", "smith"),
      Reference("subject", "Patient", "p1"),
      Row(IndexRow::Kind::kDate, "date", "", "", 1.7e15, 1.7e15 + 999999),
      Row(IndexRow::Kind::kNumber, "value", "", "", 4.5, 5.5),
      Row(IndexRow::Kind::kUri, "url", "", "http://example.org/x"),
  };
  TC_ASSERT_OK(PutOne(*store_, Version("Observation", "o1", 1, At(1), rows)));
  TC_ASSERT_OK(PutOne(*store_, Version("Observation", "o1", 2, At(2), rows)));
  TC_ASSERT_OK(PutOne(*store_, Deletion("Observation", "o1", 3, At(3))));
  TC_ASSERT_OK(PutOne(*store_, Version("Observation", "o1", 4, At(4), rows)));
  EXPECT_EQ(Ids(Must(store_->Search(
                Query("Observation", {Crit(Match::kReference, "subject", {Alt("p1")})})))),
            Strings{"o1"});
}

// ---- Transactions -----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, FailingWriteKeepsNothingAndReturnsItsStatus) {
  absl::Status status = store_->Write([&](Transaction& txn) -> absl::Status {
    absl::Status put = txn.Put(Version("Patient", "p1", 1, At(1), {Token("gender", "", "male")}));
    if (!put.ok()) return put;
    put = txn.Put(Version("Patient", "p2", 1, At(1)));
    if (!put.ok()) return put;
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(status, absl::AbortedError("changed my mind"));
  EXPECT_EQ(Must(store_->ReadCurrent("Patient", "p1")), std::nullopt);
  EXPECT_EQ(Must(store_->ReadCurrent("Patient", "p2")), std::nullopt);
  EXPECT_EQ(Must(store_->Search(Query("Patient"))).total, 0);
  EXPECT_EQ(Must(store_->History(HistoryQuery{})).total, 0);
  // The resource can then be created as if nothing happened.
  TC_EXPECT_OK(PutOne(*store_, Version("Patient", "p1", 1, At(2))));
}

TEST_P(StoreConformanceTest, ManyPutsInOneWriteAreAtomic) {
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "p1", 1, At(1))));
  absl::Status status = store_->Write([&](Transaction& txn) -> absl::Status {
    absl::Status put = txn.Put(Version("Patient", "p2", 1, At(2)));
    if (!put.ok()) return put;
    return txn.Put(Version("Patient", "p1", 1, At(2)));  // stale: FailedPrecondition
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Must(store_->ReadCurrent("Patient", "p2")), std::nullopt);

  TC_ASSERT_OK(store_->Write([&](Transaction& txn) -> absl::Status {
    for (int i = 0; i < 10; ++i) {
      absl::Status put = txn.Put(Version("Patient", absl::StrCat("batch", i), 1, At(3)));
      if (!put.ok()) return put;
    }
    return absl::OkStatus();
  }));
  EXPECT_EQ(Must(store_->Search(Query("Patient"))).total, 11);
}

TEST_P(StoreConformanceTest, FailedPutIgnoredByCallbackLeavesNothingOfIt) {
  TC_ASSERT_OK(store_->Write([&](Transaction& txn) -> absl::Status {
    absl::Status put = txn.Put(Version("Patient", "p1", 1, At(1)));
    if (!put.ok()) return put;
    EXPECT_FALSE(txn.Put(Version("Patient", "p2", 7, At(1))).ok());
    return absl::OkStatus();
  }));
  EXPECT_TRUE(Must(store_->ReadCurrent("Patient", "p1")).has_value());
  EXPECT_EQ(Must(store_->ReadCurrent("Patient", "p2")), std::nullopt);
}

TEST_P(StoreConformanceTest, TransactionSeesItsOwnWrites) {
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "old", 1, At(1), {String("name", "smith")})));
  absl::Status status = store_->Write([&](Transaction& txn) -> absl::Status {
    EXPECT_EQ(Must(txn.ReadCurrent("Patient", "new")), std::nullopt);
    absl::Status put = txn.Put(Version("Patient", "new", 1, At(2), {String("name", "smythe")}));
    if (!put.ok()) return put;
    std::optional<StoredVersion> read = Must(txn.ReadCurrent("Patient", "new"));
    EXPECT_TRUE(read.has_value());
    if (read.has_value()) {
      EXPECT_EQ(read->version, 1);
    }
    SearchResult found =
        Must(txn.Search(Query("Patient", {Crit(Match::kStringPrefix, "name", {Alt("sm")})})));
    EXPECT_EQ(Ids(found), (Strings{"old", "new"}));  // insertion order
    EXPECT_EQ(found.total, 2);
    // Deleting inside the transaction hides it from the transaction's own search too.
    put = txn.Put(Deletion("Patient", "old", 2, At(2)));
    if (!put.ok()) return put;
    EXPECT_EQ(Ids(Must(txn.Search(Query("Patient")))), Strings{"new"});
    return absl::CancelledError("roll back");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Ids(Must(store_->Search(Query("Patient")))), Strings{"old"});
}

TEST_P(StoreConformanceTest, DataSurvivesReopen) {
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "p1", 1, At(1), {String("name", "smith")})));
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "p1", 2, At(2), {String("name", "smith")})));
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "p2", 1, At(3))));
  TC_ASSERT_OK(PutOne(*store_, Deletion("Patient", "p2", 2, At(4))));
  Reopen();
  ASSERT_NE(store_, nullptr);
  std::optional<StoredVersion> p1 = Must(store_->ReadCurrent("Patient", "p1"));
  ASSERT_TRUE(p1.has_value());
  EXPECT_EQ(p1->version, 2);
  EXPECT_EQ(p1->content, Content("Patient", "p1", 2));
  EXPECT_TRUE(Must(store_->ReadCurrent("Patient", "p2"))->deleted);
  EXPECT_EQ(Ids(Must(store_->Search(
                Query("Patient", {Crit(Match::kStringExact, "name", {Alt("smith")})})))),
            Strings{"p1"});
  EXPECT_EQ(Must(store_->History(HistoryQuery{})).total, 4);
  // And it keeps working.
  TC_EXPECT_OK(PutOne(*store_, Version("Patient", "p1", 3, At(5))));
}

// ---- History ----------------------------------------------------------------------------------

class HistoryData {
 public:
  // Patient/a: v1 @10, v2 @20, v3 deleted @30;  Patient/b: v1 @15;  Observation/x: v1 @25, v2 @35.
  static absl::Status Load(Store& store) {
    const NewVersion versions[] = {
        Version("Patient", "a", 1, At(10)),  Version("Patient", "b", 1, At(15)),
        Version("Patient", "a", 2, At(20)),  Version("Observation", "x", 1, At(25)),
        Deletion("Patient", "a", 3, At(30)), Version("Observation", "x", 2, At(35)),
    };
    for (const NewVersion& v : versions) {
      absl::Status s = PutOne(store, v);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }
};

HistoryQuery HQ(std::string type = "", std::string id = "") {
  HistoryQuery q;
  q.type = std::move(type);
  q.id = std::move(id);
  return q;
}

TEST_P(StoreConformanceTest, HistoryAtEachLevelIsNewestFirst) {
  TC_ASSERT_OK(HistoryData::Load(*store_));
  HistoryPage instance = Must(store_->History(HQ("Patient", "a")));
  EXPECT_EQ(Keys(instance), (Strings{"Patient/a/3-", "Patient/a/2", "Patient/a/1"}));
  EXPECT_EQ(instance.total, 3);
  EXPECT_EQ(instance.versions[1].content, Content("Patient", "a", 2));
  EXPECT_EQ(instance.versions[1].last_updated, At(20));
  EXPECT_EQ(instance.versions[0].content, "");

  HistoryPage type = Must(store_->History(HQ("Patient")));
  EXPECT_EQ(Keys(type), (Strings{"Patient/a/3-", "Patient/a/2", "Patient/b/1", "Patient/a/1"}));
  EXPECT_EQ(type.total, 4);

  HistoryPage system = Must(store_->History(HQ()));
  EXPECT_EQ(Keys(system), (Strings{"Observation/x/2", "Patient/a/3-", "Observation/x/1",
                                   "Patient/a/2", "Patient/b/1", "Patient/a/1"}));
  EXPECT_EQ(system.total, 6);

  EXPECT_EQ(Must(store_->History(HQ("Patient", "zzz"))).total, 0);
  EXPECT_EQ(Must(store_->History(HQ("Encounter"))).total, 0);
}

TEST_P(StoreConformanceTest, HistorySince) {
  TC_ASSERT_OK(HistoryData::Load(*store_));
  HistoryQuery q = HQ();
  q.since = At(20);  // inclusive
  HistoryPage page = Must(store_->History(q));
  EXPECT_EQ(Keys(page),
            (Strings{"Observation/x/2", "Patient/a/3-", "Observation/x/1", "Patient/a/2"}));
  EXPECT_EQ(page.total, 4);
  q = HQ("Patient", "a");
  q.since = At(21);
  EXPECT_EQ(Keys(Must(store_->History(q))), (Strings{"Patient/a/3-"}));
  q.since = At(100);
  EXPECT_EQ(Must(store_->History(q)).total, 0);
}

TEST_P(StoreConformanceTest, HistoryAtGivesTheVersionCurrentAtThatInstant) {
  TC_ASSERT_OK(HistoryData::Load(*store_));
  HistoryQuery q = HQ();
  q.at = At(22);
  HistoryPage page = Must(store_->History(q));
  EXPECT_EQ(Keys(page), (Strings{"Patient/a/2", "Patient/b/1"}));
  EXPECT_EQ(page.total, 2);

  q = HQ("Patient");
  q.at = At(30);  // inclusive: the delete marker is what was current
  EXPECT_EQ(Keys(Must(store_->History(q))), (Strings{"Patient/a/3-", "Patient/b/1"}));

  q = HQ("Observation", "x");
  q.at = At(100);
  EXPECT_EQ(Keys(Must(store_->History(q))), (Strings{"Observation/x/2"}));
  q.at = At(5);  // before anything existed
  EXPECT_EQ(Must(store_->History(q)).total, 0);

  q = HQ();  // `at` combines with `since`
  q.at = At(26);
  q.since = At(16);
  EXPECT_EQ(Keys(Must(store_->History(q))), (Strings{"Observation/x/1", "Patient/a/2"}));
}

TEST_P(StoreConformanceTest, HistoryPaging) {
  TC_ASSERT_OK(HistoryData::Load(*store_));
  const Strings all = {"Observation/x/2", "Patient/a/3-", "Observation/x/1",
                       "Patient/a/2",     "Patient/b/1",  "Patient/a/1"};
  Strings seen;
  for (int64_t offset = 0; offset <= 6; offset += 2) {
    HistoryQuery q = HQ();
    q.limit = 2;
    q.offset = offset;
    HistoryPage page = Must(store_->History(q));
    EXPECT_EQ(page.total, 6);
    EXPECT_EQ(page.versions.size(), offset < 6 ? 2u : 0u);
    for (const std::string& key : Keys(page)) seen.push_back(key);
  }
  EXPECT_EQ(seen, all);
  HistoryQuery count_only = HQ("Patient");
  count_only.limit = 0;
  HistoryPage page = Must(store_->History(count_only));
  EXPECT_TRUE(page.versions.empty());
  EXPECT_EQ(page.total, 4);
}

TEST_P(StoreConformanceTest, HistoryTiesBreakByVersionThenInsertion) {
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "c", 1, At(40))));
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "c", 2, At(40))));
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "d", 1, At(40))));
  EXPECT_EQ(Keys(Must(store_->History(HQ()))),
            (Strings{"Patient/c/2", "Patient/d/1", "Patient/c/1"}));
}

TEST_P(StoreConformanceTest, HistoryRejectsBadQueries) {
  EXPECT_EQ(store_->History(HQ("", "a")).status().code(), absl::StatusCode::kInvalidArgument);
  HistoryQuery q = HQ();
  q.limit = -1;
  EXPECT_EQ(store_->History(q).status().code(), absl::StatusCode::kInvalidArgument);
  q = HQ();
  q.offset = -1;
  EXPECT_EQ(store_->History(q).status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- Search -----------------------------------------------------------------------------------

constexpr char kNhs[] = "https://fhir.nhs.uk/Id/nhs-number";
constexpr char kGender[] = "http://hl7.org/fhir/administrative-gender";

class SearchData {
 public:
  // Patients p1..p4 (updated at 1..4) and one Observation.
  static absl::Status Load(Store& store) {
    const NewVersion versions[] = {
        Version("Patient", "p1", 1, At(1),
                {Token("identifier", kNhs, "111"), Token("gender", kGender, "male"),
                 String("family", "smith"), String("name", "smith"), String("name", "john"),
                 Reference("general-practitioner", "Practitioner", "gp1")}),
        Version(
            "Patient", "p2", 1, At(2),
            {Token("identifier", kNhs, "222"), Token("gender", kGender, "female"),
             String("family", "smythe"), Reference("general-practitioner", "Practitioner", "gp2")}),
        Version("Patient", "p3", 1, At(3),
                {Token("identifier", kNhs, "333"), Token("identifier", "urn:other", "111"),
                 Token("gender", kGender, "male"), String("family", "jones"),
                 Reference("general-practitioner", "Organization", "gp1")}),
        Version("Patient", "p4", 1, At(4),
                {Token("gender", kGender, "unknown"), Token("tag", "", "plain"),
                 String("family", "o'brien 50%_x"), String("family", "\xc3\xa9lodie")}),
        Version("Observation", "o1", 1, At(5),
                {Token("code", "http://loinc.org", "111"), Reference("subject", "Patient", "p1")}),
    };
    for (const NewVersion& v : versions) {
      absl::Status s = PutOne(store, v);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }
};

TEST_P(StoreConformanceTest, SearchWithoutCriteriaReturnsEveryCurrentResourceOfTheType) {
  TC_ASSERT_OK(SearchData::Load(*store_));
  SearchResult result = Must(store_->Search(Query("Patient")));
  EXPECT_EQ(Ids(result), (Strings{"p1", "p2", "p3", "p4"}));
  EXPECT_EQ(result.total, 4);
  ASSERT_EQ(result.versions.size(), 4u);
  EXPECT_EQ(result.versions[0].type, "Patient");
  EXPECT_EQ(result.versions[0].version, 1);
  EXPECT_EQ(result.versions[0].last_updated, At(1));
  EXPECT_EQ(result.versions[0].content, Content("Patient", "p1", 1));
  EXPECT_FALSE(result.versions[0].deleted);
  EXPECT_EQ(Ids(Must(store_->Search(Query("Observation")))), Strings{"o1"});
  EXPECT_EQ(Must(store_->Search(Query("Encounter"))).total, 0);
}

TEST_P(StoreConformanceTest, SearchById) {
  TC_ASSERT_OK(SearchData::Load(*store_));
  EXPECT_EQ(Ids(Must(store_->Search(
                Query("Patient", {Crit(Match::kId, "_id", {Alt("p4"), Alt("p2"), Alt("p9")})})))),
            (Strings{"p2", "p4"}));
  EXPECT_EQ(Must(store_->Search(Query("Patient", {Crit(Match::kId, "", {Alt("o1")})}))).total, 0);
}

TEST_P(StoreConformanceTest, SearchByToken) {
  TC_ASSERT_OK(SearchData::Load(*store_));
  auto ids = [&](std::vector<Criterion::Alternative> any_of, std::string param = "identifier") {
    return Ids(Must(store_->Search(
        Query("Patient", {Crit(Match::kTokenCode, std::move(param), std::move(any_of))}))));
  };
  EXPECT_EQ(ids({Alt("111")}), (Strings{"p1", "p3"}));  // code in any system
  EXPECT_EQ(ids({AltWithSystem(kNhs, "111")}), Strings{"p1"});
  EXPECT_EQ(ids({AltWithSystem("urn:other", "111")}), Strings{"p3"});
  EXPECT_EQ(ids({AltWithSystem(kNhs, "")}), (Strings{"p1", "p2", "p3"}));  // system|
  EXPECT_EQ(ids({AltWithSystem("", "plain")}, "tag"), Strings{"p4"});      // |code: no system
  EXPECT_EQ(ids({AltWithSystem("", "111")}), Strings{});
  EXPECT_EQ(ids({AltWithSystem(kNhs, "222"), AltWithSystem(kNhs, "333")}), (Strings{"p2", "p3"}));
  EXPECT_EQ(ids({Alt("111"), Alt("333")}), (Strings{"p1", "p3"}));  // OR without duplicates
  EXPECT_EQ(ids({Alt("male")}), Strings{});                         // other parameter's rows
  EXPECT_EQ(ids({Alt("male")}, "gender"), (Strings{"p1", "p3"}));
  EXPECT_EQ(ids({Alt("MALE")}, "gender"), Strings{});  // case is the caller's job
}

TEST_P(StoreConformanceTest, SearchByStringPrefixAndExact) {
  TC_ASSERT_OK(SearchData::Load(*store_));
  auto ids = [&](Match match, std::string value, std::string param = "family") {
    return Ids(Must(store_->Search(
        Query("Patient", {Crit(match, std::move(param), {Alt(std::move(value))})}))));
  };
  EXPECT_EQ(ids(Match::kStringPrefix, "sm"), (Strings{"p1", "p2"}));
  EXPECT_EQ(ids(Match::kStringPrefix, "smi"), Strings{"p1"});
  EXPECT_EQ(ids(Match::kStringPrefix, "smith"), Strings{"p1"});
  EXPECT_EQ(ids(Match::kStringPrefix, "smithx"), Strings{});
  EXPECT_EQ(ids(Match::kStringPrefix, "mith"), Strings{});  // prefix, not substring
  EXPECT_EQ(ids(Match::kStringPrefix, ""), (Strings{"p1", "p2", "p3", "p4"}));
  EXPECT_EQ(ids(Match::kStringPrefix, "jo", "name"), Strings{"p1"});
  // Quotes and LIKE wildcards are plain characters.
  EXPECT_EQ(ids(Match::kStringPrefix, "o'b"), Strings{"p4"});
  EXPECT_EQ(ids(Match::kStringPrefix, "o'brien 50%_"), Strings{"p4"});
  EXPECT_EQ(ids(Match::kStringPrefix, "o'brien 5_"), Strings{});
  EXPECT_EQ(ids(Match::kStringPrefix, "o%"), Strings{});
  // Non-ASCII: prefixes are byte prefixes of the normalised UTF-8 value.
  EXPECT_EQ(ids(Match::kStringPrefix, "\xc3\xa9"), Strings{"p4"});
  EXPECT_EQ(ids(Match::kStringPrefix, "\xc3"), Strings{"p4"});

  EXPECT_EQ(ids(Match::kStringExact, "smith"), Strings{"p1"});
  EXPECT_EQ(ids(Match::kStringExact, "smit"), Strings{});
  EXPECT_EQ(ids(Match::kStringExact, "o'brien 50%_x"), Strings{"p4"});

  EXPECT_EQ(Ids(Must(store_->Search(Query(
                "Patient", {Crit(Match::kStringPrefix, "family", {Alt("jo"), Alt("smy")})})))),
            (Strings{"p2", "p3"}));
}

TEST_P(StoreConformanceTest, SearchByReference) {
  TC_ASSERT_OK(SearchData::Load(*store_));
  auto ids = [&](std::string type, std::string id) {
    Criterion::Alternative alt;
    alt.system = std::move(type);
    alt.value = std::move(id);
    return Ids(Must(store_->Search(
        Query("Patient", {Crit(Match::kReference, "general-practitioner", {alt})}))));
  };
  EXPECT_EQ(ids("Practitioner", "gp1"), Strings{"p1"});
  EXPECT_EQ(ids("Organization", "gp1"), Strings{"p3"});
  EXPECT_EQ(ids("", "gp1"), (Strings{"p1", "p3"}));
  EXPECT_EQ(ids("Practitioner", "gp3"), Strings{});
  EXPECT_EQ(Ids(Must(store_->Search(
                Query("Observation", {Crit(Match::kReference, "subject", {Alt("p1")})})))),
            Strings{"o1"});
}

TEST_P(StoreConformanceTest, SearchAndsCriteriaAndOrsAlternatives) {
  TC_ASSERT_OK(SearchData::Load(*store_));
  EXPECT_EQ(Ids(Must(store_->Search(
                Query("Patient", {Crit(Match::kTokenCode, "gender", {Alt("male")}),
                                  Crit(Match::kStringPrefix, "family", {Alt("sm")})})))),
            Strings{"p1"});
  EXPECT_EQ(Ids(Must(store_->Search(
                Query("Patient", {Crit(Match::kTokenCode, "gender", {Alt("male"), Alt("female")}),
                                  Crit(Match::kStringPrefix, "family", {Alt("sm"), Alt("jo")}),
                                  Crit(Match::kId, "", {Alt("p2"), Alt("p3"), Alt("p4")})})))),
            (Strings{"p2", "p3"}));
  // An alternative-less criterion matches nothing.
  EXPECT_EQ(Must(store_->Search(Query("Patient", {Crit(Match::kTokenCode, "gender", {})}))).total,
            0);
}

TEST_P(StoreConformanceTest, SearchPagingAndTotal) {
  TC_ASSERT_OK(SearchData::Load(*store_));
  SearchQuery q = Query("Patient");
  q.limit = 3;
  SearchResult first = Must(store_->Search(q));
  EXPECT_EQ(Ids(first), (Strings{"p1", "p2", "p3"}));
  EXPECT_EQ(first.total, 4);
  q.offset = 3;
  SearchResult second = Must(store_->Search(q));
  EXPECT_EQ(Ids(second), Strings{"p4"});
  EXPECT_EQ(second.total, 4);
  q.offset = 10;
  SearchResult past_end = Must(store_->Search(q));
  EXPECT_TRUE(past_end.versions.empty());
  EXPECT_EQ(past_end.total, 4);
  q = Query("Patient", {Crit(Match::kTokenCode, "gender", {Alt("male")})});
  q.limit = 0;
  SearchResult count_only = Must(store_->Search(q));
  EXPECT_TRUE(count_only.versions.empty());
  EXPECT_EQ(count_only.total, 2);
}

TEST_P(StoreConformanceTest, SearchUpdatedSince) {
  TC_ASSERT_OK(SearchData::Load(*store_));
  SearchQuery q = Query("Patient");
  q.updated_since = At(3);
  EXPECT_EQ(Ids(Must(store_->Search(q))), (Strings{"p3", "p4"}));
}

TEST_P(StoreConformanceTest, SearchSeesOnlyCurrentIndexRows) {
  TC_ASSERT_OK(SearchData::Load(*store_));
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "p1", 2, At(10), {String("family", "brown")})));
  auto family = [&](std::string prefix) {
    return Must(store_->Search(
        Query("Patient", {Crit(Match::kStringPrefix, "family", {Alt(std::move(prefix))})})));
  };
  EXPECT_EQ(Ids(family("sm")), Strings{"p2"});
  SearchResult brown = family("br");
  EXPECT_EQ(Ids(brown), Strings{"p1"});
  ASSERT_EQ(brown.versions.size(), 1u);
  EXPECT_EQ(brown.versions[0].version, 2);
  EXPECT_EQ(brown.versions[0].content, Content("Patient", "p1", 2));
  // p1's old identifier row went with its old version.
  EXPECT_EQ(Ids(Must(store_->Search(
                Query("Patient", {Crit(Match::kTokenCode, "identifier", {Alt("111")})})))),
            Strings{"p3"});
  TC_ASSERT_OK(PutOne(*store_, Deletion("Patient", "p2", 2, At(11))));
  EXPECT_EQ(Ids(family("sm")), Strings{});
  EXPECT_EQ(Ids(Must(store_->Search(Query("Patient")))), (Strings{"p1", "p3", "p4"}));
}

TEST_P(StoreConformanceTest, UpdatesKeepChangeAndDropIndividualIndexRows) {
  auto v1 = Version(
      "Patient", "p", 1, At(1),
      {Token("identifier", kNhs, "111"), Token("identifier", "urn:x", "a"), String("name", "ann"),
       String("name", "smith"), Reference("general-practitioner", "Practitioner", "gp1"),
       Row(IndexRow::Kind::kDate, "birthdate", "", "", 1, 2)});
  v1.patient_compartment = "p";
  TC_ASSERT_OK(PutOne(*store_, v1));
  // Keep one identifier, drop the other, add a third; keep one name, change the other; drop the
  // reference kind entirely; keep the date.
  auto v2 = Version(
      "Patient", "p", 2, At(2),
      {Token("identifier", kNhs, "111"), Token("identifier", "urn:y", "b"), String("name", "ann"),
       String("name", "smyth"), Row(IndexRow::Kind::kDate, "birthdate", "", "", 1, 2)});
  v2.patient_compartment = "p";
  TC_ASSERT_OK(PutOne(*store_, v2));
  auto count = [&](Match match, std::string param, Criterion::Alternative alt) {
    return Must(store_->Search(Query("Patient", {Crit(match, std::move(param), {alt})}))).total;
  };
  EXPECT_EQ(count(Match::kTokenCode, "identifier", AltWithSystem(kNhs, "111")), 1);
  EXPECT_EQ(count(Match::kTokenCode, "identifier", AltWithSystem("urn:x", "a")), 0);
  EXPECT_EQ(count(Match::kTokenCode, "identifier", AltWithSystem("urn:y", "b")), 1);
  EXPECT_EQ(count(Match::kStringExact, "name", Alt("ann")), 1);
  EXPECT_EQ(count(Match::kStringExact, "name", Alt("smith")), 0);
  EXPECT_EQ(count(Match::kStringExact, "name", Alt("smyth")), 1);
  EXPECT_EQ(count(Match::kReference, "general-practitioner", Alt("gp1")), 0);
  // A new compartment (e.g. records merged) and the same rows.
  auto v3 = v2;
  v3.version = 3;
  v3.patient_compartment = "q";
  TC_ASSERT_OK(PutOne(*store_, v3));
  EXPECT_EQ(count(Match::kTokenCode, "identifier", AltWithSystem(kNhs, "111")), 1);
  EXPECT_EQ(count(Match::kStringExact, "name", Alt("smyth")), 1);
  // No rows at all, then rows again.
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "p", 4, At(4))));
  EXPECT_EQ(count(Match::kStringExact, "name", Alt("ann")), 0);
  EXPECT_EQ(Must(store_->Search(Query("Patient"))).total, 1);
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "p", 5, At(5), {String("name", "ann")})));
  EXPECT_EQ(count(Match::kStringExact, "name", Alt("ann")), 1);
}

TEST_P(StoreConformanceTest, ReindexReplacesRowsWithoutANewVersion) {
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "a", 1, At(1), {String("name", "old")})));
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "b", 1, At(1), {String("name", "bee")})));
  TC_ASSERT_OK(PutOne(*store_, Deletion("Patient", "b", 2, At(2))));
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "c", 1, At(3))));
  auto count = [&](const std::string& name) {
    return Must(store_->Search(Query("Patient", {Crit(Match::kStringPrefix, "name", {Alt(name)})})))
        .total;
  };
  TC_ASSERT_OK(store_->Write([&](Transaction& txn) -> absl::Status {
    return txn.Reindex("Patient", "a", {String("name", "new"), Token("gender", "", "x")}, "a");
  }));
  EXPECT_EQ(count("old"), 0);
  EXPECT_EQ(count("new"), 1);
  EXPECT_EQ(Must(store_->ReadCurrent("Patient", "a"))->version, 1);
  // The next version replaces exactly the reindexed rows.
  TC_ASSERT_OK(PutOne(*store_, Version("Patient", "a", 2, At(4), {String("name", "newer")})));
  EXPECT_EQ(count("new"), 1);
  EXPECT_EQ(count("newe"), 1);
  EXPECT_EQ(
      Must(store_->Search(Query("Patient", {Crit(Match::kTokenCode, "gender", {Alt("x")})}))).total,
      0);
  // Deleted and unknown resources have nothing to reindex; a failed reindex changes nothing.
  EXPECT_EQ(store_
                ->Write([&](Transaction& txn) {
                  return txn.Reindex("Patient", "b", {String("name", "x")}, "");
                })
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(count("x"), 0);
  // Scans see current, non-deleted resources in creation order, page by page.
  ScanPage first = Must(store_->ScanCurrent(0, 1));
  ASSERT_EQ(first.versions.size(), 1u);
  EXPECT_EQ(first.versions[0].id, "a");
  ScanPage rest = Must(store_->ScanCurrent(first.last_key, 10));
  ASSERT_EQ(rest.versions.size(), 1u);
  EXPECT_EQ(rest.versions[0].id, "c");
  EXPECT_EQ(Must(store_->ScanCurrent(rest.last_key, 10)).versions.size(), 0u);
  EXPECT_EQ(Must(store_->CountCurrent()), 2);
}

TEST_P(StoreConformanceTest, MetaMarkersAreTransactional) {
  EXPECT_EQ(Must(store_->GetMeta("k")), std::nullopt);
  TC_ASSERT_OK(store_->Write([](Transaction& txn) { return txn.SetMeta("k", "1"); }));
  EXPECT_EQ(Must(store_->GetMeta("k")), std::optional<std::string>("1"));
  absl::Status failed = store_->Write([](Transaction& txn) -> absl::Status {
    absl::Status set = txn.SetMeta("k", "2");
    return set.ok() ? absl::AbortedError("changed my mind") : set;
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Must(store_->GetMeta("k")), std::optional<std::string>("1"));
  TC_ASSERT_OK(store_->Write([](Transaction& txn) { return txn.SetMeta("k", std::nullopt); }));
  EXPECT_EQ(Must(store_->GetMeta("k")), std::nullopt);
}

TEST_P(StoreConformanceTest, SearchRejectsBadQueries) {
  EXPECT_EQ(store_->Search(Query("")).status().code(), absl::StatusCode::kInvalidArgument);
  SearchQuery q = Query("Patient");
  q.limit = -1;
  EXPECT_EQ(store_->Search(q).status().code(), absl::StatusCode::kInvalidArgument);
  q = Query("Patient");
  q.offset = -5;
  EXPECT_EQ(store_->Search(q).status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- Concurrency ------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, ConcurrentWritersAndReaders) {
  constexpr int kWriters = 8;
  constexpr int kPerWriter = 30;
  constexpr int kReaders = 3;
  std::atomic<int> writers_left{kWriters};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string id = absl::StrCat("w", w, "-", i);
        if (!PutOne(*store_,
                    Version("Patient", id, 1, At(i), {Token("writer", "", absl::StrCat(w))}))
                 .ok()) {
          ++failures;
        }
        // Read-your-writes: once Write returned, every read sees it.
        absl::StatusOr<std::optional<StoredVersion>> read = store_->ReadCurrent("Patient", id);
        if (!read.ok() || !read->has_value()) ++failures;
      }
      --writers_left;
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      int64_t last_total = 0;
      while (writers_left.load() > 0) {
        absl::StatusOr<SearchResult> all = store_->Search(Query("Patient"));
        if (!all.ok() || all->total < last_total) ++failures;  // never goes back in time
        if (all.ok()) last_total = all->total;
        absl::StatusOr<std::optional<StoredVersion>> read =
            store_->ReadCurrent("Patient", absl::StrCat("w", r, "-0"));
        if (!read.ok()) ++failures;
        if (!store_->History(HQ("Patient")).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Must(store_->Search(Query("Patient"))).total, kWriters * kPerWriter);
  EXPECT_EQ(
      Must(store_->Search(Query("Patient", {Crit(Match::kTokenCode, "writer", {Alt("3")})}))).total,
      kPerWriter);
}

TEST_P(StoreConformanceTest, ConcurrentReadModifyWriteOfOneResourceLosesNoUpdate) {
  constexpr int kThreads = 6;
  constexpr int kIncrements = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        absl::Status status;
        for (int attempt = 0; attempt < 100; ++attempt) {  // backends may report conflicts
          status = store_->Write([&](Transaction& txn) -> absl::Status {
            absl::StatusOr<std::optional<StoredVersion>> cur = txn.ReadCurrent("Basic", "counter");
            if (!cur.ok()) return cur.status();
            const int64_t next = cur->has_value() ? (*cur)->version + 1 : 1;
            return txn.Put(Version("Basic", "counter", next, At(next)));
          });
          if (status.code() != absl::StatusCode::kFailedPrecondition &&
              status.code() != absl::StatusCode::kAborted) {
            break;
          }
        }
        if (!status.ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::optional<StoredVersion> counter = Must(store_->ReadCurrent("Basic", "counter"));
  ASSERT_TRUE(counter.has_value());
  EXPECT_EQ(counter->version, kThreads * kIncrements);
  EXPECT_EQ(Must(store_->History(HQ("Basic", "counter"))).total, kThreads * kIncrements);
}

TEST_P(StoreConformanceTest, ConcurrentFailingWritesDoNotDisturbOthers) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const bool fail = (i + t) % 2 == 1;
        const std::string id = absl::StrCat("t", t, "-", i);
        absl::Status status = store_->Write([&](Transaction& txn) -> absl::Status {
          absl::Status put = txn.Put(Version("Patient", id, 1, At(1), {String("name", id)}));
          if (!put.ok()) return put;
          return fail ? absl::InvalidArgumentError(id) : absl::OkStatus();
        });
        if (fail ? status != absl::InvalidArgumentError(id) : !status.ok()) ++unexpected;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string id = absl::StrCat("t", t, "-", i);
      EXPECT_EQ(Must(store_->ReadCurrent("Patient", id)).has_value(), (i + t) % 2 == 0) << id;
    }
  }
  EXPECT_EQ(Must(store_->Search(Query("Patient"))).total, kThreads * kPerThread / 2);
  EXPECT_EQ(Must(store_->History(HQ())).total, kThreads * kPerThread / 2);
}

}  // namespace
}  // namespace tc::store::conformance
