#include "audit/audit_log.h"

#include <pthread.h>

#include <cstdio>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "audit/canonical_json.h"
#include "base/ids.h"
#include "base/status_macros.h"
#include "base/time_format.h"
#include "engine/date_range.h"
#include "engine/errors.h"
#include "fhir/json.h"

namespace tc::audit {

// Everything but the chain link is computed before the store transaction (off the store's
// single writer thread): the canonical JSON and the facts the entry is searched by.
struct AuditLog::Prepared {
  store::AuditRow row;  // all but sequence and hashes
};

AuditLog::AuditLog(store::Store& store, const base::Clock& clock, base::Random& random,
                   AuditLogOptions options)
    : store_(store), clock_(clock), random_(random), options_(options) {
  id_instance_ = random_.Next64();
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
  if (!event.is_object() || event.GetString("resourceType") != "AuditEvent") {
    return absl::InvalidArgumentError("an audit entry must be an AuditEvent");
  }
  Prepared p;
  store::AuditRow& r = p.row;
  {
    char id[64];
    std::snprintf(id, sizeof(id), "%014llx-%016llx-%llx",
                  static_cast<unsigned long long>(absl::ToUnixMicros(clock_.Now())),
                  static_cast<unsigned long long>(id_instance_),
                  static_cast<unsigned long long>(id_counter_.fetch_add(1)));
    r.id = id;
  }
  event.Set("id", fhir::Value::String(r.id));
  r.recorded = base::ParseFhirDateTime(event.GetString("recorded")).value_or(clock_.Now());
  if (const fhir::Value* agents = event.Find("agent");
      agents && agents->is_array() && agents->size() > 0) {
    const fhir::Value& a = agents->array()[0];
    r.agent = std::string(a.GetString("altId"));
    if (r.agent.empty()) {
      if (const fhir::Value* who = a.Find("who"); who && who->Find("identifier")) {
        r.agent = std::string(who->Find("identifier")->GetString("value"));
      }
    }
  }
  if (const fhir::Value* type = event.Find("type")) {
    r.type_system = std::string(type->GetString("system"));
    r.type_code = std::string(type->GetString("code"));
  }
  if (const fhir::Value* sub = event.Find("subtype"); sub && sub->is_array() && sub->size()) {
    r.subtype_system = std::string(sub->array()[0].GetString("system"));
    r.subtype_code = std::string(sub->array()[0].GetString("code"));
  }
  r.action = std::string(event.GetString("action"));
  r.outcome = std::string(event.GetString("outcome"));
  if (const fhir::Value* entities = event.Find("entity"); entities && entities->is_array()) {
    for (const fhir::Value& e : entities->array()) {
      const fhir::Value* role = e.Find("role");
      const fhir::Value* what = e.Find("what");
      if (role == nullptr || what == nullptr || role->GetString("code") != "1") continue;
      std::string_view ref = what->GetString("reference");
      if (ref.substr(0, 8) == "Patient/") r.patients.emplace_back(ref.substr(8));
    }
  }
  r.event = CanonicalJson(event);
  return p;
}

absl::Status AuditLog::StorePrepared(store::Transaction& txn, const Prepared& prepared) {
  TC_ASSIGN_OR_RETURN(std::optional<store::AuditLink> last, txn.LastAuditLink());
  store::AuditRow row = prepared.row;
  row.sequence = last ? last->sequence + 1 : 1;
  row.prev_hash = last ? last->hash : std::string(kGenesisHash);
  // The hash covers exactly what is stored (the stored JSON is already canonical).
  row.hash = EntryHash(row.sequence, row.prev_hash, row.event);
  return txn.AppendAudit(row);
}

absl::StatusOr<std::string> AuditLog::AppendInTransaction(store::Transaction& txn,
                                                          fhir::Value event) {
  TC_ASSIGN_OR_RETURN(Prepared p, PrepareEvent(std::move(event)));
  TC_RETURN_IF_ERROR(StorePrepared(txn, p));
  return p.row.id;
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
    TC_ASSIGN_OR_RETURN(std::vector<store::AuditRow> page, store_.ReadAuditLog(after, kPage));
    if (page.empty()) break;
    std::vector<AuditEntry> entries;
    entries.reserve(page.size());
    for (store::AuditRow& r : page) {
      AuditEntry& e = entries.emplace_back();
      e.sequence = r.sequence;
      e.prev_hash = std::move(r.prev_hash);
      e.hash = std::move(r.hash);
      e.event_json = std::move(r.event);
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

namespace {

std::vector<std::string> Split(const std::string& value) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(value, ',')) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

std::pair<std::string, std::string> Token(const std::string& value) {
  const size_t bar = value.find('|');
  if (bar == std::string::npos) return {"", value};
  return {value.substr(0, bar), value.substr(bar + 1)};
}

engine::ReadResult AsResource(store::AuditRow row) {
  engine::ReadResult r;
  r.type = "AuditEvent";
  r.id = std::move(row.id);
  r.version = 1;
  r.last_updated = row.recorded;
  r.content = std::move(row.event);
  return r;
}

}  // namespace

absl::StatusOr<engine::SearchOutcome> AuditLog::Search(const engine::QueryParams& query,
                                                       const engine::SearchOptions& options) const {
  store::AuditQuery q;
  q.limit = std::min<int64_t>(options.count, 1000);
  engine::SearchOutcome out;
  for (const auto& [name, value] : query) {
    bool used = true;
    if (name == "_id") {
      for (std::string& v : Split(value)) q.ids.push_back(std::move(v));
    } else if (name == "patient") {
      for (std::string& v : Split(value)) {
        if (v.rfind("Patient/", 0) == 0) v = v.substr(8);
        if (v.find('/') != std::string::npos) {
          return engine::BadRequest("patient must be a Patient reference", name);
        }
        q.patients.push_back(std::move(v));
      }
    } else if (name == "altid") {
      for (std::string& v : Split(value)) q.agents.push_back(std::move(v));
    } else if (name == "type" || name == "subtype") {
      auto& list = name == "type" ? q.types : q.subtypes;
      for (const std::string& v : Split(value)) list.push_back(Token(v));
    } else if (name == "action") {
      for (std::string& v : Split(value)) q.actions.push_back(std::move(v));
    } else if (name == "outcome") {
      for (std::string& v : Split(value)) q.outcomes.push_back(std::move(v));
    } else if (name == "date") {
      std::string prefix = value.size() > 2 && std::isalpha(static_cast<unsigned char>(value[0]))
                               ? value.substr(0, 2)
                               : "eq";
      std::string date = prefix == "eq" && !std::isalpha(static_cast<unsigned char>(value[0]))
                             ? value
                             : value.substr(2);
      std::optional<engine::DateRange> range = engine::ParseDateRange(date);
      if (!range) return engine::BadRequest("date '" + value + "' is not a valid date", name);
      const absl::Time low = absl::FromUnixMicros(static_cast<int64_t>(range->low));
      const absl::Time high = absl::FromUnixMicros(static_cast<int64_t>(range->high));
      auto raise_from = [&](absl::Time t) {
        q.recorded_from = std::max(q.recorded_from.value_or(t), t);
      };
      auto lower_to = [&](absl::Time t) { q.recorded_to = std::min(q.recorded_to.value_or(t), t); };
      if (prefix == "eq") {
        raise_from(low);
        lower_to(high);
      } else if (prefix == "ge") {
        raise_from(low);
      } else if (prefix == "gt") {
        raise_from(high + absl::Microseconds(1));
      } else if (prefix == "le") {
        lower_to(high);
      } else if (prefix == "lt") {
        lower_to(low - absl::Microseconds(1));
      } else {
        return engine::BadRequest("date prefix '" + prefix + "' is not supported on the audit log",
                                  name);
      }
    } else if (name == "_count") {
      int64_t n = 0;
      if (!absl::SimpleAtoi(value, &n) || n < 0) {
        return engine::BadRequest("_count must be a non-negative integer", name);
      }
      q.limit = std::min<int64_t>(n, 1000);
    } else if (name == "_sort") {
      if (value == "-date" || value == "-_lastUpdated") {
        q.newest_first = true;
      } else if (value == "date" || value == "_lastUpdated") {
        q.newest_first = false;
      } else {
        return engine::BadRequest("the audit log sorts by date or -date only", name);
      }
    } else if (name == "_cursor") {
      int64_t after = 0;
      if (!absl::SimpleAtoi(value, &after)) return engine::BadRequest("invalid _cursor", name);
      q.after_sequence = after;
      used = false;  // the paging links carry their own cursor
    } else if (name == "_total") {
      q.count_total = value != "none";
    } else if (name == "_format" || name == "_pretty" || name == "_summary" ||
               name == "_elements") {
      used = false;
    } else {
      if (options.strict) {
        return engine::BadRequest("the audit log cannot be searched by '" + name + "'", name);
      }
      out.ignored.push_back(name);
      used = false;
    }
    if (used) out.used.emplace_back(name, value);
  }
  TC_ASSIGN_OR_RETURN(store::AuditPage page, store_.SearchAudit(q));
  out.total = page.total;
  if (page.more && !page.rows.empty()) out.next_cursor = std::to_string(page.rows.back().sequence);
  for (store::AuditRow& row : page.rows) out.matches.push_back(AsResource(std::move(row)));
  return out;
}

absl::StatusOr<engine::ReadResult> AuditLog::Read(const std::string& id) const {
  store::AuditQuery q;
  q.ids.push_back(id);
  q.limit = 1;
  q.count_total = false;
  TC_ASSIGN_OR_RETURN(store::AuditPage page, store_.SearchAudit(q));
  if (page.rows.empty()) return engine::NotFound("AuditEvent/" + id + " is not known");
  return AsResource(std::move(page.rows[0]));
}

}  // namespace tc::audit
