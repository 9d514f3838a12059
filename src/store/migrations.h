// File: store/migrations.h
//
// Schema changes are numbered migrations (DESIGN.md decision 3). Each backend keeps its own
// ordered list of SQL scripts in code, applies the ones a database has not seen yet at open (one
// transaction each) and records them in `schema_migrations(version, name, applied_at)`. A
// migration, once released, is never edited: a change is a new migration with the next number.
//
//   constexpr Migration kMigrations[] = {
//       {1, "0001_initial", "CREATE TABLE ...;"},
//       {2, "0002_more_indexes", "CREATE INDEX ...;"},
//   };
//   TC_RETURN_IF_ERROR(ValidateMigrations(kMigrations));
//
// This header is backend-neutral: it holds the list's shape and its rules, not how a dialect
// runs SQL.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace tc::store {

// One schema migration. A plain value; refers to static text (string literals).
struct Migration {
  int64_t version = 0;    // 1, 2, 3 … in list order, without gaps
  std::string_view name;  // "0001_initial": zero-padded version, underscore, short description
  std::string_view sql;   // one or more statements, run in one transaction
};

// Returns OK when `migrations` is a well-formed list: versions are 1, 2, …, N in order, every
// name is non-empty and starts with the version zero-padded to four digits followed by '_', and
// every script is non-empty. Otherwise InvalidArgument naming the first offending entry.
absl::Status ValidateMigrations(absl::Span<const Migration> migrations);

}  // namespace tc::store
