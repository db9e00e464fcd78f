#pragma once

#include <string>
#include <string_view>

#include "amaima/core/result.h"
#include "amaima/http/client/http_client.h"
#include "amaima/http/client/url.h"

namespace amaima::http {

// The request line and header block of an HTTP/1.1 request, ready to send.
struct RequestHead {
  std::string text{};
  bool close{false};  // The request asked for Connection: close.
};

// Encodes the head of `request` for `url`: Host (unless the request sets one),
// User-Agent (unless set or `user_agent` is empty), the request's headers in
// order, and Content-Length when there is a body or the method usually has one.
// Fails with kInvalidArgument (UPSTREAM_INVALID_REQUEST) for a method or header
// name that is not a token, a value with CR, LF or NUL, or a Content-Length or
// Transfer-Encoding header (the client frames the body itself).
Result<RequestHead> EncodeRequestHead(const ClientRequest& request, const Url& url,
                                      std::string_view user_agent);

// Whether a request with `method` may be sent again after a pooled connection
// failed before any response byte arrived: idempotent methods and POST.
bool MayRetryOnFreshConnection(std::string_view method);

}  // namespace amaima::http
