#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "amaima/governance/sessions.h"
#include "amaima/http/server/http_types.h"
#include "amaima/http/server/route_table.h"

namespace amaima::api {

// Users' sessions and their administration (DESIGN.md §8):
//   POST /v1/auth/login    {"email", "password"}      public, throttled per email and address
//   POST /v1/auth/refresh  {"refresh_token"}          public; rotates the refresh token
//   POST /v1/auth/logout   {"refresh_token"?}         the session's access token, revoked
//   GET  /v1/auth/me                                  who the credential is
//   GET  /v1/admin/users[?org_id=]   POST /v1/admin/users {"org_id", "email", "password", "role"}
//   DELETE /v1/admin/users/{id}                       disables the user, ends their sessions
// Logins and refreshes answer {"access_token", "token_type": "Bearer", "expires_in",
// "refresh_token", "refresh_expires_in", "user"}. Argon2id and the stores run on the blocking
// pool.
//
// @par Thread Safety
// Thread-safe; everything is borrowed and must outlive the routes.
class AuthApi {
 public:
  AuthApi(governance::Sessions& sessions, boost::asio::thread_pool& blocking_pool);

  void Register(http::RouteTable& routes);

  boost::asio::awaitable<http::HttpResponse> Login(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Refresh(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Logout(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> Me(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> ListUsers(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> CreateUser(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> DisableUser(http::HttpRequest& request);

 private:
  governance::Sessions& sessions_;
  boost::asio::thread_pool& pool_;
};

}  // namespace amaima::api
