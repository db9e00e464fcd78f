#include "amaima/api/v1/executed_json.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <optional>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "amaima/http/server/error_mapping.h"

namespace amaima::api {
namespace {

namespace net = boost::asio;
namespace json = boost::json;

double Round3(double value) {
  return std::round(value * 1000) / 1000;
}

json::object UsageObject(const providers::Usage& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.total_tokens()},
          {"estimated", usage.estimated}};
}

class QueryEventStream final : public http::ResponseStream {
 public:
  QueryEventStream(std::string recorded_decision, std::string decision_id, std::string request_id,
                   pipeline::OpenedStream opened, const pipeline::ExecutionHandler& handler)
      : recorded_decision_(std::move(recorded_decision)),
        decision_id_(std::move(decision_id)),
        request_id_(std::move(request_id)),
        opened_(std::move(opened)),
        handler_(handler) {}

  net::awaitable<std::optional<std::string>> Next() override {
    if (!decision_sent_) {
      decision_sent_ = true;
      co_return "event: decision\ndata: " + recorded_decision_ + "\n\n";
    }
    while (!finished_) {
      auto chunk = co_await opened_.stream->Next();
      if (!chunk) {
        finished_ = true;
        Error error = chunk.error();
        const std::string body =
            http::ErrorResponse(std::move(error).With("decision_id", decision_id_), request_id_)
                .body;
        co_return "event: error\ndata: " + body + "\n\n";
      }
      if (!*chunk) {
        finished_ = true;
        co_return "event: complete\ndata: " + CompleteJson() + "\n\n";
      }
      providers::ChatChunk& piece = **chunk;
      if (piece.usage) {
        usage_ = piece.usage;
      }
      if (!piece.finish_reason.empty()) {
        finish_reason_ = piece.finish_reason;
      }
      if (piece.content.empty() && piece.tool_calls.empty()) {
        continue;
      }
      json::object data;
      data["content"] = piece.content;
      if (!piece.tool_calls.empty()) {
        json::array calls;
        for (const providers::ToolCallDelta& delta : piece.tool_calls) {
          calls.push_back(json::object{{"index", delta.index},
                                       {"id", delta.id},
                                       {"name", delta.name},
                                       {"arguments", delta.arguments}});
        }
        data["tool_calls"] = std::move(calls);
      }
      co_return "event: chunk\ndata: " + json::serialize(data) + "\n\n";
    }
    co_return std::nullopt;
  }

 private:
  std::string CompleteJson() const {
    const providers::Usage usage = usage_.value_or(providers::Usage{});
    json::object data{{"decision_id", decision_id_},
                      {"model", opened_.model},
                      {"finish_reason", finish_reason_},
                      {"usage", UsageObject(usage)},
                      {"actual_cost_usd", handler_.CostUsd(opened_.model, usage)},
                      {"simulated", false}};
    return json::serialize(data);
  }

  std::string recorded_decision_;
  std::string decision_id_;
  std::string request_id_;
  pipeline::OpenedStream opened_;
  const pipeline::ExecutionHandler& handler_;
  std::optional<providers::Usage> usage_{};
  std::string finish_reason_{};
  bool decision_sent_{false};
  bool finished_{false};
};

}  // namespace

std::string OverheadMs(std::chrono::steady_clock::duration total,
                       std::chrono::steady_clock::duration upstream) {
  const auto overhead = std::max(total - upstream, std::chrono::steady_clock::duration::zero());
  const double ms = std::chrono::duration<double, std::milli>(overhead).count();
  std::array<char, 32> text{};
  const int n = std::snprintf(text.data(), text.size(), "%.3f", ms);
  return std::string(text.data(), static_cast<std::size_t>(std::max(n, 0)));
}

std::string UsageJson(const providers::Usage& usage) {
  return json::serialize(UsageObject(usage));
}

std::string ExecutedQueryJson(std::string_view recorded_decision,
                              const pipeline::Completion& completion, double latency_ms,
                              double overhead_ms) {
  const providers::ChatResponse& response = completion.response;
  json::array calls;
  for (const providers::ToolCall& call : response.tool_calls) {
    calls.push_back(
        json::object{{"id", call.id}, {"name", call.name}, {"arguments", call.arguments}});
  }
  json::object rest{{"simulated", false},
                    {"model", completion.model},
                    {"output", response.content},
                    {"tool_calls", std::move(calls)},
                    {"finish_reason", response.finish_reason},
                    {"usage", UsageObject(response.usage.value_or(providers::Usage{}))},
                    {"actual_cost_usd", completion.cost_usd},
                    {"actual_latency_ms", Round3(latency_ms)},
                    {"overhead_ms", Round3(overhead_ms)}};
  // {"decision": <recorded>, <rest without its opening brace>
  std::string rest_text = json::serialize(rest);
  std::string body;
  body.reserve(recorded_decision.size() + rest_text.size() + 16);
  body += R"({"decision":)";
  body += recorded_decision;
  body += ',';
  body.append(rest_text, 1, std::string::npos);
  return body;
}

std::shared_ptr<http::ResponseStream> MakeQueryEventStream(
    std::string recorded_decision, std::string decision_id, std::string request_id,
    pipeline::OpenedStream opened, const pipeline::ExecutionHandler& handler) {
  return std::make_shared<QueryEventStream>(std::move(recorded_decision), std::move(decision_id),
                                            std::move(request_id), std::move(opened), handler);
}

}  // namespace amaima::api
