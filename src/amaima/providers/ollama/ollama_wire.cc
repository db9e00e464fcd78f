#include "amaima/providers/ollama/ollama_wire.h"

#include <cstdint>
#include <optional>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "amaima/providers/json_fields.h"

namespace amaima::providers::ollama {
namespace {

namespace json = boost::json;

// "call_<index>_<8 hex digits of the FNV-1a hash of name and arguments>".
std::string DeriveCallId(int index, std::string_view name, std::string_view arguments) {
  std::uint64_t hash = 14695981039346656037ULL;
  const auto mix = [&hash](std::string_view bytes) {
    for (const char c : bytes) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
  };
  mix(name);
  mix(std::string_view("\0", 1));
  mix(arguments);
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string hex(8, '0');
  for (std::size_t i = hex.size(); i-- > 0; hash >>= 4) {
    hex[i] = kDigits[hash & 0xfU];
  }
  return "call_" + std::to_string(index) + "_" + hex;
}

// The base64 payloads of the data: URL images among a message's content parts.
json::array Images(const ChatMessage& message) {
  json::array images;
  if (message.content_json.empty()) {
    return images;
  }
  const json::value parts = ParseOrNull(message.content_json);
  if (!parts.is_array()) {
    return images;
  }
  for (const json::value& part : parts.get_array()) {
    if (!part.is_object() || StringOr(part.get_object(), "type") != "image_url") {
      continue;
    }
    std::string_view url;
    if (const json::object* image = ObjectAt(part.get_object(), "image_url"); image != nullptr) {
      url = StringOr(*image, "url");
    } else {
      url = StringOr(part.get_object(), "image_url");
    }
    constexpr std::string_view kMarker = ";base64,";
    const std::size_t marker = url.find(kMarker);
    if (url.starts_with("data:") && marker != std::string_view::npos) {
      images.emplace_back(url.substr(marker + kMarker.size()));
    }
  }
  return images;
}

std::string FunctionNameFor(const ChatRequest& request, std::size_t before) {
  const ChatMessage& tool = request.messages[before];
  for (std::size_t i = before; i-- > 0;) {
    for (const ToolCall& call : request.messages[i].tool_calls) {
      if (call.id == tool.tool_call_id) {
        return call.name;
      }
    }
  }
  return tool.name;
}

json::array BuildMessages(const ChatRequest& request) {
  json::array messages;
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    const ChatMessage& message = request.messages[i];
    json::object item;
    item["role"] = message.role == "developer" ? std::string("system") : message.role;
    item["content"] = message.content;
    if (json::array images = Images(message); !images.empty()) {
      item["images"] = std::move(images);
    }
    if (!message.tool_calls.empty()) {
      json::array calls;
      for (const ToolCall& call : message.tool_calls) {
        json::value arguments = ParseOrNull(call.arguments);
        if (!arguments.is_object()) {
          arguments = json::object{};
        }
        json::object function;
        function["name"] = call.name;
        function["arguments"] = std::move(arguments);
        json::object entry;
        entry["function"] = std::move(function);
        calls.emplace_back(std::move(entry));
      }
      item["tool_calls"] = std::move(calls);
    }
    if (message.role == "tool") {
      if (const std::string name = FunctionNameFor(request, i); !name.empty()) {
        item["tool_name"] = name;
      }
    }
    messages.emplace_back(std::move(item));
  }
  return messages;
}

json::array ToolsArray(const ChatRequest& request) {
  json::array tools;
  const bool named = request.tool_choice != "auto" && request.tool_choice != "required"
                     && !request.tool_choice.empty();
  for (const ToolDefinition& tool : request.tools) {
    if (named && tool.name != request.tool_choice) {
      continue;
    }
    json::object function;
    function["name"] = tool.name;
    if (!tool.description.empty()) {
      function["description"] = tool.description;
    }
    if (json::value parameters = ParseOrNull(tool.parameters_json); parameters.is_object()) {
      function["parameters"] = std::move(parameters);
    }
    json::object item;
    item["type"] = "function";
    item["function"] = std::move(function);
    tools.emplace_back(std::move(item));
  }
  return tools;
}

std::string MapDoneReason(std::string_view reason, bool has_tool_calls) {
  if (has_tool_calls) {
    return "tool_calls";
  }
  return reason == "length" ? "length" : "stop";
}

std::optional<Usage> ReadUsage(const json::object& object) {
  if (!object.contains("prompt_eval_count") && !object.contains("eval_count")) {
    return std::nullopt;
  }
  return Usage{IntOr(object, "prompt_eval_count"), IntOr(object, "eval_count"), false};
}

// The text and tool calls of an answer's message; ids derive from `next_index`, which
// counts calls across a stream.
Status ReadMessage(const json::object& message, std::string& text, std::vector<ToolCall>& calls,
                   int& next_index) {
  text = std::string(StringOr(message, "content"));
  const json::value* tool_calls = message.if_contains("tool_calls");
  if (tool_calls == nullptr || tool_calls->is_null()) {
    return {};
  }
  if (!tool_calls->is_array()) {
    return BadUpstream("upstream tool_calls is not an array");
  }
  for (const json::value& item : tool_calls->get_array()) {
    const json::object* function =
        item.is_object() ? ObjectAt(item.get_object(), "function") : nullptr;
    if (function == nullptr) {
      return BadUpstream("upstream tool call has no function");
    }
    ToolCall call;
    call.name = std::string(StringOr(*function, "name"));
    if (call.name.empty()) {
      return BadUpstream("upstream tool call has no name");
    }
    const json::value* arguments = function->if_contains("arguments");
    if (arguments == nullptr || arguments->is_null()) {
      call.arguments = "{}";
    } else if (arguments->is_string()) {
      call.arguments.assign(arguments->get_string().data(), arguments->get_string().size());
    } else {
      call.arguments = json::serialize(*arguments);
    }
    const int index = next_index++;
    call.id = std::string(StringOr(item.get_object(), "id"));
    if (call.id.empty()) {
      call.id = DeriveCallId(index, call.name, call.arguments);
    }
    calls.push_back(std::move(call));
  }
  return {};
}

}  // namespace

std::string SerializeChatRequest(const ChatRequest& request) {
  json::object body;
  body["model"] = request.model;
  body["messages"] = BuildMessages(request);
  body["stream"] = request.stream;
  if (request.json_mode) {
    body["format"] = "json";
  }
  json::object options;
  if (request.temperature) {
    options["temperature"] = *request.temperature;
  }
  if (request.top_p) {
    options["top_p"] = *request.top_p;
  }
  if (request.max_tokens) {
    options["num_predict"] = *request.max_tokens;
  }
  if (!request.stop.empty()) {
    json::array stop;
    for (const std::string& s : request.stop) {
      stop.emplace_back(s);
    }
    options["stop"] = std::move(stop);
  }
  if (request.seed) {
    options["seed"] = *request.seed;
  }
  if (!options.empty()) {
    body["options"] = std::move(options);
  }
  if (!request.tools.empty() && request.tool_choice != "none") {
    if (json::array tools = ToolsArray(request); !tools.empty()) {
      body["tools"] = std::move(tools);
    }
  }
  return json::serialize(body);
}

Result<ChatResponse> ParseChatResponse(std::string_view body) {
  const json::value value = ParseOrNull(body);
  if (!value.is_object()) {
    return BadUpstream("upstream answer is not a JSON object");
  }
  const json::object& object = value.get_object();
  if (object.contains("error")) {
    return BadUpstream("upstream answered with an error: " + UpstreamErrorMessage(body));
  }
  const json::object* message = ObjectAt(object, "message");
  if (message == nullptr) {
    return BadUpstream("upstream answer has no message");
  }
  ChatResponse response;
  response.model = std::string(StringOr(object, "model"));
  int next_index = 0;
  if (Status read = ReadMessage(*message, response.content, response.tool_calls, next_index);
      !read) {
    return read.error();
  }
  response.finish_reason =
      MapDoneReason(StringOr(object, "done_reason"), !response.tool_calls.empty());
  response.usage = ReadUsage(object);
  return response;
}

std::string UpstreamErrorMessage(std::string_view body) {
  const json::value value = ParseOrNull(body);
  if (value.is_object()) {
    const std::string_view message = StringOr(value.get_object(), "error");
    if (!message.empty()) {
      return std::string(message);
    }
  }
  constexpr std::size_t kMax = 200;
  return std::string(body.substr(0, kMax));
}

std::string SerializeEmbeddingRequest(const EmbeddingRequest& request) {
  json::object body;
  body["model"] = request.model;
  json::array input;
  for (const std::string& text : request.inputs) {
    input.emplace_back(text);
  }
  body["input"] = std::move(input);
  if (request.dimensions) {
    body["dimensions"] = *request.dimensions;
  }
  return json::serialize(body);
}

Result<EmbeddingResponse> ParseEmbeddingResponse(std::string_view body) {
  const json::value value = ParseOrNull(body);
  if (!value.is_object()) {
    return BadUpstream("upstream answer is not a JSON object");
  }
  const json::object& object = value.get_object();
  const json::array* embeddings = ArrayAt(object, "embeddings");
  if (embeddings == nullptr) {
    return BadUpstream("upstream embeddings answer has no embeddings");
  }
  EmbeddingResponse response;
  response.model = std::string(StringOr(object, "model"));
  response.vectors.reserve(embeddings->size());
  for (const json::value& item : *embeddings) {
    if (!item.is_array()) {
      return BadUpstream("upstream embedding is not an array");
    }
    std::vector<float> vector;
    vector.reserve(item.get_array().size());
    for (const json::value& x : item.get_array()) {
      if (!x.is_number()) {
        return BadUpstream("upstream embedding holds a non-number");
      }
      vector.push_back(x.to_number<float>());
    }
    response.vectors.push_back(std::move(vector));
  }
  response.usage.prompt_tokens = IntOr(object, "prompt_eval_count");
  return response;
}

ChatChunk StreamDecoder::NewChunk() const {
  ChatChunk chunk;
  chunk.model = model_;
  return chunk;
}

Result<std::vector<ChatChunk>> StreamDecoder::Feed(std::string_view ndjson_line) {
  std::vector<ChatChunk> out;
  if (finished_ || ndjson_line.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return out;
  }
  const json::value value = ParseOrNull(ndjson_line);
  if (!value.is_object()) {
    return BadUpstream("upstream stream line is not a JSON object");
  }
  const json::object& object = value.get_object();
  if (object.contains("error")) {
    return Fail(ErrorCode::kUnavailable, "UPSTREAM_STREAM_ERROR",
                "upstream reported an error mid-stream: " + UpstreamErrorMessage(ndjson_line));
  }
  if (model_.empty()) {
    model_ = std::string(StringOr(object, "model"));
  }
  if (!started_) {
    started_ = true;
    ChatChunk chunk = NewChunk();
    chunk.role_start = true;
    out.push_back(std::move(chunk));
  }
  if (const json::object* message = ObjectAt(object, "message"); message != nullptr) {
    std::string text;
    std::vector<ToolCall> calls;
    const int first_index = next_tool_index_;
    if (Status read = ReadMessage(*message, text, calls, next_tool_index_); !read) {
      return read.error();
    }
    if (!text.empty()) {
      ChatChunk chunk = NewChunk();
      chunk.content = std::move(text);
      out.push_back(std::move(chunk));
    }
    for (std::size_t i = 0; i < calls.size(); ++i) {
      ToolCallDelta delta;
      delta.index = first_index + static_cast<int>(i);
      delta.id = std::move(calls[i].id);
      delta.name = std::move(calls[i].name);
      delta.arguments = std::move(calls[i].arguments);
      ChatChunk chunk = NewChunk();
      chunk.tool_calls.push_back(std::move(delta));
      out.push_back(std::move(chunk));
      saw_tool_call_ = true;
    }
  }
  const json::value* done = object.if_contains("done");
  if (done == nullptr || !done->is_bool() || !done->get_bool()) {
    return out;
  }
  finished_ = true;
  ChatChunk finish = NewChunk();
  finish.finish_reason = MapDoneReason(StringOr(object, "done_reason"), saw_tool_call_);
  out.push_back(std::move(finish));
  if (std::optional<Usage> usage = ReadUsage(object)) {
    ChatChunk chunk = NewChunk();
    chunk.usage = usage;
    out.push_back(std::move(chunk));
  }
  return out;
}

}  // namespace amaima::providers::ollama
