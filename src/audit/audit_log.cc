#include "audit/audit_log.h"

#include <pthread.h>

#include <utility>

#include "audit/canonical_json.h"
#include "base/ids.h"
#include "base/status_macros.h"
#include "engine/prepared_resource.h"
#include "fhir/json.h"

namespace tc::audit {

// Everything but the chain link is computed before the store transaction (off the store's
// single writer thread): the stored JSON (stamped at preparation time: an audit event's
// lastUpdated need not follow commit order) and its canonical form.
struct AuditLog::Prepared {
  engine::PreparedResource resource;
  absl::Time last_updated;
  std::string content;
  std::string canonical;
};

AuditLog::AuditLog(store::Store& store, engine::Repository& repository, const base::Clock& clock,
                   base::Random& random, AuditLogOptions options)
    : store_(store), repository_(repository), clock_(clock), random_(random), options_(options) {
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tc-audit");
    WriterLoop();
  });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  writer_.join();
}

absl::StatusOr<AuditLog::Prepared> AuditLog::PrepareEvent(fhir::Value event) {
  Prepared p;
  p.resource = engine::Prepare(*repository_.indexer(), "AuditEvent", base::NewUuid(random_),
                               std::move(event));
  p.last_updated = clock_.Now();
  p.content = p.resource.Render(1, p.last_updated);
  // The hash covers exactly what is stored (canonical form of the stored JSON).
  TC_ASSIGN_OR_RETURN(fhir::Value stored, fhir::ParseJson(p.content));
  p.canonical = CanonicalJson(stored);
  return p;
}

absl::Status AuditLog::StorePrepared(store::Transaction& txn, const Prepared& prepared) {
  store::NewVersion nv;
  nv.type = "AuditEvent";
  nv.id = prepared.resource.id;
  nv.version = 1;
  nv.last_updated = prepared.last_updated;
  nv.content = prepared.content;
  // Audit entries are about a patient, not part of the patient's record: they stay out of the
  // compartment ($everything, Patient/{id}/…), and are found with AuditEvent?patient=.
  nv.patient_compartment = "";
  nv.index = prepared.resource.index;
  TC_ASSIGN_OR_RETURN(std::optional<store::AuditLink> last, txn.LastAuditLink());
  store::AuditLink link;
  link.sequence = last ? last->sequence + 1 : 1;
  link.prev_hash = last ? last->hash : std::string(kGenesisHash);
  link.hash = EntryHash(link.sequence, link.prev_hash, prepared.canonical);
  link.audit_id = nv.id;
  TC_RETURN_IF_ERROR(txn.Put(nv));
  return txn.AppendAuditLink(link);
}

absl::StatusOr<std::string> AuditLog::AppendInTransaction(store::Transaction& txn,
                                                          fhir::Value event) {
  TC_ASSIGN_OR_RETURN(Prepared p, PrepareEvent(std::move(event)));
  TC_RETURN_IF_ERROR(StorePrepared(txn, p));
  return p.resource.id;
}

void AuditLog::Enqueue(fhir::Value event) {
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return queue_.size() < options_.max_queue || stopping_; });
  queue_.push_back(std::move(event));
  ++enqueued_;
  if (queue_.size() == 1) work_cv_.notify_one();
}

absl::Status AuditLog::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = enqueued_;
  work_cv_.notify_one();
  done_cv_.wait(lock, [&] { return stored_ >= target; });
  return std::exchange(error_, absl::OkStatus());
}

void AuditLog::WriterLoop() {
  while (true) {
    std::vector<fhir::Value> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty() && stopping_) return;
      if (!stopping_ && queue_.size() < options_.max_batch) {
        // Let a batch gather (or a Flush ask for it now).
        const uint64_t before = enqueued_;
        work_cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.flush_interval), [&] {
          return queue_.size() >= options_.max_batch || stopping_ || enqueued_ != before;
        });
      }
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // Index extraction happens here, not on the store's writer thread.
    std::vector<Prepared> prepared;
    prepared.reserve(batch.size());
    absl::Status status;
    for (fhir::Value& event : batch) {
      absl::StatusOr<Prepared> p = PrepareEvent(std::move(event));
      if (p.ok()) {
        prepared.push_back(*std::move(p));
      } else if (status.ok()) {
        status = p.status();
      }
    }
    absl::Status written = store_.Write([&](store::Transaction& txn) -> absl::Status {
      for (const Prepared& p : prepared) TC_RETURN_IF_ERROR(StorePrepared(txn, p));
      return absl::OkStatus();
    });
    if (status.ok()) status = written;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stored_ += batch.size();
      if (!status.ok() && error_.ok()) error_ = status;
    }
    done_cv_.notify_all();
  }
}

absl::StatusOr<ChainReport> AuditLog::Verify(const std::vector<ChainAnchor>& anchors) {
  // Read in pages; verify each page as a slice continuing the previous one.
  VerifyOptions options;
  options.anchors = anchors;
  ChainReport total;
  int64_t after = 0;
  constexpr int64_t kPage = 4096;
  std::vector<ChainAnchor> pending = anchors;
  while (true) {
    TC_ASSIGN_OR_RETURN(std::vector<store::AuditLinkRecord> page,
                        store_.ReadAuditLinks(after, kPage));
    if (page.empty()) break;
    std::vector<AuditEntry> entries;
    entries.reserve(page.size());
    for (store::AuditLinkRecord& r : page) {
      AuditEntry& e = entries.emplace_back();
      e.sequence = r.link.sequence;
      e.prev_hash = std::move(r.link.prev_hash);
      e.hash = std::move(r.link.hash);
      e.event_json = std::move(r.content);
    }
    VerifyOptions slice;
    slice.first_sequence = total.entries_checked + 1;
    slice.first_prev_hash = after == 0 ? std::string(kGenesisHash) : options.first_prev_hash;
    // Anchors inside this page only; later ones are checked with later pages.
    const int64_t last_seq = entries.back().sequence;
    for (const ChainAnchor& a : pending) {
      if (a.sequence <= last_seq) slice.anchors.push_back(a);
    }
    ChainReport report = VerifyChain(entries, slice);
    if (!report.ok()) {
      report.entries_checked += total.entries_checked;
      return report;
    }
    total.entries_checked += report.entries_checked;
    options.first_prev_hash = entries.back().hash;
    std::erase_if(pending, [&](const ChainAnchor& a) { return a.sequence <= last_seq; });
    after = last_seq;
    if (static_cast<int64_t>(page.size()) < kPage) break;
  }
  if (!pending.empty()) {
    // Anchors beyond the end: the log was truncated.
    ChainReport report = VerifyChain({}, [&] {
      VerifyOptions o;
      o.first_sequence = total.entries_checked + 1;
      o.first_prev_hash = options.first_prev_hash;
      o.anchors = pending;
      return o;
    }());
    report.entries_checked = total.entries_checked;
    return report;
  }
  total.detail =
      "the audit chain of " + std::to_string(total.entries_checked) + " entries is intact";
  return total;
}

}  // namespace tc::audit
