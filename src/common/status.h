// Status: the outcome of an operation that can fail in an expected way (bad input, network,
// constraint). Carries a coarse category, a stable machine-readable error code such as
// "dns_not_found" or "invalid_cron", a human message, an optional input field and whether a
// retry may help. Value type; copying is cheap enough for error paths. Not synchronised.
#pragma once

#include <string>
#include <string_view>

namespace leadscan::common {

enum class StatusCode {
  kOk,
  kInvalidArgument,    // bad input from a user: HTTP 400
  kUnauthenticated,    // HTTP 401
  kPermissionDenied,   // HTTP 403
  kNotFound,           // HTTP 404
  kConflict,           // HTTP 409: state does not allow the operation
  kPayloadTooLarge,    // HTTP 413
  kResourceExhausted,  // HTTP 429 or a local limit
  kUnavailable,        // remote side failed; often transient
  kDeadlineExceeded,   // a time budget ran out
  kCancelled,          // stopped on purpose
  kIoError,            // local file or database failure
  kInternal,           // a bug or an impossible state
};

class [[nodiscard]] Status {
 public:
  Status() = default;

  static Status Ok() { return Status(); }

  // error_code is the stable snake_case code clients and tests compare against.
  static Status Error(StatusCode code, std::string error_code, std::string message,
                      bool retryable = false) {
    Status s;
    s.code_ = code;
    s.error_code_ = std::move(error_code);
    s.message_ = std::move(message);
    s.retryable_ = retryable;
    return s;
  }

  static Status InvalidArgument(std::string error_code, std::string message,
                                std::string field = {}) {
    Status s = Error(StatusCode::kInvalidArgument, std::move(error_code), std::move(message));
    s.field_ = std::move(field);
    return s;
  }

  static Status NotFound(std::string message) {
    return Error(StatusCode::kNotFound, "not_found", std::move(message));
  }

  static Status Conflict(std::string error_code, std::string message) {
    return Error(StatusCode::kConflict, std::move(error_code), std::move(message));
  }

  static Status IoError(std::string message) {
    return Error(StatusCode::kIoError, "io_error", std::move(message));
  }

  static Status Internal(std::string message) {
    return Error(StatusCode::kInternal, "internal", std::move(message));
  }

  static Status Cancelled(std::string message = "cancelled") {
    return Error(StatusCode::kCancelled, "cancelled", std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }

  StatusCode code() const { return code_; }

  const std::string& error_code() const { return error_code_; }

  const std::string& message() const { return message_; }

  const std::string& field() const { return field_; }

  bool retryable() const { return retryable_; }

  Status WithField(std::string field) const {
    Status s = *this;
    s.field_ = std::move(field);
    return s;
  }

  // "error_code: message" or "OK".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  bool retryable_ = false;
  std::string error_code_;
  std::string message_;
  std::string field_;
};

std::string_view StatusCodeName(StatusCode code);

}  // namespace leadscan::common

// Returns early from the enclosing function when `expr` yields a non-ok Status.
#define LEADSCAN_RETURN_IF_ERROR(expr)               \
  do {                                               \
    ::leadscan::common::Status _leadscan_s = (expr); \
    if (!_leadscan_s.ok())                           \
      return _leadscan_s;                            \
  } while (false)
