#include "test/support/fake_provider/fake_rule.h"

#include <limits>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace amaima::testing {

namespace json = boost::json;

namespace {

Error Invalid(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, std::move(message));
}

Status ReadString(const json::value& value, std::string_view key, std::string& out) {
  if (!value.is_string()) {
    return Invalid("\"" + std::string(key) + "\" must be a string");
  }
  out = std::string(value.get_string());
  return {};
}

Status ReadInt(const json::value& value, std::string_view key, int& out) {
  if (!value.is_int64() && !value.is_uint64()) {
    return Invalid("\"" + std::string(key) + "\" must be an integer");
  }
  const std::int64_t number = value.to_number<std::int64_t>();
  if (number < std::numeric_limits<int>::min() || number > std::numeric_limits<int>::max()) {
    return Invalid("\"" + std::string(key) + "\" is out of range");
  }
  out = static_cast<int>(number);
  return {};
}

Status ReadBool(const json::value& value, std::string_view key, bool& out) {
  if (!value.is_bool()) {
    return Invalid("\"" + std::string(key) + "\" must be a boolean");
  }
  out = value.get_bool();
  return {};
}

Status ReadMillis(const json::value& value, std::string_view key, std::chrono::milliseconds& out) {
  int millis = 0;
  if (Status read = ReadInt(value, key, millis); !read) {
    return read;
  }
  if (millis < 0) {
    return Invalid("\"" + std::string(key) + "\" must not be negative");
  }
  out = std::chrono::milliseconds(millis);
  return {};
}

Status ReadToolCall(const json::value& value, FakeToolCall& out) {
  if (!value.is_object()) {
    return Invalid("\"tool_call\" must be an object");
  }
  for (const auto& [key, field] : value.get_object()) {
    if (key == "name") {
      if (Status read = ReadString(field, key, out.name); !read) {
        return read;
      }
    } else if (key == "id") {
      if (Status read = ReadString(field, key, out.id); !read) {
        return read;
      }
    } else if (key == "arguments") {
      if (field.is_string()) {
        out.arguments_json = std::string(field.get_string());
      } else if (field.is_object()) {
        out.arguments_json = json::serialize(field);
      } else {
        return Invalid("\"tool_call.arguments\" must be an object or a string");
      }
    } else {
      return Invalid("unknown field \"tool_call." + std::string(key) + "\"");
    }
  }
  return {};
}

Status ReadHeaders(const json::value& value, FakeRule& rule) {
  if (!value.is_object()) {
    return Invalid("\"headers\" must be an object of strings");
  }
  for (const auto& [name, header] : value.get_object()) {
    if (!header.is_string()) {
      return Invalid("header \"" + std::string(name) + "\" must be a string");
    }
    rule.headers.emplace_back(std::string(name), std::string(header.get_string()));
  }
  return {};
}

// Reads the fields that describe the answer and the filters.
Result<bool> ReadAnswerField(std::string_view key, const json::value& field, FakeRule& rule) {
  Status read{};
  if (key == "path") {
    read = ReadString(field, key, rule.path);
  } else if (key == "model") {
    read = ReadString(field, key, rule.model);
  } else if (key == "nth") {
    read = ReadInt(field, key, rule.nth);
  } else if (key == "times") {
    read = ReadInt(field, key, rule.times);
  } else if (key == "status") {
    read = ReadInt(field, key, rule.status);
  } else if (key == "error_type") {
    read = ReadString(field, key, rule.error_type);
  } else if (key == "error_message") {
    read = ReadString(field, key, rule.error_message);
  } else if (key == "retry_after") {
    if (field.is_int64() || field.is_uint64()) {
      rule.retry_after = std::to_string(field.to_number<std::int64_t>());
    } else {
      read = ReadString(field, key, rule.retry_after);
    }
  } else if (key == "headers") {
    read = ReadHeaders(field, rule);
  } else if (key == "text") {
    std::string text;
    read = ReadString(field, key, text);
    rule.text = std::move(text);
  } else if (key == "chunks") {
    read = ReadInt(field, key, rule.chunks);
  } else if (key == "tool_call") {
    FakeToolCall call;
    read = ReadToolCall(field, call);
    rule.tool_call = std::move(call);
  } else if (key == "finish_reason") {
    read = ReadString(field, key, rule.finish_reason);
  } else if (key == "prompt_tokens") {
    read = ReadInt(field, key, rule.prompt_tokens);
  } else if (key == "completion_tokens") {
    read = ReadInt(field, key, rule.completion_tokens);
  } else if (key == "raw_body") {
    std::string body;
    read = ReadString(field, key, body);
    rule.raw_body = std::move(body);
  } else if (key == "content_type") {
    read = ReadString(field, key, rule.content_type);
  } else if (key == "dimensions") {
    read = ReadInt(field, key, rule.dimensions);
  } else {
    return false;
  }
  if (!read) {
    return read.error();
  }
  return true;
}

// Reads the fault fields.
Result<bool> ReadFaultField(std::string_view key, const json::value& field, FakeRule& rule) {
  Status read{};
  if (key == "delay_ms") {
    read = ReadMillis(field, key, rule.delay);
  } else if (key == "chunk_delay_ms") {
    read = ReadMillis(field, key, rule.chunk_delay);
  } else if (key == "reset_before_headers") {
    read = ReadBool(field, key, rule.reset_before_headers);
  } else if (key == "reset_after_chunks") {
    read = ReadInt(field, key, rule.reset_after_chunks);
  } else if (key == "malformed_after_chunks") {
    read = ReadInt(field, key, rule.malformed_after_chunks);
  } else if (key == "malformed_line") {
    read = ReadString(field, key, rule.malformed_line);
  } else if (key == "error_after_chunks") {
    read = ReadInt(field, key, rule.error_after_chunks);
  } else if (key == "oversized_chunk_bytes") {
    int bytes = 0;
    read = ReadInt(field, key, bytes);
    if (read && bytes < 0) {
      read = Invalid("\"oversized_chunk_bytes\" must not be negative");
    }
    rule.oversized_chunk_bytes = static_cast<std::size_t>(bytes);
  } else if (key == "hang") {
    read = ReadBool(field, key, rule.hang);
  } else if (key == "hang_after_chunks") {
    read = ReadInt(field, key, rule.hang_after_chunks);
  } else if (key == "close_connection") {
    read = ReadBool(field, key, rule.close_connection);
  } else {
    return false;
  }
  if (!read) {
    return read.error();
  }
  return true;
}

Result<FakeRule> ReadRule(const json::value& value, std::size_t index) {
  if (!value.is_object()) {
    return Invalid("rule " + std::to_string(index) + " must be an object");
  }
  FakeRule rule;
  for (const auto& [key, field] : value.get_object()) {
    Result<bool> known = ReadAnswerField(key, field, rule);
    if (known && !*known) {
      known = ReadFaultField(key, field, rule);
    }
    if (!known) {
      return Invalid("rule " + std::to_string(index) + ": " + known.error().message);
    }
    if (!*known) {
      return Invalid("rule " + std::to_string(index) + ": unknown field \"" + std::string(key)
                     + "\"");
    }
  }
  if (rule.nth < 1 || rule.times < 0) {
    return Invalid("rule " + std::to_string(index) + R"(: "nth" must be >= 1, "times" >= 0)");
  }
  if (rule.status < 100 || rule.status > 599) {
    return Invalid("rule " + std::to_string(index) + ": \"status\" must be 100..599");
  }
  return rule;
}

}  // namespace

Result<std::vector<FakeRule>> ParseRules(std::string_view json_text) {
  boost::system::error_code ec;
  const json::value document = json::parse(json_text, ec);
  if (ec) {
    return Invalid("script is not valid JSON: " + ec.message());
  }
  const json::value* list = &document;
  if (document.is_object()) {
    list = document.get_object().if_contains("rules");
    if (list == nullptr || document.get_object().size() != 1) {
      return Invalid("script object must have exactly one field, \"rules\"");
    }
  }
  if (!list->is_array()) {
    return Invalid("script must be a JSON array of rules");
  }
  std::vector<FakeRule> rules;
  rules.reserve(list->get_array().size());
  for (const json::value& item : list->get_array()) {
    Result<FakeRule> rule = ReadRule(item, rules.size());
    if (!rule) {
      return rule.error();
    }
    rules.push_back(std::move(*rule));
  }
  return rules;
}

Result<FixedResponse> ParseFixedResponse(std::string_view json_text) {
  boost::system::error_code ec;
  const json::value document = json::parse(json_text.empty() ? "{}" : json_text, ec);
  if (ec || !document.is_object()) {
    return Invalid("fixed response must be a JSON object");
  }
  FixedResponse fixed;
  for (const auto& [key, field] : document.get_object()) {
    Status read{};
    if (key == "text") {
      read = ReadString(field, key, fixed.text);
    } else if (key == "chunks") {
      read = ReadInt(field, key, fixed.chunks);
    } else if (key == "model") {
      read = ReadString(field, key, fixed.model);
    } else {
      read = Invalid("unknown field \"" + std::string(key) + "\"");
    }
    if (!read) {
      return read.error();
    }
  }
  if (fixed.chunks < 1) {
    return Invalid("\"chunks\" must be >= 1");
  }
  return fixed;
}

bool MatchesFilters(const FakeRule& rule, std::string_view path, std::string_view model) {
  if (!rule.model.empty() && rule.model != model) {
    return false;
  }
  if (rule.path.empty()) {
    return true;
  }
  if (rule.path.back() == '*') {
    const std::string_view prefix(rule.path.data(), rule.path.size() - 1);
    return path.substr(0, prefix.size()) == prefix;
  }
  return rule.path == path;
}

}  // namespace amaima::testing
