#include "amaima/api/ws/ws_messages.h"

#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "amaima/http/server/error_mapping.h"
#include "amaima/providers/openai/openai_wire.h"

namespace amaima::api {

namespace json = boost::json;

std::string Quoted(std::string_view text) {
  return json::serialize(json::value(json::string(text)));
}

std::string WsMessage(std::string_view type, const std::optional<std::string>& id,
                      std::string_view payload_json) {
  std::string out;
  out.reserve(payload_json.size() + type.size() + (id ? id->size() : 4) + 40);
  out += R"({"type":)";
  out += Quoted(type);
  out += R"(,"id":)";
  out += id ? Quoted(*id) : std::string("null");
  out += R"(,"payload":)";
  out += payload_json;
  out += '}';
  return out;
}

std::string WsErrorMessage(const std::optional<std::string>& id, const Error& error,
                           std::string_view request_id) {
  json::object details;
  for (const auto& [key, value] : error.details) {
    if (auto* existing = details.if_contains(key)) {
      if (!existing->is_array()) {
        json::array values;
        values.push_back(std::move(*existing));
        *existing = std::move(values);
      }
      existing->as_array().emplace_back(value);
    } else {
      details[key] = value;
    }
  }
  json::object payload;
  payload["code"] = http::PublicCode(error);
  payload["message"] = error.message;
  payload["request_id"] = request_id;
  payload["details"] = std::move(details);
  return WsMessage("error", id, json::serialize(payload));
}

std::string ChunkPayload(const providers::ChatChunk& chunk) {
  json::object payload;
  payload["content"] = chunk.content;
  if (!chunk.tool_calls.empty()) {
    json::array calls;
    for (const providers::ToolCallDelta& call : chunk.tool_calls) {
      json::object delta;
      delta["index"] = call.index;
      if (!call.id.empty()) {
        delta["id"] = call.id;
      }
      if (!call.name.empty()) {
        delta["name"] = call.name;
      }
      delta["arguments"] = call.arguments;
      calls.push_back(std::move(delta));
    }
    payload["tool_calls"] = std::move(calls);
  }
  return json::serialize(payload);
}

std::string CompletePayload(const std::string& decision_id, const std::string& model,
                            const std::string& finish_reason,
                            const std::optional<providers::Usage>& usage) {
  json::object payload;
  payload["decision_id"] = decision_id;
  payload["model"] = model;
  payload["finish_reason"] = finish_reason.empty() ? "stop" : finish_reason;
  if (usage) {
    payload["usage"] = json::object{{"prompt_tokens", usage->prompt_tokens},
                                    {"completion_tokens", usage->completion_tokens},
                                    {"estimated", usage->estimated}};
  } else {
    payload["usage"] = nullptr;
  }
  payload["simulated"] = false;
  return json::serialize(payload);
}

Result<providers::ChatRequest> ChatRequestOfPayload(const json::object& payload) {
  json::object body = payload;
  if (const json::value* query = payload.if_contains("query");
      query != nullptr && !payload.contains("messages")) {
    json::array messages;
    messages.push_back(json::object{{"role", "user"}, {"content", *query}});
    body.erase("query");
    body["messages"] = std::move(messages);
  }
  if (const json::value* model = body.if_contains("model"); model == nullptr || model->is_null()) {
    body["model"] = "auto";
  }
  Result<providers::ChatRequest> chat = providers::openai::ParseChatRequest(json::serialize(body));
  if (!chat) {
    return chat.error();
  }
  chat->stream = true;  // A WebSocket query always streams its answer.
  chat->include_usage = true;
  return chat;
}

}  // namespace amaima::api
