#include "amaima/providers/json_fields.h"

#include <utility>

#include <boost/json/parse.hpp>

namespace amaima::providers {

namespace json = boost::json;

Error BadUpstream(std::string message) {
  return Fail(ErrorCode::kUnavailable, "UPSTREAM_BAD_RESPONSE", std::move(message));
}

std::string_view StringOr(const json::object& object, std::string_view key,
                          std::string_view fallback) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) {
    return fallback;
  }
  return {value->get_string().data(), value->get_string().size()};
}

std::int64_t IntOr(const json::object& object, std::string_view key, std::int64_t fallback) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_number()) {
    return fallback;
  }
  boost::system::error_code ec;
  const auto number = value->to_number<std::int64_t>(ec);
  return ec ? fallback : number;
}

const json::object* ObjectAt(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_object() ? &value->get_object() : nullptr;
}

const json::array* ArrayAt(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_array() ? &value->get_array() : nullptr;
}

json::value ParseOrNull(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  return ec ? json::value(nullptr) : value;
}

}  // namespace amaima::providers
