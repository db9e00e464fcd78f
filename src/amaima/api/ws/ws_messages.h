#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "amaima/core/result.h"
#include "amaima/providers/chat_types.h"

namespace amaima::api {

// The wire forms of the WebSocket protocol (README.md), apart from the session's state.

// Returns `text` as a JSON string literal.
std::string Quoted(std::string_view text);

// {"type": type, "id": id or null, "payload": payload_json (verbatim)}.
std::string WsMessage(std::string_view type, const std::optional<std::string>& id,
                      std::string_view payload_json);

// The error message: {"type": "error", "id", "payload": {"code", "message", "request_id",
// "details"}}; repeated detail keys become arrays.
std::string WsErrorMessage(const std::optional<std::string>& id, const Error& error,
                           std::string_view request_id);

// The providers::ChatRequest of a query payload: "messages" as in OpenAI's chat request,
// or "query" as one user message; "model" defaults to "auto". Streams, with usage.
Result<providers::ChatRequest> ChatRequestOfPayload(const boost::json::object& payload);

// The payload of a `chunk`: {"content", "tool_calls"?: [{"index", "id"?, "name"?, "arguments"}]}.
std::string ChunkPayload(const providers::ChatChunk& chunk);

// The payload of an executed `complete`: {decision_id, model, finish_reason, usage, simulated}.
std::string CompletePayload(const std::string& decision_id, const std::string& model,
                            const std::string& finish_reason,
                            const std::optional<providers::Usage>& usage);

}  // namespace amaima::api
