#include "amaima/accounting/usage.h"

#include "amaima/routing/features.h"

namespace amaima::accounting {
namespace {

// Chat formats wrap each message in a few tokens of role and separators.
constexpr std::int64_t kTokensPerMessage = 4;
// The assistant turn's priming tokens.
constexpr std::int64_t kTokensPerReply = 3;

std::int64_t Tokens(std::string_view text) {
  return routing::EstimateTokens(text);
}

}  // namespace

std::int64_t EstimatePromptTokens(const providers::ChatRequest& request) {
  std::int64_t tokens = kTokensPerReply;
  for (const providers::ChatMessage& message : request.messages) {
    tokens += kTokensPerMessage + Tokens(message.content);
    if (message.content.empty() && !message.content_json.empty()) {
      tokens += Tokens(message.content_json);
    }
    for (const providers::ToolCall& call : message.tool_calls) {
      tokens += Tokens(call.name) + Tokens(call.arguments);
    }
  }
  for (const providers::ToolDefinition& tool : request.tools) {
    tokens += Tokens(tool.name) + Tokens(tool.description) + Tokens(tool.parameters_json);
  }
  return tokens;
}

std::int64_t EstimateCompletionTokens(std::string_view content,
                                      const std::vector<providers::ToolCall>& tool_calls) {
  std::int64_t tokens = Tokens(content);
  for (const providers::ToolCall& call : tool_calls) {
    tokens += Tokens(call.name) + Tokens(call.arguments);
  }
  return tokens;
}

providers::Usage UsageOrEstimate(const std::optional<providers::Usage>& reported,
                                 std::int64_t prompt_estimate, std::int64_t completion_estimate) {
  if (reported.has_value()) {
    return *reported;
  }
  providers::Usage usage;
  usage.prompt_tokens = prompt_estimate;
  usage.completion_tokens = completion_estimate;
  usage.estimated = true;
  return usage;
}

double CostUsd(const config::ModelConfig& model, const providers::Usage& usage) {
  constexpr double kPerMillion = 1e-6;
  return (static_cast<double>(usage.prompt_tokens) * model.input_price_per_1m
          + static_cast<double>(usage.completion_tokens) * model.output_price_per_1m)
         * kPerMillion;
}

}  // namespace amaima::accounting
