#include "amaima/api/anthropic/messages_request.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "amaima/accounting/usage.h"
#include "amaima/api/v1/query_request.h"
#include "amaima/providers/json_fields.h"

namespace amaima::api::anthropic {
namespace {

namespace json = boost::json;
using providers::ChatMessage;
using providers::ChatRequest;
using providers::StringOr;

// Errors name the offending field by its dotted path, as Anthropic's do
// ("messages.0.content.1.text: Field required").
Error MissingField(std::string field) {
  std::string message = field + ": Field required";
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD", std::move(message))
      .With("field", std::move(field));
}

Error TypeError(std::string field, std::string_view expected) {
  std::string message = field + ": Input should be " + std::string(expected);
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_TYPE", std::move(message))
      .With("field", std::move(field));
}

Error ValueError(std::string field, std::string_view problem) {
  std::string message = field + ": " + std::string(problem);
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE", std::move(message))
      .With("field", std::move(field));
}

std::string Path(std::string_view base, std::size_t index) {
  return std::string(base) + "." + std::to_string(index);
}

std::string Path(std::string_view base, std::string_view key) {
  return std::string(base) + "." + std::string(key);
}

std::string Text(const json::string& text) {
  return {text.data(), text.size()};
}

// The string at `key` of `object`; an error when it is absent or not a string.
Result<std::string> RequiredString(const json::object& object, std::string_view key,
                                   const std::string& field) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) {
    return MissingField(field);
  }
  if (!value->is_string()) {
    return TypeError(field, "a valid string");
  }
  return Text(value->get_string());
}

// An optional number in [0, 1] (temperature, top_p).
Result<std::optional<double>> UnitNumber(const json::object& body, std::string_view key) {
  const json::value* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return std::optional<double>{};
  }
  if (!value->is_number()) {
    return TypeError(std::string(key), "a valid number");
  }
  const double number = value->to_number<double>();
  if (!std::isfinite(number) || number < 0.0 || number > 1.0) {
    return ValueError(std::string(key), "Input should be between 0 and 1");
  }
  return std::optional<double>(number);
}

// The text of a list of text blocks (system, tool_result content), joined by `separator`.
Result<std::string> TextOfBlocks(const json::value& value, const std::string& field,
                                 std::string_view separator, json::array* images) {
  if (value.is_string()) {
    return Text(value.get_string());
  }
  if (!value.is_array()) {
    return TypeError(field, "a valid string or a list of content blocks");
  }
  std::string text;
  std::size_t index = 0;
  for (const json::value& block : value.get_array()) {
    const std::string block_field = Path(field, index++);
    if (!block.is_object()) {
      return TypeError(block_field, "a valid content block object");
    }
    Result<std::string> type =
        RequiredString(block.get_object(), "type", Path(block_field, "type"));
    if (!type) {
      return type.error();
    }
    if (*type == "image" && images != nullptr) {
      continue;  // tool_result images have no neutral form in a tool message
    }
    if (*type != "text") {
      return ValueError(Path(block_field, "type"), "expected 'text', got '" + *type + "'");
    }
    Result<std::string> part =
        RequiredString(block.get_object(), "text", Path(block_field, "text"));
    if (!part) {
      return part.error();
    }
    if (!text.empty()) {
      text += separator;
    }
    text += *part;
  }
  return text;
}

// An image block as an OpenAI image_url part: a base64 source becomes a data: URL.
Result<json::object> ImagePart(const json::object& block, const std::string& field) {
  const json::object* source = providers::ObjectAt(block, "source");
  if (source == nullptr) {
    return block.contains("source") ? TypeError(Path(field, "source"), "a valid object")
                                    : MissingField(Path(field, "source"));
  }
  const std::string source_field = Path(field, "source");
  Result<std::string> type = RequiredString(*source, "type", Path(source_field, "type"));
  if (!type) {
    return type.error();
  }
  std::string url;
  if (*type == "base64") {
    Result<std::string> media_type =
        RequiredString(*source, "media_type", Path(source_field, "media_type"));
    if (!media_type) {
      return media_type.error();
    }
    Result<std::string> data = RequiredString(*source, "data", Path(source_field, "data"));
    if (!data) {
      return data.error();
    }
    url = "data:" + *media_type + ";base64," + *data;
  } else if (*type == "url") {
    Result<std::string> link = RequiredString(*source, "url", Path(source_field, "url"));
    if (!link) {
      return link.error();
    }
    url = std::move(*link);
  } else {
    return ValueError(Path(source_field, "type"),
                      "image source type '" + *type + "' is not supported; use base64 or url");
  }
  json::object image_url;
  image_url["url"] = url;
  json::object part;
  part["type"] = "image_url";
  part["image_url"] = std::move(image_url);
  return part;
}

// A tool_use block as a neutral tool call; `input` must be an object.
Result<providers::ToolCall> ToolUse(const json::object& block, const std::string& field) {
  providers::ToolCall call;
  Result<std::string> id = RequiredString(block, "id", Path(field, "id"));
  if (!id) {
    return id.error();
  }
  Result<std::string> name = RequiredString(block, "name", Path(field, "name"));
  if (!name) {
    return name.error();
  }
  const json::value* input = block.if_contains("input");
  if (input == nullptr) {
    return MissingField(Path(field, "input"));
  }
  if (!input->is_object()) {
    return TypeError(Path(field, "input"), "a valid dictionary");
  }
  call.id = std::move(*id);
  call.name = std::move(*name);
  call.arguments = json::serialize(*input);
  return call;
}

// A tool_result block as a neutral "tool" message.
Result<ChatMessage> ToolResult(const json::object& block, const std::string& field) {
  Result<std::string> id = RequiredString(block, "tool_use_id", Path(field, "tool_use_id"));
  if (!id) {
    return id.error();
  }
  ChatMessage message;
  message.role = "tool";
  message.tool_call_id = std::move(*id);
  if (const json::value* content = block.if_contains("content");
      content != nullptr && !content->is_null()) {
    json::array ignored_images;
    Result<std::string> text =
        TextOfBlocks(*content, Path(field, "content"), "\n", &ignored_images);
    if (!text) {
      return text.error();
    }
    message.content = std::move(*text);
  }
  return message;
}

// One client message, which may become several neutral ones: the tool results of a
// user turn come first (OpenAI-style upstreams need them right after the assistant's
// calls), then the turn's text and images.
class MessageReader {
 public:
  MessageReader(ChatRequest& chat, routing::Constraints& constraints)
      : chat_(chat), constraints_(constraints) {}

  // Reads messages[index]; returns the text of its text blocks (for the query).
  Result<std::string> Read(const json::value& value, std::size_t index) {
    const std::string field = Path("messages", index);
    if (!value.is_object()) {
      return TypeError(field, "a valid message object");
    }
    const json::object& object = value.get_object();
    Result<std::string> role = RequiredString(object, "role", Path(field, "role"));
    if (!role) {
      return role.error();
    }
    if (*role != "user" && *role != "assistant") {
      return ValueError(Path(field, "role"), "Input should be 'user' or 'assistant'");
    }
    const json::value* content = object.if_contains("content");
    if (content == nullptr) {
      return MissingField(Path(field, "content"));
    }
    ChatMessage message;
    message.role = *role;
    if (content->is_string()) {
      message.content = Text(content->get_string());
      chat_.messages.push_back(message);
      return message.content;
    }
    if (!content->is_array()) {
      return TypeError(Path(field, "content"), "a valid string or a list of content blocks");
    }
    Status blocks = ReadBlocks(content->get_array(), Path(field, "content"), message);
    if (!blocks) {
      return blocks.error();
    }
    std::string text = message.content;
    if (!message.content.empty() || !message.content_json.empty() || !message.tool_calls.empty()) {
      chat_.messages.push_back(std::move(message));
    }
    return text;
  }

  // The text of the tool results read so far, for a query when no user turn has text.
  const std::string& tool_result_text() const { return tool_result_text_; }

 private:
  // The OpenAI parts of a turn, kept as its `content_json` only when an image is present.
  struct Parts {
    json::array items{};
    bool has_image{false};
  };

  Status ReadBlocks(const json::array& blocks, const std::string& field, ChatMessage& message) {
    Parts parts;
    std::size_t index = 0;
    for (const json::value& value : blocks) {
      if (Status read = ReadBlock(value, Path(field, index++), message, parts); !read) {
        return read;
      }
    }
    if (parts.has_image) {
      message.content_json = json::serialize(parts.items);
    }
    return {};
  }

  Status ReadBlock(const json::value& value, const std::string& field, ChatMessage& message,
                   Parts& parts) {
    if (!value.is_object()) {
      return TypeError(field, "a valid content block object");
    }
    const json::object& block = value.get_object();
    Result<std::string> type = RequiredString(block, "type", Path(field, "type"));
    if (!type) {
      return type.error();
    }
    if (*type == "text") {
      return ReadText(block, field, message, parts);
    }
    if (*type == "image") {
      Result<json::object> part = ImagePart(block, field);
      if (!part) {
        return part.error();
      }
      parts.items.emplace_back(std::move(*part));
      parts.has_image = true;
      constraints_.required_capabilities.push_back(routing::Capability::kVision);
      return {};
    }
    if (*type == "tool_use") {
      return ReadToolUse(block, field, message);
    }
    if (*type == "tool_result") {
      return ReadToolResult(block, field, message);
    }
    if (*type == "thinking" || *type == "redacted_thinking") {
      return {};  // The model's own reasoning; no neutral form, safe to drop.
    }
    return ValueError(Path(field, "type"),
                      "content block type '" + *type
                          + "' is not supported; use text, image, tool_use or tool_result");
  }

  static Status ReadText(const json::object& block, const std::string& field, ChatMessage& message,
                         Parts& parts) {
    Result<std::string> text = RequiredString(block, "text", Path(field, "text"));
    if (!text) {
      return text.error();
    }
    if (!message.content.empty()) {
      message.content += '\n';
    }
    message.content += *text;
    json::object part;
    part["type"] = "text";
    part["text"] = *text;
    parts.items.emplace_back(std::move(part));
    return {};
  }

  static Status ReadToolUse(const json::object& block, const std::string& field,
                            ChatMessage& message) {
    if (message.role != "assistant") {
      return ValueError(Path(field, "type"),
                        "tool_use blocks may only appear in assistant messages");
    }
    Result<providers::ToolCall> call = ToolUse(block, field);
    if (!call) {
      return call.error();
    }
    message.tool_calls.push_back(std::move(*call));
    return {};
  }

  Status ReadToolResult(const json::object& block, const std::string& field,
                        const ChatMessage& message) {
    if (message.role != "user") {
      return ValueError(Path(field, "type"), "tool_result blocks may only appear in user messages");
    }
    Result<ChatMessage> result = ToolResult(block, field);
    if (!result) {
      return result.error();
    }
    if (!result->content.empty()) {
      tool_result_text_ = result->content;
    }
    chat_.messages.push_back(std::move(*result));
    return {};
  }

  ChatRequest& chat_;
  routing::Constraints& constraints_;
  std::string tool_result_text_{};
};

Status ReadSystem(const json::object& body, ChatRequest& chat) {
  const json::value* system = body.if_contains("system");
  if (system == nullptr || system->is_null()) {
    return {};
  }
  Result<std::string> text = TextOfBlocks(*system, "system", "\n\n", nullptr);
  if (!text) {
    return text.error();
  }
  if (!text->empty()) {
    ChatMessage message;
    message.role = "system";
    message.content = std::move(*text);
    chat.messages.push_back(std::move(message));
  }
  return {};
}

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Reads `messages`; the query is the text of the last user turn that has some.
Status ReadMessages(const json::object& body, MessagesRequest& request) {
  const json::value* messages = body.if_contains("messages");
  if (messages == nullptr) {
    return MissingField("messages");
  }
  if (!messages->is_array()) {
    return TypeError("messages", "a valid list");
  }
  if (messages->get_array().empty()) {
    return ValueError("messages", "at least one message is required");
  }
  MessageReader reader(request.chat, request.route.constraints);
  std::string query;
  std::size_t index = 0;
  for (const json::value& message : messages->get_array()) {
    Result<std::string> text = reader.Read(message, index++);
    if (!text) {
      return text.error();
    }
    // Read() checked that the message is an object with a string role.
    if (StringOr(message.get_object(), "role") == "user" && !IsBlank(*text)) {
      query = std::move(*text);
    }
  }
  if (IsBlank(query)) {
    query = reader.tool_result_text();
  }
  if (IsBlank(query)) {
    return ValueError("messages", "must contain a user message with text");
  }
  request.route.query = std::move(query);
  return {};
}

Status ReadTools(const json::object& body, MessagesRequest& request) {
  const json::value* tools = body.if_contains("tools");
  if (tools == nullptr || tools->is_null()) {
    return {};
  }
  if (!tools->is_array()) {
    return TypeError("tools", "a valid list");
  }
  std::size_t index = 0;
  for (const json::value& value : tools->get_array()) {
    const std::string field = Path("tools", index++);
    if (!value.is_object()) {
      return TypeError(field, "a valid tool object");
    }
    const json::object& tool = value.get_object();
    if (const std::string_view type = StringOr(tool, "type", "custom"); type != "custom") {
      return ValueError(Path(field, "type"), "server tool '" + std::string(type)
                                                 + "' is not supported; only custom tools are");
    }
    Result<std::string> name = RequiredString(tool, "name", Path(field, "name"));
    if (!name) {
      return name.error();
    }
    providers::ToolDefinition definition;
    definition.name = std::move(*name);
    if (const json::value* description = tool.if_contains("description");
        description != nullptr && !description->is_null()) {
      if (!description->is_string()) {
        return TypeError(Path(field, "description"), "a valid string");
      }
      definition.description = Text(description->get_string());
    }
    const json::value* schema = tool.if_contains("input_schema");
    if (schema == nullptr) {
      return MissingField(Path(field, "input_schema"));
    }
    if (!schema->is_object()) {
      return TypeError(Path(field, "input_schema"), "a valid dictionary");
    }
    definition.parameters_json = json::serialize(*schema);
    request.chat.tools.push_back(std::move(definition));
  }
  if (!request.chat.tools.empty()) {
    request.route.constraints.required_capabilities.push_back(routing::Capability::kTools);
  }
  return {};
}

Status ReadToolChoice(const json::object& body, ChatRequest& chat) {
  const json::value* choice = body.if_contains("tool_choice");
  if (choice == nullptr || choice->is_null()) {
    return {};
  }
  if (!choice->is_object()) {
    return TypeError("tool_choice", "a valid dictionary");
  }
  Result<std::string> type = RequiredString(choice->get_object(), "type", "tool_choice.type");
  if (!type) {
    return type.error();
  }
  if (*type == "auto" || *type == "none") {
    chat.tool_choice = *type;
  } else if (*type == "any") {
    chat.tool_choice = "required";
  } else if (*type == "tool") {
    Result<std::string> name = RequiredString(choice->get_object(), "name", "tool_choice.name");
    if (!name) {
      return name.error();
    }
    chat.tool_choice = std::move(*name);
  } else {
    return ValueError("tool_choice.type", "Input should be 'auto', 'any', 'tool' or 'none'");
  }
  return {};
}

Status ReadSampling(const json::object& body, ChatRequest& chat) {
  Result<std::optional<double>> temperature = UnitNumber(body, "temperature");
  if (!temperature) {
    return temperature.error();
  }
  chat.temperature = *temperature;
  Result<std::optional<double>> top_p = UnitNumber(body, "top_p");
  if (!top_p) {
    return top_p.error();
  }
  chat.top_p = *top_p;
  // top_k has no neutral equivalent (OpenAI has none); it is accepted and ignored.
  if (const json::value* stop = body.if_contains("stop_sequences");
      stop != nullptr && !stop->is_null()) {
    if (!stop->is_array()) {
      return TypeError("stop_sequences", "a valid list");
    }
    std::size_t index = 0;
    for (const json::value& sequence : stop->get_array()) {
      if (!sequence.is_string()) {
        return TypeError(Path("stop_sequences", index), "a valid string");
      }
      chat.stop.push_back(Text(sequence.get_string()));
      ++index;
    }
  }
  return {};
}

Status ReadFlags(const json::object& body, ChatRequest& chat) {
  if (const json::value* stream = body.if_contains("stream");
      stream != nullptr && !stream->is_null()) {
    if (!stream->is_bool()) {
      return TypeError("stream", "a valid boolean");
    }
    chat.stream = stream->get_bool();
  }
  if (const json::value* metadata = body.if_contains("metadata");
      metadata != nullptr && !metadata->is_null()) {
    if (!metadata->is_object()) {
      return TypeError("metadata", "a valid dictionary");
    }
    if (const json::value* user = metadata->get_object().if_contains("user_id");
        user != nullptr && !user->is_null()) {
      if (!user->is_string()) {
        return TypeError("metadata.user_id", "a valid string");
      }
      chat.user = Text(user->get_string());
    }
  }
  return {};
}

Status ReadModelAndLimit(const json::object& body, MessagesRequest& request) {
  Result<std::string> model = RequiredString(body, "model", "model");
  if (!model) {
    return model.error();
  }
  if (model->empty()) {
    return ValueError("model", "String should have at least 1 character");
  }
  request.chat.model = *model;
  if (*model != "auto") {
    request.route.constraints.pinned_model = std::move(*model);
  }
  const json::value* max_tokens = body.if_contains("max_tokens");
  if (max_tokens == nullptr || max_tokens->is_null()) {
    return MissingField("max_tokens");
  }
  if (!max_tokens->is_int64() && !max_tokens->is_uint64()) {
    return TypeError("max_tokens", "a valid integer");
  }
  const std::int64_t limit =
      max_tokens->is_int64()
          ? max_tokens->get_int64()
          : static_cast<std::int64_t>(std::min<std::uint64_t>(
              max_tokens->get_uint64(), std::numeric_limits<std::int64_t>::max()));
  if (limit < 1) {
    return ValueError("max_tokens", "Input should be greater than or equal to 1");
  }
  request.chat.max_tokens = limit;
  request.route.constraints.max_tokens = limit;
  return {};
}

}  // namespace

Result<MessagesRequest> ParseMessagesRequest(std::string_view body) {
  Result<json::value> parsed = ParseJsonBody(body);
  if (!parsed) {
    return parsed.error();
  }
  if (!parsed->is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_TYPE",
                "request body must be a JSON object")
        .With("field", "$");
  }
  const json::object& object = parsed->get_object();
  MessagesRequest request;
  if (Status read = ReadModelAndLimit(object, request); !read) {
    return read.error();
  }
  if (Status read = ReadSystem(object, request.chat); !read) {
    return read.error();
  }
  if (Status read = ReadMessages(object, request); !read) {
    return read.error();
  }
  if (Status read = ReadTools(object, request); !read) {
    return read.error();
  }
  if (Status read = ReadToolChoice(object, request.chat); !read) {
    return read.error();
  }
  if (Status read = ReadSampling(object, request.chat); !read) {
    return read.error();
  }
  if (Status read = ReadFlags(object, request.chat); !read) {
    return read.error();
  }
  auto& capabilities = request.route.constraints.required_capabilities;
  std::sort(capabilities.begin(), capabilities.end());
  capabilities.erase(std::unique(capabilities.begin(), capabilities.end()), capabilities.end());
  request.route.input_tokens = accounting::EstimatePromptTokens(request.chat);
  return request;
}

}  // namespace amaima::api::anthropic
