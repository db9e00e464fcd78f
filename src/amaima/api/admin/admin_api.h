#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "amaima/governance/governance.h"
#include "amaima/http/server/http_types.h"
#include "amaima/http/server/route_table.h"

namespace amaima::api {

// The administrative surface (DESIGN.md §8): organisations and their execution switch, API
// keys, and the audit trail.
//   GET  /v1/admin/orgs                        POST /v1/admin/orgs {"org_id", "name"}
//   PUT  /v1/admin/orgs/{id}/execution-mode    {"execution_mode": "decision-only" |
//                                               "execution-enabled" | "inherit"}
//   GET  /v1/admin/keys[?org_id=]              POST /v1/admin/keys {"org_id", "name", "role",
//                                               "expires_at" (RFC 3339 or ms), "scopes"}
//   DELETE /v1/admin/keys/{id}
//   GET  /v1/audit?org_id=&actor=&action=&since=&until=&limit=&cursor=
//   GET  /v1/admin/routes                      every route with the permission it needs
// Store calls run on the blocking pool.
//
// @par Thread Safety
// Thread-safe; everything is borrowed and must outlive the routes.
class AdminApi {
 public:
  AdminApi(governance::Governance& governance, boost::asio::thread_pool& blocking_pool);

  void Register(http::RouteTable& routes);

  boost::asio::awaitable<http::HttpResponse> ListOrgs(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> CreateOrg(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> SetExecutionMode(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> ListKeys(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> CreateKey(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> RevokeKey(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> ListAudit(http::HttpRequest& request);
  boost::asio::awaitable<http::HttpResponse> ListRoutes(http::HttpRequest& request);

 private:
  governance::Governance& governance_;
  boost::asio::thread_pool& pool_;
  const http::RouteTable* routes_{nullptr};
};

}  // namespace amaima::api
