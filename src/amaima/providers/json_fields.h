#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "amaima/core/result.h"

namespace amaima::providers {

// Lenient readers of upstream JSON, shared by the wire codecs: an upstream that omits a
// field or sends the wrong type gets the fallback, never an exception.

// kUnavailable, UPSTREAM_BAD_RESPONSE: the upstream spoke something else.
Error BadUpstream(std::string message);

// The string at `key`, or `fallback` when it is absent or not a string.
std::string_view StringOr(const boost::json::object& object, std::string_view key,
                          std::string_view fallback = {});

// The integer at `key`, or `fallback` when it is absent or not an integral number.
std::int64_t IntOr(const boost::json::object& object, std::string_view key,
                   std::int64_t fallback = 0);

// The object or array at `key`, or null.
const boost::json::object* ObjectAt(const boost::json::object& object, std::string_view key);
const boost::json::array* ArrayAt(const boost::json::object& object, std::string_view key);

// Parses `text` without throwing; null when it is not JSON.
boost::json::value ParseOrNull(std::string_view text);

}  // namespace amaima::providers
