#include "amaima/providers/anthropic/anthropic_wire.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "amaima/providers/json_fields.h"

namespace amaima::providers::anthropic {
namespace {

namespace json = boost::json;

// Appended to the system prompt for json_mode: Anthropic has no JSON response format.
constexpr std::string_view kJsonModeInstruction =
    "Respond with one valid JSON object only, with no text before or after it.";

json::object TextBlock(std::string_view text) {
  json::object block;
  block["type"] = "text";
  block["text"] = text;
  return block;
}

// An image block for an OpenAI image_url: a data: URL becomes a base64 source, an
// http(s) URL a url source; anything else is dropped.
std::optional<json::object> ImageBlock(std::string_view url) {
  json::object source;
  if (url.starts_with("data:")) {
    constexpr std::string_view kMarker = ";base64,";
    const std::size_t marker = url.find(kMarker);
    if (marker == std::string_view::npos) {
      return std::nullopt;
    }
    source["type"] = "base64";
    source["media_type"] = url.substr(5, marker - 5);
    source["data"] = url.substr(marker + kMarker.size());
  } else if (url.starts_with("https://") || url.starts_with("http://")) {
    source["type"] = "url";
    source["url"] = url;
  } else {
    return std::nullopt;
  }
  json::object block;
  block["type"] = "image";
  block["source"] = std::move(source);
  return block;
}

// The URL of an OpenAI image_url part ({"image_url": {"url"}} or {"image_url": "..."}).
std::string_view ImageUrlOf(const json::object& part) {
  if (const json::object* image = ObjectAt(part, "image_url"); image != nullptr) {
    return StringOr(*image, "url");
  }
  return StringOr(part, "image_url");
}

// The block for one OpenAI content part; nothing for empty text and unsupported parts.
std::optional<json::object> PartBlock(const json::value& part) {
  if (!part.is_object()) {
    return std::nullopt;
  }
  const json::object& object = part.get_object();
  const std::string_view type = StringOr(object, "type");
  if (type == "text") {
    const std::string_view text = StringOr(object, "text");
    return text.empty() ? std::nullopt : std::optional<json::object>(TextBlock(text));
  }
  if (type == "image_url") {
    return ImageBlock(ImageUrlOf(object));
  }
  return std::nullopt;
}

// Appends the content blocks of a user or assistant message: its parts when the client
// sent an array, else its text. Empty text is skipped (Anthropic rejects empty blocks).
void AppendContentBlocks(const ChatMessage& message, json::array& blocks) {
  if (!message.content_json.empty()) {
    const json::value parts = ParseOrNull(message.content_json);
    if (parts.is_array()) {
      for (const json::value& part : parts.get_array()) {
        if (std::optional<json::object> block = PartBlock(part)) {
          blocks.emplace_back(std::move(*block));
        }
      }
      return;
    }
  }
  if (!message.content.empty()) {
    blocks.emplace_back(TextBlock(message.content));
  }
}

// The tool_use input: the arguments when they are a JSON object, else {}.
json::value ToolInput(const std::string& arguments) {
  json::value input = ParseOrNull(arguments);
  if (!input.is_object()) {
    return json::object{};
  }
  return input;
}

struct Turn {
  std::string role{};
  json::array blocks{};
};

// The turn of a user, assistant or tool message (blocks may be empty).
Turn TurnOf(const ChatMessage& message) {
  Turn turn;
  if (message.role == "tool") {
    turn.role = "user";
    json::object result;
    result["type"] = "tool_result";
    result["tool_use_id"] = message.tool_call_id;
    if (!message.content.empty()) {
      result["content"] = message.content;
    }
    turn.blocks.emplace_back(std::move(result));
    return turn;
  }
  turn.role = message.role == "assistant" ? "assistant" : "user";
  AppendContentBlocks(message, turn.blocks);
  if (message.role == "assistant") {
    for (const ToolCall& call : message.tool_calls) {
      json::object use;
      use["type"] = "tool_use";
      use["id"] = call.id;
      use["name"] = call.name;
      use["input"] = ToolInput(call.arguments);
      turn.blocks.emplace_back(std::move(use));
    }
  }
  return turn;
}

// Converts the messages into alternating turns and collects the system text.
json::array BuildMessages(const ChatRequest& request, std::string& system) {
  std::vector<Turn> turns;
  for (const ChatMessage& message : request.messages) {
    if (message.role == "system" || message.role == "developer") {
      if (!message.content.empty()) {
        system += system.empty() ? "" : "\n\n";
        system += message.content;
      }
      continue;
    }
    Turn turn = TurnOf(message);
    if (turn.blocks.empty()) {
      continue;
    }
    if (!turns.empty() && turns.back().role == turn.role) {
      for (json::value& block : turn.blocks) {
        turns.back().blocks.push_back(std::move(block));
      }
    } else {
      turns.push_back(std::move(turn));
    }
  }
  json::array messages;
  for (Turn& turn : turns) {
    json::object item;
    item["role"] = turn.role;
    item["content"] = std::move(turn.blocks);
    messages.emplace_back(std::move(item));
  }
  return messages;
}

json::array ToolsArray(const std::vector<ToolDefinition>& tools) {
  json::array out;
  for (const ToolDefinition& tool : tools) {
    json::object item;
    item["name"] = tool.name;
    if (!tool.description.empty()) {
      item["description"] = tool.description;
    }
    json::value schema = ParseOrNull(tool.parameters_json);
    if (!schema.is_object()) {
      // input_schema is required; a function without parameters takes an empty object.
      json::object empty;
      empty["type"] = "object";
      empty["properties"] = json::object{};
      schema = std::move(empty);
    }
    item["input_schema"] = std::move(schema);
    out.emplace_back(std::move(item));
  }
  return out;
}

json::object ToolChoice(const std::string& choice) {
  json::object out;
  if (choice == "auto" || choice == "none") {
    out["type"] = choice;
  } else if (choice == "required") {
    out["type"] = "any";
  } else {
    out["type"] = "tool";
    out["name"] = choice;
  }
  return out;
}

std::string MapStopReason(std::string_view reason) {
  if (reason.empty()) {
    return "";
  }
  if (reason == "max_tokens" || reason == "model_context_window_exceeded") {
    return "length";
  }
  if (reason == "tool_use") {
    return "tool_calls";
  }
  if (reason == "refusal") {
    return "content_filter";
  }
  return "stop";  // end_turn, stop_sequence, pause_turn and anything newer
}

// Input tokens as OpenAI counts them: Anthropic reports cache reads and writes apart.
std::int64_t PromptTokens(const json::object& usage) {
  return IntOr(usage, "input_tokens") + IntOr(usage, "cache_creation_input_tokens")
         + IntOr(usage, "cache_read_input_tokens");
}

}  // namespace

std::string SerializeChatRequest(const ChatRequest& request) {
  json::object body;
  body["model"] = request.model;
  body["max_tokens"] = request.max_tokens.value_or(kDefaultMaxTokens);
  std::string system;
  body["messages"] = BuildMessages(request, system);
  if (request.json_mode) {
    system += system.empty() ? "" : "\n\n";
    system += kJsonModeInstruction;
  }
  if (!system.empty()) {
    body["system"] = system;
  }
  if (request.temperature) {
    body["temperature"] = std::clamp(*request.temperature, 0.0, 1.0);
  }
  if (request.top_p) {
    body["top_p"] = *request.top_p;
  }
  if (!request.stop.empty()) {
    json::array stop;
    for (const std::string& s : request.stop) {
      stop.emplace_back(s);
    }
    body["stop_sequences"] = std::move(stop);
  }
  if (!request.tools.empty()) {
    body["tools"] = ToolsArray(request.tools);
    if (!request.tool_choice.empty()) {
      body["tool_choice"] = ToolChoice(request.tool_choice);
    }
  }
  if (!request.user.empty()) {
    json::object metadata;
    metadata["user_id"] = request.user;
    body["metadata"] = std::move(metadata);
  }
  if (request.stream) {
    body["stream"] = true;
  }
  return json::serialize(body);
}

Result<ChatResponse> ParseChatResponse(std::string_view body) {
  const json::value value = ParseOrNull(body);
  if (!value.is_object()) {
    return BadUpstream("upstream answer is not a JSON object");
  }
  const json::object& object = value.get_object();
  if (StringOr(object, "type") == "error") {
    return BadUpstream("upstream answered with an error: " + UpstreamErrorMessage(body));
  }
  const json::value* content = object.if_contains("content");
  if (content == nullptr || !content->is_array()) {
    return BadUpstream("upstream message has no content array");
  }
  ChatResponse response;
  response.id = std::string(StringOr(object, "id"));
  response.model = std::string(StringOr(object, "model"));
  for (const json::value& block : content->get_array()) {
    if (!block.is_object()) {
      return BadUpstream("upstream content block is not an object");
    }
    const json::object& b = block.get_object();
    const std::string_view type = StringOr(b, "type");
    if (type == "text") {
      response.content += StringOr(b, "text");
    } else if (type == "tool_use") {
      ToolCall call;
      call.id = std::string(StringOr(b, "id"));
      call.name = std::string(StringOr(b, "name"));
      const json::value* input = b.if_contains("input");
      call.arguments = input != nullptr ? json::serialize(*input) : "{}";
      if (call.id.empty() || call.name.empty()) {
        return BadUpstream("upstream tool_use block has no id or name");
      }
      response.tool_calls.push_back(std::move(call));
    }
  }
  response.finish_reason = MapStopReason(StringOr(object, "stop_reason"));
  if (const json::object* usage = ObjectAt(object, "usage"); usage != nullptr) {
    response.usage = Usage{PromptTokens(*usage), IntOr(*usage, "output_tokens"), false};
  }
  return response;
}

std::string UpstreamErrorMessage(std::string_view body) {
  const json::value value = ParseOrNull(body);
  if (value.is_object()) {
    if (const json::object* error = ObjectAt(value.get_object(), "error"); error != nullptr) {
      const std::string_view type = StringOr(*error, "type");
      const std::string_view message = StringOr(*error, "message");
      if (!message.empty()) {
        return type.empty() ? std::string(message)
                            : std::string(type) + ": " + std::string(message);
      }
    }
  }
  constexpr std::size_t kMax = 200;
  return std::string(body.substr(0, kMax));
}

ChatChunk StreamDecoder::NewChunk() const {
  ChatChunk chunk;
  chunk.id = id_;
  chunk.model = model_;
  return chunk;
}

void StreamDecoder::EnsureStarted(std::vector<ChatChunk>& out) {
  if (started_) {
    return;
  }
  started_ = true;
  ChatChunk chunk = NewChunk();
  chunk.role_start = true;
  out.push_back(std::move(chunk));
}

Status StreamDecoder::OnMessageStart(const json::object& event, std::vector<ChatChunk>& out) {
  const json::object* message = ObjectAt(event, "message");
  if (message == nullptr) {
    return BadUpstream("upstream message_start has no message");
  }
  id_ = std::string(StringOr(*message, "id"));
  model_ = std::string(StringOr(*message, "model"));
  if (const json::object* usage = ObjectAt(*message, "usage"); usage != nullptr) {
    usage_.prompt_tokens = PromptTokens(*usage);
    usage_.completion_tokens = IntOr(*usage, "output_tokens");
    has_usage_ = true;
  }
  EnsureStarted(out);
  return {};
}

Status StreamDecoder::OnBlockStart(const json::object& event, std::vector<ChatChunk>& out) {
  const json::object* block = ObjectAt(event, "content_block");
  if (block == nullptr) {
    return BadUpstream("upstream content_block_start has no content_block");
  }
  const std::string_view block_type = StringOr(*block, "type");
  if (block_type == "text") {
    EnsureStarted(out);
    if (const std::string_view text = StringOr(*block, "text"); !text.empty()) {
      ChatChunk chunk = NewChunk();
      chunk.content = std::string(text);
      out.push_back(std::move(chunk));
    }
    return {};
  }
  if (block_type != "tool_use") {
    return {};  // thinking and server tool blocks have no neutral form
  }
  const std::int64_t block_index = IntOr(event, "index", -1);
  ToolCallDelta delta;
  delta.id = std::string(StringOr(*block, "id"));
  delta.name = std::string(StringOr(*block, "name"));
  if (block_index < 0 || delta.id.empty() || delta.name.empty()) {
    return BadUpstream("upstream tool_use block has no index, id or name");
  }
  if (tool_blocks_.contains(block_index)) {
    return BadUpstream("upstream started content block " + std::to_string(block_index) + " twice");
  }
  // The input arrives as input_json_delta fragments; the block's own `input` is {}.
  delta.index = next_tool_index_++;
  tool_blocks_[block_index] = delta.index;
  EnsureStarted(out);
  ChatChunk chunk = NewChunk();
  chunk.tool_calls.push_back(std::move(delta));
  out.push_back(std::move(chunk));
  return {};
}

Status StreamDecoder::OnBlockDelta(const json::object& event, std::vector<ChatChunk>& out) {
  const json::object* delta = ObjectAt(event, "delta");
  if (delta == nullptr) {
    return BadUpstream("upstream content_block_delta has no delta");
  }
  const std::string_view delta_type = StringOr(*delta, "type");
  if (delta_type == "text_delta") {
    EnsureStarted(out);
    if (const std::string_view text = StringOr(*delta, "text"); !text.empty()) {
      ChatChunk chunk = NewChunk();
      chunk.content = std::string(text);
      out.push_back(std::move(chunk));
    }
  } else if (delta_type == "input_json_delta") {
    const auto block = tool_blocks_.find(IntOr(event, "index", -1));
    if (block == tool_blocks_.end()) {
      return BadUpstream("upstream input_json_delta for a block that is not a tool_use");
    }
    if (const std::string_view fragment = StringOr(*delta, "partial_json"); !fragment.empty()) {
      ToolCallDelta call;
      call.index = block->second;
      call.arguments = std::string(fragment);
      ChatChunk chunk = NewChunk();
      chunk.tool_calls.push_back(std::move(call));
      out.push_back(std::move(chunk));
    }
  }
  return {};  // thinking, signature and citation deltas have no neutral form
}

void StreamDecoder::OnMessageDelta(const json::object& event, std::vector<ChatChunk>& out) {
  if (const json::object* usage = ObjectAt(event, "usage"); usage != nullptr) {
    // Counts here are cumulative; input counts appear only in some API versions.
    if (usage->contains("input_tokens")) {
      usage_.prompt_tokens = PromptTokens(*usage);
    }
    usage_.completion_tokens = IntOr(*usage, "output_tokens", usage_.completion_tokens);
    has_usage_ = true;
  }
  const json::object* delta = ObjectAt(event, "delta");
  const std::string reason =
      delta != nullptr ? MapStopReason(StringOr(*delta, "stop_reason")) : std::string();
  if (reason.empty() || finish_sent_) {
    return;
  }
  EnsureStarted(out);
  finish_sent_ = true;
  ChatChunk chunk = NewChunk();
  chunk.finish_reason = reason;
  out.push_back(std::move(chunk));
}

void StreamDecoder::OnMessageStop(std::vector<ChatChunk>& out) {
  EnsureStarted(out);
  finished_ = true;
  if (!finish_sent_) {
    finish_sent_ = true;
    ChatChunk chunk = NewChunk();
    chunk.finish_reason = "stop";
    out.push_back(std::move(chunk));
  }
  if (has_usage_) {
    ChatChunk chunk = NewChunk();
    chunk.usage = usage_;
    out.push_back(std::move(chunk));
  }
}

Result<std::vector<ChatChunk>> StreamDecoder::Feed(const SseEvent& event) {
  std::vector<ChatChunk> out;
  if (finished_) {
    return out;
  }
  const json::value value = ParseOrNull(event.data);
  if (!value.is_object()) {
    return BadUpstream("upstream stream event is not a JSON object");
  }
  const json::object& object = value.get_object();
  const std::string_view type = StringOr(object, "type", event.event);
  Status handled;
  if (type == "error") {
    std::string upstream_type;
    if (const json::object* error = ObjectAt(object, "error"); error != nullptr) {
      upstream_type = std::string(StringOr(*error, "type"));
    }
    return Fail(ErrorCode::kUnavailable, "UPSTREAM_STREAM_ERROR",
                "upstream reported an error mid-stream: " + UpstreamErrorMessage(event.data))
        .With("upstream_type", std::move(upstream_type));
  }
  if (type == "message_start") {
    handled = OnMessageStart(object, out);
  } else if (type == "content_block_start") {
    handled = OnBlockStart(object, out);
  } else if (type == "content_block_delta") {
    handled = OnBlockDelta(object, out);
  } else if (type == "message_delta") {
    OnMessageDelta(object, out);
  } else if (type == "message_stop") {
    OnMessageStop(out);
  }
  // ping, content_block_stop and event types added after this was written yield nothing.
  if (!handled) {
    return handled.error();
  }
  return out;
}

}  // namespace amaima::providers::anthropic
