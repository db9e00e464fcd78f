#include "amaima/http/server/error_mapping.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace amaima::http {

int HttpStatusFor(const Error& error) {
  if (error.reason == "BUDGET_EXCEEDED") {
    return 402;  // A spending cap, not a rate: retrying soon does not help (429 would say so).
  }
  if (error.reason == "SYSTEM_METHOD_NOT_ALLOWED") {
    return 405;
  }
  if (error.reason == "VALIDATION_PAYLOAD_TOO_LARGE") {
    return 413;
  }
  if (error.reason == "VALIDATION_UNSUPPORTED_MEDIA_TYPE") {
    return 415;
  }
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 422;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kCancelled:
      return 499;
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDeadlineExceeded:
      return 504;
  }
  return 500;
}

std::string_view PublicCode(const Error& error) {
  if (!error.reason.empty()) {
    return error.reason;
  }
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return "VALIDATION_ERROR";
    case ErrorCode::kUnauthenticated:
      return "AUTH_REQUIRED";
    case ErrorCode::kPermissionDenied:
      return "AUTH_FORBIDDEN";
    case ErrorCode::kNotFound:
      return "QUERY_NOT_FOUND";
    case ErrorCode::kAlreadyExists:
      return "QUERY_CONFLICT";
    case ErrorCode::kFailedPrecondition:
      return "QUERY_FAILED_PRECONDITION";
    case ErrorCode::kResourceExhausted:
      return "SYSTEM_RESOURCE_EXHAUSTED";
    case ErrorCode::kCancelled:
      return "SYSTEM_CANCELLED";
    case ErrorCode::kInternal:
      return "SYSTEM_INTERNAL_ERROR";
    case ErrorCode::kUnavailable:
      return "SYSTEM_UNAVAILABLE";
    case ErrorCode::kDeadlineExceeded:
      return "SYSTEM_TIMEOUT";
  }
  return "SYSTEM_INTERNAL_ERROR";
}

HttpResponse ErrorResponse(const Error& error, std::string_view request_id) {
  boost::json::object details;
  for (const auto& [key, value] : error.details) {
    // Repeated keys (several violated constraints) become arrays.
    if (auto* existing = details.if_contains(key)) {
      if (!existing->is_array()) {
        boost::json::array values;
        values.push_back(std::move(*existing));
        *existing = std::move(values);
      }
      existing->as_array().emplace_back(value);
    } else {
      details[key] = value;
    }
  }
  boost::json::object body;
  body["error"] = boost::json::object{{"code", PublicCode(error)},
                                      {"message", error.message},
                                      {"details", std::move(details)},
                                      {"request_id", request_id}};
  HttpResponse response;
  response.status = HttpStatusFor(error);
  response.body = boost::json::serialize(body);
  return response;
}

}  // namespace amaima::http
