#include "amaima/api/v1/query_request.h"

#include <algorithm>
#include <cmath>

#include <boost/json/parse.hpp>

#include "amaima/core/ids.h"
#include "amaima/routing/features.h"

namespace amaima::api {
namespace {

namespace json = boost::json;

// Tokens a chat message costs beyond its text (role and framing), as OpenAI counts.
constexpr std::int64_t kTokensPerMessage = 4;

Error ValueError(std::string field, std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
              "field '" + field + "' " + message)
      .With("field", std::move(field));
}

Error MissingField(std::string field, std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD", std::move(message))
      .With("field", std::move(field));
}

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Reads an optional positive number.
Result<std::optional<double>> PositiveNumber(const json::object& body, std::string_view key) {
  const json::value* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return std::optional<double>{};
  }
  if (!value->is_number()) {
    return InvalidTypeError(std::string(key), "a number");
  }
  const double number = value->to_number<double>();
  if (!(number > 0) || !std::isfinite(number)) {
    return ValueError(std::string(key), "must be greater than 0");
  }
  return std::optional<double>(number);
}

// Appends the text of a message's content (string, or array of parts) to `text`;
// records vision when an image part is present.
Status ReadContent(const json::value& content, const std::string& field, std::string& text,
                   routing::Constraints& constraints) {
  if (content.is_string()) {
    text.append(content.get_string().data(), content.get_string().size());
    return {};
  }
  if (content.is_null()) {
    return {};  // Assistant messages with only tool calls.
  }
  if (!content.is_array()) {
    return InvalidTypeError(field, "a string or an array of content parts");
  }
  std::size_t index = 0;
  for (const json::value& part : content.get_array()) {
    const std::string part_field = field + "[" + std::to_string(index++) + "]";
    if (!part.is_object()) {
      return InvalidTypeError(part_field, "an object");
    }
    const json::value* type = part.get_object().if_contains("type");
    if (type == nullptr || !type->is_string()) {
      return MissingField(part_field + ".type", "content part needs a string 'type'");
    }
    if (type->get_string() == "text") {
      const json::value* part_text = part.get_object().if_contains("text");
      if (part_text == nullptr || !part_text->is_string()) {
        return InvalidTypeError(part_field + ".text", "a string");
      }
      if (!text.empty()) {
        text += '\n';
      }
      text.append(part_text->get_string().data(), part_text->get_string().size());
    } else if (type->get_string() == "image_url" || type->get_string() == "input_image") {
      constraints.required_capabilities.push_back(routing::Capability::kVision);
    }
  }
  return {};
}

Status ReadMessages(const json::value& messages, QueryRequest& request) {
  if (!messages.is_array()) {
    return InvalidTypeError("messages", "an array of messages");
  }
  if (messages.get_array().empty()) {
    return ValueError("messages", "must not be empty");
  }
  std::int64_t tokens = 0;
  std::string last_user_text;
  std::size_t index = 0;
  for (const json::value& message : messages.get_array()) {
    const std::string field = "messages[" + std::to_string(index++) + "]";
    if (!message.is_object()) {
      return InvalidTypeError(field, "an object");
    }
    const json::object& object = message.get_object();
    const json::value* role = object.if_contains("role");
    if (role == nullptr) {
      return MissingField(field + ".role", "message needs a 'role'");
    }
    if (!role->is_string()) {
      return InvalidTypeError(field + ".role", "a string");
    }
    const std::string_view role_name = role->get_string();
    if (role_name != "system" && role_name != "user" && role_name != "assistant"
        && role_name != "tool" && role_name != "developer") {
      return ValueError(field + ".role", "must be one of system, developer, user, assistant, tool");
    }
    std::string text;
    const json::value* content = object.if_contains("content");
    if (content == nullptr) {
      return MissingField(field + ".content", "message needs 'content'");
    }
    if (Status read = ReadContent(*content, field + ".content", text, request.route.constraints);
        !read) {
      return read.error();
    }
    tokens += kTokensPerMessage + routing::EstimateTokens(text);
    if (role_name == "user") {
      last_user_text = std::move(text);
    }
  }
  if (IsBlank(last_user_text)) {
    return ValueError("messages", "must contain a user message with text");
  }
  request.route.query = std::move(last_user_text);
  request.route.input_tokens = tokens;
  return {};
}

}  // namespace

Result<json::value> ParseJsonBody(std::string_view body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_JSON",
                "request body is not valid JSON: " + ec.message());
  }
  return value;
}

Error InvalidTypeError(std::string field, std::string_view expected) {
  std::string message = "field '" + field + "' must be " + std::string(expected);
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_TYPE", std::move(message))
      .With("field", std::move(field))
      .With("expected", std::string(expected));
}

Result<json::object> ParseJsonObjectBody(std::string_view body) {
  Result<json::value> parsed = ParseJsonBody(body);
  if (!parsed) {
    return parsed.error();
  }
  if (!parsed->is_object()) {
    return InvalidTypeError("$", "a JSON object");
  }
  return std::move(parsed->get_object());
}

Result<QueryRequest> ParseQueryRequest(std::string_view body) {
  Result<json::object> parsed = ParseJsonObjectBody(body);
  if (!parsed) {
    return parsed.error();
  }
  return ReadQueryRequest(*parsed);
}

Result<QueryRequest> ReadQueryRequest(const json::object& object) {
  QueryRequest request;

  const json::value* query = object.if_contains("query");
  const json::value* messages = object.if_contains("messages");
  if (query != nullptr && messages != nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_CONFLICTING_FIELDS",
                "give either 'query' or 'messages', not both")
        .With("field", "query");
  }
  if (query != nullptr) {
    if (!query->is_string()) {
      return InvalidTypeError("query", "a string");
    }
    if (IsBlank(query->get_string())) {
      return ValueError("query", "must not be empty");
    }
    request.route.query = std::string(query->get_string());
  } else if (messages != nullptr) {
    if (Status read = ReadMessages(*messages, request); !read) {
      return read.error();
    }
    request.has_messages = true;
  } else {
    return MissingField("query", "request needs 'query' (a string) or 'messages' (an array)");
  }

  if (const json::value* model = object.if_contains("model");
      model != nullptr && !model->is_null()) {
    if (!model->is_string()) {
      return InvalidTypeError("model", "a string");
    }
    if (model->get_string() != "auto" && !model->get_string().empty()) {
      request.route.constraints.pinned_model = std::string(model->get_string());
    }
  }
  Result<std::optional<double>> max_cost = PositiveNumber(object, "max_cost_usd");
  if (!max_cost) {
    return max_cost.error();
  }
  request.route.constraints.max_cost_usd = *max_cost;
  Result<std::optional<double>> max_latency = PositiveNumber(object, "max_latency_ms");
  if (!max_latency) {
    return max_latency.error();
  }
  request.route.constraints.max_latency_ms = *max_latency;
  if (const json::value* max_tokens = object.if_contains("max_tokens");
      max_tokens != nullptr && !max_tokens->is_null()) {
    if (!max_tokens->is_int64() && !max_tokens->is_uint64()) {
      return InvalidTypeError("max_tokens", "an integer");
    }
    const std::int64_t tokens = max_tokens->to_number<std::int64_t>();
    if (tokens <= 0) {
      return ValueError("max_tokens", "must be greater than 0");
    }
    request.route.constraints.max_tokens = tokens;
  }
  if (const json::value* tools = object.if_contains("tools");
      tools != nullptr && !tools->is_null()) {
    if (!tools->is_array()) {
      return InvalidTypeError("tools", "an array");
    }
    if (!tools->get_array().empty()) {
      request.route.constraints.required_capabilities.push_back(routing::Capability::kTools);
    }
  }
  if (const json::value* format = object.if_contains("response_format");
      format != nullptr && !format->is_null()) {
    const json::value* type =
        format->is_object() ? format->get_object().if_contains("type") : nullptr;
    if (type == nullptr || !type->is_string()) {
      return InvalidTypeError("response_format.type", "a string");
    }
    if (type->get_string() == "json_object" || type->get_string() == "json_schema") {
      request.route.constraints.required_capabilities.push_back(routing::Capability::kJsonMode);
    } else if (type->get_string() != "text") {
      return ValueError("response_format.type", "must be text, json_object or json_schema");
    }
  }
  if (const json::value* stream = object.if_contains("stream");
      stream != nullptr && !stream->is_null()) {
    if (!stream->is_bool()) {
      return InvalidTypeError("stream", "a boolean");
    }
    request.stream = stream->get_bool();
  }
  auto& capabilities = request.route.constraints.required_capabilities;
  std::sort(capabilities.begin(), capabilities.end());
  capabilities.erase(std::unique(capabilities.begin(), capabilities.end()), capabilities.end());
  return request;
}

Result<std::string> ParseExecuteRequest(std::string_view body) {
  Result<json::object> parsed = ParseJsonObjectBody(body);
  if (!parsed) {
    return parsed.error();
  }
  const json::value* id = parsed->if_contains("decision_id");
  if (id == nullptr) {
    return MissingField("decision_id", "request needs 'decision_id'");
  }
  if (!id->is_string()) {
    return InvalidTypeError("decision_id", "a string");
  }
  if (!IsUuid(id->get_string())) {
    return ValueError("decision_id", "must be a UUID");
  }
  return std::string(id->get_string());
}

}  // namespace amaima::api
