// Ollama /api/chat: one JSON object, or NDJSON lines with "done": false and a final
// "done": true line carrying the counts and durations; /api/embed ({"model",
// "embeddings": [[...]], "prompt_eval_count", durations}); errors are {"error": "..."}.
#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "test/support/fake_provider/wire_format.h"

namespace amaima::testing::wire {

namespace json = boost::json;

namespace {

// Deterministic durations (nanoseconds) so that the output is reproducible.
constexpr std::int64_t kLoadNanos = 1'000'000;
constexpr std::int64_t kNanosPerToken = 10'000'000;

std::string DoneReason(const Completion& completion) {
  if (completion.finish_reason == "length") {
    return "length";
  }
  if (completion.finish_reason == "stop" || completion.finish_reason == "tool_calls") {
    return "stop";
  }
  return completion.finish_reason;
}

json::array ToolCalls(const PlannedToolCall& call) {
  boost::system::error_code ec;
  json::value arguments = json::parse(call.arguments_json, ec);
  if (ec || !arguments.is_object()) {
    arguments = json::object{};
  }
  return json::array{json::object{
      {"function", json::object{{"name", call.name}, {"arguments", std::move(arguments)}}}}};
}

json::object Line(const Completion& completion, json::object message, bool done) {
  return json::object{{"model", completion.model},
                      {"created_at", Rfc3339(completion.created)},
                      {"message", std::move(message)},
                      {"done", done}};
}

// Adds the final line's fields: done_reason, durations and counts.
void AddTotals(const Completion& completion, json::object& line) {
  const std::int64_t prompt_nanos = completion.prompt_tokens * kNanosPerToken;
  const std::int64_t eval_nanos = completion.completion_tokens * kNanosPerToken;
  line["done_reason"] = DoneReason(completion);
  line["total_duration"] = kLoadNanos + prompt_nanos + eval_nanos;
  line["load_duration"] = kLoadNanos;
  line["prompt_eval_count"] = completion.prompt_tokens;
  line["prompt_eval_duration"] = prompt_nanos;
  line["eval_count"] = completion.completion_tokens;
  line["eval_duration"] = eval_nanos;
}

}  // namespace

std::string OllamaBody(const Completion& completion) {
  json::object message{{"role", "assistant"}, {"content", completion.Text()}};
  if (completion.tool_call) {
    message["tool_calls"] = ToolCalls(*completion.tool_call);
  }
  json::object line = Line(completion, std::move(message), true);
  AddTotals(completion, line);
  return json::serialize(line);
}

std::vector<std::string> OllamaStream(const Completion& completion) {
  std::vector<std::string> frames;
  frames.reserve(completion.pieces.size() + 2);
  for (const std::string& piece : completion.pieces) {
    frames.push_back(
        json::serialize(Line(completion, {{"role", "assistant"}, {"content", piece}}, false))
        + "\n");
  }
  if (completion.tool_call) {
    json::object message{
        {"role", "assistant"}, {"content", ""}, {"tool_calls", ToolCalls(*completion.tool_call)}};
    frames.push_back(json::serialize(Line(completion, std::move(message), false)) + "\n");
  }
  json::object last = Line(completion, {{"role", "assistant"}, {"content", ""}}, true);
  AddTotals(completion, last);
  frames.push_back(json::serialize(last) + "\n");
  return frames;
}

std::string OllamaEmbeddings(const EmbeddingsRequest& request, int dimensions) {
  json::array embeddings;
  std::int64_t tokens = 0;
  for (const std::string& input : request.inputs) {
    json::array values;
    for (const float component : EmbeddingVector(input, dimensions)) {
      values.push_back(static_cast<double>(component));
    }
    embeddings.push_back(std::move(values));
    tokens += std::max(1, CountWords(input));
  }
  return json::serialize(json::object{{"model", request.model},
                                      {"embeddings", std::move(embeddings)},
                                      {"total_duration", kLoadNanos + tokens * kNanosPerToken},
                                      {"load_duration", kLoadNanos},
                                      {"prompt_eval_count", tokens}});
}

std::string OllamaError(const ProviderError& error) {
  std::string message = error.message;
  if (message.empty()) {
    message = error.status == 404 ? "model not found, try pulling it first"
                                  : "the fake provider was scripted to fail";
  }
  return json::serialize(json::object{{"error", message}});
}

}  // namespace amaima::testing::wire
