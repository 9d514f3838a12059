#include "audit/chain.h"

#include <openssl/evp.h>

#include <initializer_list>
#include <set>

#include "absl/status/statusor.h"
#include "audit/canonical_json.h"
#include "fhir/json.h"

namespace tc::audit {
namespace {

constexpr std::string_view kDomain = "throughcare-audit-v1";

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
  return out;
}

// Concatenates text and numbers (append-based: GCC 12 -O3 warns falsely on operator+ chains).
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}
std::string Num(int64_t n) { return std::to_string(n); }

ChainReport Problem(ChainProblem problem, int64_t sequence, int64_t checked, std::string detail) {
  return ChainReport{problem, sequence, checked, std::move(detail)};
}

}  // namespace

std::string_view ChainProblemId(ChainProblem problem) {
  switch (problem) {
    case ChainProblem::kNone:
      return "ok";
    case ChainProblem::kMalformed:
      return "malformed";
    case ChainProblem::kAltered:
      return "altered";
    case ChainProblem::kRemoved:
      return "removed";
    case ChainProblem::kReordered:
      return "reordered";
    case ChainProblem::kTruncated:
      return "truncated";
    case ChainProblem::kAnchorMismatch:
      return "anchor-mismatch";
  }
  return "";
}

std::string EntryHash(int64_t sequence, std::string_view prev_hash,
                      std::string_view canonical_event) {
  std::string input;
  std::string seq = std::to_string(sequence);
  input.reserve(kDomain.size() + seq.size() + prev_hash.size() + canonical_event.size() + 3);
  input.append(kDomain).push_back('\0');
  input.append(seq).push_back('\0');
  input.append(prev_hash).push_back('\0');
  input.append(canonical_event);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // SHA-256 over an in-memory buffer cannot fail short of memory exhaustion; an empty result
  // would then never match a stored hash, so verification fails closed.
  if (EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr) != 1) return "";
  return Hex(digest, len);
}

AuditEntry NextEntry(const AuditEntry* previous, const fhir::Value& event) {
  AuditEntry entry;
  entry.sequence = previous == nullptr ? 1 : previous->sequence + 1;
  entry.prev_hash = previous == nullptr ? std::string(kGenesisHash) : previous->hash;
  entry.event_json = CanonicalJson(event);
  entry.hash = EntryHash(entry.sequence, entry.prev_hash, entry.event_json);
  return entry;
}

std::vector<AuditEntry> BuildChain(std::span<const fhir::Value> events) {
  std::vector<AuditEntry> chain;
  chain.reserve(events.size());
  for (const fhir::Value& event : events) {
    chain.push_back(NextEntry(chain.empty() ? nullptr : &chain.back(), event));
  }
  return chain;
}

ChainReport VerifyChain(std::span<const AuditEntry> entries, const VerifyOptions& options) {
  std::set<int64_t> present;
  for (const AuditEntry& e : entries) present.insert(e.sequence);
  std::string prev_hash = options.first_prev_hash;
  int64_t expected = options.first_sequence;
  int64_t checked = 0;
  for (const AuditEntry& e : entries) {
    if (e.sequence != expected) {
      if (e.sequence < expected) {
        return Problem(
            ChainProblem::kReordered, e.sequence, checked,
            Cat({"entry ", Num(e.sequence), " appears after entry ", Num(expected - 1)}));
      }
      if (present.contains(expected)) {
        return Problem(ChainProblem::kReordered, expected, checked,
                       Cat({"entry ", Num(expected), " is out of order"}));
      }
      return Problem(ChainProblem::kRemoved, expected, checked,
                     Cat({"entries ", Num(expected), " to ", Num(e.sequence - 1), " are missing"}));
    }
    absl::StatusOr<fhir::Value> event = fhir::ParseJson(e.event_json);
    if (!event.ok()) {
      return Problem(ChainProblem::kMalformed, e.sequence, checked,
                     Cat({"entry ", Num(e.sequence), " is not valid JSON"}));
    }
    if (EntryHash(e.sequence, e.prev_hash, CanonicalJson(*event)) != e.hash) {
      return Problem(ChainProblem::kAltered, e.sequence, checked,
                     Cat({"entry ", Num(e.sequence), " does not match its hash"}));
    }
    if (e.prev_hash != prev_hash) {
      // This entry is intact, so the one before it was replaced by a self-consistent forgery
      // (or, for the first entry checked, the starting hash given is wrong).
      int64_t culprit = e.sequence - 1;
      return Problem(ChainProblem::kAltered, culprit, checked - (checked > 0 ? 1 : 0),
                     Cat({"entry ", Num(culprit), " was rewritten: entry ", Num(e.sequence),
                          " links to a different hash"}));
    }
    prev_hash = e.hash;
    ++expected;
    ++checked;
  }
  const int64_t last = expected - 1;
  for (const ChainAnchor& anchor : options.anchors) {
    if (anchor.sequence > last) {
      return Problem(ChainProblem::kTruncated, last + 1, checked,
                     Cat({"the log ends at entry ", Num(last), " but entry ", Num(anchor.sequence),
                          " was anchored"}));
    }
    if (anchor.sequence < options.first_sequence) continue;
    const AuditEntry& e = entries[static_cast<size_t>(anchor.sequence - options.first_sequence)];
    if (e.hash != anchor.hash) {
      return Problem(ChainProblem::kAnchorMismatch, anchor.sequence, checked,
                     Cat({"the log was rewritten at or before entry ", Num(anchor.sequence),
                          " (its hash differs from the anchor)"}));
    }
  }
  return ChainReport{ChainProblem::kNone, std::nullopt, checked, "ok"};
}

}  // namespace tc::audit
