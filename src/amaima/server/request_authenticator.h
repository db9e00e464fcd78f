#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "amaima/governance/api_keys.h"
#include "amaima/http/server/http_types.h"

namespace amaima::server {

// The credential a request carries, in this order: `Authorization: Bearer <key>`,
// `x-api-key: <key>` (Anthropic's SDK), or `?token=<key>` on a WebSocket upgrade (browsers
// cannot set headers there). Empty when there is none.
std::string_view RequestCredential(const http::HttpRequest& request, std::string& storage);

// The server's http::Authenticator: resolves the request's API key through `keys`, from the
// cache on the I/O thread or on `pool` on a miss.
boost::asio::awaitable<Result<Principal>> AuthenticateRequest(governance::ApiKeyAuthenticator& keys,
                                                              boost::asio::thread_pool& pool,
                                                              const http::HttpRequest& request);

}  // namespace amaima::server
