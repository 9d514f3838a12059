// The per-request cost of access control (issue 4, "Bad input and proof" 15), part by part:
// verifying a bearer token (first use, then from the cache), one policy decision, building the
// request's AuditEvent, and preparing it for storage (index rows and serialisation, done off the
// request thread). `make bench` prints these next to the end-to-end HTTP ratio of
// bench/run-all.sh.
//   tc_access_benchmark   → ns per operation
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "access/access_control.h"
#include "access/access_token.h"
#include "audit/audit_event.h"
#include "audit/audit_log.h"
#include "auth/policy.h"
#include "auth/policy_table.h"
#include "base/clock.h"
#include "base/random.h"
#include "engine/prepared_resource.h"
#include "engine/repository.h"
#include "fhir/definitions.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace tc;

const access::TokenKeys kKeys{std::string(32, 's'), "tc-bench"};

std::string Token(base::Clock& clock, base::Random& random) {
  access::AccessTokenClaims c;
  c.subject = "nurse1";
  c.role = auth::Role::kRegisteredNurse;
  c.establishments = {"NFD"};
  c.issued = clock.Now();
  c.expires = clock.Now() + absl::Hours(1);
  return *access::MintAccessToken(c, kKeys, random);
}

void BM_VerifyAccessToken(benchmark::State& state) {
  base::SystemClock clock;
  base::SystemRandom random;
  const std::string token = Token(clock, random);
  for (auto _ : state) benchmark::DoNotOptimize(access::VerifyAccessToken(token, kKeys, clock));
}
BENCHMARK(BM_VerifyAccessToken);

// Everything AccessControl needs, over an in-memory store.
struct Fixture {
  Fixture() {
    defs = std::move(*fhir::Definitions::LoadEmbedded());
    store::SqliteOptions so;
    so.path = ":memory:";
    store = std::move(*store::OpenSqliteStore(so));
    repo = std::make_unique<engine::Repository>(*store, *defs, clock, random);
    audit = std::make_unique<audit::AuditLog>(*store, clock, random);
    control = std::move(*access::AccessControl::Create(*store, *audit, kKeys, clock));
  }
  base::SystemClock clock;
  base::SystemRandom random;
  std::unique_ptr<fhir::Definitions> defs;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::Repository> repo;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<access::AccessControl> control;
};

void BM_AuthenticateCached(benchmark::State& state) {
  Fixture f;
  const std::string header = "Bearer " + Token(f.clock, f.random);
  for (auto _ : state) benchmark::DoNotOptimize(f.control->Authenticate(header, {}));
}
BENCHMARK(BM_AuthenticateCached);

void BM_PolicyDecide(benchmark::State& state) {
  base::SystemClock clock;
  auth::Policy policy = *auth::Policy::Create(auth::DefaultPolicyTableText());
  auth::Principal nurse;
  nurse.role = auth::Role::kRegisteredNurse;
  nurse.establishments = {"NFD"};
  auth::AccessRequest request;
  request.action = auth::Action::kRead;
  request.resource.resource_type = "Observation";
  request.resource.relationship = auth::Relationship::kCurrentlyHeld;
  for (auto _ : state) benchmark::DoNotOptimize(policy.Decide(nurse, request, clock));
}
BENCHMARK(BM_PolicyDecide);

audit::AuditRecord ReadRecord() {
  audit::AuditRecord r;
  r.interaction = "read";
  r.recorded = absl::Now();
  r.server = "throughcare";
  r.agent.user_id = "nurse1";
  r.agent.name = "Nurse One";
  r.agent.role_id = "registered-nurse";
  r.agent.address = "127.0.0.1";
  r.resource_reference = "Patient/1fbb1d73-3957-4ea9-bfc0-bafbb6ac06cb";
  r.patients = {"Patient/1fbb1d73-3957-4ea9-bfc0-bafbb6ac06cb"};
  return r;
}

void BM_BuildAuditEvent(benchmark::State& state) {
  const audit::AuditRecord r = ReadRecord();
  for (auto _ : state) benchmark::DoNotOptimize(audit::BuildAuditEvent(r));
}
BENCHMARK(BM_BuildAuditEvent);

void BM_PrepareAuditEvent(benchmark::State& state) {
  Fixture f;
  const fhir::Value event = *audit::BuildAuditEvent(ReadRecord());
  for (auto _ : state) {
    benchmark::DoNotOptimize(engine::Prepare(*f.repo->indexer(), "AuditEvent", "id-1", event));
  }
}
BENCHMARK(BM_PrepareAuditEvent);

// The audit log's sustained rate: events queued as fast as possible, then flushed (durable), on
// a file-backed store (fsync on every group commit, as in production).
void BM_AuditLogThroughput(benchmark::State& state) {
  base::SystemClock clock;
  base::SystemRandom random;
  const std::string dir = "/tmp/tc-audit-bench-" + std::to_string(::getpid());
  store::SqliteOptions so;
  so.path = dir + "/throughcare.db";
  std::unique_ptr<store::Store> st = std::move(*store::OpenSqliteStore(so));
  audit::AuditLogOptions options;
  options.max_batch = static_cast<size_t>(state.range(0));
  auto log = std::make_unique<audit::AuditLog>(*st, clock, random, options);
  const fhir::Value event = *audit::BuildAuditEvent(ReadRecord());
  constexpr int kBatch = 5000;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) log->Enqueue(event);
    if (!log->Flush().ok()) state.SkipWithError("flush failed");
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  log.reset();
  st.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AuditLogThroughput)->Arg(512)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
