#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amaima/core/result.h"
#include "test/support/fake_provider/fake_rule.h"

namespace amaima::testing {

struct FakeProviderOptions {
  std::string host{"127.0.0.1"};
  std::uint16_t port{0};  // 0 = an ephemeral port; read it back with port().
  int threads{1};         // Threads running the server's io_context.
  bool record_requests{true};
  std::size_t max_recorded_requests{10000};  // Older records are dropped beyond this.
  std::size_t body_limit_bytes{32U << 20U};
  // Listed by GET /v1/models, /v1beta/models and /api/tags. Any model name is answered.
  std::vector<std::string> models{"fake-gpt", "fake-claude", "fake-gemini", "fake-llama",
                                  "fake-embedding"};
  std::int64_t created{1'700'000'000};  // The "created" time every answer reports.
  int embedding_dimensions{16};         // When neither the request nor a rule sets one.
};

// What became of one request.
enum class RequestState : std::uint8_t {
  kInFlight,            // Not answered yet (delays, slow drip, hang).
  kCompleted,           // The whole response was written.
  kClientDisconnected,  // The client went away before the response was complete.
  kReset,               // A rule reset the connection on purpose.
  kAborted,             // The fake provider stopped first.
};

// One provider request as received (control requests are not recorded).
struct RecordedRequest {
  std::uint64_t seq{0};  // 1-based, in arrival order.
  std::string method{};
  std::string target{};  // As sent, query included.
  std::string path{};
  std::vector<std::pair<std::string, std::string>> headers{};  // Names in lower case.
  std::string body{};
  std::string model{};  // From the body (or the Gemini path); empty if none.
  int rule{-1};         // Index of the rule that applied; -1 = none.
  int status{0};        // Status sent; 0 when no response head was sent.
  int chunks_sent{0};   // Body chunks written.
  RequestState state{RequestState::kInFlight};

  // Returns the first header named `name` (lower case), or an empty string.
  std::string Header(std::string_view name) const;
};

struct FakeProviderCounters {
  std::uint64_t connections{0};         // Connections accepted.
  std::uint64_t requests{0};            // Provider requests received.
  std::uint64_t scripted{0};            // Requests a rule applied to.
  std::uint64_t completed{0};           // Responses written in full.
  std::uint64_t client_disconnects{0};  // Clients gone before their response completed.
  std::uint64_t resets{0};              // Connections reset on purpose by a rule.
  std::uint64_t aborted{0};             // Requests cut short by Stop().
  std::uint64_t in_flight{0};           // Requests not finished yet.
};

// A scriptable fake LLM provider on loopback: it speaks the OpenAI
// (/v1/chat/completions, /v1/embeddings, /v1/models), Anthropic (/v1/messages),
// Gemini (/v1beta/models/{model}:generateContent and :streamGenerateContent) and
// Ollama (/api/chat, /api/tags) wire formats, streaming and not, and injects the
// faults a script asks for (FakeRule). By default it answers "Echo: <last user
// message>" split into one chunk per word. It also serves a control API (README.md)
// so that tests in other processes can script it over HTTP.
//
// @par Thread Safety
// All methods are thread-safe. The server runs on its own threads (options.threads),
// started by Start() and joined by Stop() or the destructor.
class FakeProvider {
 public:
  // Binds, listens and starts serving. Fails with kUnavailable when the address
  // cannot be bound, kInvalidArgument for bad options.
  static Result<std::unique_ptr<FakeProvider>> Start(FakeProviderOptions options = {});
  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;
  FakeProvider(FakeProvider&&) = delete;
  FakeProvider& operator=(FakeProvider&&) = delete;
  // Stops (see Stop()).
  ~FakeProvider();

  std::uint16_t port() const;

  // "http://127.0.0.1:<port>".
  std::string base_url() const;

  // Replaces the script; the rules' match counts start again from zero.
  void SetScript(std::vector<FakeRule> rules);
  // Appends one rule to the script.
  void AddRule(FakeRule rule);
  // Replaces the script with rules given as JSON (ParseRules); on failure the
  // script is unchanged.
  Status SetScriptJson(std::string_view json_text);

  // Switches the benchmark mode on (a value) or off (nullopt): every chat request
  // gets one prebuilt answer; requests are counted, not recorded or scripted.
  void SetFixedResponse(std::optional<FixedResponse> fixed);

  // Clears the script, the recorded requests, the counters and the fixed response.
  void Reset();

  // Returns a copy of the recorded requests, oldest first. A request is recorded
  // before it is answered; its state changes just after the last byte is written,
  // which a client may see first: WaitFor() the counter before reading the state.
  std::vector<RecordedRequest> requests() const;

  FakeProviderCounters counters() const;

  // Blocks until `done(counters())` holds or `timeout` passes; returns whether it
  // held. Lets tests wait for server-side events (a disconnect noticed) without sleeping.
  bool WaitFor(const std::function<bool(const FakeProviderCounters&)>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  // Stops accepting, closes every connection (requests in flight end as kAborted)
  // and joins the threads. Idempotent.
  void Stop();

 private:
  class Impl;
  explicit FakeProvider(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace amaima::testing
