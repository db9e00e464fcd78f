// OpenAI chat completions: the chat.completion object, chat.completion.chunk SSE
// events ending with "data: [DONE]", and the {"error": {...}} shape.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "test/support/fake_provider/wire_format.h"

namespace amaima::testing::wire {

namespace json = boost::json;

namespace {

constexpr std::string_view kFingerprint = "fp_fake";

std::string FinishReason(const Completion& completion) {
  return completion.finish_reason;
}

json::object Usage(const Completion& completion) {
  return json::object{{"prompt_tokens", completion.prompt_tokens},
                      {"completion_tokens", completion.completion_tokens},
                      {"total_tokens", completion.prompt_tokens + completion.completion_tokens}};
}

// The skeleton every chunk shares; `choices` is filled by the caller.
json::object ChunkBase(const Completion& completion) {
  json::object chunk{{"id", "chatcmpl-" + completion.id},
                     {"object", "chat.completion.chunk"},
                     {"created", completion.created},
                     {"model", completion.model},
                     {"system_fingerprint", kFingerprint}};
  return chunk;
}

std::string Chunk(const Completion& completion, json::object delta, json::value finish_reason) {
  json::object chunk = ChunkBase(completion);
  chunk["choices"] = json::array{json::object{{"index", 0},
                                              {"delta", std::move(delta)},
                                              {"logprobs", nullptr},
                                              {"finish_reason", std::move(finish_reason)}}};
  if (completion.include_usage) {
    // With include_usage, every chunk but the last carries "usage": null.
    chunk["usage"] = nullptr;
  }
  return SseData(json::serialize(chunk));
}

}  // namespace

std::string OpenAiBody(const Completion& completion) {
  json::object message{{"role", "assistant"}};
  const std::string text = completion.Text();
  if (text.empty() && completion.tool_call) {
    message["content"] = nullptr;
  } else {
    message["content"] = text;
  }
  message["refusal"] = nullptr;
  if (completion.tool_call) {
    message["tool_calls"] = json::array{json::object{
        {"id", ToolCallId(completion, "call_")},
        {"type", "function"},
        {"function", json::object{{"name", completion.tool_call->name},
                                  {"arguments", completion.tool_call->arguments_json}}}}};
  }
  json::object body{
      {"id", "chatcmpl-" + completion.id},
      {"object", "chat.completion"},
      {"created", completion.created},
      {"model", completion.model},
      {"choices", json::array{json::object{{"index", 0},
                                           {"message", std::move(message)},
                                           {"logprobs", nullptr},
                                           {"finish_reason", FinishReason(completion)}}}},
      {"usage", Usage(completion)},
      {"system_fingerprint", kFingerprint}};
  return json::serialize(body);
}

std::vector<std::string> OpenAiStream(const Completion& completion) {
  std::vector<std::string> frames;
  frames.reserve(completion.pieces.size() + 8);
  const bool tool_only = completion.pieces.empty() && completion.tool_call;
  json::object first{{"role", "assistant"}};
  if (tool_only) {
    first["content"] = nullptr;
  } else {
    first["content"] = "";
  }
  first["refusal"] = nullptr;
  frames.push_back(Chunk(completion, std::move(first), nullptr));
  for (const std::string& piece : completion.pieces) {
    frames.push_back(Chunk(completion, json::object{{"content", piece}}, nullptr));
  }
  if (completion.tool_call) {
    const PlannedToolCall& call = *completion.tool_call;
    json::object opening{{"index", 0},
                         {"id", ToolCallId(completion, "call_")},
                         {"type", "function"},
                         {"function", json::object{{"name", call.name}, {"arguments", ""}}}};
    frames.push_back(
        Chunk(completion, json::object{{"tool_calls", json::array{std::move(opening)}}}, nullptr));
    for (const std::string& fragment : call.argument_pieces) {
      json::object delta{{"index", 0}, {"function", json::object{{"arguments", fragment}}}};
      frames.push_back(
          Chunk(completion, json::object{{"tool_calls", json::array{std::move(delta)}}}, nullptr));
    }
  }
  frames.push_back(Chunk(completion, json::object{}, json::value(FinishReason(completion))));
  if (completion.include_usage) {
    json::object last = ChunkBase(completion);
    last["choices"] = json::array{};
    last["usage"] = Usage(completion);
    frames.push_back(SseData(json::serialize(last)));
  }
  frames.push_back(SseData("[DONE]"));
  return frames;
}

std::string OpenAiError(const ProviderError& error) {
  std::string type = "invalid_request_error";
  json::value code = nullptr;
  std::string message = "Invalid request.";
  switch (error.status) {
    case 401:
      code = "invalid_api_key";
      message = "Incorrect API key provided.";
      break;
    case 403:
      message = "You are not allowed to access this resource.";
      break;
    case 404:
      code = "model_not_found";
      message = "The model does not exist or you do not have access to it.";
      break;
    case 429:
      type = "requests";
      code = "rate_limit_exceeded";
      message = "Rate limit reached for requests. Please try again later.";
      break;
    case 503:
      type = "server_error";
      message = "The engine is currently overloaded, please try again later.";
      break;
    default:
      if (error.status >= 500) {
        type = "server_error";
        message = "The server had an error while processing your request.";
      }
      break;
  }
  if (!error.type.empty()) {
    type = error.type;
  }
  if (!error.message.empty()) {
    message = error.message;
  }
  return json::serialize(json::object{
      {"error",
       json::object{
           {"message", message}, {"type", type}, {"param", nullptr}, {"code", std::move(code)}}}});
}

}  // namespace amaima::testing::wire
