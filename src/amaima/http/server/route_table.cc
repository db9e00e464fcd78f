#include "amaima/http/server/route_table.h"

#include <algorithm>

namespace amaima::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      slash = path.size();
    }
    if (slash > start) {
      segments.push_back(path.substr(start, slash - start));
    }
    start = slash + 1;
  }
  return segments;
}

}  // namespace

void RouteTable::Add(std::string method, std::string pattern, Permission permission,
                     Handler handler) {
  Route route;
  route.method = std::move(method);
  route.permission = permission;
  for (const std::string_view segment : SplitPath(pattern)) {
    route.segments.emplace_back(segment);
  }
  route.handler = std::move(handler);
  route.pattern = std::move(pattern);
  routes_.push_back(std::move(route));
}

void RouteTable::SetFallback(Permission permission, Handler handler) {
  Route route;
  route.method = "GET";
  route.pattern = "/*";
  route.permission = permission;
  route.handler = std::move(handler);
  fallback_ = std::move(route);
}

RouteTable::Match RouteTable::Find(std::string_view method, std::string_view path) const {
  Match result;
  const std::vector<std::string_view> segments = SplitPath(path);
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) {
      continue;
    }
    std::vector<std::pair<std::string, std::string>> params;
    bool matches = true;
    for (std::size_t i = 0; i < segments.size() && matches; ++i) {
      const std::string& pattern = route.segments[i];
      if (pattern.size() > 2 && pattern.front() == '{' && pattern.back() == '}') {
        params.emplace_back(pattern.substr(1, pattern.size() - 2), std::string(segments[i]));
      } else {
        matches = pattern == segments[i];
      }
    }
    if (!matches) {
      continue;
    }
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      result.status = MatchStatus::kFound;
      result.handler = &route.handler;
      result.pattern = &route.pattern;
      result.permission = route.permission;
      result.params = std::move(params);
      return result;
    }
    if (std::find(result.allowed_methods.begin(), result.allowed_methods.end(), route.method)
        == result.allowed_methods.end()) {
      result.allowed_methods.push_back(route.method);
    }
    result.status = MatchStatus::kMethodNotAllowed;
  }
  if (result.status == MatchStatus::kNotFound && fallback_
      && (method == "GET" || method == "HEAD")) {
    result.status = MatchStatus::kFound;
    result.handler = &fallback_->handler;
    result.pattern = &fallback_->pattern;
    result.permission = fallback_->permission;
  }
  return result;
}

std::vector<RouteTable::Declared> RouteTable::List() const {
  std::vector<Declared> out;
  out.reserve(routes_.size());
  for (const Route& route : routes_) {
    out.push_back({route.method, route.pattern, route.permission});
  }
  return out;
}

}  // namespace amaima::http
