#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "test/support/fake_provider/chat_request.h"
#include "test/support/fake_provider/fake_provider.h"
#include "test/support/fake_provider/fake_provider_state.h"
#include "test/support/fake_provider/fake_rule.h"

namespace amaima::testing {

// One request as the responder sees it: no Beast types. Header names in lower case.
struct IncomingRequest {
  std::string method{};
  std::string target{};
  std::string path{};
  std::string query{};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
};

// How to answer one request: the bytes, and the faults to act out while sending them.
struct ResponsePlan {
  std::uint64_t seq{0};  // The provider request's number; 0 = a control request.
  int status{200};
  std::string content_type{"application/json"};
  std::vector<std::pair<std::string, std::string>> headers{};  // Extra response headers.
  std::string head{};                 // Status line and headers through the blank line; set last.
  bool chunked{false};                // Chunked transfer coding (streams).
  std::vector<std::string> chunks{};  // The body, in the pieces it is sent in.
  std::shared_ptr<const std::string> prebuilt{};  // Benchmark mode: the whole response.
  std::chrono::milliseconds delay{0};             // Before the head.
  std::chrono::milliseconds chunk_delay{0};       // Before every chunk after the first.
  bool reset_before_headers{false};
  int reset_after_chunks{-1};
  bool hang{false};
  int hang_after_chunks{-1};
  bool close{false};  // Close the connection after the response.

  // Whether sending involves waiting, during which a departing client must be noticed.
  bool Waits() const {
    return delay.count() > 0 || chunk_delay.count() > 0 || hang || hang_after_chunks >= 0;
  }
};

// Decides the answer to each request: the provider endpoints (with the script
// applied), the benchmark mode and the control API under /__fake/. No I/O.
//
// @par Thread Safety
// Thread-safe. `state` and `options` are borrowed and must outlive the responder.
class FakeResponder {
 public:
  FakeResponder(const FakeProviderOptions& options, FakeProviderState& state);

  // Plans the response to `request`. `keep_alive` is whether the client allows the
  // connection to stay open. Records and counts provider requests in the state.
  ResponsePlan Respond(IncomingRequest request, bool keep_alive);

  void SetFixedResponse(std::optional<FixedResponse> fixed);

 private:
  // The prebuilt responses of the benchmark mode, keyed by endpoint, stream and
  // include_usage.
  using FixedReplies =
      std::map<std::tuple<Endpoint, bool, bool>, std::shared_ptr<const std::string>>;

  ResponsePlan Control(const IncomingRequest& request);
  ResponsePlan Provider(IncomingRequest request, const EndpointMatch& match);
  // Fills `plan` with the answer of a models, embeddings or chat endpoint.
  void Answer(ResponsePlan& plan, const EndpointMatch& match, const boost::json::value& body,
              const FakeRule* rule) const;
  // Sets `plan.head` from its status, content type, headers, chunks and close flag.
  static void Seal(ResponsePlan& plan);
  std::optional<ResponsePlan> Fixed(const IncomingRequest& request, const EndpointMatch& match);
  std::shared_ptr<const FixedReplies> fixed() const;

  const FakeProviderOptions& options_;
  FakeProviderState& state_;
  mutable std::mutex fixed_mutex_;
  std::shared_ptr<const FixedReplies> fixed_;  // GUARDED_BY(fixed_mutex_); null = off.
};

// Returns an HTTP/1.1 response head. `content_length` nullopt = chunked.
std::string ResponseHead(int status, std::string_view content_type,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         std::optional<std::size_t> content_length, bool close);

}  // namespace amaima::testing
