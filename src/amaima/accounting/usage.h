#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "amaima/config/config.h"
#include "amaima/providers/chat_types.h"

namespace amaima::accounting {

// Tokens a chat request's prompt takes, estimated the way the router estimates input tokens
// (routing::EstimateTokens per text, plus a fixed overhead per message); tool definitions count
// by their name, description and schema text.
std::int64_t EstimatePromptTokens(const providers::ChatRequest& request);

// Tokens of an answer: its text and its tool calls' names and arguments.
std::int64_t EstimateCompletionTokens(std::string_view content,
                                      const std::vector<providers::ToolCall>& tool_calls);

// The upstream's usage when it reported one; otherwise the estimates, flagged `estimated`.
providers::Usage UsageOrEstimate(const std::optional<providers::Usage>& reported,
                                 std::int64_t prompt_estimate, std::int64_t completion_estimate);

// What `usage` cost on `model`, in USD, from the catalog's per-1M-token prices.
double CostUsd(const config::ModelConfig& model, const providers::Usage& usage);

}  // namespace amaima::accounting
