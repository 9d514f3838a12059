// Engine tests over the real SQLite store: the FHIR interaction rules, independent of HTTP.
#include "engine/repository.h"

#include <memory>

#include "base/clock.h"
#include "base/random.h"
#include "engine/bundle_builder.h"
#include "engine/errors.h"
#include "fhir/json.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace tc::engine {
namespace {

using fhir::ParseJson;
using fhir::Value;

class RepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<fhir::Definitions>> defs = fhir::Definitions::LoadEmbedded();
    ASSERT_TRUE(defs.ok()) << defs.status();
    defs_ = std::move(*defs);
    store::SqliteOptions so;
    so.path = ":memory:";
    absl::StatusOr<std::unique_ptr<store::Store>> st = store::OpenSqliteStore(so);
    ASSERT_TRUE(st.ok()) << st.status();
    store_ = std::move(*st);
    repo_ = std::make_unique<Repository>(*store_, *defs_, clock_, random_);
  }

  Value Json(const char* text) {
    absl::StatusOr<Value> v = ParseJson(text);
    EXPECT_TRUE(v.ok()) << text;
    return v.ok() ? *v : Value();
  }

  base::FakeClock clock_{absl::FromUnixSeconds(1764000000)};
  base::SeededRandom random_{42};
  std::unique_ptr<fhir::Definitions> defs_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Repository> repo_;
};

TEST_F(RepositoryTest, CreateReadUpdateDeleteHistory) {
  absl::StatusOr<WriteResult> c = repo_->Create(
      "Patient", Json(R"({"resourceType":"Patient","id":"ignored","active":true})"), {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->created);
  EXPECT_NE(c->id, "ignored");
  EXPECT_EQ(c->version, 1);
  absl::StatusOr<ReadResult> r = repo_->Read("Patient", c->id);
  ASSERT_TRUE(r.ok());
  Value stored = *ParseJson(r->content);
  EXPECT_EQ(stored.GetString("id"), c->id);
  EXPECT_EQ(stored.Find("meta")->GetString("versionId"), "1");

  clock_.Advance(absl::Seconds(1));
  Value update = stored;
  update.Set("active", Value::Bool(false));
  absl::StatusOr<WriteResult> u = repo_->Update("Patient", c->id, update, {});
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->version, 2);
  EXPECT_FALSE(u->created);

  // Stale If-Match → 412, nothing written.
  WriteOptions stale;
  stale.if_match_version = 1;
  absl::StatusOr<WriteResult> s = repo_->Update("Patient", c->id, update, stale);
  EXPECT_EQ(HttpStatusOf(s.status()), 412);
  EXPECT_EQ(repo_->Read("Patient", c->id)->version, 2);

  ASSERT_TRUE(repo_->VRead("Patient", c->id, 1).ok());
  ASSERT_TRUE(repo_->Delete("Patient", c->id).ok());
  EXPECT_EQ(HttpStatusOf(repo_->Read("Patient", c->id).status()), 410);
  EXPECT_EQ(HttpStatusOf(repo_->VRead("Patient", c->id, 3).status()), 410);
  EXPECT_TRUE(repo_->VRead("Patient", c->id, 2).ok());

  absl::StatusOr<store::HistoryPage> h = repo_->History("Patient", c->id, {});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->total, 3);
  EXPECT_TRUE(h->versions[0].deleted);
}

TEST_F(RepositoryTest, UpdateAsCreateWithClientId) {
  absl::StatusOr<WriteResult> u = repo_->Update(
      "Patient", "client-chosen", Json(R"({"resourceType":"Patient","id":"client-chosen"})"), {});
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_TRUE(u->created);
  EXPECT_EQ(u->id, "client-chosen");
  absl::StatusOr<WriteResult> mismatch = repo_->Update(
      "Patient", "other", Json(R"({"resourceType":"Patient","id":"client-chosen"})"), {});
  EXPECT_EQ(HttpStatusOf(mismatch.status()), 400);
}

TEST_F(RepositoryTest, InvalidResourceIsRejectedWithEveryIssueAndNothingWritten) {
  absl::StatusOr<WriteResult> c = repo_->Create(
      "Patient", Json(R"({"resourceType":"Patient","gender":"robot","birthDate":"1990-13-45",
                          "unknownThing":1})"),
      {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(HttpStatusOf(c.status()), 422);
  EXPECT_GE(IssuesOf(c.status()).size(), 3u);
  absl::StatusOr<SearchOutcome> all = repo_->Search("Patient", {}, {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->total, 0);
  EXPECT_EQ(HttpStatusOf(
                repo_->Create("Observation", Json(R"({"resourceType":"Patient"})"), {}).status()),
            400);
  EXPECT_EQ(
      HttpStatusOf(repo_->Create("NotAType", Json(R"({"resourceType":"NotAType"})"), {}).status()),
      404);
}

TEST_F(RepositoryTest, ConditionalCreateUpdateDelete) {
  const char* p = R"({"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}]})";
  WriteOptions ine;
  ine.if_none_exist = "identifier=urn:x|1";
  absl::StatusOr<WriteResult> a = repo_->Create("Patient", Json(p), ine);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->created);
  absl::StatusOr<WriteResult> b = repo_->Create("Patient", Json(p), ine);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->unchanged);
  EXPECT_EQ(a->id, b->id);

  absl::StatusOr<WriteResult> u =
      repo_->ConditionalUpdate("Patient", {{"identifier", "urn:x|1"}}, Json(p), {});
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->id, a->id);
  EXPECT_EQ(u->version, 2);

  ASSERT_TRUE(repo_->Create("Patient", Json(p), {}).ok());  // a second match
  EXPECT_EQ(HttpStatusOf(repo_->Create("Patient", Json(p), ine).status()), 412);
  EXPECT_EQ(HttpStatusOf(repo_->ConditionalDelete("Patient", {{"identifier", "urn:x|1"}}).status()),
            412);
  // A condition with an unknown parameter is an error, never "match everything".
  EXPECT_EQ(HttpStatusOf(repo_->ConditionalDelete("Patient", {{"nonsense", "1"}}).status()), 400);
}

TEST_F(RepositoryTest, TransactionRewritesReferencesAndIsAtomic) {
  Value bundle = Json(R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a",
     "resource":{"resourceType":"Patient","identifier":[{"system":"urn:nhs","value":"9990001"}]},
     "request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Observation","status":"final","code":{"text":"HR"},
     "subject":{"reference":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"}},
     "request":{"method":"POST","url":"Observation"}}]})");
  absl::StatusOr<Value> resp = repo_->ProcessBundle(bundle);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->GetString("type"), "transaction-response");
  const Value& entries = *resp->Find("entry");
  ASSERT_EQ(entries.size(), 2u);
  std::string patient_id(entries.array()[0].Find("resource")->GetString("id"));
  const Value* subject = entries.array()[1].Find("resource")->Find("subject");
  EXPECT_EQ(subject->GetString("reference"), "Patient/" + patient_id);

  // Conditional reference resolves to the patient just created.
  Value second = Json(R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Observation","status":"final","code":{"text":"RR"},
     "subject":{"reference":"Patient?identifier=urn:nhs|9990001"}},
     "request":{"method":"POST","url":"Observation"}}]})");
  absl::StatusOr<Value> r2 = repo_->ProcessBundle(second);
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(r2->Find("entry")->array()[0].Find("resource")->Find("subject")->GetString("reference"),
            "Patient/" + patient_id);

  // One invalid entry: the whole transaction fails and nothing of it is kept.
  Value bad = Json(R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","active":true},"request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Patient","gender":"robot"},"request":{"method":"POST","url":"Patient"}}]})");
  absl::StatusOr<Value> r3 = repo_->ProcessBundle(bad);
  EXPECT_EQ(HttpStatusOf(r3.status()), 422);
  EXPECT_EQ(repo_->Search("Patient", {}, {})->total, 1);
}

TEST_F(RepositoryTest, BatchEntriesSucceedOrFailIndependently) {
  Value bundle = Json(R"({"resourceType":"Bundle","type":"batch","entry":[
    {"resource":{"resourceType":"Patient","active":true},"request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Patient","gender":"robot"},"request":{"method":"POST","url":"Patient"}},
    {"request":{"method":"GET","url":"Patient/does-not-exist"}}]})");
  absl::StatusOr<Value> resp = repo_->ProcessBundle(bundle);
  ASSERT_TRUE(resp.ok()) << resp.status();
  const Value& e = *resp->Find("entry");
  EXPECT_EQ(e.array()[0].Find("response")->GetString("status"), "201 Created");
  EXPECT_EQ(e.array()[1].Find("response")->GetString("status"), "422");
  EXPECT_EQ(e.array()[2].Find("response")->GetString("status"), "404");
}

TEST_F(RepositoryTest, SearchByTokenStringReferenceAndPaging) {
  for (int i = 0; i < 5; ++i) {
    std::string p = R"({"resourceType":"Patient","name":[{"family":"Ómar)" + std::to_string(i) +
                    R"("}],"identifier":[{"system":"urn:p","value":")" + std::to_string(i) +
                    R"("}]})";
    ASSERT_TRUE(repo_->Create("Patient", *ParseJson(p), {}).ok());
  }
  SearchOptions so;
  so.count = 2;
  absl::StatusOr<SearchOutcome> r = repo_->Search("Patient", {{"name", "omar"}}, so);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->total, 5);
  EXPECT_EQ(r->matches.size(), 2u);
  r = repo_->Search("Patient", {{"identifier", "urn:p|3,urn:p|4"}}, {});
  EXPECT_EQ(r->total, 2);
  r = repo_->Search("Patient", {{"identifier", "urn:p|3"}, {"name", "omar3"}}, {});
  EXPECT_EQ(r->total, 1);
  SearchOptions strict;
  strict.strict = true;
  EXPECT_EQ(HttpStatusOf(repo_->Search("Patient", {{"bogus", "1"}}, strict).status()), 400);
  r = repo_->Search("Patient", {{"bogus", "1"}}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ignored.size(), 1u);
  EXPECT_EQ(HttpStatusOf(repo_->Search("Patient", {{"_id", "bad id!"}}, {}).status()), 400);
}

TEST_F(RepositoryTest, JsonPatch) {
  absl::StatusOr<WriteResult> c =
      repo_->Create("Patient", Json(R"({"resourceType":"Patient","active":true})"), {});
  ASSERT_TRUE(c.ok());
  absl::StatusOr<WriteResult> p = repo_->Patch(
      "Patient", c->id, Json(R"([{"op":"replace","path":"/active","value":false}])"), {});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->version, 2);
  EXPECT_FALSE(ParseJson(p->content)->Find("active")->bool_value());
  // A patch that makes the resource invalid is rejected.
  absl::StatusOr<WriteResult> bad = repo_->Patch(
      "Patient", c->id, Json(R"([{"op":"add","path":"/gender","value":"robot"}])"), {});
  EXPECT_EQ(HttpStatusOf(bad.status()), 422);
  EXPECT_EQ(repo_->Read("Patient", c->id)->version, 2);
}

TEST_F(RepositoryTest, FhirPatch) {
  absl::StatusOr<WriteResult> c = repo_->Create(
      "Patient", Json(R"({"resourceType":"Patient","active":true,"name":[{"family":"Old"}]})"), {});
  ASSERT_TRUE(c.ok());
  Value patch = Json(R"({"resourceType":"Parameters","parameter":[
    {"name":"operation","part":[{"name":"type","valueCode":"replace"},
      {"name":"path","valueString":"Patient.name[0].family"},{"name":"value","valueString":"New"}]},
    {"name":"operation","part":[{"name":"type","valueCode":"add"},{"name":"path","valueString":"Patient"},
      {"name":"name","valueString":"birthDate"},{"name":"value","valueDate":"1980-02-29"}]}]})");
  absl::StatusOr<WriteResult> p = repo_->Patch("Patient", c->id, patch, {});
  ASSERT_TRUE(p.ok()) << p.status();
  Value patched = *ParseJson(p->content);
  EXPECT_EQ(patched.Find("name")->array()[0].GetString("family"), "New");
  EXPECT_EQ(patched.GetString("birthDate"), "1980-02-29");
  // A path that matches nothing fails the whole patch, and nothing is written.
  Value bad = Json(R"({"resourceType":"Parameters","parameter":[
    {"name":"operation","part":[{"name":"type","valueCode":"replace"},
      {"name":"path","valueString":"Patient.gender"},{"name":"value","valueCode":"male"}]}]})");
  EXPECT_EQ(HttpStatusOf(repo_->Patch("Patient", c->id, bad, {}).status()), 422);
  EXPECT_EQ(repo_->Read("Patient", c->id)->version, 2);
}

}  // namespace
}  // namespace tc::engine

namespace tc::engine {
namespace {

// A quantity search without a unit compares with the value as written: the UCUM-canonical index
// rows (values in base units, 16.2 kg/m2 = 16200 g/m2) must not answer it.
TEST_F(RepositoryTest, QuantityWithoutUnitIgnoresCanonicalRows) {
  ASSERT_TRUE(repo_
                  ->Create("Observation", Json(R"({"resourceType":"Observation","status":"final",
      "code":{"text":"BMI"},"valueQuantity":{"value":16.2,"unit":"kg/m2",
      "system":"http://unitsofmeasure.org","code":"kg/m2"}})"),
                           {})
                  .ok());
  auto count = [&](const char* value) {
    absl::StatusOr<SearchOutcome> s = repo_->Search("Observation", {{"value-quantity", value}}, {});
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? s->matches.size() : size_t{99};
  };
  EXPECT_EQ(count("gt100"), 0u);
  EXPECT_EQ(count("16.2"), 1u);
  EXPECT_EQ(count("lt17"), 1u);
  EXPECT_EQ(count("16200|http://unitsofmeasure.org|g/m2"), 1u);  // UCUM conversion still applies
  EXPECT_EQ(count("16.2|http://unitsofmeasure.org|kg/m2"), 1u);
}

}  // namespace
}  // namespace tc::engine

namespace tc::engine {
namespace {

// The spliced searchset JSON (stored resources copied in) is byte for byte the tree-written one,
// with matches, includes, paging links and an outcome entry.
TEST_F(RepositoryTest, SearchsetBundleJsonEqualsTheWrittenTree) {
  absl::StatusOr<WriteResult> p = repo_->Create(
      "Patient", Json(R"({"resourceType":"Patient","name":[{"family":"Ünal \"Q\""}]})"), {});
  ASSERT_TRUE(p.ok()) << p.status();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(repo_
                    ->Create("Observation",
                             *ParseJson(R"({"resourceType":"Observation","status":"final",
                               "code":{"text":"x"},"valueQuantity":{"value":1.50},
                               "subject":{"reference":"Patient/)" +
                                        p->id + R"("}})"),
                             {})
                    .ok());
  }
  SearchOptions so;
  so.count = 2;
  absl::StatusOr<SearchOutcome> r =
      repo_->Search("Observation", {{"_include", "Observation:subject"}, {"bogus", "1"}}, so);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->included.size(), 1u);
  ASSERT_FALSE(r->next_cursor.empty());
  const std::string base = "http://h/fhir";
  EXPECT_EQ(SearchsetBundleJson(base, "Observation", *r, 2, 0),
            fhir::WriteJson(SearchsetBundle(base, "Observation", *r, 2, 0)));
  SearchOutcome empty;
  empty.total = -1;
  EXPECT_EQ(SearchsetBundleJson(base, "Patient", empty, 2, 0),
            fhir::WriteJson(SearchsetBundle(base, "Patient", empty, 2, 0)));
}

}  // namespace
}  // namespace tc::engine
