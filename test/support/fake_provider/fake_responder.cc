#include "test/support/fake_provider/fake_responder.h"

#include <algorithm>

#include <boost/beast/http/status.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "test/support/fake_provider/completion.h"
#include "test/support/fake_provider/wire_format.h"

namespace amaima::testing {

namespace json = boost::json;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kControlPrefix = "/__fake/";
constexpr int kFixedPromptTokens = 8;

bool IsChat(Endpoint endpoint) {
  return endpoint == Endpoint::kOpenAiChat || endpoint == Endpoint::kAnthropicMessages
         || endpoint == Endpoint::kGeminiGenerate || endpoint == Endpoint::kGeminiStream
         || endpoint == Endpoint::kOllamaChat;
}

bool Contains(std::string_view text, std::string_view compact, std::string_view spaced) {
  return text.find(compact) != std::string_view::npos
         || text.find(spaced) != std::string_view::npos;
}

std::size_t TotalSize(const std::vector<std::string>& chunks) {
  std::size_t size = 0;
  for (const std::string& chunk : chunks) {
    size += chunk.size();
  }
  return size;
}

// A control API answer: JSON, never scripted.
ResponsePlan ControlAnswer(int status, std::string body) {
  ResponsePlan plan;
  plan.status = status;
  plan.chunks.push_back(std::move(body));
  return plan;
}

ResponsePlan ControlError(int status, std::string_view message) {
  return ControlAnswer(status, json::serialize(json::object{{"error", message}}));
}

void ApplyTransportFaults(const FakeRule& rule, ResponsePlan& plan) {
  plan.delay = rule.delay;
  plan.chunk_delay = rule.chunk_delay;
  plan.reset_before_headers = rule.reset_before_headers;
  plan.reset_after_chunks = rule.reset_after_chunks;
  plan.hang = rule.hang;
  plan.hang_after_chunks = rule.hang_after_chunks;
  plan.close = plan.close || rule.close_connection;
  if (!rule.retry_after.empty()) {
    plan.headers.emplace_back("retry-after", rule.retry_after);
  }
  plan.headers.insert(plan.headers.end(), rule.headers.begin(), rule.headers.end());
}

void ApplyStreamFaults(const FakeRule& rule, Dialect dialect, std::vector<std::string>& chunks) {
  if (rule.error_after_chunks >= 0) {
    chunks.resize(std::min(chunks.size(), static_cast<std::size_t>(rule.error_after_chunks)));
    chunks.push_back(
        RenderStreamError(dialect, ProviderError{500, rule.error_type, rule.error_message}));
  }
  if (rule.malformed_after_chunks >= 0) {
    const std::size_t at =
        std::min(chunks.size(), static_cast<std::size_t>(rule.malformed_after_chunks));
    chunks.insert(
        chunks.begin() + static_cast<std::ptrdiff_t>(at),
        rule.malformed_line.empty() ? DefaultMalformedChunk(dialect) : rule.malformed_line);
  }
}

// Returns the request's model: the Gemini path's, or the body's "model".
std::string ModelOf(const EndpointMatch& match, const json::value* body) {
  if (!match.path_model.empty() || body == nullptr || !body->is_object()) {
    return match.path_model;
  }
  const json::value* field = body->get_object().if_contains("model");
  return field != nullptr && field->is_string() ? std::string(field->get_string()) : std::string();
}

// Makes `plan` an error response in `dialect`'s shape.
void SetError(ResponsePlan& plan, Dialect dialect, int status, std::string message,
              std::string type = {}) {
  plan.status = status;
  plan.chunks.assign(
      1, RenderError(dialect, ProviderError{status, std::move(type), std::move(message)}));
}

// A whole body is one chunk; when a reset is scripted, halve it so that the reset
// can cut it in the middle.
void HalveForReset(ResponsePlan& plan) {
  if (plan.chunked || plan.reset_after_chunks < 1 || plan.chunks.size() != 1
      || plan.chunks.front().size() < 2) {
    return;
  }
  std::string second = plan.chunks.front().substr(plan.chunks.front().size() / 2);
  plan.chunks.front().resize(plan.chunks.front().size() / 2);
  plan.chunks.push_back(std::move(second));
}

// The whole HTTP response of a benchmark-mode answer.
std::shared_ptr<const std::string> BuildFixedReply(Endpoint endpoint, bool stream,
                                                   bool include_usage, const FixedResponse& fixed,
                                                   std::int64_t created) {
  Completion completion;
  completion.id = "fixed";
  completion.model = fixed.model;
  completion.created = created;
  completion.pieces = SplitText(fixed.text, fixed.chunks);
  completion.prompt_tokens = kFixedPromptTokens;
  completion.completion_tokens = static_cast<int>(completion.pieces.size());
  completion.include_usage = include_usage;
  std::string bytes;
  if (!stream) {
    const std::string body = RenderBody(endpoint, completion);
    bytes = ResponseHead(200, kJson, {}, body.size(), false) + body;
  } else {
    bytes = ResponseHead(200, StreamContentType(DialectOf(endpoint)), {}, std::nullopt, false);
    for (const std::string& chunk : RenderStream(endpoint, completion)) {
      std::array<char, 20> size{};
      const int n = std::snprintf(size.data(), size.size(), "%zx\r\n", chunk.size());
      bytes.append(size.data(), static_cast<std::size_t>(n));
      bytes += chunk;
      bytes += "\r\n";
    }
    bytes += "0\r\n\r\n";
  }
  return std::make_shared<const std::string>(std::move(bytes));
}

}  // namespace

std::string ResponseHead(int status, std::string_view content_type, const Headers& headers,
                         std::optional<std::size_t> content_length, bool close) {
  const auto reason = boost::beast::http::obsolete_reason(
      static_cast<boost::beast::http::status>(static_cast<unsigned>(status)));
  std::string head;
  head.reserve(256);
  head += "HTTP/1.1 ";
  head += std::to_string(status);
  head += ' ';
  head.append(reason.data(), reason.size());
  head += "\r\nServer: amaima-fake-provider\r\nContent-Type: ";
  head += content_type;
  head += "\r\n";
  if (content_length) {
    head += "Content-Length: " + std::to_string(*content_length) + "\r\n";
  } else {
    head += "Transfer-Encoding: chunked\r\nCache-Control: no-cache\r\n";
  }
  if (close) {
    head += "Connection: close\r\n";
  }
  for (const auto& [name, value] : headers) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  head += "\r\n";
  return head;
}

void FakeResponder::Seal(ResponsePlan& plan) {
  std::optional<std::size_t> length;
  if (!plan.chunked) {
    length = TotalSize(plan.chunks);
  }
  plan.head = ResponseHead(plan.status, plan.content_type, plan.headers, length, plan.close);
}

FakeResponder::FakeResponder(const FakeProviderOptions& options, FakeProviderState& state)
    : options_(options), state_(state) {}

ResponsePlan FakeResponder::Respond(IncomingRequest request, bool keep_alive) {
  ResponsePlan plan;
  if (request.path.compare(0, kControlPrefix.size(), kControlPrefix) == 0) {
    plan = Control(request);
  } else {
    const EndpointMatch match = ClassifyEndpoint(request.method, request.path);
    std::optional<ResponsePlan> fixed_plan = Fixed(request, match);
    if (fixed_plan) {
      plan = std::move(*fixed_plan);
    } else {
      plan = Provider(std::move(request), match);
    }
  }
  plan.close = plan.close || !keep_alive;
  if (!plan.prebuilt) {
    Seal(plan);
  }
  return plan;
}

void FakeResponder::SetFixedResponse(std::optional<FixedResponse> fixed) {
  std::shared_ptr<FixedReplies> replies;
  if (fixed) {
    replies = std::make_shared<FixedReplies>();
    for (const Endpoint endpoint :
         {Endpoint::kOpenAiChat, Endpoint::kAnthropicMessages, Endpoint::kGeminiGenerate,
          Endpoint::kGeminiStream, Endpoint::kOllamaChat}) {
      for (const bool stream : {false, true}) {
        for (const bool usage : {false, true}) {
          (*replies)[{endpoint, stream, usage}] =
              BuildFixedReply(endpoint, stream, usage, *fixed, options_.created);
        }
      }
    }
  }
  std::lock_guard<std::mutex> lock(fixed_mutex_);
  fixed_ = std::move(replies);
}

std::shared_ptr<const FakeResponder::FixedReplies> FakeResponder::fixed() const {
  std::lock_guard<std::mutex> lock(fixed_mutex_);
  return fixed_;
}

std::optional<ResponsePlan> FakeResponder::Fixed(const IncomingRequest& request,
                                                 const EndpointMatch& match) {
  if (!IsChat(match.endpoint) || !match.method_allowed) {
    return std::nullopt;
  }
  const std::shared_ptr<const FixedReplies> replies = fixed();
  if (!replies) {
    return std::nullopt;
  }
  // No JSON parsing on this path: the flags are found by a substring search.
  bool stream = Contains(request.body, "\"stream\":true", "\"stream\": true");
  if (match.endpoint == Endpoint::kOllamaChat) {
    stream = !Contains(request.body, "\"stream\":false", "\"stream\": false");
  } else if (match.endpoint == Endpoint::kGeminiGenerate
             || match.endpoint == Endpoint::kGeminiStream) {
    stream = match.endpoint == Endpoint::kGeminiStream;
  }
  const bool usage = match.endpoint == Endpoint::kOpenAiChat && stream
                     && Contains(request.body, "\"include_usage\":true", "\"include_usage\": true");
  ResponsePlan plan;
  plan.seq = state_.CountFixedRequest();
  plan.prebuilt = replies->at({match.endpoint, stream, usage});
  return plan;
}

ResponsePlan FakeResponder::Control(const IncomingRequest& request) {
  std::string_view path = request.path;
  path.remove_prefix(kControlPrefix.size());
  const bool post = request.method == "POST";
  if (path == "health" && request.method == "GET") {
    return ControlAnswer(200, R"({"ok":true})");
  }
  if (path == "script" && post) {
    Result<std::vector<FakeRule>> rules = ParseRules(request.body);
    if (!rules) {
      return ControlError(400, rules.error().message);
    }
    const std::size_t count = rules->size();
    if (request.query.find("append=true") != std::string::npos) {
      for (FakeRule& rule : *rules) {
        state_.AddRule(std::move(rule));
      }
    } else {
      state_.SetScript(std::move(*rules));
    }
    return ControlAnswer(200, json::serialize(json::object{{"rules", count}}));
  }
  if (path == "reset" && post) {
    state_.Reset();
    SetFixedResponse(std::nullopt);
    return ControlAnswer(200, R"({"ok":true})");
  }
  if (path == "requests" && request.method == "GET") {
    return ControlAnswer(200, state_.RequestsJson());
  }
  if (path == "counters" && request.method == "GET") {
    return ControlAnswer(200, state_.CountersJson());
  }
  if (path == "fixed" && post) {
    Result<FixedResponse> fixed = ParseFixedResponse(request.body);
    if (!fixed) {
      return ControlError(400, fixed.error().message);
    }
    SetFixedResponse(std::move(*fixed));
    return ControlAnswer(200, R"({"ok":true})");
  }
  if (path == "fixed" && request.method == "DELETE") {
    SetFixedResponse(std::nullopt);
    return ControlAnswer(200, R"({"ok":true})");
  }
  return ControlError(404, "unknown control endpoint " + request.method + " " + request.path);
}

ResponsePlan FakeResponder::Provider(IncomingRequest request, const EndpointMatch& match) {
  const Dialect dialect = DialectOf(match.endpoint);
  boost::system::error_code ec;
  json::value body;
  if (!request.body.empty()) {
    body = json::parse(request.body, ec);
  }
  const bool body_ok = !request.body.empty() && !ec;

  RecordedRequest record;
  record.method = request.method;
  record.target = std::move(request.target);
  record.path = request.path;
  record.headers = std::move(request.headers);
  record.body = std::move(request.body);
  record.model = ModelOf(match, body_ok ? &body : nullptr);
  FakeProviderState::Admission admission = state_.Admit(std::move(record));
  const FakeRule* rule = admission.rule ? &*admission.rule : nullptr;

  ResponsePlan plan;
  plan.seq = admission.seq;
  plan.headers.emplace_back("x-fake-request-seq", std::to_string(admission.seq));
  if (rule != nullptr) {
    ApplyTransportFaults(*rule, plan);
  }
  if (match.endpoint == Endpoint::kUnknown) {
    SetError(plan, Dialect::kOpenAi, 404,
             "Unknown request URL: " + request.method + " " + request.path,
             "invalid_request_error");
  } else if (!match.method_allowed) {
    SetError(plan, dialect, 405, "Method " + request.method + " is not allowed on " + request.path);
  } else if (rule != nullptr && rule->raw_body) {
    plan.status = rule->status;
    plan.chunks.assign(1, *rule->raw_body);
    if (!rule->content_type.empty()) {
      plan.content_type = rule->content_type;
    }
  } else if (rule != nullptr && rule->status >= 400) {
    SetError(plan, dialect, rule->status, rule->error_message, rule->error_type);
  } else if (request.method == "POST" && !body_ok) {
    SetError(plan, dialect, 400, "We could not parse the JSON body of your request.");
  } else {
    Answer(plan, match, body, rule);
  }
  if (rule != nullptr && rule->status < 400 && plan.status < 400) {
    plan.status = rule->status;
  }
  HalveForReset(plan);
  return plan;
}

void FakeResponder::Answer(ResponsePlan& plan, const EndpointMatch& match, const json::value& body,
                           const FakeRule* rule) const {
  const Dialect dialect = DialectOf(match.endpoint);
  if (match.endpoint == Endpoint::kOpenAiModels || match.endpoint == Endpoint::kGeminiModels
      || match.endpoint == Endpoint::kOllamaTags) {
    plan.chunks.assign(1, RenderModels(match.endpoint, options_.models, options_.created));
    return;
  }
  if (IsEmbeddings(match.endpoint)) {
    Result<EmbeddingsRequest> embeddings =
        ReadEmbeddingsRequest(match.endpoint, body, match.path_model);
    if (!embeddings) {
      SetError(plan, dialect, 400, embeddings.error().message);
      return;
    }
    const int dimensions =
        rule != nullptr && rule->dimensions > 0 ? rule->dimensions : options_.embedding_dimensions;
    plan.chunks.assign(1, RenderEmbeddings(match.endpoint, *embeddings, dimensions));
    return;
  }
  Result<ChatRequest> chat = ReadChatRequest(match.endpoint, body, match.path_model);
  if (!chat) {
    SetError(plan, dialect, 400, chat.error().message);
    return;
  }
  const Completion completion = PlanCompletion(*chat, rule, plan.seq, options_.created);
  if (!chat->stream) {
    plan.chunks.assign(1, RenderBody(match.endpoint, completion));
    return;
  }
  plan.chunked = true;
  plan.chunks = RenderStream(match.endpoint, completion);
  plan.content_type = std::string(StreamContentType(dialect));
  if (rule != nullptr) {
    ApplyStreamFaults(*rule, dialect, plan.chunks);
  }
}

}  // namespace amaima::testing
