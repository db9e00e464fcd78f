#include "amaima/pipeline/execution/execution_handler.h"

#include <utility>

#include "amaima/accounting/usage.h"

namespace amaima::pipeline {
namespace {

namespace net = boost::asio;
using Duration = std::chrono::steady_clock::duration;

double Milliseconds(Duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

std::int64_t UnixMilliseconds(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now().time_since_epoch())
      .count();
}

std::string ReasonOf(const Error& error) {
  return error.reason.empty() ? std::string(ErrorCodeName(error.code)) : error.reason;
}

// The provider entry serving `model`, or empty.
std::string ProviderOf(const config::Config& config, const std::string& model) {
  const auto found = config.models.find(model);
  return found == config.models.end() ? std::string() : found->second.provider;
}

double CostOf(const config::Config& config, const std::string& model,
              const providers::Usage& usage) {
  const auto found = config.models.find(model);
  return found == config.models.end() ? 0.0 : accounting::CostUsd(found->second, usage);
}

storage::StoredExecution BaseRecord(const Exchange& exchange, std::string_view surface,
                                    bool streamed) {
  storage::StoredExecution record;
  record.request_id = exchange.request_id;
  record.decision_id = exchange.decision->decision_id;
  record.org_id = exchange.org_id;
  record.actor = exchange.principal.Subject();
  record.surface = std::string(surface);
  record.streamed = streamed;
  return record;
}

// The prompt's tokens: as the API surface estimated them for the router, or counted here.
std::int64_t PromptEstimate(const Exchange& exchange, const providers::ChatRequest& request) {
  return exchange.route_request.input_tokens > 0 ? exchange.route_request.input_tokens
                                                 : accounting::EstimatePromptTokens(request);
}

Error WithDecision(Error error, const std::string& decision_id) {
  return std::move(error).With("decision_id", decision_id);
}

// Passes an upstream stream through, keeping what the usage record needs, and records the
// execution exactly once when the stream ends, fails or is dropped.
class AccountedStream final : public providers::TokenStream {
 public:
  struct Context {
    const config::Config* config{nullptr};
    UsageRecorder* usage{nullptr};
    const Clock* clock{nullptr};
    std::chrono::steady_clock::time_point started{};           // The request arrived.
    std::chrono::steady_clock::time_point upstream_started{};  // The executor was called.
    std::int64_t prompt_estimate{0};
  };

  AccountedStream(std::unique_ptr<providers::TokenStream> inner, Context context,
                  storage::StoredExecution record, std::unique_ptr<BudgetHold> hold)
      : inner_(std::move(inner)),
        context_(context),
        record_(std::move(record)),
        hold_(std::move(hold)) {}

  AccountedStream(const AccountedStream&) = delete;
  AccountedStream& operator=(const AccountedStream&) = delete;

  ~AccountedStream() override {
    if (!recorded_) {
      Finish("cancelled", "");
    }
    if (hold_) {
      hold_->SettleDetached(cost_usd_);  // Nothing can be awaited here.
    }
  }

  net::awaitable<Result<std::optional<providers::ChatChunk>>> Next() override {
    if (ended_) {
      Finish("ok", "");
      co_await SettleBudget();
      co_return std::optional<providers::ChatChunk>();
    }
    Result<std::optional<providers::ChatChunk>> chunk = co_await inner_->Next();
    if (!chunk) {
      Finish("error", ReasonOf(chunk.error()));
      co_await SettleBudget();
      co_return chunk;
    }
    if (!chunk->has_value()) {
      ended_ = true;
      if (!usage_.has_value()) {
        // The upstream reported none: the estimate goes out as a usage-only chunk first.
        providers::ChatChunk estimate;
        estimate.usage = FinalUsage();
        co_return std::optional<providers::ChatChunk>(std::move(estimate));
      }
      Finish("ok", "");
      co_await SettleBudget();
      co_return chunk;
    }
    const providers::ChatChunk& piece = **chunk;
    text_ += piece.content;
    for (const providers::ToolCallDelta& delta : piece.tool_calls) {
      text_ += delta.name;
      text_ += delta.arguments;
    }
    if (piece.usage.has_value()) {
      usage_ = piece.usage;
    }
    co_return chunk;
  }

  // After the end only the budget is settled, which does not wait for the upstream.
  bool Ready() const override { return ended_ || inner_->Ready(); }

 private:
  providers::Usage FinalUsage() const {
    return accounting::UsageOrEstimate(usage_, context_.prompt_estimate,
                                       accounting::EstimateCompletionTokens(text_, {}));
  }

  void Finish(std::string_view status, std::string error_code) {
    if (recorded_) {
      return;
    }
    recorded_ = true;
    const providers::Usage usage = FinalUsage();
    record_.status = std::string(status);
    record_.error_code = std::move(error_code);
    record_.prompt_tokens = usage.prompt_tokens;
    record_.completion_tokens = usage.completion_tokens;
    record_.usage_estimated = usage.estimated;
    record_.cost_usd = CostOf(*context_.config, record_.model, usage);
    cost_usd_ = record_.cost_usd;
    const auto now = context_.clock->Monotonic();
    record_.total_ms = Milliseconds(now - context_.started);
    record_.upstream_ms = Milliseconds(now - context_.upstream_started);
    record_.created_at_ms = UnixMilliseconds(*context_.clock);
    context_.usage->Record(std::move(record_));
  }

  // Settles the budget reservation with what the stream cost, once it has ended.
  net::awaitable<void> SettleBudget() {
    if (!hold_) {
      co_return;
    }
    std::unique_ptr<BudgetHold> hold = std::move(hold_);
    co_await hold->Settle(cost_usd_);
  }

  std::unique_ptr<providers::TokenStream> inner_;
  Context context_;
  storage::StoredExecution record_;
  std::unique_ptr<BudgetHold> hold_;  // Null: no budget applies, or settled.
  double cost_usd_{0};                // Of the usage recorded by Finish().
  std::optional<providers::Usage> usage_{};
  std::string text_{};
  bool ended_{false};
  bool recorded_{false};
};

}  // namespace

ExecutionHandler::ExecutionHandler(const config::Config& config,
                                   const providers::Executor& executor, UsageRecorder& usage,
                                   const Clock& clock)
    : config_(config), executor_(executor), usage_(usage), clock_(clock) {}

double ExecutionHandler::CostUsd(const std::string& model, const providers::Usage& usage) const {
  return CostOf(config_, model, usage);
}

std::vector<std::string> ExecutionHandler::ChainOf(const routing::Decision& decision) {
  std::vector<std::string> chain;
  chain.reserve(1 + decision.route.fallback_chain.size());
  chain.push_back(decision.route.model);
  chain.insert(chain.end(), decision.route.fallback_chain.begin(),
               decision.route.fallback_chain.end());
  return chain;
}

net::awaitable<Result<Completion>> ExecutionHandler::Complete(Exchange& exchange,
                                                              providers::ChatRequest request,
                                                              std::string_view surface) const {
  const routing::Decision& decision = *exchange.decision;
  // Settled below with what the execution cost; released if this frame dies first.
  std::unique_ptr<BudgetHold> hold = std::move(exchange.budget_hold);
  const std::int64_t prompt_estimate = PromptEstimate(exchange, request);
  storage::StoredExecution record = BaseRecord(exchange, surface, false);
  std::vector<std::string> chain = ChainOf(decision);
  const auto upstream_started = clock_.Monotonic();
  Result<providers::CompletionResult> completed =
      co_await executor_.Complete(std::move(chain), std::move(request));
  const auto now = clock_.Monotonic();
  record.upstream_ms = Milliseconds(now - upstream_started);
  record.total_ms = Milliseconds(now - exchange.started);
  record.created_at_ms = UnixMilliseconds(clock_);
  if (!completed) {
    const Error& error = completed.error();
    record.status = error.code == ErrorCode::kCancelled ? "cancelled" : "error";
    record.error_code = ReasonOf(error);
    usage_.Record(std::move(record));
    if (hold) {
      co_await hold->Settle(0.0);
    }
    co_return WithDecision(completed.error(), decision.decision_id);
  }
  Completion done;
  done.model = std::move(completed->model);
  done.provider = ProviderOf(config_, done.model);
  done.response = std::move(completed->response);
  done.attempts = std::move(completed->attempts);
  done.upstream_time = now - upstream_started;
  const providers::Usage usage = accounting::UsageOrEstimate(
      done.response.usage, prompt_estimate,
      accounting::EstimateCompletionTokens(done.response.content, done.response.tool_calls));
  done.response.usage = usage;
  done.cost_usd = CostOf(config_, done.model, usage);

  record.model = done.model;
  record.provider = done.provider;
  record.status = "ok";
  record.prompt_tokens = usage.prompt_tokens;
  record.completion_tokens = usage.completion_tokens;
  record.usage_estimated = usage.estimated;
  record.cost_usd = done.cost_usd;
  record.attempts = static_cast<int>(done.attempts.size());
  usage_.Record(std::move(record));
  if (hold) {
    co_await hold->Settle(done.cost_usd);
  }
  co_return done;
}

net::awaitable<Result<OpenedStream>> ExecutionHandler::Stream(Exchange& exchange,
                                                              providers::ChatRequest request,
                                                              std::string_view surface) const {
  const routing::Decision& decision = *exchange.decision;
  // Settled by the stream once it ends, or below when the upstream refuses.
  std::unique_ptr<BudgetHold> hold = std::move(exchange.budget_hold);
  const std::int64_t prompt_estimate = PromptEstimate(exchange, request);
  storage::StoredExecution record = BaseRecord(exchange, surface, true);
  // Ask for usage whatever the client asked: the record needs it; surfaces strip it.
  request.stream = true;
  request.include_usage = true;
  std::vector<std::string> chain = ChainOf(decision);
  const auto upstream_started = clock_.Monotonic();
  Result<providers::StreamResult> opened =
      co_await executor_.Stream(std::move(chain), std::move(request));
  const auto now = clock_.Monotonic();
  if (!opened) {
    const Error& error = opened.error();
    record.status = error.code == ErrorCode::kCancelled ? "cancelled" : "error";
    record.error_code = ReasonOf(error);
    record.upstream_ms = Milliseconds(now - upstream_started);
    record.total_ms = Milliseconds(now - exchange.started);
    record.created_at_ms = UnixMilliseconds(clock_);
    usage_.Record(std::move(record));
    if (hold) {
      co_await hold->Settle(0.0);
    }
    co_return WithDecision(opened.error(), decision.decision_id);
  }
  OpenedStream out;
  out.model = std::move(opened->model);
  out.provider = ProviderOf(config_, out.model);
  out.attempts = std::move(opened->attempts);
  out.upstream_time = now - upstream_started;
  record.model = out.model;
  record.provider = out.provider;
  record.attempts = static_cast<int>(out.attempts.size());
  const AccountedStream::Context context{&config_,         &usage_,          &clock_,
                                         exchange.started, upstream_started, prompt_estimate};
  out.stream = std::make_unique<AccountedStream>(std::move(opened->stream), context,
                                                 std::move(record), std::move(hold));
  co_return out;
}

}  // namespace amaima::pipeline
