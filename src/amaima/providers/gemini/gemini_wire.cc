#include "amaima/providers/gemini/gemini_wire.h"

#include <cstdint>
#include <optional>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "amaima/providers/json_fields.h"

namespace amaima::providers::gemini {
namespace {

namespace json = boost::json;

// Google's documented stand-in for a thought signature that was not kept, accepted by
// Gemini 3 models on replayed function calls (the neutral types cannot carry the real one).
constexpr std::string_view kPlaceholderThoughtSignature = "skip_thought_signature_validator";

std::string_view BareModel(std::string_view model) {
  constexpr std::string_view kPrefix = "models/";
  return model.starts_with(kPrefix) ? model.substr(kPrefix.size()) : model;
}

// Whether `model` may enforce thought signatures on replayed function calls: a Gemini
// model of major version 3 or later, or an unversioned alias ("gemini-flash-latest"),
// which may point at one. Versions 1 and 2 do not enforce them.
bool EnforcesThoughtSignatures(std::string_view model) {
  model = BareModel(model);
  constexpr std::string_view kFamily = "gemini-";
  if (!model.starts_with(kFamily)) {
    return false;
  }
  const std::string_view rest = model.substr(kFamily.size());
  if (rest.empty() || rest.front() < '0' || rest.front() > '9') {
    return true;
  }
  int major = 0;
  for (const char c : rest) {
    if (c < '0' || c > '9') {
      break;
    }
    major = major * 10 + (c - '0');
    if (major >= 3) {
      return true;  // also keeps a long digit run from overflowing
    }
  }
  return false;
}

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

json::object TextPart(std::string_view text) {
  json::object part;
  part["text"] = text;
  return part;
}

// The URL of an OpenAI image_url part ({"image_url": {"url"}} or {"image_url": "..."}).
std::string_view ImageUrlOf(const json::object& part) {
  if (const json::object* image = ObjectAt(part, "image_url"); image != nullptr) {
    return StringOr(*image, "url");
  }
  return StringOr(part, "image_url");
}

// The Gemini part for one OpenAI content part: text, or inlineData for a data: URL image;
// nothing for empty text and anything else.
std::optional<json::object> PartFor(const json::value& item) {
  if (!item.is_object()) {
    return std::nullopt;
  }
  const json::object& object = item.get_object();
  const std::string_view type = StringOr(object, "type");
  if (type == "text") {
    const std::string_view text = StringOr(object, "text");
    return text.empty() ? std::nullopt : std::optional<json::object>(TextPart(text));
  }
  if (type != "image_url") {
    return std::nullopt;
  }
  const std::string_view url = ImageUrlOf(object);
  constexpr std::string_view kMarker = ";base64,";
  const std::size_t marker = url.find(kMarker);
  if (!url.starts_with("data:") || marker == std::string_view::npos) {
    return std::nullopt;
  }
  json::object inline_data;
  inline_data["mimeType"] = url.substr(5, marker - 5);
  inline_data["data"] = url.substr(marker + kMarker.size());
  json::object part;
  part["inlineData"] = std::move(inline_data);
  return part;
}

// Appends the parts of a user or assistant message: its text and image parts when the
// client sent an array, else its text. Empty text is skipped.
void AppendContentParts(const ChatMessage& message, json::array& parts) {
  if (!message.content_json.empty()) {
    const json::value items = ParseOrNull(message.content_json);
    if (items.is_array()) {
      for (const json::value& item : items.get_array()) {
        if (std::optional<json::object> part = PartFor(item)) {
          parts.emplace_back(std::move(*part));
        }
      }
      return;
    }
  }
  if (!message.content.empty()) {
    parts.emplace_back(TextPart(message.content));
  }
}

// The name of the function whose call `call_id` answers, from the assistant messages
// before `before`; falls back to the tool message's own name.
std::string FunctionNameFor(const ChatRequest& request, std::size_t before) {
  const ChatMessage& tool = request.messages[before];
  for (std::size_t i = before; i-- > 0;) {
    for (const ToolCall& call : request.messages[i].tool_calls) {
      if (call.id == tool.tool_call_id) {
        return call.name;
      }
    }
  }
  return tool.name.empty() ? tool.tool_call_id : tool.name;
}

struct Turn {
  std::string role{};
  json::array parts{};
};

// The turn of the user, assistant or tool message at `at` (parts may be empty).
Turn TurnOf(const ChatRequest& request, std::size_t at, bool placeholder_signatures) {
  const ChatMessage& message = request.messages[at];
  Turn turn;
  if (message.role == "tool") {
    turn.role = "user";
    json::object response;
    response["content"] = message.content;
    json::object function_response;
    function_response["name"] = FunctionNameFor(request, at);
    function_response["response"] = std::move(response);
    json::object part;
    part["functionResponse"] = std::move(function_response);
    turn.parts.emplace_back(std::move(part));
    return turn;
  }
  turn.role = message.role == "assistant" ? "model" : "user";
  AppendContentParts(message, turn.parts);
  if (message.role != "assistant") {
    return turn;
  }
  for (std::size_t i = 0; i < message.tool_calls.size(); ++i) {
    const ToolCall& call = message.tool_calls[i];
    json::value args = ParseOrNull(call.arguments);
    if (!args.is_object()) {
      args = json::object{};
    }
    json::object function_call;
    function_call["name"] = call.name;
    function_call["args"] = std::move(args);
    json::object part;
    part["functionCall"] = std::move(function_call);
    // Of parallel calls only the first carries a signature.
    if (placeholder_signatures && i == 0) {
      part["thoughtSignature"] = kPlaceholderThoughtSignature;
    }
    turn.parts.emplace_back(std::move(part));
  }
  return turn;
}

json::array BuildContents(const ChatRequest& request, std::string& system) {
  const bool placeholder_signatures = EnforcesThoughtSignatures(request.model);
  std::vector<Turn> turns;
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    const ChatMessage& message = request.messages[i];
    if (message.role == "system" || message.role == "developer") {
      if (!message.content.empty()) {
        system += system.empty() ? "" : "\n\n";
        system += message.content;
      }
      continue;
    }
    Turn turn = TurnOf(request, i, placeholder_signatures);
    if (turn.parts.empty()) {
      continue;
    }
    if (!turns.empty() && turns.back().role == turn.role) {
      for (json::value& part : turn.parts) {
        turns.back().parts.push_back(std::move(part));
      }
    } else {
      turns.push_back(std::move(turn));
    }
  }
  json::array contents;
  for (Turn& turn : turns) {
    json::object item;
    item["role"] = turn.role;
    item["parts"] = std::move(turn.parts);
    contents.emplace_back(std::move(item));
  }
  return contents;
}

json::array ToolsArray(const std::vector<ToolDefinition>& tools) {
  json::array declarations;
  for (const ToolDefinition& tool : tools) {
    json::object declaration;
    declaration["name"] = tool.name;
    if (!tool.description.empty()) {
      declaration["description"] = tool.description;
    }
    // A function without parameters leaves the schema out: Gemini rejects an object
    // schema with no properties.
    const json::value schema = ParseOrNull(tool.parameters_json);
    if (schema.is_object()) {
      const json::value* properties = schema.get_object().if_contains("properties");
      if (properties != nullptr && properties->is_object() && !properties->get_object().empty()) {
        declaration["parametersJsonSchema"] = schema;
      }
    }
    declarations.emplace_back(std::move(declaration));
  }
  json::object tool;
  tool["functionDeclarations"] = std::move(declarations);
  return json::array{std::move(tool)};
}

json::object ToolConfig(const std::string& choice) {
  json::object config;
  if (choice == "auto") {
    config["mode"] = "AUTO";
  } else if (choice == "none") {
    config["mode"] = "NONE";
  } else if (choice == "required") {
    config["mode"] = "ANY";
  } else {
    config["mode"] = "ANY";
    config["allowedFunctionNames"] = json::array{json::value(choice)};
  }
  json::object out;
  out["functionCallingConfig"] = std::move(config);
  return out;
}

bool IsFilterReason(std::string_view reason) {
  return reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST"
         || reason == "PROHIBITED_CONTENT" || reason == "SPII" || reason == "IMAGE_SAFETY"
         || reason == "IMAGE_PROHIBITED_CONTENT";
}

std::string MapFinishReason(std::string_view reason, bool has_tool_calls) {
  if (IsFilterReason(reason)) {
    return "content_filter";
  }
  if (has_tool_calls) {
    return "tool_calls";
  }
  if (reason == "MAX_TOKENS") {
    return "length";
  }
  return "stop";  // STOP, OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL and anything newer
}

Usage ReadUsage(const json::object& metadata) {
  return Usage{IntOr(metadata, "promptTokenCount"),
               IntOr(metadata, "candidatesTokenCount") + IntOr(metadata, "thoughtsTokenCount"),
               false};
}

// The text and function calls of a candidate's content; ids are derived from
// `next_index`, which counts calls across a stream.
Status ReadParts(const json::object& candidate, std::string& text, std::vector<ToolCall>& calls,
                 int& next_index) {
  const json::object* content = ObjectAt(candidate, "content");
  if (content == nullptr) {
    return {};  // a candidate stopped for safety may have no content
  }
  const json::array* parts = ArrayAt(*content, "parts");
  if (parts == nullptr) {
    return {};
  }
  for (const json::value& item : *parts) {
    if (!item.is_object()) {
      return BadUpstream("upstream content part is not an object");
    }
    const json::object& part = item.get_object();
    if (const json::value* thought = part.if_contains("thought");
        thought != nullptr && thought->is_bool() && thought->get_bool()) {
      continue;  // a thinking summary, not part of the answer
    }
    if (const json::value* t = part.if_contains("text"); t != nullptr && t->is_string()) {
      text.append(t->get_string().data(), t->get_string().size());
    }
    if (const json::object* function_call = ObjectAt(part, "functionCall");
        function_call != nullptr) {
      ToolCall call;
      call.name = std::string(StringOr(*function_call, "name"));
      if (call.name.empty()) {
        return BadUpstream("upstream functionCall has no name");
      }
      const json::value* args = function_call->if_contains("args");
      call.arguments = args != nullptr && !args->is_null() ? json::serialize(*args) : "{}";
      const int index = next_index++;
      call.id = std::string(StringOr(*function_call, "id"));
      if (call.id.empty()) {
        call.id = DeriveCallId(index, call.name, call.arguments);
      }
      calls.push_back(std::move(call));
    }
  }
  return {};
}

const json::object* FirstCandidate(const json::object& response) {
  const json::array* candidates = ArrayAt(response, "candidates");
  if (candidates == nullptr || candidates->empty() || !candidates->front().is_object()) {
    return nullptr;
  }
  return &candidates->front().get_object();
}

std::string_view BlockReason(const json::object& response) {
  const json::object* feedback = ObjectAt(response, "promptFeedback");
  return feedback != nullptr ? StringOr(*feedback, "blockReason") : std::string_view();
}

}  // namespace

std::string ChatPath(std::string_view model, bool stream) {
  std::string path = "/v1beta/models/";
  path += BareModel(model);
  path += stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
  return path;
}

std::string EmbedPath(std::string_view model) {
  std::string path = "/v1beta/models/";
  path += BareModel(model);
  path += ":batchEmbedContents";
  return path;
}

std::string SerializeChatRequest(const ChatRequest& request) {
  json::object body;
  std::string system;
  body["contents"] = BuildContents(request, system);
  if (!system.empty()) {
    json::object instruction;
    instruction["parts"] = json::array{TextPart(system)};
    body["systemInstruction"] = std::move(instruction);
  }
  if (!request.tools.empty()) {
    body["tools"] = ToolsArray(request.tools);
    if (!request.tool_choice.empty()) {
      body["toolConfig"] = ToolConfig(request.tool_choice);
    }
  }
  json::object config;
  if (request.temperature) {
    config["temperature"] = *request.temperature;
  }
  if (request.top_p) {
    config["topP"] = *request.top_p;
  }
  if (request.max_tokens) {
    config["maxOutputTokens"] = *request.max_tokens;
  }
  if (!request.stop.empty()) {
    json::array stop;
    for (const std::string& s : request.stop) {
      stop.emplace_back(s);
    }
    config["stopSequences"] = std::move(stop);
  }
  if (request.json_mode) {
    config["responseMimeType"] = "application/json";
  }
  if (request.seed) {
    config["seed"] = *request.seed;
  }
  if (!config.empty()) {
    body["generationConfig"] = std::move(config);
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
  ChatResponse response;
  response.id = std::string(StringOr(object, "responseId"));
  response.model = std::string(StringOr(object, "modelVersion"));
  if (const json::object* metadata = ObjectAt(object, "usageMetadata"); metadata != nullptr) {
    response.usage = ReadUsage(*metadata);
  }
  const json::object* candidate = FirstCandidate(object);
  if (candidate == nullptr) {
    if (!BlockReason(object).empty()) {
      response.finish_reason = "content_filter";
      return response;
    }
    return BadUpstream("upstream answer has no candidates");
  }
  int next_index = 0;
  if (Status read = ReadParts(*candidate, response.content, response.tool_calls, next_index);
      !read) {
    return read.error();
  }
  response.finish_reason =
      MapFinishReason(StringOr(*candidate, "finishReason"), !response.tool_calls.empty());
  return response;
}

std::string UpstreamErrorMessage(std::string_view body) {
  const json::value value = ParseOrNull(body);
  // Some Gemini errors arrive wrapped in a one-element array.
  const json::value* root = &value;
  if (value.is_array() && !value.get_array().empty()) {
    root = &value.get_array().front();
  }
  if (root->is_object()) {
    if (const json::object* error = ObjectAt(root->get_object(), "error"); error != nullptr) {
      const std::string_view status = StringOr(*error, "status");
      const std::string_view message = StringOr(*error, "message");
      if (!message.empty()) {
        return status.empty() ? std::string(message)
                              : std::string(status) + ": " + std::string(message);
      }
    }
  }
  constexpr std::size_t kMax = 200;
  return std::string(body.substr(0, kMax));
}

std::string SerializeEmbeddingRequest(const EmbeddingRequest& request) {
  const std::string model = "models/" + std::string(BareModel(request.model));
  json::array requests;
  for (const std::string& input : request.inputs) {
    json::object content;
    content["parts"] = json::array{TextPart(input)};
    json::object item;
    item["model"] = model;
    item["content"] = std::move(content);
    if (request.dimensions) {
      item["outputDimensionality"] = *request.dimensions;
    }
    requests.emplace_back(std::move(item));
  }
  json::object body;
  body["requests"] = std::move(requests);
  return json::serialize(body);
}

Result<EmbeddingResponse> ParseEmbeddingResponse(std::string_view body) {
  const json::value value = ParseOrNull(body);
  if (!value.is_object()) {
    return BadUpstream("upstream answer is not a JSON object");
  }
  const json::array* embeddings = ArrayAt(value.get_object(), "embeddings");
  if (embeddings == nullptr) {
    return BadUpstream("upstream embeddings answer has no embeddings");
  }
  EmbeddingResponse response;
  response.vectors.reserve(embeddings->size());
  for (const json::value& item : *embeddings) {
    const json::array* values = item.is_object() ? ArrayAt(item.get_object(), "values") : nullptr;
    if (values == nullptr) {
      return BadUpstream("upstream embedding has no values");
    }
    std::vector<float> vector;
    vector.reserve(values->size());
    for (const json::value& x : *values) {
      if (!x.is_number()) {
        return BadUpstream("upstream embedding holds a non-number");
      }
      vector.push_back(x.to_number<float>());
    }
    response.vectors.push_back(std::move(vector));
  }
  return response;
}

ChatChunk StreamDecoder::NewChunk() const {
  ChatChunk chunk;
  chunk.id = id_;
  chunk.model = model_;
  return chunk;
}

Result<std::string_view> StreamDecoder::OnCandidate(const json::object& candidate,
                                                    std::vector<ChatChunk>& out) {
  std::string text;
  std::vector<ToolCall> calls;
  const int first_index = next_tool_index_;
  if (Status read = ReadParts(candidate, text, calls, next_tool_index_); !read) {
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
  const std::string_view finish = StringOr(candidate, "finishReason");
  return finish == "FINISH_REASON_UNSPECIFIED" ? std::string_view() : finish;
}

Result<std::vector<ChatChunk>> StreamDecoder::Feed(const SseEvent& event) {
  std::vector<ChatChunk> out;
  if (finished_ && usage_sent_) {
    return out;
  }
  const json::value value = ParseOrNull(event.data);
  if (!value.is_object()) {
    return BadUpstream("upstream stream event is not a JSON object");
  }
  const json::object& object = value.get_object();
  if (object.contains("error")) {
    return Fail(ErrorCode::kUnavailable, "UPSTREAM_STREAM_ERROR",
                "upstream reported an error mid-stream: " + UpstreamErrorMessage(event.data));
  }
  if (id_.empty()) {
    id_ = std::string(StringOr(object, "responseId"));
  }
  if (model_.empty()) {
    model_ = std::string(StringOr(object, "modelVersion"));
  }
  if (const json::object* metadata = ObjectAt(object, "usageMetadata"); metadata != nullptr) {
    usage_ = ReadUsage(*metadata);  // cumulative: the latest report wins
  }
  if (!finished_) {
    if (!started_) {
      started_ = true;
      ChatChunk chunk = NewChunk();
      chunk.role_start = true;
      out.push_back(std::move(chunk));
    }
    std::string_view finish;
    if (const json::object* candidate = FirstCandidate(object); candidate != nullptr) {
      auto read = OnCandidate(*candidate, out);
      if (!read) {
        return read.error();
      }
      finish = *read;
    } else if (!BlockReason(object).empty()) {
      finish = "SAFETY";  // the prompt was blocked: nothing will be generated
    }
    if (finish.empty()) {
      return out;
    }
    finished_ = true;
    ChatChunk chunk = NewChunk();
    chunk.finish_reason = MapFinishReason(finish, saw_tool_call_);
    out.push_back(std::move(chunk));
  }
  if (usage_ && !usage_sent_) {
    usage_sent_ = true;
    ChatChunk chunk = NewChunk();
    chunk.usage = usage_;
    out.push_back(std::move(chunk));
  }
  return out;
}

}  // namespace amaima::providers::gemini
