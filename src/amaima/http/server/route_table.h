#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "amaima/http/server/http_types.h"

namespace amaima::http {

// Maps (method, path) to a handler. Patterns are literal segments and `{name}`
// placeholders ("/v1/decisions/{id}"). Built at start-up, then read-only.
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
    std::vector<std::pair<std::string, std::string>> params{};
    std::vector<std::string> allowed_methods{};  // Filled for kMethodNotAllowed.
  };

  void Add(std::string method, std::string pattern, Handler handler);

  // Finds the route for `method` and `path`. HEAD matches GET routes.
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method{};
    std::vector<std::string> segments{};
    std::string pattern{};
    Handler handler{};
  };

  std::vector<Route> routes_;
};

}  // namespace amaima::http
