// File: engine/reindex.h
//
// Rebuilding the search index of every current resource after the searchable parameters change
// (a SearchParameter added, edited or retired; a new build's extraction; migration 0002). Runs
// online, in the background, page by page in short write transactions, so reads and writes go
// on meanwhile; writes made during a reindex are indexed with the new parameters at once. The
// position is kept in the store ("reindex_after"), so a reindex interrupted by a restart resumes
// where it stopped.
//
//   Reindexer r(store, [&] { return repo.indexer(); });
//   r.ResumeIfPending();   // at start-up
//   r.Start();             // POST [base]/$reindex
//   ReindexProgress p = r.Progress();
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "engine/index_extract.h"
#include "store/store.h"

namespace tc::engine {

inline constexpr char kReindexMarker[] = "reindex_after";

struct ReindexProgress {
  bool running = false;  // a background reindex is under way
  bool pending = false;  // the store holds an unfinished reindex
  int64_t done = 0;      // resources reindexed by the current run
  int64_t total = 0;     // current resources when the run started
  std::string error;     // why the last run stopped early ("" when it did not)
};

class Reindexer {
 public:
  // `indexer` returns the indexer to use (called once per page). Both MUST outlive the Reindexer.
  Reindexer(store::Store& store, std::function<std::shared_ptr<const Indexer>()> indexer);
  // Stops a background run (its position is kept; the next ResumeIfPending continues it).
  ~Reindexer();

  // Marks a full reindex as wanted (from the first resource) and runs it in the background; a
  // run already under way starts over.
  absl::Status Start();
  // Runs a reindex the store holds as unfinished in the background; nothing when there is none.
  absl::Status ResumeIfPending();
  // Runs the pending reindex (or, with `from_start`, a full one) on the calling thread;
  // `on_page` sees the progress after each page.
  absl::Status RunInForeground(bool from_start,
                               const std::function<void(const ReindexProgress&)>& on_page);

  ReindexProgress Progress() const;

 private:
  absl::Status RunPages(const std::function<void(const ReindexProgress&)>& on_page);
  void StartThread();
  void StopThread();

  store::Store& store_;
  std::function<std::shared_ptr<const Indexer>()> indexer_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable absl::Mutex mu_;
  ReindexProgress progress_ ABSL_GUARDED_BY(mu_);
};

}  // namespace tc::engine
