#pragma once

#include <string_view>

#include "amaima/core/result.h"
#include "amaima/http/server/http_types.h"

namespace amaima::http {

// The one place where failures become HTTP statuses and the error JSON of
// DESIGN.md §7: {"error": {"code", "message", "details", "request_id"}}.

// Returns the HTTP status for `error`: by its public reason for the statuses that
// have no canonical code (402 BUDGET_EXCEEDED, 405, 413, 415), else by its canonical code.
int HttpStatusFor(const Error& error);

// Returns the public code: `error.reason`, or one derived from the canonical code.
std::string_view PublicCode(const Error& error);

// Builds the error response (status, JSON body, x-request-id header).
HttpResponse ErrorResponse(const Error& error, std::string_view request_id);

}  // namespace amaima::http
