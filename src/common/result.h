// Result<T>: either a value or a non-ok Status (leveldb's Status plus a payload). Callers test
// ok() before touching value(). Not synchronised.
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "common/status.h"

namespace leadscan::common {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)

  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "Result built from an ok Status has no value");
    if (status_.ok())
      status_ = Status::Internal("Result built from an ok Status");
  }

  bool ok() const { return status_.ok(); }

  const Status& status() const { return status_; }

  T& value() & { return *value_; }

  const T& value() const& { return *value_; }

  T&& value() && { return std::move(*value_); }

  T* operator->() { return &*value_; }

  const T* operator->() const { return &*value_; }

  T& operator*() & { return *value_; }

  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace leadscan::common
