#pragma once

#include <string_view>

#include "amaima/core/result.h"
#include "amaima/providers/chat_types.h"
#include "amaima/routing/router.h"

namespace amaima::api::anthropic {

// A client's Anthropic Messages request (POST /v1/messages) read into the
// provider-neutral chat types: the reverse of the serialisation in
// providers/anthropic/anthropic_wire.h, which speaks to Anthropic as a client.

// A parsed Messages request.
struct MessagesRequest {
  // The neutral request. `model` is the client's ("auto" or a catalog name); system
  // text is a leading "system" message; tool_result blocks are "tool" messages (placed
  // before the rest of their user turn); image blocks are OpenAI image_url parts in
  // `content_json` (the neutral form every provider codec reads).
  providers::ChatRequest chat{};
  // What the decision plane needs: the last user text as the query, the prompt's
  // estimated tokens (accounting::EstimatePromptTokens) and the constraints (pinned
  // model unless "auto", max_tokens, tools and vision capabilities).
  routing::RouteRequest route{};
};

// Parses a Messages request body: model, max_tokens (both required), messages (content a
// string or blocks: text, image, tool_use, tool_result; thinking blocks are dropped),
// system (a string or text blocks), stop_sequences, temperature and top_p (0..1), top_k
// (ignored), tools [{name, description, input_schema}], tool_choice {type: auto | any |
// tool | none, name}, stream, metadata.user_id. Unknown fields are ignored. Errors are
// kInvalidArgument with a message "<path>: <problem>" in Anthropic's style
// ("max_tokens: Field required"), details.field set to the path, and a reason of
// VALIDATION_INVALID_JSON, VALIDATION_MISSING_FIELD, VALIDATION_INVALID_TYPE or
// VALIDATION_INVALID_VALUE.
Result<MessagesRequest> ParseMessagesRequest(std::string_view body);

}  // namespace amaima::api::anthropic
