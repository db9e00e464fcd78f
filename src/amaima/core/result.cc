#include "amaima/core/result.h"

#include <stdexcept>

namespace amaima {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

void throw_exception_from_error(const Error& error, const boost::source_location& location) {
  throw std::logic_error(std::string("Result::value() on an error (")
                         + std::string(ErrorCodeName(error.code)) + ": " + error.message + ") at "
                         + location.file_name() + ":" + std::to_string(location.line()));
}

}  // namespace amaima
