#include "amaima/api/admin/admin_api.h"

#include <cstdlib>

#include <boost/json.hpp>

#include "amaima/api/v1/query_request.h"
#include "amaima/core/run_blocking.h"
#include "amaima/http/server/error_mapping.h"

namespace amaima::api {
namespace {

namespace json = boost::json;
using http::HttpRequest;
using http::HttpResponse;

constexpr int kDefaultAuditPage = 50;
constexpr int kMaxAuditPage = 500;

HttpResponse Json(int status, const json::value& body) {
  HttpResponse response;
  response.status = status;
  response.body = json::serialize(body);
  return response;
}

json::object OrgJson(const storage::StoredOrg& org) {
  return {{"org_id", org.org_id},
          {"name", org.name},
          {"execution_mode", org.execution_mode.empty() ? "inherit" : org.execution_mode},
          {"created_at_ms", org.created_at_ms}};
}

json::object KeyJson(const storage::StoredApiKey& key) {
  json::array scopes;
  for (const std::string& scope : key.scopes) {
    scopes.emplace_back(scope);
  }
  json::object out{{"key_id", key.key_id},
                   {"org_id", key.org_id},
                   {"name", key.name},
                   {"role", RoleName(key.role)},
                   {"prefix", key.prefix},
                   {"scopes", std::move(scopes)},
                   {"created_at_ms", key.created_at_ms},
                   {"expires_at_ms", nullptr},
                   {"revoked_at_ms", nullptr}};
  if (key.expires_at_ms) {
    out["expires_at_ms"] = *key.expires_at_ms;
  }
  if (key.revoked_at_ms) {
    out["revoked_at_ms"] = *key.revoked_at_ms;
  }
  return out;
}

json::object AuditJson(const storage::AuditEntry& entry) {
  json::value details;
  boost::system::error_code ec;
  details = json::parse(entry.details_json, ec);
  if (ec) {
    details = entry.details_json;
  }
  return {{"seq", entry.seq},
          {"event_id", entry.event_id},
          {"created_at_ms", entry.created_at_ms},
          {"org_id", entry.org_id},
          {"actor", entry.actor},
          {"action", entry.action},
          {"target", entry.target},
          {"outcome", entry.outcome},
          {"details", std::move(details)},
          {"prev_hash", entry.prev_hash},
          {"row_hash", entry.row_hash}};
}

// An optional string field of `body`.
Result<std::string> OptionalString(const json::object& body, std::string_view field) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr || value->is_null()) {
    return std::string();
  }
  if (!value->is_string()) {
    return InvalidTypeError(std::string(field), "a string");
  }
  return std::string(value->as_string());
}

// A non-negative integer query parameter (milliseconds since the epoch); 0 when absent.
Result<std::int64_t> MillisParam(const HttpRequest& request, std::string_view name) {
  const std::optional<std::string> text = request.QueryParam(name);
  if (!text) {
    return 0;
  }
  char* end = nullptr;
  const long long value = std::strtoll(text->c_str(), &end, 10);  // NOLINT(google-runtime-int)
  if (text->empty() || end != text->c_str() + text->size() || value < 0) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                std::string(name) + " must be milliseconds since the Unix epoch")
        .With("field", std::string(name));
  }
  return static_cast<std::int64_t>(value);
}

}  // namespace

AdminApi::AdminApi(governance::Governance& governance, boost::asio::thread_pool& blocking_pool)
    : governance_(governance), pool_(blocking_pool) {}

void AdminApi::Register(http::RouteTable& routes) {
  routes.Add("GET", "/v1/admin/orgs", Permission::kManageOrg,
             [this](HttpRequest& r) { return ListOrgs(r); });
  routes.Add("POST", "/v1/admin/orgs", Permission::kManageOrg,
             [this](HttpRequest& r) { return CreateOrg(r); });
  routes.Add("PUT", "/v1/admin/orgs/{id}/execution-mode", Permission::kManageOrg,
             [this](HttpRequest& r) { return SetExecutionMode(r); });
  routes.Add("GET", "/v1/admin/keys", Permission::kManageKeys,
             [this](HttpRequest& r) { return ListKeys(r); });
  routes.Add("POST", "/v1/admin/keys", Permission::kManageKeys,
             [this](HttpRequest& r) { return CreateKey(r); });
  routes.Add("DELETE", "/v1/admin/keys/{id}", Permission::kManageKeys,
             [this](HttpRequest& r) { return RevokeKey(r); });
  routes.Add("GET", "/v1/audit", Permission::kReadAudit,
             [this](HttpRequest& r) { return ListAudit(r); });
  routes.Add("GET", "/v1/admin/routes", Permission::kManageOrg,
             [this](HttpRequest& r) { return ListRoutes(r); });
  routes_ = &routes;
}

boost::asio::awaitable<HttpResponse> AdminApi::ListOrgs(HttpRequest& request) {
  governance::Governance& governance = governance_;
  auto list = [&governance, actor = request.principal] {
    return governance.ListOrgs(actor);
  };
  Result<std::vector<storage::StoredOrg>> orgs = co_await RunBlocking(pool_, list);
  if (!orgs) {
    co_return http::ErrorResponse(orgs.error(), request.request_id);
  }
  json::array data;
  for (const storage::StoredOrg& org : *orgs) {
    data.emplace_back(OrgJson(org));
  }
  co_return Json(200, json::object{{"data", std::move(data)}});
}

boost::asio::awaitable<HttpResponse> AdminApi::CreateOrg(HttpRequest& request) {
  Result<json::object> body = ParseJsonObjectBody(request.body);
  if (!body) {
    co_return http::ErrorResponse(body.error(), request.request_id);
  }
  Result<std::string> org_id = OptionalString(*body, "org_id");
  Result<std::string> name = OptionalString(*body, "name");
  if (!org_id || !name) {
    co_return http::ErrorResponse(!org_id ? org_id.error() : name.error(), request.request_id);
  }
  if (org_id->empty()) {
    co_return http::ErrorResponse(
        Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD", "org_id is required")
            .With("field", "org_id"),
        request.request_id);
  }
  governance::Governance& governance = governance_;
  auto create = [&governance, actor = request.principal, id = *org_id, n = *name] {
    return governance.CreateOrg(actor, id, n);
  };
  Result<storage::StoredOrg> org = co_await RunBlocking(pool_, create);
  if (!org) {
    co_return http::ErrorResponse(org.error(), request.request_id);
  }
  co_return Json(201, OrgJson(*org));
}

boost::asio::awaitable<HttpResponse> AdminApi::SetExecutionMode(HttpRequest& request) {
  Result<json::object> body = ParseJsonObjectBody(request.body);
  if (!body) {
    co_return http::ErrorResponse(body.error(), request.request_id);
  }
  Result<std::string> mode = OptionalString(*body, "execution_mode");
  if (!mode) {
    co_return http::ErrorResponse(mode.error(), request.request_id);
  }
  if (mode->empty()) {
    co_return http::ErrorResponse(
        Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD", "execution_mode is required")
            .With("field", "execution_mode"),
        request.request_id);
  }
  if (*mode == "inherit") {
    mode->clear();
  }
  governance::Governance& governance = governance_;
  auto set = [&governance, actor = request.principal, org = std::string(request.PathParam("id")),
              m = *mode] {
    return governance.SetExecutionMode(actor, org, m);
  };
  Result<storage::StoredOrg> org = co_await RunBlocking(pool_, set);
  if (!org) {
    co_return http::ErrorResponse(org.error(), request.request_id);
  }
  co_return Json(200, OrgJson(*org));
}

boost::asio::awaitable<HttpResponse> AdminApi::ListKeys(HttpRequest& request) {
  governance::Governance& governance = governance_;
  auto list = [&governance, actor = request.principal,
               org = request.QueryParam("org_id").value_or("")] {
    return governance.ListKeys(actor, org);
  };
  Result<std::vector<storage::StoredApiKey>> keys = co_await RunBlocking(pool_, list);
  if (!keys) {
    co_return http::ErrorResponse(keys.error(), request.request_id);
  }
  json::array data;
  for (const storage::StoredApiKey& key : *keys) {
    data.emplace_back(KeyJson(key));
  }
  co_return Json(200, json::object{{"data", std::move(data)}});
}

boost::asio::awaitable<HttpResponse> AdminApi::CreateKey(HttpRequest& request) {
  Result<json::object> body = ParseJsonObjectBody(request.body);
  if (!body) {
    co_return http::ErrorResponse(body.error(), request.request_id);
  }
  governance::NewApiKey key;
  Result<std::string> org_id = OptionalString(*body, "org_id");
  Result<std::string> name = OptionalString(*body, "name");
  Result<std::string> role = OptionalString(*body, "role");
  for (const Result<std::string>* field : {&org_id, &name, &role}) {
    if (!*field) {
      co_return http::ErrorResponse(field->error(), request.request_id);
    }
  }
  key.org_id = *org_id;
  key.name = *name;
  const std::optional<Role> parsed_role = ParseRole(role->empty() ? "user" : *role);
  if (!parsed_role) {
    co_return http::ErrorResponse(Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                                       "role must be admin, user or viewer")
                                      .With("field", "role"),
                                  request.request_id);
  }
  key.role = *parsed_role;
  if (const json::value* expires = body->if_contains("expires_at_ms");
      expires != nullptr && !expires->is_null()) {
    if (!expires->is_int64()) {
      co_return http::ErrorResponse(InvalidTypeError("expires_at_ms", "an integer"),
                                    request.request_id);
    }
    key.expires_at_ms = expires->as_int64();
  }
  if (const json::value* scopes = body->if_contains("scopes"); scopes != nullptr) {
    if (!scopes->is_array()) {
      co_return http::ErrorResponse(InvalidTypeError("scopes", "an array of strings"),
                                    request.request_id);
    }
    for (const json::value& scope : scopes->as_array()) {
      if (!scope.is_string()) {
        co_return http::ErrorResponse(InvalidTypeError("scopes", "an array of strings"),
                                      request.request_id);
      }
      key.scopes.emplace_back(scope.as_string());
    }
  }
  governance::Governance& governance = governance_;
  auto create = [&governance, actor = request.principal, key] {
    return governance.CreateKey(actor, key);
  };
  Result<governance::CreatedApiKey> created = co_await RunBlocking(pool_, create);
  if (!created) {
    co_return http::ErrorResponse(created.error(), request.request_id);
  }
  json::object out = KeyJson(created->record);
  out["key"] = created->secret;  // The only time the secret is shown.
  co_return Json(201, out);
}

boost::asio::awaitable<HttpResponse> AdminApi::RevokeKey(HttpRequest& request) {
  governance::Governance& governance = governance_;
  auto revoke = [&governance, actor = request.principal,
                 id = std::string(request.PathParam("id"))] {
    return governance.RevokeKey(actor, id);
  };
  Result<storage::StoredApiKey> key = co_await RunBlocking(pool_, revoke);
  if (!key) {
    co_return http::ErrorResponse(key.error(), request.request_id);
  }
  co_return Json(200, KeyJson(*key));
}

boost::asio::awaitable<HttpResponse> AdminApi::ListAudit(HttpRequest& request) {
  int limit = kDefaultAuditPage;
  if (const auto text = request.QueryParam("limit")) {
    char* end = nullptr;
    const long value = std::strtol(text->c_str(), &end, 10);  // NOLINT(google-runtime-int)
    if (text->empty() || end != text->c_str() + text->size() || value < 1
        || value > kMaxAuditPage) {
      co_return http::ErrorResponse(
          Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
               "limit must be an integer from 1 to " + std::to_string(kMaxAuditPage))
              .With("field", "limit"),
          request.request_id);
    }
    limit = static_cast<int>(value);
  }
  storage::AuditFilter filter;
  filter.org_id = request.QueryParam("org_id").value_or("");
  filter.actor = request.QueryParam("actor").value_or("");
  filter.action = request.QueryParam("action").value_or("");
  Result<std::int64_t> since = MillisParam(request, "since");
  Result<std::int64_t> until = MillisParam(request, "until");
  if (!since || !until) {
    co_return http::ErrorResponse(!since ? since.error() : until.error(), request.request_id);
  }
  filter.since_ms = *since;
  filter.until_ms = *until;
  governance::Governance& governance = governance_;
  auto list = [&governance, actor = request.principal, filter, limit,
               cursor = request.QueryParam("cursor").value_or("")] {
    return governance.ListAudit(actor, filter, limit, cursor);
  };
  Result<storage::AuditPage> page = co_await RunBlocking(pool_, list);
  if (!page) {
    co_return http::ErrorResponse(page.error(), request.request_id);
  }
  json::array data;
  for (const storage::AuditEntry& entry : page->entries) {
    data.emplace_back(AuditJson(entry));
  }
  json::object out{{"data", std::move(data)}, {"next_cursor", nullptr}};
  if (!page->next_cursor.empty()) {
    out["next_cursor"] = page->next_cursor;
  }
  co_return Json(200, out);
}

boost::asio::awaitable<HttpResponse> AdminApi::ListRoutes(HttpRequest& /*request*/) {
  json::array data;
  for (const http::RouteTable::Declared& route : routes_->List()) {
    json::array roles;
    for (const Role role : kAllRoles) {
      if (RoleAllows(role, route.permission)) {
        roles.emplace_back(RoleName(role));
      }
    }
    data.emplace_back(json::object{{"method", route.method},
                                   {"pattern", route.pattern},
                                   {"permission", PermissionName(route.permission)},
                                   {"roles", std::move(roles)}});
  }
  co_return Json(200, json::object{{"data", std::move(data)}});
}

}  // namespace amaima::api
