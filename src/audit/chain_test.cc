#include "audit/chain.h"

#include <string>
#include <vector>

#include "audit/canonical_json.h"
#include "fhir/json.h"
#include "gtest/gtest.h"

namespace tc::audit {
namespace {

fhir::Value Json(std::string_view text) { return fhir::ParseJson(text).value(); }

std::vector<fhir::Value> Events(int n) {
  std::vector<fhir::Value> events;
  for (int i = 1; i <= n; ++i) {
    fhir::Value e = Json(R"({"resourceType":"AuditEvent","action":"R","outcome":"0"})");
    std::string id = "e";
    id.append(std::to_string(i));
    e.Set("id", fhir::Value::String(id));
    events.push_back(std::move(e));
  }
  return events;
}

TEST(CanonicalJsonTest, SortsKeysKeepsArraysAndNumberText) {
  fhir::Value a = Json(R"({"b":[3,1,{"z":1,"y":2}],"a":1.50,"c":"x\u0001/"})");
  EXPECT_EQ(CanonicalJson(a), R"({"a":1.50,"b":[3,1,{"y":2,"z":1}],"c":"x\u0001/"})");
  fhir::Value b = Json("{ \"c\" : \"x\\u0001/\", \"a\":1.50,\n \"b\":[3,1,{\"y\":2,\"z\":1}]}");
  EXPECT_EQ(CanonicalJson(a), CanonicalJson(b));
  EXPECT_NE(CanonicalJson(Json(R"({"a":1.5})")), CanonicalJson(Json(R"({"a":1.50})")));
  EXPECT_EQ(CanonicalJson(Json(R"([true,false,null,"é"])")), R"([true,false,null,"é"])");
}

TEST(ChainTest, KnownAnswerHash) {
  // SHA-256("throughcare-audit-v1" NUL "1" NUL 64 zeros NUL event), computed independently
  // (Python hashlib).
  EXPECT_EQ(EntryHash(1, kGenesisHash, R"({"a":1,"resourceType":"AuditEvent"})"),
            "548704fdf7ef8615d0a6dff036b980640232577c6864759c7e5db3e39dbc11f2");
  AuditEntry first = NextEntry(nullptr, Json(R"({"resourceType":"AuditEvent","a":1})"));
  EXPECT_EQ(first.sequence, 1);
  EXPECT_EQ(first.prev_hash, kGenesisHash);
  EXPECT_EQ(first.hash, "548704fdf7ef8615d0a6dff036b980640232577c6864759c7e5db3e39dbc11f2");
}

TEST(ChainTest, IntactChainVerifies) {
  std::vector<AuditEntry> chain = BuildChain(Events(5));
  ASSERT_EQ(chain.size(), 5u);
  for (size_t i = 1; i < chain.size(); ++i) {
    EXPECT_EQ(chain[i].sequence, static_cast<int64_t>(i + 1));
    EXPECT_EQ(chain[i].prev_hash, chain[i - 1].hash);
  }
  ChainReport report = VerifyChain(chain);
  EXPECT_TRUE(report.ok()) << report.detail;
  EXPECT_EQ(report.entries_checked, 5);
  EXPECT_TRUE(VerifyChain({}).ok());
  // Stored bytes may be re-serialised (e.g. pretty-printed) without changing the content.
  chain[2].event_json = fhir::WriteJson(Json(chain[2].event_json), {.pretty = true});
  EXPECT_TRUE(VerifyChain(chain).ok());
}

TEST(ChainTest, AlteredContentIsFoundAtItsSequence) {
  std::vector<AuditEntry> chain = BuildChain(Events(5));
  chain[2].event_json.replace(chain[2].event_json.find("\"R\""), 3, "\"D\"");
  ChainReport report = VerifyChain(chain);
  EXPECT_EQ(report.problem, ChainProblem::kAltered);
  EXPECT_EQ(report.first_bad_sequence, 3);
  EXPECT_EQ(report.entries_checked, 2);
  EXPECT_NE(report.detail.find("entry 3"), std::string::npos) << report.detail;
}

TEST(ChainTest, ConsistentlyRewrittenEntryIsFoundThroughTheNextLink) {
  std::vector<AuditEntry> chain = BuildChain(Events(5));
  // The forger rewrites entry 3 and recomputes its hash, but not entry 4's link.
  chain[2] = NextEntry(&chain[1], Json(R"({"resourceType":"AuditEvent","action":"D"})"));
  ChainReport report = VerifyChain(chain);
  EXPECT_EQ(report.problem, ChainProblem::kAltered);
  EXPECT_EQ(report.first_bad_sequence, 3);
}

TEST(ChainTest, AlteredLinkOrHashFieldIsFound) {
  std::vector<AuditEntry> chain = BuildChain(Events(4));
  chain[1].prev_hash[0] = chain[1].prev_hash[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(VerifyChain(chain).first_bad_sequence, 2);
  chain = BuildChain(Events(4));
  chain[3].hash[5] = chain[3].hash[5] == 'a' ? 'b' : 'a';
  ChainReport report = VerifyChain(chain);
  EXPECT_EQ(report.problem, ChainProblem::kAltered);
  EXPECT_EQ(report.first_bad_sequence, 4);
}

TEST(ChainTest, RemovedEntryIsFound) {
  std::vector<AuditEntry> chain = BuildChain(Events(5));
  chain.erase(chain.begin() + 2);
  ChainReport report = VerifyChain(chain);
  EXPECT_EQ(report.problem, ChainProblem::kRemoved);
  EXPECT_EQ(report.first_bad_sequence, 3);
  chain = BuildChain(Events(5));
  chain.erase(chain.begin());
  EXPECT_EQ(VerifyChain(chain).problem, ChainProblem::kRemoved) << "the first entry";
  EXPECT_EQ(VerifyChain(chain).first_bad_sequence, 1);
}

TEST(ChainTest, ReorderedAndDuplicatedEntriesAreFound) {
  std::vector<AuditEntry> chain = BuildChain(Events(5));
  std::swap(chain[2], chain[3]);
  ChainReport report = VerifyChain(chain);
  EXPECT_EQ(report.problem, ChainProblem::kReordered);
  EXPECT_EQ(report.first_bad_sequence, 3);
  // Swapping the contents but keeping the sequence numbers in place is an alteration.
  chain = BuildChain(Events(5));
  std::swap(chain[2].event_json, chain[3].event_json);
  EXPECT_EQ(VerifyChain(chain).problem, ChainProblem::kAltered);
  EXPECT_EQ(VerifyChain(chain).first_bad_sequence, 3);
  chain = BuildChain(Events(3));
  chain.push_back(chain[1]);
  report = VerifyChain(chain);
  EXPECT_EQ(report.problem, ChainProblem::kReordered);
  EXPECT_EQ(report.first_bad_sequence, 2);
}

TEST(ChainTest, MalformedEventIsReported) {
  std::vector<AuditEntry> chain = BuildChain(Events(3));
  chain[1].event_json = "{not json";
  ChainReport report = VerifyChain(chain);
  EXPECT_EQ(report.problem, ChainProblem::kMalformed);
  EXPECT_EQ(report.first_bad_sequence, 2);
}

TEST(ChainTest, AnchorsCatchAWholesaleRewriteAndTruncation) {
  std::vector<fhir::Value> events = Events(6);
  std::vector<AuditEntry> chain = BuildChain(events);
  VerifyOptions options{.anchors = {{4, chain[3].hash}, {6, chain[5].hash}}};
  EXPECT_TRUE(VerifyChain(chain, options).ok());
  // Remove event 2 and rebuild every hash after it: the chain itself is consistent again...
  std::vector<fhir::Value> without_two = events;
  without_two.erase(without_two.begin() + 1);
  std::vector<AuditEntry> forged = BuildChain(without_two);
  EXPECT_TRUE(VerifyChain(forged).ok());
  // ...but not with the anchors recorded elsewhere.
  ChainReport report = VerifyChain(forged, options);
  EXPECT_EQ(report.problem, ChainProblem::kAnchorMismatch);
  EXPECT_EQ(report.first_bad_sequence, 4);
  // Dropping the tail is found by an anchor beyond the end.
  chain.pop_back();
  report = VerifyChain(chain, options);
  EXPECT_EQ(report.problem, ChainProblem::kTruncated);
  EXPECT_EQ(report.first_bad_sequence, 6);
}

TEST(ChainTest, VerifiesASliceFromACheckpoint) {
  std::vector<AuditEntry> chain = BuildChain(Events(6));
  std::vector<AuditEntry> tail(chain.begin() + 3, chain.end());
  VerifyOptions options{.first_sequence = 4, .first_prev_hash = chain[2].hash};
  EXPECT_TRUE(VerifyChain(tail, options).ok());
  options.first_prev_hash = chain[1].hash;
  EXPECT_FALSE(VerifyChain(tail, options).ok());
}

}  // namespace
}  // namespace tc::audit
