#include "amaima/providers/openai/openai_wire.h"

#include <array>
#include <cmath>
#include <cstring>
#include <utility>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "amaima/core/base64.h"
#include "amaima/core/json_text.h"
#include "amaima/providers/json_fields.h"

namespace amaima::providers::openai {
namespace {

namespace json = boost::json;

Error TypeError(std::string field, std::string_view expected) {
  std::string message = "field '" + field + "' must be " + std::string(expected);
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_TYPE", std::move(message))
      .With("field", std::move(field))
      .With("expected", std::string(expected));
}

Error ValueError(std::string field, std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
              "field '" + field + "' " + message)
      .With("field", std::move(field));
}

Error MissingField(std::string field) {
  std::string message = "field '" + field + "' is required";
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD", std::move(message))
      .With("field", std::move(field));
}

Result<json::object> ParseObject(std::string_view body, const json::storage_ptr& sp = {}) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec, sp);
  if (ec) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_MALFORMED_JSON",
                "request body is not valid JSON: " + ec.message());
  }
  if (!value.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_TYPE",
                "request body must be a JSON object");
  }
  return std::move(value.get_object());
}

// Reads an optional string field; a present non-string is an error.
Status ReadString(const json::object& object, std::string_view key, const std::string& field,
                  std::string& out) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return {};
  }
  if (!value->is_string()) {
    return TypeError(field, "a string");
  }
  out.assign(value->get_string().data(), value->get_string().size());
  return {};
}

Result<std::optional<double>> ReadNumber(const json::object& object, std::string_view key,
                                         double min, double max) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return std::optional<double>{};
  }
  if (!value->is_number()) {
    return TypeError(std::string(key), "a number");
  }
  const double number = value->to_number<double>();
  if (!std::isfinite(number) || number < min || number > max) {
    return ValueError(std::string(key), "must be between " + json::serialize(json::value(min))
                                            + " and " + json::serialize(json::value(max)));
  }
  return std::optional<double>(number);
}

Result<std::optional<std::int64_t>> ReadInteger(const json::object& object, std::string_view key,
                                                std::int64_t min) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return std::optional<std::int64_t>{};
  }
  if (!value->is_int64() && !value->is_uint64()) {
    return TypeError(std::string(key), "an integer");
  }
  const std::int64_t number =
      value->is_int64() ? value->get_int64() : static_cast<std::int64_t>(value->get_uint64());
  if (number < min) {
    return ValueError(std::string(key), "must be at least " + std::to_string(min));
  }
  return std::optional<std::int64_t>(number);
}

// Message content: a string, null, or an array of parts (kept as JSON; its text parts
// are also joined into `content`).
Status ReadContent(const json::value& content, const std::string& field, ChatMessage& message) {
  if (content.is_null()) {
    return {};
  }
  if (content.is_string()) {
    message.content.assign(content.get_string().data(), content.get_string().size());
    return {};
  }
  if (!content.is_array()) {
    return TypeError(field, "a string or an array of content parts");
  }
  std::size_t index = 0;
  for (const json::value& part : content.get_array()) {
    const std::string part_field = field + "[" + std::to_string(index++) + "]";
    if (!part.is_object()) {
      return TypeError(part_field, "an object");
    }
    const json::object& object = part.get_object();
    const json::value* type = object.if_contains("type");
    if (type == nullptr || !type->is_string()) {
      return MissingField(part_field + ".type");
    }
    if (type->get_string() == "text") {
      std::string text;
      if (Status read = ReadString(object, "text", part_field + ".text", text); !read) {
        return read;
      }
      if (!message.content.empty()) {
        message.content += '\n';
      }
      message.content += text;
    }
  }
  message.content_json = json::serialize(content);
  return {};
}

Result<std::vector<ToolCall>> ReadToolCalls(const json::value& value, const std::string& field) {
  if (!value.is_array()) {
    return TypeError(field, "an array");
  }
  std::vector<ToolCall> calls;
  std::size_t index = 0;
  for (const json::value& item : value.get_array()) {
    const std::string item_field = field + "[" + std::to_string(index++) + "]";
    if (!item.is_object()) {
      return TypeError(item_field, "an object");
    }
    const json::object& object = item.get_object();
    ToolCall call;
    if (Status read = ReadString(object, "id", item_field + ".id", call.id); !read) {
      return read.error();
    }
    const json::value* function = object.if_contains("function");
    if (function == nullptr || !function->is_object()) {
      return MissingField(item_field + ".function");
    }
    const json::object& fn = function->get_object();
    if (Status read = ReadString(fn, "name", item_field + ".function.name", call.name); !read) {
      return read.error();
    }
    if (Status read =
            ReadString(fn, "arguments", item_field + ".function.arguments", call.arguments);
        !read) {
      return read.error();
    }
    calls.push_back(std::move(call));
  }
  return calls;
}

Status ReadMessages(const json::object& body, ChatRequest& request) {
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr) {
    return MissingField("messages");
  }
  if (!messages->is_array()) {
    return TypeError("messages", "an array");
  }
  if (messages->get_array().empty()) {
    return ValueError("messages", "must contain at least one message");
  }
  std::size_t index = 0;
  for (const json::value& item : messages->get_array()) {
    const std::string field = "messages[" + std::to_string(index++) + "]";
    if (!item.is_object()) {
      return TypeError(field, "an object");
    }
    const json::object& object = item.get_object();
    ChatMessage message;
    const json::value* role = object.if_contains("role");
    if (role == nullptr) {
      return MissingField(field + ".role");
    }
    if (!role->is_string()) {
      return TypeError(field + ".role", "a string");
    }
    message.role.assign(role->get_string().data(), role->get_string().size());
    if (message.role != "system" && message.role != "user" && message.role != "assistant"
        && message.role != "tool" && message.role != "developer") {
      return ValueError(field + ".role", "must be one of system, developer, user, assistant, tool");
    }
    if (const json::value* content = object.if_contains("content"); content != nullptr) {
      if (Status read = ReadContent(*content, field + ".content", message); !read) {
        return read;
      }
    } else if (message.role != "assistant") {
      return MissingField(field + ".content");
    }
    if (Status read = ReadString(object, "name", field + ".name", message.name); !read) {
      return read;
    }
    if (Status read =
            ReadString(object, "tool_call_id", field + ".tool_call_id", message.tool_call_id);
        !read) {
      return read;
    }
    if (const json::value* calls = object.if_contains("tool_calls");
        calls != nullptr && !calls->is_null()) {
      auto parsed = ReadToolCalls(*calls, field + ".tool_calls");
      if (!parsed) {
        return parsed.error();
      }
      message.tool_calls = std::move(*parsed);
    }
    if (message.role == "tool" && message.tool_call_id.empty()) {
      return MissingField(field + ".tool_call_id");
    }
    request.messages.push_back(std::move(message));
  }
  return {};
}

Status ReadTools(const json::object& body, ChatRequest& request) {
  const json::value* tools = body.if_contains("tools");
  if (tools != nullptr && !tools->is_null()) {
    if (!tools->is_array()) {
      return TypeError("tools", "an array");
    }
    std::size_t index = 0;
    for (const json::value& item : tools->get_array()) {
      const std::string field = "tools[" + std::to_string(index++) + "]";
      if (!item.is_object()) {
        return TypeError(field, "an object");
      }
      const json::value* function = item.get_object().if_contains("function");
      if (function == nullptr || !function->is_object()) {
        return MissingField(field + ".function");
      }
      const json::object& fn = function->get_object();
      ToolDefinition tool;
      const json::value* name = fn.if_contains("name");
      if (name == nullptr || !name->is_string() || name->get_string().empty()) {
        return MissingField(field + ".function.name");
      }
      tool.name.assign(name->get_string().data(), name->get_string().size());
      if (Status read =
              ReadString(fn, "description", field + ".function.description", tool.description);
          !read) {
        return read;
      }
      if (const json::value* parameters = fn.if_contains("parameters"); parameters != nullptr) {
        if (!parameters->is_object()) {
          return TypeError(field + ".function.parameters", "an object");
        }
        tool.parameters_json = json::serialize(*parameters);
      }
      request.tools.push_back(std::move(tool));
    }
  }
  const json::value* choice = body.if_contains("tool_choice");
  if (choice == nullptr || choice->is_null()) {
    return {};
  }
  if (choice->is_string()) {
    const std::string_view value(choice->get_string().data(), choice->get_string().size());
    if (value != "auto" && value != "none" && value != "required") {
      return ValueError("tool_choice", "must be auto, none, required or a function");
    }
    request.tool_choice = std::string(value);
    return {};
  }
  if (choice->is_object()) {
    const json::value* function = choice->get_object().if_contains("function");
    if (function != nullptr && function->is_object()) {
      const std::string_view name = StringOr(function->get_object(), "name");
      if (!name.empty()) {
        request.tool_choice = std::string(name);
        return {};
      }
    }
    return MissingField("tool_choice.function.name");
  }
  return TypeError("tool_choice", "a string or an object");
}

Status ReadStop(const json::object& body, ChatRequest& request) {
  const json::value* stop = body.if_contains("stop");
  if (stop == nullptr || stop->is_null()) {
    return {};
  }
  if (stop->is_string()) {
    request.stop.emplace_back(stop->get_string().data(), stop->get_string().size());
    return {};
  }
  if (!stop->is_array()) {
    return TypeError("stop", "a string or an array of strings");
  }
  for (const json::value& item : stop->get_array()) {
    if (!item.is_string()) {
      return TypeError("stop", "a string or an array of strings");
    }
    request.stop.emplace_back(item.get_string().data(), item.get_string().size());
  }
  if (request.stop.size() > 4) {
    return ValueError("stop", "may hold at most 4 sequences");
  }
  return {};
}

json::object UsageObject(const Usage& usage) {
  json::object object;
  object["prompt_tokens"] = usage.prompt_tokens;
  object["completion_tokens"] = usage.completion_tokens;
  object["total_tokens"] = usage.total_tokens();
  return object;
}

std::optional<Usage> ReadUsage(const json::object& object) {
  const json::value* usage = object.if_contains("usage");
  if (usage == nullptr || !usage->is_object()) {
    return std::nullopt;
  }
  Usage out;
  const json::object& u = usage->get_object();
  if (const json::value* v = u.if_contains("prompt_tokens"); v != nullptr && v->is_number()) {
    out.prompt_tokens = v->to_number<std::int64_t>();
  }
  if (const json::value* v = u.if_contains("completion_tokens"); v != nullptr && v->is_number()) {
    out.completion_tokens = v->to_number<std::int64_t>();
  }
  return out;
}

json::array ToolCallsArray(const std::vector<ToolCall>& calls) {
  json::array array;
  for (const ToolCall& call : calls) {
    json::object function;
    function["name"] = call.name;
    function["arguments"] = call.arguments;
    json::object item;
    item["id"] = call.id;
    item["type"] = "function";
    item["function"] = std::move(function);
    array.push_back(std::move(item));
  }
  return array;
}

json::value NullableString(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

}  // namespace

Result<ChatRequest> ParseChatRequest(std::string_view body) {
  auto parsed = ParseObject(body);
  if (!parsed) {
    return parsed.error();
  }
  return ReadChatRequest(*parsed);
}

Result<json::object> ParseRequestObject(std::string_view body, const json::storage_ptr& sp) {
  return ParseObject(body, sp);
}

Result<ChatRequest> ReadChatRequest(const json::object& object) {
  ChatRequest request;
  const json::value* model = object.if_contains("model");
  if (model == nullptr) {
    return MissingField("model");
  }
  if (!model->is_string()) {
    return TypeError("model", "a string");
  }
  request.model.assign(model->get_string().data(), model->get_string().size());
  if (Status read = ReadMessages(object, request); !read) {
    return read.error();
  }
  auto temperature = ReadNumber(object, "temperature", 0, 2);
  if (!temperature) {
    return temperature.error();
  }
  request.temperature = *temperature;
  auto top_p = ReadNumber(object, "top_p", 0, 1);
  if (!top_p) {
    return top_p.error();
  }
  request.top_p = *top_p;
  auto max_tokens = ReadInteger(object, "max_completion_tokens", 1);
  if (!max_tokens) {
    return max_tokens.error();
  }
  if (!*max_tokens) {
    max_tokens = ReadInteger(object, "max_tokens", 1);
    if (!max_tokens) {
      return max_tokens.error();
    }
  }
  request.max_tokens = *max_tokens;
  auto seed = ReadInteger(object, "seed", INT64_MIN);
  if (!seed) {
    return seed.error();
  }
  request.seed = *seed;
  if (const json::value* n = object.if_contains("n"); n != nullptr && !n->is_null()) {
    if (!n->is_number() || n->to_number<double>() != 1) {
      return ValueError("n", "must be 1 (one choice per request)");
    }
  }
  if (Status read = ReadStop(object, request); !read) {
    return read.error();
  }
  if (Status read = ReadTools(object, request); !read) {
    return read.error();
  }
  if (const json::value* format = object.if_contains("response_format");
      format != nullptr && !format->is_null()) {
    if (!format->is_object()) {
      return TypeError("response_format", "an object");
    }
    const std::string_view type = StringOr(format->get_object(), "type");
    if (type == "json_object" || type == "json_schema") {
      request.json_mode = true;
    } else if (type != "text") {
      return ValueError("response_format.type", "must be text, json_object or json_schema");
    }
  }
  if (Status read = ReadString(object, "user", "user", request.user); !read) {
    return read.error();
  }
  if (const json::value* stream = object.if_contains("stream");
      stream != nullptr && !stream->is_null()) {
    if (!stream->is_bool()) {
      return TypeError("stream", "a boolean");
    }
    request.stream = stream->get_bool();
  }
  if (const json::value* options = object.if_contains("stream_options");
      options != nullptr && !options->is_null()) {
    if (!options->is_object()) {
      return TypeError("stream_options", "an object");
    }
    const json::value* include = options->get_object().if_contains("include_usage");
    if (include != nullptr && !include->is_bool()) {
      return TypeError("stream_options.include_usage", "a boolean");
    }
    request.include_usage = include != nullptr && include->get_bool();
  }
  return request;
}

std::string SerializeChatRequest(const ChatRequest& request) {
  json::object body;
  body["model"] = request.model;
  json::array messages;
  for (const ChatMessage& message : request.messages) {
    json::object item;
    item["role"] = message.role;
    if (!message.content_json.empty()) {
      item["content"] = json::parse(message.content_json);
    } else if (message.role == "assistant" && message.content.empty()
               && !message.tool_calls.empty()) {
      item["content"] = nullptr;
    } else {
      item["content"] = message.content;
    }
    if (!message.name.empty()) {
      item["name"] = message.name;
    }
    if (!message.tool_call_id.empty()) {
      item["tool_call_id"] = message.tool_call_id;
    }
    if (!message.tool_calls.empty()) {
      item["tool_calls"] = ToolCallsArray(message.tool_calls);
    }
    messages.push_back(std::move(item));
  }
  body["messages"] = std::move(messages);
  if (request.temperature) {
    body["temperature"] = *request.temperature;
  }
  if (request.top_p) {
    body["top_p"] = *request.top_p;
  }
  if (request.max_tokens) {
    body["max_tokens"] = *request.max_tokens;
  }
  if (request.seed) {
    body["seed"] = *request.seed;
  }
  if (!request.stop.empty()) {
    json::array stop;
    for (const std::string& s : request.stop) {
      stop.emplace_back(s);
    }
    body["stop"] = std::move(stop);
  }
  if (!request.tools.empty()) {
    json::array tools;
    for (const ToolDefinition& tool : request.tools) {
      json::object function;
      function["name"] = tool.name;
      if (!tool.description.empty()) {
        function["description"] = tool.description;
      }
      if (!tool.parameters_json.empty()) {
        function["parameters"] = json::parse(tool.parameters_json);
      }
      json::object item;
      item["type"] = "function";
      item["function"] = std::move(function);
      tools.push_back(std::move(item));
    }
    body["tools"] = std::move(tools);
  }
  if (request.tool_choice == "auto" || request.tool_choice == "none"
      || request.tool_choice == "required") {
    body["tool_choice"] = request.tool_choice;
  } else if (!request.tool_choice.empty()) {
    json::object function;
    function["name"] = request.tool_choice;
    json::object choice;
    choice["type"] = "function";
    choice["function"] = std::move(function);
    body["tool_choice"] = std::move(choice);
  }
  if (request.json_mode) {
    json::object format;
    format["type"] = "json_object";
    body["response_format"] = std::move(format);
  }
  if (!request.user.empty()) {
    body["user"] = request.user;
  }
  if (request.stream) {
    body["stream"] = true;
    json::object options;
    options["include_usage"] = true;  // always ask: usage drives accounting
    body["stream_options"] = std::move(options);
  }
  return json::serialize(body);
}

Result<ChatResponse> ParseChatResponse(std::string_view body) {
  // As ParseChatChunk(): the tree is read and dropped at once.
  std::array<unsigned char, 4096> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  json::monotonic_resource arena(buffer.data(), buffer.size());
  boost::system::error_code ec;
  const json::value value = json::parse(body, ec, &arena);
  if (ec || !value.is_object()) {
    return BadUpstream("upstream answer is not a JSON object");
  }
  const json::object& object = value.get_object();
  ChatResponse response;
  response.id = std::string(StringOr(object, "id"));
  response.model = std::string(StringOr(object, "model"));
  const json::value* choices = object.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->get_array().empty()
      || !choices->get_array().front().is_object()) {
    return BadUpstream("upstream answer has no choices");
  }
  const json::object& choice = choices->get_array().front().get_object();
  response.finish_reason = std::string(StringOr(choice, "finish_reason"));
  const json::value* message = choice.if_contains("message");
  if (message == nullptr || !message->is_object()) {
    return BadUpstream("upstream choice has no message");
  }
  response.content = std::string(StringOr(message->get_object(), "content"));
  if (const json::value* calls = message->get_object().if_contains("tool_calls");
      calls != nullptr && !calls->is_null()) {
    auto parsed = ReadToolCalls(*calls, "tool_calls");
    if (!parsed) {
      return BadUpstream("upstream tool calls are malformed: " + parsed.error().message);
    }
    response.tool_calls = std::move(*parsed);
  }
  response.usage = ReadUsage(object);
  return response;
}

std::string SerializeChatResponse(const ChatResponse& response, std::int64_t created) {
  json::object message;
  message["role"] = "assistant";
  message["content"] = response.tool_calls.empty() || !response.content.empty()
                           ? json::value(response.content)
                           : json::value(nullptr);
  if (!response.tool_calls.empty()) {
    message["tool_calls"] = ToolCallsArray(response.tool_calls);
  }
  message["refusal"] = nullptr;
  json::object choice;
  choice["index"] = 0;
  choice["message"] = std::move(message);
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = NullableString(response.finish_reason);
  json::object body;
  body["id"] = response.id;
  body["object"] = "chat.completion";
  body["created"] = created;
  body["model"] = response.model;
  body["choices"] = json::array{std::move(choice)};
  body["usage"] = UsageObject(response.usage.value_or(Usage{}));
  return json::serialize(body);
}

Result<std::optional<ChatChunk>> ParseChatChunk(std::string_view data) {
  if (data == "[DONE]") {
    return std::optional<ChatChunk>{};
  }
  // The tree lives only while the chunk is read from it: one arena on the stack for a
  // typical event instead of an allocation per value.
  std::array<unsigned char, 4096> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  json::monotonic_resource arena(buffer.data(), buffer.size());
  boost::system::error_code ec;
  const json::value value = json::parse(data, ec, &arena);
  if (ec || !value.is_object()) {
    return BadUpstream("upstream stream event is not a JSON object");
  }
  const json::object& object = value.get_object();
  if (const json::value* error = object.if_contains("error"); error != nullptr) {
    return Fail(ErrorCode::kUnavailable, "UPSTREAM_STREAM_ERROR",
                "upstream reported an error mid-stream: " + UpstreamErrorMessage(data));
  }
  ChatChunk chunk;
  chunk.id = std::string(StringOr(object, "id"));
  chunk.model = std::string(StringOr(object, "model"));
  chunk.usage = ReadUsage(object);
  const json::value* choices = object.if_contains("choices");
  if (choices == nullptr || choices->is_null()
      || (choices->is_array() && choices->get_array().empty())) {
    return std::optional<ChatChunk>(std::move(chunk));  // the usage chunk
  }
  if (!choices->is_array() || !choices->get_array().front().is_object()) {
    return BadUpstream("upstream chunk has malformed choices");
  }
  const json::object& choice = choices->get_array().front().get_object();
  chunk.finish_reason = std::string(StringOr(choice, "finish_reason"));
  const json::value* delta = choice.if_contains("delta");
  if (delta != nullptr && delta->is_object()) {
    const json::object& d = delta->get_object();
    chunk.role_start = !StringOr(d, "role").empty();
    chunk.content = std::string(StringOr(d, "content"));
    if (const json::value* calls = d.if_contains("tool_calls");
        calls != nullptr && calls->is_array()) {
      for (const json::value& item : calls->get_array()) {
        if (!item.is_object()) {
          return BadUpstream("upstream tool call delta is not an object");
        }
        const json::object& call = item.get_object();
        ToolCallDelta out;
        const json::value* index = call.if_contains("index");
        if (index == nullptr || !index->is_number()) {
          return BadUpstream("upstream tool call delta has no index");
        }
        out.index = index->to_number<int>();
        out.id = std::string(StringOr(call, "id"));
        if (const json::value* fn = call.if_contains("function");
            fn != nullptr && fn->is_object()) {
          out.name = std::string(StringOr(fn->get_object(), "name"));
          out.arguments = std::string(StringOr(fn->get_object(), "arguments"));
        }
        chunk.tool_calls.push_back(std::move(out));
      }
    }
  }
  return std::optional<ChatChunk>(std::move(chunk));
}

std::string SerializeChatChunk(const ChatChunk& chunk, std::int64_t created) {
  // Written as text, without a tree: a stream writes one of these per token or so.
  JsonText json(256 + chunk.content.size());
  json.BeginObject();
  json.Key("id").String(chunk.id);
  json.Key("object").String("chat.completion.chunk");
  json.Key("created").Integer(created);
  json.Key("model").String(chunk.model);
  const bool usage_only = chunk.usage.has_value() && !chunk.role_start && chunk.content.empty()
                          && chunk.tool_calls.empty() && chunk.finish_reason.empty();
  if (usage_only) {
    json.Key("choices").BeginArray().EndArray();
    json.Key("usage").BeginObject();
    json.Key("prompt_tokens").Integer(chunk.usage->prompt_tokens);
    json.Key("completion_tokens").Integer(chunk.usage->completion_tokens);
    json.Key("total_tokens").Integer(chunk.usage->total_tokens());
    json.EndObject().EndObject();
    return std::move(json).Finish();
  }
  json.Key("choices").BeginArray().BeginObject();
  json.Key("index").Integer(0);
  json.Key("delta").BeginObject();
  if (chunk.role_start) {
    json.Key("role").String("assistant");
  }
  if (!chunk.content.empty() || (chunk.role_start && chunk.tool_calls.empty())) {
    json.Key("content").String(chunk.content);
  }
  if (!chunk.tool_calls.empty()) {
    json.Key("tool_calls").BeginArray();
    for (const ToolCallDelta& call : chunk.tool_calls) {
      json.BeginObject();
      json.Key("index").Integer(call.index);
      if (!call.id.empty()) {
        json.Key("id").String(call.id);
        json.Key("type").String("function");
      }
      json.Key("function").BeginObject();
      if (!call.name.empty()) {
        json.Key("name").String(call.name);
      }
      json.Key("arguments").String(call.arguments);
      json.EndObject().EndObject();
    }
    json.EndArray();
  }
  json.EndObject();
  json.Key("logprobs").Null();
  json.Key("finish_reason");
  chunk.finish_reason.empty() ? json.Null() : json.String(chunk.finish_reason);
  json.EndObject().EndArray().EndObject();
  return std::move(json).Finish();
}

Result<EmbeddingRequest> ParseEmbeddingRequest(std::string_view body) {
  auto parsed = ParseObject(body);
  if (!parsed) {
    return parsed.error();
  }
  const json::object& object = *parsed;
  EmbeddingRequest request;
  const json::value* model = object.if_contains("model");
  if (model == nullptr) {
    return MissingField("model");
  }
  if (!model->is_string()) {
    return TypeError("model", "a string");
  }
  request.model.assign(model->get_string().data(), model->get_string().size());
  const json::value* input = object.if_contains("input");
  if (input == nullptr) {
    return MissingField("input");
  }
  if (input->is_string()) {
    request.inputs.emplace_back(input->get_string().data(), input->get_string().size());
  } else if (input->is_array()) {
    for (const json::value& item : input->get_array()) {
      if (!item.is_string()) {
        return TypeError("input", "a string or an array of strings");
      }
      request.inputs.emplace_back(item.get_string().data(), item.get_string().size());
    }
  } else {
    return TypeError("input", "a string or an array of strings");
  }
  if (request.inputs.empty()) {
    return ValueError("input", "must not be empty");
  }
  if (const json::value* format = object.if_contains("encoding_format");
      format != nullptr && !format->is_null()) {
    if (!format->is_string()) {
      return TypeError("encoding_format", "a string");
    }
    if (format->get_string() == "base64") {
      request.base64 = true;
    } else if (format->get_string() != "float") {
      return ValueError("encoding_format", "must be float or base64");
    }
  }
  auto dimensions = ReadInteger(object, "dimensions", 1);
  if (!dimensions) {
    return dimensions.error();
  }
  request.dimensions = *dimensions;
  return request;
}

std::string SerializeEmbeddingRequest(const EmbeddingRequest& request) {
  json::object body;
  body["model"] = request.model;
  json::array input;
  for (const std::string& text : request.inputs) {
    input.emplace_back(text);
  }
  body["input"] = std::move(input);
  body["encoding_format"] = "float";
  if (request.dimensions) {
    body["dimensions"] = *request.dimensions;
  }
  return json::serialize(body);
}

Result<EmbeddingResponse> ParseEmbeddingResponse(std::string_view body) {
  boost::system::error_code ec;
  const json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) {
    return BadUpstream("upstream answer is not a JSON object");
  }
  const json::object& object = value.get_object();
  const json::value* data = object.if_contains("data");
  if (data == nullptr || !data->is_array()) {
    return BadUpstream("upstream embeddings answer has no data");
  }
  EmbeddingResponse response;
  response.model = std::string(StringOr(object, "model"));
  response.vectors.resize(data->get_array().size());
  for (const json::value& item : data->get_array()) {
    const json::value* index = item.is_object() ? item.get_object().if_contains("index") : nullptr;
    const json::value* vector =
        item.is_object() ? item.get_object().if_contains("embedding") : nullptr;
    if (index == nullptr || !index->is_number() || vector == nullptr || !vector->is_array()) {
      return BadUpstream("upstream embedding item is malformed");
    }
    const auto at = index->to_number<std::size_t>();
    if (at >= response.vectors.size()) {
      return BadUpstream("upstream embedding index is out of range");
    }
    for (const json::value& x : vector->get_array()) {
      if (!x.is_number()) {
        return BadUpstream("upstream embedding holds a non-number");
      }
      response.vectors[at].push_back(x.to_number<float>());
    }
  }
  if (std::optional<Usage> usage = ReadUsage(object)) {
    response.usage = *usage;
  }
  return response;
}

std::string SerializeEmbeddingResponse(const EmbeddingResponse& response, bool base64) {
  json::array data;
  for (std::size_t i = 0; i < response.vectors.size(); ++i) {
    json::object item;
    item["object"] = "embedding";
    item["index"] = i;
    if (base64) {
      // Little-endian float32, as OpenAI sends it.
      std::string bytes;
      bytes.reserve(response.vectors[i].size() * 4);
      for (const float x : response.vectors[i]) {
        std::uint32_t bits = 0;
        std::memcpy(&bits, &x, sizeof bits);
        for (int shift = 0; shift < 32; shift += 8) {
          bytes += static_cast<char>((bits >> shift) & 0xFF);
        }
      }
      item["embedding"] = Base64Encode(bytes, Base64Alphabet::kStandard);
    } else {
      json::array vector;
      vector.reserve(response.vectors[i].size());
      for (const float x : response.vectors[i]) {
        vector.emplace_back(static_cast<double>(x));
      }
      item["embedding"] = std::move(vector);
    }
    data.push_back(std::move(item));
  }
  json::object usage;
  usage["prompt_tokens"] = response.usage.prompt_tokens;
  usage["total_tokens"] = response.usage.prompt_tokens;
  json::object body;
  body["object"] = "list";
  body["data"] = std::move(data);
  body["model"] = response.model;
  body["usage"] = std::move(usage);
  return json::serialize(body);
}

std::string SerializeError(std::string_view message, std::string_view type, std::string_view param,
                           std::string_view code) {
  json::object error;
  error["message"] = message;
  error["type"] = type;
  error["param"] = param.empty() ? json::value(nullptr) : json::value(param);
  error["code"] = code.empty() ? json::value(nullptr) : json::value(code);
  json::object body;
  body["error"] = std::move(error);
  return json::serialize(body);
}

std::string UpstreamErrorMessage(std::string_view body) {
  boost::system::error_code ec;
  const json::value value = json::parse(body, ec);
  if (!ec && value.is_object()) {
    const json::value* error = value.get_object().if_contains("error");
    if (error != nullptr && error->is_object()) {
      const std::string_view message = StringOr(error->get_object(), "message");
      if (!message.empty()) {
        return std::string(message);
      }
    }
    if (error != nullptr && error->is_string()) {
      return std::string(error->get_string().data(), error->get_string().size());
    }
  }
  constexpr std::size_t kMax = 200;
  return std::string(body.substr(0, kMax));
}

}  // namespace amaima::providers::openai
