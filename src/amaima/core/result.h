#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

namespace amaima {

// Canonical failure categories (a subset of absl::StatusCode). Mapped to HTTP
// statuses and error-code families in exactly one place: http/server/error_mapping.cc.
enum class ErrorCode : std::uint8_t {
  kInvalidArgument,
  kUnauthenticated,
  kPermissionDenied,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kResourceExhausted,
  kUnavailable,
  kDeadlineExceeded,
  kCancelled,
  kInternal,
};

// Returns the stable lower-case name of `code` ("invalid_argument").
std::string_view ErrorCodeName(ErrorCode code);

// An expected failure. `reason` is the public, stable error code of the API
// ("VALIDATION_MISSING_FIELD"); when empty, the HTTP layer derives one from
// `code`. `details` are key/value pairs shown to the client (e.g. the field).
struct Error {
  ErrorCode code{ErrorCode::kInternal};
  std::string message{};
  std::string reason{};
  std::vector<std::pair<std::string, std::string>> details{};

  // Adds a detail and returns *this, for chaining at construction sites.
  Error&& With(std::string key, std::string value) && {
    details.emplace_back(std::move(key), std::move(value));
    return std::move(*this);
  }
};

// Calling value() on a Result holding an error is a bug: it throws std::logic_error.
// Boost fixes the name of this ADL hook.
[[noreturn]] void throw_exception_from_error(  // NOLINT(readability-identifier-naming)
    const Error& error, const boost::source_location& location);

// A T or an Error. [[nodiscard]] so that an ignored failure is a compiler warning.
// Replace the base with std::expected<T, Error> once the toolchain supports it.
template <typename T>
class [[nodiscard]] Result : public boost::system::result<T, Error> {
 public:
  using boost::system::result<T, Error>::result;
};

using Status = Result<void>;

inline Error Fail(ErrorCode code, std::string message) {
  return Error{code, std::move(message), {}, {}};
}

// Fails with a public reason code, e.g. Fail(kInvalidArgument, "VALIDATION_MISSING_FIELD", ...).
inline Error Fail(ErrorCode code, std::string reason, std::string message) {
  return Error{code, std::move(message), std::move(reason), {}};
}

}  // namespace amaima
