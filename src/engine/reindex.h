// File: engine/reindex.h
//
// Rebuilding the search index of every current resource after the searchable parameters change
// (a SearchParameter added, edited or retired; a new build's extraction; migration 0002). Runs
// online, on its own thread, page by page in short write transactions, so reads and writes go
// on meanwhile; writes made during a reindex are indexed with the new parameters at once. The
// position is kept in the store ("reindex_after"), so a reindex interrupted by a restart resumes
// where it stopped.
//
// Requests are debounced: a burst of SearchParameter writes (loading an implementation guide)
// causes one reload of the parameters and one reindex once the burst has been quiet for
// `quiet`, not one per write.
//
//   Reindexer r(store, [&] { return repo.indexer(); }, [&] { return repo.ReloadSearchParameters();
//   }); r.ResumeIfPending();   // at start-up r.Request();           // a SearchParameter changed
//   (debounced) r.Start();             // POST [base]/$reindex (at once) ReindexProgress p =
//   r.Progress();
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/index_extract.h"
#include "store/store.h"

namespace tc::engine {

inline constexpr char kReindexMarker[] = "reindex_after";

struct ReindexProgress {
  bool running = false;  // a reindex is under way or requested
  bool pending = false;  // the store holds an unfinished reindex, or one is requested
  int64_t done = 0;      // resources reindexed by the current run
  int64_t total = 0;     // current resources when the run started
  std::string error;     // why the last run stopped early ("" when it did not)
};

class Reindexer {
 public:
  // `indexer` returns the indexer to use (called once per page); `reload` (may be empty) is run
  // before each requested reindex to rebuild the indexer. The store and the callbacks' targets
  // MUST outlive the Reindexer.
  Reindexer(store::Store& store, std::function<std::shared_ptr<const Indexer>()> indexer,
            std::function<absl::Status()> reload = nullptr,
            absl::Duration quiet = absl::Milliseconds(200));
  // Stops the worker (a run's position is kept; the next ResumeIfPending continues it).
  ~Reindexer();

  // Asks for a reload and a full reindex once requests have been quiet for `quiet`; a run under
  // way stops and starts over.
  void Request();
  // Marks a full reindex as wanted (from the first resource) and starts it now.
  absl::Status Start();
  // Continues a reindex the store holds as unfinished; nothing when there is none.
  absl::Status ResumeIfPending();
  // Runs the pending reindex (or, with `from_start`, a full one) on the calling thread;
  // `on_page` sees the progress after each page. REQUIRES: no background work requested.
  absl::Status RunInForeground(bool from_start,
                               const std::function<void(const ReindexProgress&)>& on_page);

  ReindexProgress Progress() const;

 private:
  enum class Want { kNone, kResume, kFull, kFullDebounced };
  void Worker();
  void Post(Want want);
  absl::Status RunPages(const std::function<void(const ReindexProgress&)>& on_page);
  bool Interrupted() const;

  store::Store& store_;
  std::function<std::shared_ptr<const Indexer>()> indexer_;
  std::function<absl::Status()> reload_;
  const absl::Duration quiet_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;         // guarded by mu_
  Want want_ = Want::kNone;   // guarded by mu_
  absl::Time requested_at_;   // guarded by mu_
  ReindexProgress progress_;  // guarded by mu_
  std::thread worker_;        // started in the constructor
};

}  // namespace tc::engine
