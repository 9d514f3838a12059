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

}  // namespace

Reindexer::Reindexer(store::Store& store, std::function<std::shared_ptr<const Indexer>()> indexer)
    : store_(store), indexer_(std::move(indexer)) {}

Reindexer::~Reindexer() { StopThread(); }

void Reindexer::StopThread() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  stop_ = false;
}

void Reindexer::StartThread() {
  StopThread();
  {
    absl::MutexLock lock(&mu_);
    progress_.running = true;
    progress_.error.clear();
  }
  thread_ = std::thread([this] {
    absl::Status status = RunPages(nullptr);
    absl::MutexLock lock(&mu_);
    progress_.running = false;
    if (!status.ok()) progress_.error = status.ToString();
  });
}

absl::Status Reindexer::Start() {
  StopThread();
  TC_RETURN_IF_ERROR(store_.Write(
      [](store::Transaction& txn) { return txn.SetMeta(kReindexMarker, std::string("0")); }));
  StartThread();
  return absl::OkStatus();
}

absl::Status Reindexer::ResumeIfPending() {
  TC_ASSIGN_OR_RETURN(std::optional<std::string> marker, store_.GetMeta(kReindexMarker));
  if (!marker) return absl::OkStatus();
  StartThread();
  return absl::OkStatus();
}

absl::Status Reindexer::RunInForeground(
    bool from_start, const std::function<void(const ReindexProgress&)>& on_page) {
  StopThread();
  if (from_start) {
    TC_RETURN_IF_ERROR(store_.Write(
        [](store::Transaction& txn) { return txn.SetMeta(kReindexMarker, std::string("0")); }));
  }
  return RunPages(on_page);
}

ReindexProgress Reindexer::Progress() const {
  absl::MutexLock lock(&mu_);
  return progress_;
}

absl::Status Reindexer::RunPages(const std::function<void(const ReindexProgress&)>& on_page) {
  TC_ASSIGN_OR_RETURN(std::optional<std::string> marker, store_.GetMeta(kReindexMarker));
  if (!marker) {
    absl::MutexLock lock(&mu_);
    progress_.pending = false;
    return absl::OkStatus();
  }
  int64_t after = 0;
  if (!absl::SimpleAtoi(*marker, &after)) after = 0;
  TC_ASSIGN_OR_RETURN(int64_t total, store_.CountCurrent());
  {
    absl::MutexLock lock(&mu_);
    progress_.pending = true;
    progress_.done = 0;
    progress_.total = total;
  }
  while (!stop_) {
    TC_ASSIGN_OR_RETURN(store::ScanPage page, store_.ScanCurrent(after, kPageSize));
    if (page.versions.empty()) {
      TC_RETURN_IF_ERROR(store_.Write(
          [](store::Transaction& txn) { return txn.SetMeta(kReindexMarker, std::nullopt); }));
      absl::MutexLock lock(&mu_);
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
    absl::MutexLock lock(&mu_);
    progress_.done += static_cast<int64_t>(batch.size());
    if (on_page) on_page(progress_);
  }
  return absl::CancelledError("reindex stopped; it resumes at the next start");
}

}  // namespace tc::engine
