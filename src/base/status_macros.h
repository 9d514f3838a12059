// File: base/status_macros.h
//
// Early-return helpers for absl::Status / absl::StatusOr, the error type used across every module
// boundary in Throughcare (DESIGN.md decision 7).
//
//   absl::StatusOr<Resource> Load(...) {
//     TC_ASSIGN_OR_RETURN(std::string bytes, store.Read(key));
//     TC_RETURN_IF_ERROR(Validate(bytes));
//     ...
//   }
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TC_STATUS_CONCAT_INNER(a, b) a##b
#define TC_STATUS_CONCAT(a, b) TC_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (an absl::Status); returns it from the enclosing function when not OK.
#define TC_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status tc_status_ = (expr);      \
    if (!tc_status_.ok()) return tc_status_; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, otherwise moves the
// value into `lhs` (which may be a declaration such as `auto x`).
#define TC_ASSIGN_OR_RETURN(lhs, rexpr) \
  TC_ASSIGN_OR_RETURN_IMPL(TC_STATUS_CONCAT(tc_statusor_, __LINE__), lhs, rexpr)
#define TC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                             \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
