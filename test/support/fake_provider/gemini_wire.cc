// Gemini generateContent: GenerateContentResponse objects (candidates, usageMetadata),
// streamed with ?alt=sse as one "data:" event per response; embedContent and
// batchEmbedContents ({"embedding": {"values"}}, {"embeddings": [...]}); and the
// {"error": {"code", "message", "status"}} shape.
#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "test/support/fake_provider/wire_format.h"

namespace amaima::testing::wire {

namespace json = boost::json;

namespace {

std::string FinishReason(const Completion& completion) {
  if (completion.finish_reason == "stop" || completion.finish_reason == "tool_calls") {
    return "STOP";
  }
  if (completion.finish_reason == "length") {
    return "MAX_TOKENS";
  }
  return completion.finish_reason;
}

json::object FunctionCallPart(const PlannedToolCall& call) {
  boost::system::error_code ec;
  json::value args = json::parse(call.arguments_json, ec);
  if (ec || !args.is_object()) {
    args = json::object{};
  }
  return json::object{
      {"functionCall", json::object{{"name", call.name}, {"args", std::move(args)}}}};
}

json::object UsageMetadata(const Completion& completion, int candidates_tokens) {
  return json::object{{"promptTokenCount", completion.prompt_tokens},
                      {"candidatesTokenCount", candidates_tokens},
                      {"totalTokenCount", completion.prompt_tokens + candidates_tokens}};
}

// One GenerateContentResponse with `parts`; `last` adds the finish reason.
json::object Response(const Completion& completion, json::array parts, bool last,
                      int candidates_tokens) {
  json::object candidate{{"content", json::object{{"parts", std::move(parts)}, {"role", "model"}}}};
  if (last) {
    candidate["finishReason"] = FinishReason(completion);
  }
  candidate["index"] = 0;
  return json::object{{"candidates", json::array{std::move(candidate)}},
                      {"usageMetadata", UsageMetadata(completion, candidates_tokens)},
                      {"modelVersion", completion.model},
                      {"responseId", completion.id}};
}

std::string GeminiEvent(const json::object& response) {
  // Google's servers end each SSE event with CRLF CRLF.
  return "data: " + json::serialize(response) + "\r\n\r\n";
}

}  // namespace

std::string GeminiBody(const Completion& completion) {
  json::array parts;
  const std::string text = completion.Text();
  if (!text.empty() || !completion.tool_call) {
    parts.push_back(json::object{{"text", text}});
  }
  if (completion.tool_call) {
    parts.push_back(FunctionCallPart(*completion.tool_call));
  }
  return json::serialize(
      Response(completion, std::move(parts), true, completion.completion_tokens));
}

std::vector<std::string> GeminiStream(const Completion& completion) {
  std::vector<std::string> frames;
  const std::size_t events =
      std::max<std::size_t>(1, completion.pieces.size() + (completion.tool_call ? 1 : 0));
  frames.reserve(events);
  for (std::size_t i = 0; i < completion.pieces.size(); ++i) {
    const bool last = i + 1 == events;
    const int tokens = last ? completion.completion_tokens
                            : std::min(static_cast<int>(i) + 1, completion.completion_tokens);
    frames.push_back(GeminiEvent(Response(
        completion, json::array{json::object{{"text", completion.pieces[i]}}}, last, tokens)));
  }
  if (completion.tool_call) {
    frames.push_back(
        GeminiEvent(Response(completion, json::array{FunctionCallPart(*completion.tool_call)}, true,
                             completion.completion_tokens)));
  }
  if (frames.empty()) {
    frames.push_back(GeminiEvent(Response(completion, json::array{json::object{{"text", ""}}}, true,
                                          completion.completion_tokens)));
  }
  return frames;
}

std::string GeminiEmbeddings(const EmbeddingsRequest& request, int dimensions, bool batch) {
  json::array embeddings;
  for (const std::string& input : request.inputs) {
    json::array values;
    for (const float component : EmbeddingVector(input, dimensions)) {
      values.push_back(static_cast<double>(component));
    }
    embeddings.push_back(json::object{{"values", std::move(values)}});
  }
  if (!batch) {
    return json::serialize(json::object{{"embedding", std::move(embeddings.at(0))}});
  }
  return json::serialize(json::object{{"embeddings", std::move(embeddings)}});
}

std::string GeminiError(const ProviderError& error) {
  std::string status = "INVALID_ARGUMENT";
  std::string message = "Request contains an invalid argument.";
  switch (error.status) {
    case 401:
      status = "UNAUTHENTICATED";
      message = "API key not valid. Please pass a valid API key.";
      break;
    case 403:
      status = "PERMISSION_DENIED";
      message = "The caller does not have permission";
      break;
    case 404:
      status = "NOT_FOUND";
      message = "models/unknown is not found for API version v1beta.";
      break;
    case 429:
      status = "RESOURCE_EXHAUSTED";
      message = "Resource has been exhausted (e.g. check quota).";
      break;
    case 503:
      status = "UNAVAILABLE";
      message = "The model is overloaded. Please try again later.";
      break;
    case 504:
      status = "DEADLINE_EXCEEDED";
      message = "Deadline expired before operation could complete.";
      break;
    default:
      if (error.status >= 500) {
        status = "INTERNAL";
        message = "An internal error has occurred.";
      }
      break;
  }
  if (!error.type.empty()) {
    status = error.type;
  }
  if (!error.message.empty()) {
    message = error.message;
  }
  return json::serialize(json::object{
      {"error", json::object{{"code", error.status}, {"message", message}, {"status", status}}}});
}

}  // namespace amaima::testing::wire
