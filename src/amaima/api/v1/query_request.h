#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "amaima/core/result.h"
#include "amaima/routing/router.h"

namespace amaima::api {

// A parsed POST /v1/simulate or /v1/query body.
struct QueryRequest {
  routing::RouteRequest route{};
  bool stream{false};
  bool has_messages{false};  // The body is OpenAI-style {"messages": [...]}.
};

// Parses `body` as JSON. Errors (kInvalidArgument) carry the reason
// VALIDATION_INVALID_JSON and the byte offset.
Result<boost::json::value> ParseJsonBody(std::string_view body);

// Parses `body` as a JSON object: ParseJsonBody's errors, and VALIDATION_INVALID_TYPE
// (field "$") for any other JSON value.
Result<boost::json::object> ParseJsonObjectBody(std::string_view body);

// The VALIDATION_INVALID_TYPE error: `field` must be `expected` ("an integer", ...).
Error InvalidTypeError(std::string field, std::string_view expected);

// Parses a query request: {"query": "..."} or OpenAI-style {"messages": [...]},
// with optional "model" ("auto" or a catalog name), "max_cost_usd",
// "max_latency_ms", "max_tokens", "tools", "response_format", "stream".
// Unknown fields are ignored (OpenAI clients send many); known fields are
// type-checked. Every error names the field in details.field, with reasons
// VALIDATION_INVALID_JSON, VALIDATION_INVALID_TYPE, VALIDATION_MISSING_FIELD,
// VALIDATION_INVALID_VALUE or VALIDATION_CONFLICTING_FIELDS.
Result<QueryRequest> ParseQueryRequest(std::string_view body);

// As ParseQueryRequest(), from a body already parsed into an object.
Result<QueryRequest> ReadQueryRequest(const boost::json::object& body);

// Parses {"decision_id": "<uuid>"} of POST /v1/execute; returns the id.
Result<std::string> ParseExecuteRequest(std::string_view body);

}  // namespace amaima::api
