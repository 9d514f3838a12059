// File: audit/chain.h
//
// The tamper-evident audit log (issue 4, "Audit" 10): an append-only sequence of entries, each
//   hash = SHA-256("throughcare-audit-v1" NUL sequence NUL prev_hash NUL canonical event)
// in lower-case hex, where prev_hash is the previous entry's hash (64 zeros for sequence 1) and
// the event is an AuditEvent in canonical JSON (audit/canonical_json.h). Changing, removing,
// inserting or reordering any entry breaks the recomputed hashes or links after it.
//
// What a chain alone cannot show: someone able to rewrite the whole table can recompute every
// hash after the entry they changed, and can drop entries from the end. Anchors close that gap:
// a (sequence, hash) pair recorded somewhere the attacker cannot write (a periodic signed
// checkpoint, an export, a log shipped elsewhere). VerifyChain checks every anchor it is given.
//
// Storage is not this module's job: the caller stores AuditEntry fields as they are and gives
// them back in sequence order. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/value.h"

namespace tc::audit {

// The prev_hash of the first entry.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct AuditEntry {
  int64_t sequence = 0;    // 1, 2, 3, ... without gaps
  std::string prev_hash;   // hex
  std::string hash;        // hex
  std::string event_json;  // the AuditEvent, canonical JSON as written by NextEntry

  friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

// The hash of an entry with these fields (`canonical_event` already canonical).
std::string EntryHash(int64_t sequence, std::string_view prev_hash,
                      std::string_view canonical_event);

// The entry that follows `previous` (nullptr for the first entry of a log) recording `event`.
AuditEntry NextEntry(const AuditEntry* previous, const fhir::Value& event);

// A whole chain for `events`, in order, starting at sequence 1.
std::vector<AuditEntry> BuildChain(std::span<const fhir::Value> events);

struct ChainAnchor {
  int64_t sequence = 0;
  std::string hash;
};

struct VerifyOptions {
  // To verify a slice of a longer log: the sequence of its first entry and the hash of the
  // entry before it.
  int64_t first_sequence = 1;
  std::string first_prev_hash = std::string(kGenesisHash);
  std::vector<ChainAnchor> anchors;
};

enum class ChainProblem {
  kNone,
  kMalformed,  // the stored event is not JSON
  kAltered,    // an entry's content or fields changed (its hash or the next link no longer fits)
  kRemoved,    // a sequence number is missing
  kReordered,  // entries are out of sequence order, or a sequence number appears twice
  kTruncated,  // an anchor names an entry beyond the end of the log
  kAnchorMismatch,  // an anchored entry's hash differs: the log was rewritten at or before it
};

// "ok", "malformed", "altered", "removed", "reordered", "truncated", "anchor-mismatch".
std::string_view ChainProblemId(ChainProblem problem);

struct ChainReport {
  ChainProblem problem = ChainProblem::kNone;
  // The sequence number of the first entry found altered, removed or out of order.
  std::optional<int64_t> first_bad_sequence;
  int64_t entries_checked = 0;  // entries verified good before the first problem
  std::string detail;           // plain English for `throughcare audit verify`

  bool ok() const { return problem == ChainProblem::kNone; }
};

// Verifies `entries` (in the order stored, expected to be ascending sequence) and reports the
// first problem. Checks, per entry: the sequence is the next one (else removed or reordered —
// reordered when the missing number appears later); the event is JSON; the stored hash equals
// the hash recomputed from the canonical form of the stored event with the stored prev_hash
// (else altered); the prev_hash equals the previous entry's hash (else the previous entry was
// rewritten consistently with itself: altered, at the previous sequence). Then every anchor.
ChainReport VerifyChain(std::span<const AuditEntry> entries, const VerifyOptions& options = {});

}  // namespace tc::audit
