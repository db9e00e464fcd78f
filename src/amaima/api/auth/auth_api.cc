#include "amaima/api/auth/auth_api.h"

#include <boost/json.hpp>

#include "amaima/api/v1/query_request.h"
#include "amaima/core/run_blocking.h"
#include "amaima/http/server/error_mapping.h"

namespace amaima::api {
namespace {

namespace json = boost::json;
using http::HttpRequest;
using http::HttpResponse;

HttpResponse Json(int status, const json::value& body) {
  HttpResponse response;
  response.status = status;
  response.body = json::serialize(body);
  response.headers.emplace_back("cache-control", "no-store");
  return response;
}

json::object UserJson(const storage::StoredUser& user) {
  json::object out{{"user_id", user.user_id},
                   {"org_id", user.org_id},
                   {"email", user.email},
                   {"role", RoleName(user.role)},
                   {"created_at_ms", user.created_at_ms},
                   {"disabled_at_ms", nullptr}};
  if (user.disabled_at_ms) {
    out["disabled_at_ms"] = *user.disabled_at_ms;
  }
  return out;
}

HttpResponse TokensResponse(const governance::IssuedTokens& tokens) {
  return Json(200, json::object{{"access_token", tokens.access_token},
                                {"token_type", "Bearer"},
                                {"expires_in", tokens.access_expires_in_s},
                                {"refresh_token", tokens.refresh_token},
                                {"refresh_expires_in", tokens.refresh_expires_in_s},
                                {"user", UserJson(tokens.user)}});
}

// An error answer; a throttled login also says when to retry.
HttpResponse ErrorAnswer(const Error& error, const HttpRequest& request) {
  HttpResponse response = http::ErrorResponse(error, request.request_id);
  for (const auto& [key, value] : error.details) {
    if (key == "retry_after_s") {
      response.headers.emplace_back("retry-after", value);
    }
  }
  return response;
}

// A string field of `body`: required unless `optional`.
Result<std::string> StringField(const json::object& body, std::string_view field,
                                bool optional = false) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr || value->is_null()) {
    if (optional) {
      return std::string();
    }
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD",
                std::string(field) + " is required")
        .With("field", std::string(field));
  }
  if (!value->is_string()) {
    return InvalidTypeError(std::string(field), "a string");
  }
  return std::string(value->as_string());
}

// The bearer token of the request ("" when it has none).
std::string BearerToken(const HttpRequest& request) {
  const std::optional<std::string_view> authorization = request.Header("authorization");
  if (!authorization || authorization->size() < 7) {
    return {};
  }
  std::string_view token = authorization->substr(7);
  while (!token.empty() && token.front() == ' ') {
    token.remove_prefix(1);
  }
  return std::string(token);
}

}  // namespace

AuthApi::AuthApi(governance::Sessions& sessions, boost::asio::thread_pool& blocking_pool)
    : sessions_(sessions), pool_(blocking_pool) {}

void AuthApi::Register(http::RouteTable& routes) {
  routes.Add("POST", "/v1/auth/login", Permission::kPublic,
             [this](HttpRequest& r) { return Login(r); });
  routes.Add("POST", "/v1/auth/refresh", Permission::kPublic,
             [this](HttpRequest& r) { return Refresh(r); });
  routes.Add("POST", "/v1/auth/logout", Permission::kSession,
             [this](HttpRequest& r) { return Logout(r); });
  routes.Add("GET", "/v1/auth/me", Permission::kSession, [this](HttpRequest& r) { return Me(r); });
  routes.Add("GET", "/v1/admin/users", Permission::kManageUsers,
             [this](HttpRequest& r) { return ListUsers(r); });
  routes.Add("POST", "/v1/admin/users", Permission::kManageUsers,
             [this](HttpRequest& r) { return CreateUser(r); });
  routes.Add("DELETE", "/v1/admin/users/{id}", Permission::kManageUsers,
             [this](HttpRequest& r) { return DisableUser(r); });
}

boost::asio::awaitable<HttpResponse> AuthApi::Login(HttpRequest& request) {
  Result<json::object> body = ParseJsonObjectBody(request.body);
  if (!body) {
    co_return ErrorAnswer(body.error(), request);
  }
  Result<std::string> email = StringField(*body, "email");
  Result<std::string> password = StringField(*body, "password");
  if (!email || !password) {
    co_return ErrorAnswer(!email ? email.error() : password.error(), request);
  }
  governance::Sessions& sessions = sessions_;
  auto login = [&sessions, e = std::move(*email), p = std::move(*password),
                address = request.remote_address] {
    return sessions.Login(e, p, address);
  };
  Result<governance::IssuedTokens> tokens = co_await RunBlocking(pool_, login);
  if (!tokens) {
    co_return ErrorAnswer(tokens.error(), request);
  }
  co_return TokensResponse(*tokens);
}

boost::asio::awaitable<HttpResponse> AuthApi::Refresh(HttpRequest& request) {
  Result<json::object> body = ParseJsonObjectBody(request.body);
  if (!body) {
    co_return ErrorAnswer(body.error(), request);
  }
  Result<std::string> token = StringField(*body, "refresh_token");
  if (!token) {
    co_return ErrorAnswer(token.error(), request);
  }
  governance::Sessions& sessions = sessions_;
  auto refresh = [&sessions, t = std::move(*token)] {
    return sessions.Refresh(t);
  };
  Result<governance::IssuedTokens> tokens = co_await RunBlocking(pool_, refresh);
  if (!tokens) {
    co_return ErrorAnswer(tokens.error(), request);
  }
  co_return TokensResponse(*tokens);
}

boost::asio::awaitable<HttpResponse> AuthApi::Logout(HttpRequest& request) {
  std::string refresh_token;
  if (!request.body.empty()) {
    Result<json::object> body = ParseJsonObjectBody(request.body);
    if (!body) {
      co_return ErrorAnswer(body.error(), request);
    }
    Result<std::string> token = StringField(*body, "refresh_token", /*optional=*/true);
    if (!token) {
      co_return ErrorAnswer(token.error(), request);
    }
    refresh_token = std::move(*token);
  }
  governance::Sessions& sessions = sessions_;
  auto logout = [&sessions, caller = request.principal, access = BearerToken(request),
                 refresh = std::move(refresh_token)] {
    return sessions.Logout(caller, access, refresh);
  };
  Status done = co_await RunBlocking(pool_, logout);
  if (!done) {
    co_return ErrorAnswer(done.error(), request);
  }
  HttpResponse response;
  response.status = 204;
  response.content_type.clear();
  co_return response;
}

boost::asio::awaitable<HttpResponse> AuthApi::Me(HttpRequest& request) {
  const Principal& caller = request.principal;
  json::object out{
      {"subject", caller.Subject()},
      {"org_id", caller.Org()},
      {"role", RoleName(caller.role)},
      {"user_id", caller.user_id.empty() ? json::value() : json::value(caller.user_id)},
      {"key_id", caller.key_id.empty() ? json::value() : json::value(caller.key_id)},
      {"execution_allowed", caller.execution_allowed}};
  json::array permissions;
  for (const Permission permission : kAllPermissions) {
    if (RoleAllows(caller.role, permission)) {
      permissions.emplace_back(PermissionName(permission));
    }
  }
  out["permissions"] = std::move(permissions);
  co_return Json(200, out);
}

boost::asio::awaitable<HttpResponse> AuthApi::ListUsers(HttpRequest& request) {
  governance::Sessions& sessions = sessions_;
  auto list = [&sessions, actor = request.principal,
               org = request.QueryParam("org_id").value_or("")] {
    return sessions.ListUsers(actor, org);
  };
  Result<std::vector<storage::StoredUser>> users = co_await RunBlocking(pool_, list);
  if (!users) {
    co_return ErrorAnswer(users.error(), request);
  }
  json::array data;
  for (const storage::StoredUser& user : *users) {
    data.emplace_back(UserJson(user));
  }
  co_return Json(200, json::object{{"data", std::move(data)}});
}

boost::asio::awaitable<HttpResponse> AuthApi::CreateUser(HttpRequest& request) {
  Result<json::object> body = ParseJsonObjectBody(request.body);
  if (!body) {
    co_return ErrorAnswer(body.error(), request);
  }
  Result<std::string> org = StringField(*body, "org_id", /*optional=*/true);
  Result<std::string> email = StringField(*body, "email");
  Result<std::string> password = StringField(*body, "password");
  Result<std::string> role_name = StringField(*body, "role", /*optional=*/true);
  if (!org || !email || !password || !role_name) {
    const Error& error = !org        ? org.error()
                         : !email    ? email.error()
                         : !password ? password.error()
                                     : role_name.error();
    co_return ErrorAnswer(error, request);
  }
  governance::NewUser user;
  user.org_id = org->empty() ? request.principal.Org() : *org;
  user.email = std::move(*email);
  user.password = std::move(*password);
  if (!role_name->empty()) {
    const std::optional<Role> role = ParseRole(*role_name);
    if (!role) {
      co_return ErrorAnswer(Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                                 "role must be admin, user or viewer")
                                .With("field", "role"),
                            request);
    }
    user.role = *role;
  }
  governance::Sessions& sessions = sessions_;
  auto create = [&sessions, actor = request.principal, u = std::move(user)]() mutable {
    return sessions.CreateUser(actor, std::move(u));
  };
  Result<storage::StoredUser> created = co_await RunBlocking(pool_, create);
  if (!created) {
    co_return ErrorAnswer(created.error(), request);
  }
  co_return Json(201, UserJson(*created));
}

boost::asio::awaitable<HttpResponse> AuthApi::DisableUser(HttpRequest& request) {
  governance::Sessions& sessions = sessions_;
  auto disable = [&sessions, actor = request.principal, id = std::string(request.PathParam("id"))] {
    return sessions.DisableUser(actor, id);
  };
  Result<storage::StoredUser> user = co_await RunBlocking(pool_, disable);
  if (!user) {
    co_return ErrorAnswer(user.error(), request);
  }
  co_return Json(200, UserJson(*user));
}

}  // namespace amaima::api
