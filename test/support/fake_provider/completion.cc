#include "test/support/fake_provider/completion.h"

#include <algorithm>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace amaima::testing {

namespace {

constexpr int kArgumentPieces = 3;

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

}  // namespace

std::string Completion::Text() const {
  std::string text;
  for (const std::string& piece : pieces) {
    text += piece;
  }
  return text;
}

std::string DefaultAnswer(const ChatRequest& request) {
  std::string text = "Echo: " + request.last_user_text;
  if (!request.json_mode) {
    return text;
  }
  boost::json::object object;
  object["echo"] = text;
  return boost::json::serialize(object);
}

std::vector<std::string> SplitText(std::string_view text, int pieces) {
  std::vector<std::string> out;
  if (text.empty()) {
    return out;
  }
  if (pieces <= 0) {
    std::size_t start = 0;
    for (std::size_t i = 1; i < text.size(); ++i) {
      if (text[i] == ' ' && text[i - 1] != ' ') {
        out.emplace_back(text.substr(start, i - start));
        start = i;
      }
    }
    out.emplace_back(text.substr(start));
    return out;
  }
  const auto count = static_cast<std::size_t>(pieces);
  std::size_t start = 0;
  for (std::size_t i = 1; i <= count && start < text.size(); ++i) {
    std::size_t end = i == count ? text.size() : text.size() * i / count;
    while (end < text.size() && IsContinuationByte(text[end])) {
      ++end;
    }
    if (end > start) {
      out.emplace_back(text.substr(start, end - start));
      start = end;
    }
  }
  return out;
}

Completion PlanCompletion(const ChatRequest& request, const FakeRule* rule, std::uint64_t sequence,
                          std::int64_t created) {
  Completion completion;
  completion.id = "fake-" + std::to_string(sequence);
  completion.model = request.model;
  completion.created = created;
  completion.include_usage = request.include_usage;
  completion.prompt_tokens = request.prompt_tokens;

  const bool tool = rule != nullptr && rule->tool_call.has_value();
  std::string text;
  if (rule != nullptr && rule->text.has_value()) {
    text = *rule->text;
  } else if (!tool) {
    text = DefaultAnswer(request);
  }
  completion.pieces = SplitText(text, rule == nullptr ? 0 : rule->chunks);
  if (rule != nullptr && rule->oversized_chunk_bytes > 0) {
    const auto at =
        completion.pieces.begin()
        + static_cast<std::ptrdiff_t>(std::min<std::size_t>(1, completion.pieces.size()));
    completion.pieces.insert(at, std::string(rule->oversized_chunk_bytes, 'x'));
  }

  if (tool) {
    PlannedToolCall call;
    call.id = rule->tool_call->id;
    call.name = rule->tool_call->name;
    if (call.name.empty()) {
      call.name = request.tool_names.empty() ? "tool" : request.tool_names.front();
    }
    call.arguments_json = rule->tool_call->arguments_json;
    call.argument_pieces = SplitText(call.arguments_json, kArgumentPieces);
    completion.tool_call = std::move(call);
    completion.finish_reason = "tool_calls";
  }
  if (rule != nullptr && !rule->finish_reason.empty()) {
    completion.finish_reason = rule->finish_reason;
  }

  const std::size_t tool_pieces =
      completion.tool_call ? completion.tool_call->argument_pieces.size() : 0;
  completion.completion_tokens = static_cast<int>(completion.pieces.size() + tool_pieces);
  if (rule != nullptr && rule->prompt_tokens >= 0) {
    completion.prompt_tokens = rule->prompt_tokens;
  }
  if (rule != nullptr && rule->completion_tokens >= 0) {
    completion.completion_tokens = rule->completion_tokens;
  }
  return completion;
}

}  // namespace amaima::testing
