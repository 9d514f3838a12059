// File: store/sqlite/internal/sql_builder.h
//
// A SQL text under construction and its positional (`?`) arguments, in order: values never
// enter the SQL text, they are always bound.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/status_macros.h"
#include "store/sqlite/internal/connection.h"

namespace tc::store::sqlite_internal {

class SqlBuilder {
 public:
  SqlBuilder& Append(absl::string_view text) {
    sql_.append(text.data(), text.size());
    return *this;
  }
  // Appends a `?` placeholder bound to `value`.
  SqlBuilder& Arg(std::string value) {
    sql_.push_back('?');
    args_.emplace_back(std::move(value));
    return *this;
  }
  SqlBuilder& Arg(int64_t value) {
    sql_.push_back('?');
    args_.emplace_back(value);
    return *this;
  }
  // Appends a `?` placeholder bound to `bytes` as a BLOB.
  SqlBuilder& BlobArg(std::string bytes) {
    sql_.push_back('?');
    args_.emplace_back(Blob{std::move(bytes)});
    return *this;
  }
  SqlBuilder& Arg(double value) {
    sql_.push_back('?');
    args_.emplace_back(value);
    return *this;
  }
  const std::string& sql() const { return sql_; }
  size_t arg_count() const { return args_.size(); }

  // Prepares the SQL and binds the arguments. The statement refers to this builder's strings:
  // REQUIRES: the builder outlives the statement's execution and is not modified meanwhile.
  absl::StatusOr<Statement> Prepare(Connection& conn) const {
    TC_ASSIGN_OR_RETURN(Statement st, conn.Prepare(sql_));
    for (size_t i = 0; i < args_.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      if (const auto* s = std::get_if<std::string>(&args_[i])) {
        st.BindText(index, *s);
      } else if (const auto* blob = std::get_if<Blob>(&args_[i])) {
        st.BindBlob(index, blob->bytes);
      } else if (const auto* d = std::get_if<double>(&args_[i])) {
        st.BindDouble(index, *d);
      } else {
        st.BindInt64(index, std::get<int64_t>(args_[i]));
      }
    }
    return st;
  }

 private:
  struct Blob {
    std::string bytes;
  };
  std::string sql_;
  std::vector<std::variant<int64_t, double, std::string, Blob>> args_;
};

}  // namespace tc::store::sqlite_internal
