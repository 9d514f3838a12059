#include "rest/bulk_export.h"

#include <atomic>
#include <filesystem>
#include <fstream>

#include "base/ids.h"
#include "base/time_format.h"
#include "engine/errors.h"

namespace tc::rest {

using fhir::Value;

struct BulkExports::Job {
  std::string id;
  ExportRequest request;
  std::unique_ptr<access::RequestGuard> guard;
  absl::Time started;
  std::string dir;
  std::atomic<bool> cancel{false};
  std::thread thread;
  // guarded by BulkExports::mu_
  bool done = false;
  std::string error;
  int64_t exported = 0;
  std::vector<std::pair<std::string, int64_t>> files;  // type, count
};

BulkExports::BulkExports(engine::Repository& repository, std::string dir, const base::Clock& clock,
                         base::Random& random)
    : repository_(repository), dir_(std::move(dir)), clock_(clock), random_(random) {}

BulkExports::~BulkExports() {
  std::map<std::string, std::unique_ptr<Job>> jobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs.swap(jobs_);
  }
  for (auto& [id, job] : jobs) {
    job->cancel = true;
    if (job->thread.joinable()) job->thread.join();
  }
}

absl::StatusOr<std::string> BulkExports::Start(ExportRequest request,
                                               std::unique_ptr<access::RequestGuard> guard) {
  auto job = std::make_unique<Job>();
  job->id = base::NewUuid(random_);
  job->request = std::move(request);
  job->guard = std::move(guard);
  job->started = clock_.Now();
  job->dir = dir_ + "/" + job->id;
  std::error_code ec;
  std::filesystem::create_directories(job->dir, ec);
  if (ec) return absl::InternalError("cannot create the export directory");
  Job* raw = job.get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_[job->id] = std::move(job);
  }
  raw->thread = std::thread([this, raw] { Run(*raw); });
  return raw->id;
}

void BulkExports::Run(Job& job) {
  std::string error;
  int64_t total = 0;
  std::vector<std::pair<std::string, int64_t>> files;
  for (const std::string& type : job.request.types) {
    if (job.cancel) break;
    if (job.guard != nullptr && !job.guard->AllowType(auth::Action::kExport, type).ok()) continue;
    std::ofstream out(job.dir + "/" + type + ".ndjson", std::ios::binary);
    int64_t count = 0;
    engine::QueryParams query = {{"_count", "1000"}, {"_sort", "_id"}};
    if (job.request.since) {
      query.emplace_back("_lastUpdated", "ge" + base::FormatInstant(*job.request.since));
    }
    while (!job.cancel) {
      engine::SearchOptions so;
      so.count = 1000;
      so.strict = true;
      if (job.guard != nullptr) so.restrict = job.guard->SearchRestriction();
      absl::StatusOr<engine::SearchOutcome> page = repository_.Search(type, query, so);
      if (!page.ok()) {
        error = std::string(page.status().message());
        break;
      }
      if (job.guard != nullptr) {
        job.guard->FilterOutcome(auth::Action::kExport, *page, /*restricted_in_query=*/true);
      }
      for (const engine::ReadResult& r : page->matches) {
        out << r.content << '\n';
        ++count;
      }
      if (page->next_cursor.empty()) break;
      query = {{"_count", "1000"}, {"_sort", "_id"}, {"_cursor", page->next_cursor}};
      if (job.request.since) {
        query.emplace_back("_lastUpdated", "ge" + base::FormatInstant(*job.request.since));
      }
    }
    out.close();
    if (!error.empty()) break;
    if (count > 0) {
      files.emplace_back(type, count);
    } else {
      std::error_code ec;
      std::filesystem::remove(job.dir + "/" + type + ".ndjson", ec);
    }
    total += count;
  }
  if (job.guard != nullptr) {
    job.guard->Finish("operation", "$export", job.request.request_url, error.empty() ? 200 : 500,
                      error);
  }
  std::lock_guard<std::mutex> lock(mu_);
  job.done = true;
  job.error = error;
  job.exported = total;
  job.files = std::move(files);
}

absl::StatusOr<ExportStatus> BulkExports::Status(const std::string& id, const std::string& owner) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second->request.owner != owner) {
    return engine::NotFound("no export job " + id);
  }
  const Job& job = *it->second;
  ExportStatus s;
  s.done = job.done;
  s.error = job.error;
  s.exported = job.exported;
  if (job.done && job.error.empty()) {
    Value m = Value::Object();
    m.Set("transactionTime", Value::String(base::FormatInstant(job.started)));
    m.Set("request", Value::String(job.request.request_url));
    m.Set("requiresAccessToken", Value::Bool(true));
    Value output = Value::MakeArray();
    for (const auto& [type, count] : job.files) {
      Value o = Value::Object();
      o.Set("type", Value::String(type));
      o.Set("url", Value::String(job.request.file_base_url + job.id + "/" + type + ".ndjson"));
      o.Set("count", Value::Integer(count));
      output.Append(std::move(o));
    }
    m.Set("output", std::move(output));
    m.Set("error", Value::MakeArray());
    s.manifest = std::move(m);
  }
  return s;
}

absl::StatusOr<std::string> BulkExports::FilePath(const std::string& id, const std::string& name,
                                                  const std::string& owner) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end() || it->second->request.owner != owner || !it->second->done) {
    return engine::NotFound("no export file " + name);
  }
  for (const auto& [type, count] : it->second->files) {
    if (type + ".ndjson" == name) return it->second->dir + "/" + name;
  }
  return engine::NotFound("no export file " + name);
}

absl::Status BulkExports::Delete(const std::string& id, const std::string& owner) {
  std::unique_ptr<Job> job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end() || it->second->request.owner != owner) {
      return engine::NotFound("no export job " + id);
    }
    job = std::move(it->second);
    jobs_.erase(it);
  }
  job->cancel = true;
  if (job->thread.joinable()) job->thread.join();
  std::error_code ec;
  std::filesystem::remove_all(job->dir, ec);
  return absl::OkStatus();
}

}  // namespace tc::rest
