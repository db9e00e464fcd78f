#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/access.h"
#include "amaima/http/server/http_types.h"

namespace amaima::http {

// Maps (method, path) to a handler. Patterns are literal segments and `{name}`
// placeholders ("/v1/decisions/{id}"). Every route declares the permission a caller needs
// (default deny: there is no route without one). Built at start-up, then read-only.
//
// @par Thread Safety
// Add() before serving; Match() is const and thread-safe afterwards.
class RouteTable {
 public:
  enum class MatchStatus { kFound, kMethodNotAllowed, kNotFound };

  struct Match {
    MatchStatus status{MatchStatus::kNotFound};
    const Handler* handler{nullptr};
    const std::string* pattern{nullptr};  // The matched route's pattern, "/v1/decisions/{id}".
    Permission permission{Permission::kManageOrg};
    std::vector<std::pair<std::string, std::string>> params{};
    std::vector<std::string> allowed_methods{};  // Filled for kMethodNotAllowed.
  };

  // What a route declares, for listings and the route x role test.
  struct Declared {
    std::string method{};
    std::string pattern{};
    Permission permission{};
  };

  void Add(std::string method, std::string pattern, Permission permission, Handler handler);

  // The handler of GET and HEAD requests that no route matches (the web console's files and
  // its client-side paths). Find() reports it with the pattern "/*". Not part of List().
  void SetFallback(Permission permission, Handler handler);

  // Every route, in the order added.
  std::vector<Declared> List() const;

  // Finds the route for `method` and `path`. HEAD matches GET routes.
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method{};
    std::vector<std::string> segments{};
    std::string pattern{};
    Permission permission{};
    Handler handler{};
  };

  std::vector<Route> routes_;
  std::optional<Route> fallback_;
};

}  // namespace amaima::http
