#include "engine/reindex.h"

#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "base/status_macros.h"
#include "fhir/json.h"

namespace tc::engine {
namespace {

// Resources per write transaction: short enough not to hold up other writers for long.
constexpr int64_t kPageSize = 200;

struct Reindexed {
  store::StoredVersion version;
  IndexedResource index;
};

absl::Status SetMarker(store::Store& store, std::optional<std::string> value) {
  return store.Write([&](store::Transaction& txn) { return txn.SetMeta(kReindexMarker, value); });
}

}  // namespace

Reindexer::Reindexer(store::Store& store, std::function<std::shared_ptr<const Indexer>()> indexer,
                     std::function<absl::Status()> reload, absl::Duration quiet)
    : store_(store), indexer_(std::move(indexer)), reload_(std::move(reload)), quiet_(quiet) {
  worker_ = std::thread([this] { Worker(); });
}

Reindexer::~Reindexer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void Reindexer::Post(Want want) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (want_ == Want::kNone || want > want_ || want == Want::kFullDebounced) want_ = want;
    requested_at_ = absl::Now();
    progress_.running = true;
    progress_.pending = true;
  }
  cv_.notify_all();
}

void Reindexer::Request() { Post(Want::kFullDebounced); }

absl::Status Reindexer::Start() {
  Post(Want::kFull);
  return absl::OkStatus();
}

absl::Status Reindexer::ResumeIfPending() {
  TC_ASSIGN_OR_RETURN(std::optional<std::string> marker, store_.GetMeta(kReindexMarker));
  if (marker) Post(Want::kResume);
  return absl::OkStatus();
}

bool Reindexer::Interrupted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_ || want_ != Want::kNone;
}

void Reindexer::Worker() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || want_ != Want::kNone; });
    if (stop_) return;
    if (want_ == Want::kFullDebounced) {
      // Wait for the burst to end.
      const absl::Time due = requested_at_ + quiet_;
      const absl::Time now = absl::Now();
      if (now < due) {
        cv_.wait_for(lock, absl::ToChronoNanoseconds(due - now));
        continue;
      }
    }
    const Want want = want_;
    want_ = Want::kNone;
    progress_.error.clear();
    lock.unlock();
    absl::Status status = absl::OkStatus();
    if (want != Want::kResume) {
      if (reload_) status = reload_();
      if (status.ok()) status = SetMarker(store_, std::string("0"));
    }
    if (status.ok()) status = RunPages(nullptr);
    lock.lock();
    if (want_ != Want::kNone) continue;  // asked again meanwhile: go round
    progress_.running = false;
    if (!status.ok() && !stop_) progress_.error = status.ToString();
  }
}

absl::Status Reindexer::RunInForeground(
    bool from_start, const std::function<void(const ReindexProgress&)>& on_page) {
  if (from_start) TC_RETURN_IF_ERROR(SetMarker(store_, std::string("0")));
  return RunPages(on_page);
}

ReindexProgress Reindexer::Progress() const {
  std::lock_guard<std::mutex> lock(mu_);
  return progress_;
}

absl::Status Reindexer::RunPages(const std::function<void(const ReindexProgress&)>& on_page) {
  TC_ASSIGN_OR_RETURN(std::optional<std::string> marker, store_.GetMeta(kReindexMarker));
  if (!marker) {
    std::lock_guard<std::mutex> lock(mu_);
    progress_.pending = false;
    return absl::OkStatus();
  }
  int64_t after = 0;
  if (!absl::SimpleAtoi(*marker, &after)) after = 0;
  TC_ASSIGN_OR_RETURN(int64_t total, store_.CountCurrent());
  {
    std::lock_guard<std::mutex> lock(mu_);
    progress_.pending = true;
    progress_.done = 0;
    progress_.total = total;
  }
  while (!Interrupted()) {
    TC_ASSIGN_OR_RETURN(store::ScanPage page, store_.ScanCurrent(after, kPageSize));
    if (page.versions.empty()) {
      TC_RETURN_IF_ERROR(SetMarker(store_, std::nullopt));
      std::lock_guard<std::mutex> lock(mu_);
      progress_.pending = false;
      if (on_page) on_page(progress_);
      return absl::OkStatus();
    }
    // Extract outside the write transaction (the costly part), then store in one short write.
    std::shared_ptr<const Indexer> indexer = indexer_();
    std::vector<Reindexed> batch;
    batch.reserve(page.versions.size());
    for (store::StoredVersion& v : page.versions) {
      absl::StatusOr<fhir::Value> resource = fhir::ParseJson(v.content);
      if (!resource.ok()) continue;  // unreadable content keeps its old rows
      IndexedResource index = indexer->Extract(v.type, v.id, *resource);
      batch.push_back({std::move(v), std::move(index)});
    }
    const int64_t next = page.last_key;
    TC_RETURN_IF_ERROR(store_.Write([&](store::Transaction& txn) -> absl::Status {
      for (const Reindexed& r : batch) {
        // A resource written since the scan was indexed by that write: leave it.
        TC_ASSIGN_OR_RETURN(std::optional<store::StoredVersion> now,
                            txn.ReadCurrent(r.version.type, r.version.id));
        if (!now || now->deleted || now->version != r.version.version) continue;
        TC_RETURN_IF_ERROR(
            txn.Reindex(r.version.type, r.version.id, r.index.rows, r.index.patient_compartment));
      }
      return txn.SetMeta(kReindexMarker, std::to_string(next));
    }));
    after = next;
    std::lock_guard<std::mutex> lock(mu_);
    progress_.done += static_cast<int64_t>(batch.size());
    if (on_page) on_page(progress_);
  }
  return absl::CancelledError("reindex interrupted; it continues from where it stopped");
}

}  // namespace tc::engine
