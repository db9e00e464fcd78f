// Scripted behaviour and faults of the fake provider, its request recording, the
// control API, the benchmark mode and the executable.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "test/support/fake_provider/fake_provider.h"
#include "test/support/fake_provider/stream_parsing.h"
#include "test/support/http_client.h"

namespace amaima::testing {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no
// option to ignore macros; tests that check a wire format field by field exceed
// the threshold without being complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr std::string_view kChat = "/v1/chat/completions";
constexpr std::string_view kChatBody =
    R"({"model":"m","messages":[{"role":"user","content":"ping"}]})";
constexpr std::string_view kStreamBody =
    R"({"model":"m","stream":true,"messages":[{"role":"user","content":"a b c d e"}]})";

json::object Object(std::string_view text) {
  return json::parse(text).as_object();
}

// The HTTP/1.1 request bytes of a POST to `target`.
std::string RawPost(std::string_view target, std::string_view body) {
  return "POST " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         + "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size())
         + "\r\n\r\n" + std::string(body);
}

// What a raw connection saw: the bytes, and the errno of the read that ended it
// (0 for an orderly close).
struct RawOutcome {
  std::string bytes;
  int error{0};
};

RawOutcome ReadUntilEnd(int fd) {
  RawOutcome outcome;
  std::array<char, 65536> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n > 0) {
      outcome.bytes.append(buffer.data(), static_cast<std::size_t>(n));
      continue;
    }
    outcome.error = n < 0 ? errno : 0;
    return outcome;
  }
}

// Reads until `needle` has arrived (or the connection ends); returns what was read.
std::string ReadUntil(int fd, std::string_view needle) {
  std::string bytes;
  std::array<char, 4096> buffer{};
  while (bytes.find(needle) == std::string::npos) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n <= 0) {
      break;
    }
    bytes.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return bytes;
}

class FakeProviderScriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = FakeProvider::Start();
    ASSERT_TRUE(started) << started.error().message;
    provider_ = std::move(*started);
    client_ = std::make_unique<HttpClient>(provider_->port());
  }

  std::unique_ptr<FakeProvider> provider_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(FakeProviderScriptTest, FirstCallFailsAndSecondSucceeds) {
  FakeRule rule;
  rule.path = std::string(kChat);
  rule.times = 1;
  rule.status = 500;
  provider_->AddRule(rule);

  const ClientResponse first = client_->Post(kChat, kChatBody);
  const ClientResponse second = client_->Post(kChat, kChatBody);

  EXPECT_EQ(first.status, 500);
  EXPECT_EQ(Object(first.body).at("error").at("type"), "server_error");
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(provider_->counters().scripted, 1U);
  EXPECT_EQ(provider_->requests().at(0).rule, 0);
  EXPECT_EQ(provider_->requests().at(1).rule, -1);
}

TEST_F(FakeProviderScriptTest, NthRuleAppliesToThatRequestOnly) {
  ASSERT_TRUE(provider_->SetScriptJson(R"([{"path":"/v1/chat/completions","nth":2,"times":1,)"
                                       R"("status":401}])"));

  const int first = client_->Post(kChat, kChatBody).status;
  const int second = client_->Post(kChat, kChatBody).status;
  const int third = client_->Post(kChat, kChatBody).status;

  EXPECT_EQ(first, 200);
  EXPECT_EQ(second, 401);
  EXPECT_EQ(third, 200);
}

TEST_F(FakeProviderScriptTest, RulesFilterByModelAndPathPrefix) {
  ASSERT_TRUE(provider_->SetScriptJson(
      R"([{"model":"bad-model","status":404},{"path":"/v1beta/*","status":403}])"));

  const int other_model = client_->Post(kChat, kChatBody).status;
  const int bad_model =
      client_->Post(kChat, R"({"model":"bad-model","messages":[{"role":"user","content":"x"}]})")
          .status;
  const int gemini =
      client_
          ->Post("/v1beta/models/g:generateContent", R"({"contents":[{"parts":[{"text":"x"}]}]})")
          .status;

  EXPECT_EQ(other_model, 200);
  EXPECT_EQ(bad_model, 404);
  EXPECT_EQ(gemini, 403);
}

TEST_F(FakeProviderScriptTest, RateLimitCarriesRetryAfter) {
  ASSERT_TRUE(provider_->SetScriptJson(R"({"rules":[{"status":429,"retry_after":7}]})"));

  const ClientResponse response = client_->Post(kChat, kChatBody);

  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(response.headers.at("retry-after"), "7");
  EXPECT_EQ(Object(response.body).at("error").at("code"), "rate_limit_exceeded");
}

TEST_F(FakeProviderScriptTest, ScriptedTextIsSplitIntoTheScriptedChunks) {
  FakeRule rule;
  rule.text = "exactly this answer";
  rule.chunks = 2;
  provider_->AddRule(rule);

  const std::vector<SseEvent> events = ParseSse(client_->Post(kChat, kStreamBody).body);

  ASSERT_EQ(events.size(), 5U);  // Role, two pieces, finish, [DONE].
  std::string text;
  for (std::size_t i = 1; i <= 2; ++i) {
    text += Object(events[i].data).at("choices").at(0).at("delta").at("content").as_string();
  }
  EXPECT_EQ(text, "exactly this answer");
}

TEST_F(FakeProviderScriptTest, ResetAfterChunksIsAConnectionErrorForTheClient) {
  FakeRule rule;
  rule.reset_after_chunks = 2;
  provider_->AddRule(rule);

  EXPECT_THROW(client_->Post(kChat, kStreamBody), std::runtime_error);

  const int fd = ConnectRaw(provider_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(WriteRaw(fd, RawPost(kChat, kStreamBody)));
  const RawOutcome outcome = ReadUntilEnd(fd);
  ::close(fd);
  EXPECT_EQ(outcome.error, ECONNRESET);
  EXPECT_EQ(outcome.bytes.find("[DONE]"), std::string::npos);
  // The client retried once: three resets in all, each after two chunks.
  ASSERT_TRUE(provider_->WaitFor([](const FakeProviderCounters& c) { return c.resets == 3; }));
  for (const RecordedRequest& request : provider_->requests()) {
    EXPECT_EQ(request.state, RequestState::kReset);
    EXPECT_EQ(request.chunks_sent, 2);
    EXPECT_EQ(request.status, 200);
  }
}

TEST_F(FakeProviderScriptTest, ResetBeforeHeadersSendsNothing) {
  FakeRule rule;
  rule.reset_before_headers = true;
  provider_->AddRule(rule);
  const int fd = ConnectRaw(provider_->port());
  ASSERT_GE(fd, 0);

  ASSERT_TRUE(WriteRaw(fd, RawPost(kChat, kChatBody)));
  const RawOutcome outcome = ReadUntilEnd(fd);
  ::close(fd);

  EXPECT_EQ(outcome.error, ECONNRESET);
  EXPECT_TRUE(outcome.bytes.empty());
}

TEST_F(FakeProviderScriptTest, DelaysHoldTheHeadersAndSpaceTheChunks) {
  FakeRule rule;
  rule.delay = milliseconds(60);
  rule.chunk_delay = milliseconds(20);
  provider_->AddRule(rule);
  const auto start = std::chrono::steady_clock::now();

  const ClientResponse response = client_->Post(kChat, kStreamBody);

  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(response.status, 200);
  const std::size_t events = ParseSse(response.body).size();
  EXPECT_EQ(events, 9U);  // Role, six words, finish, [DONE].
  // Timers never fire early: a lower bound is deterministic.
  EXPECT_GE(elapsed, milliseconds(60) + (events - 1) * milliseconds(20));
  // The server notes completion just after its last write, which the client may beat.
  ASSERT_TRUE(provider_->WaitFor([](const FakeProviderCounters& c) { return c.completed == 1; }));
  EXPECT_EQ(provider_->requests().at(0).state, RequestState::kCompleted);
}

TEST_F(FakeProviderScriptTest, HangLastsUntilTheClientLeavesAndCountsTheDisconnect) {
  FakeRule rule;
  rule.hang = true;
  provider_->AddRule(rule);
  const int fd = ConnectRaw(provider_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(WriteRaw(fd, RawPost(kChat, kChatBody)));
  ASSERT_TRUE(provider_->WaitFor([](const FakeProviderCounters& c) { return c.requests == 1; }));
  EXPECT_EQ(provider_->counters().in_flight, 1U);

  ::close(fd);

  ASSERT_TRUE(
      provider_->WaitFor([](const FakeProviderCounters& c) { return c.client_disconnects == 1; }));
  EXPECT_EQ(provider_->counters().in_flight, 0U);
  EXPECT_EQ(provider_->requests().at(0).state, RequestState::kClientDisconnected);
  EXPECT_EQ(provider_->requests().at(0).status, 0);
}

TEST_F(FakeProviderScriptTest, ClientLeavingMidStreamIsRecorded) {
  FakeRule rule;
  rule.chunk_delay = std::chrono::minutes(1);  // The first chunk comes, the second never does.
  provider_->AddRule(rule);
  const int fd = ConnectRaw(provider_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(WriteRaw(fd, RawPost(kChat, kStreamBody)));
  const std::string seen = ReadUntil(fd, "\n\n");
  ASSERT_NE(seen.find("data: "), std::string::npos);

  ::close(fd);

  ASSERT_TRUE(
      provider_->WaitFor([](const FakeProviderCounters& c) { return c.client_disconnects == 1; }));
  const RecordedRequest request = provider_->requests().at(0);
  EXPECT_EQ(request.state, RequestState::kClientDisconnected);
  EXPECT_EQ(request.chunks_sent, 1);
  EXPECT_EQ(provider_->counters().completed, 0U);
}

TEST_F(FakeProviderScriptTest, HangAfterChunksStallsTheStream) {
  FakeRule rule;
  rule.hang_after_chunks = 3;
  provider_->AddRule(rule);
  const int fd = ConnectRaw(provider_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(WriteRaw(fd, RawPost(kChat, kStreamBody)));
  const std::string seen = ReadUntil(fd, R"("content":" a")");  // The third chunk.
  ASSERT_NE(seen.find(R"("content":" a")"), std::string::npos);

  ::close(fd);

  ASSERT_TRUE(
      provider_->WaitFor([](const FakeProviderCounters& c) { return c.client_disconnects == 1; }));
  EXPECT_EQ(provider_->requests().at(0).chunks_sent, 3);
}

TEST_F(FakeProviderScriptTest, MalformedLineIsInsertedIntoTheStream) {
  FakeRule rule;
  rule.malformed_after_chunks = 1;
  provider_->AddRule(rule);

  const std::vector<SseEvent> events = ParseSse(client_->Post(kChat, kStreamBody).body);

  ASSERT_GE(events.size(), 3U);
  EXPECT_NO_THROW(json::parse(events[0].data));
  boost::system::error_code ec;
  json::parse(events[1].data, ec);
  EXPECT_TRUE(ec);  // The broken event.
  EXPECT_EQ(events.back().data, "[DONE]");
}

TEST_F(FakeProviderScriptTest, OversizedChunkCarriesOneMebibyteInOneDelta) {
  FakeRule rule;
  rule.oversized_chunk_bytes = 1U << 20U;
  provider_->AddRule(rule);

  const std::vector<SseEvent> events = ParseSse(client_->Post(kChat, kStreamBody).body);

  std::size_t largest = 0;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    const json::object chunk = Object(events[i].data);
    const json::object& delta = chunk.at("choices").at(0).at("delta").as_object();
    if (const json::value* content = delta.if_contains("content")) {
      largest = std::max(largest, content->as_string().size());
    }
  }
  EXPECT_EQ(largest, 1U << 20U);
}

TEST_F(FakeProviderScriptTest, ErrorAfterChunksSendsTheProvidersStreamError) {
  ASSERT_TRUE(provider_->SetScriptJson(
      R"([{"path":"/v1/messages","error_after_chunks":3,"error_type":"overloaded_error"}])"));

  const std::vector<SseEvent> events = ParseSse(
      client_
          ->Post(
              "/v1/messages",
              R"({"model":"c","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]})")
          .body);

  ASSERT_EQ(events.size(), 4U);
  EXPECT_EQ(events.back().event, "error");
  const json::object error = Object(events.back().data);
  EXPECT_EQ(error.at("type"), "error");
  EXPECT_EQ(error.at("error").at("type"), "overloaded_error");
}

TEST_F(FakeProviderScriptTest, RecordsMethodPathHeadersAndBody) {
  const ClientResponse response =
      client_->Request("POST", "/v1/chat/completions?trace=1", kChatBody, "application/json",
                       {{"Authorization", "Bearer sk-test"}});

  ASSERT_EQ(response.status, 200);
  ASSERT_TRUE(provider_->WaitFor([](const FakeProviderCounters& c) { return c.completed == 1; }));
  const std::vector<RecordedRequest> requests = provider_->requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].seq, 1U);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/v1/chat/completions");
  EXPECT_EQ(requests[0].target, "/v1/chat/completions?trace=1");
  EXPECT_EQ(requests[0].Header("authorization"), "Bearer sk-test");
  EXPECT_EQ(requests[0].Header("content-type"), "application/json");
  EXPECT_EQ(requests[0].body, kChatBody);
  EXPECT_EQ(requests[0].model, "m");
  EXPECT_EQ(requests[0].state, RequestState::kCompleted);
  EXPECT_EQ(response.headers.at("x-fake-request-seq"), "1");
}

TEST_F(FakeProviderScriptTest, AnswersExpectContinueBeforeTheBody) {
  const int fd = ConnectRaw(provider_->port());
  ASSERT_GE(fd, 0);
  const std::string head =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
      "Content-Length: "
      + std::to_string(kChatBody.size()) + "\r\n\r\n";

  ASSERT_TRUE(WriteRaw(fd, head));
  const std::string interim = ReadUntil(fd, "\r\n\r\n");
  ASSERT_TRUE(WriteRaw(fd, kChatBody));
  const std::string response = ReadUntil(fd, "Echo: ping");
  ::close(fd);

  EXPECT_TRUE(interim.starts_with("HTTP/1.1 100 Continue\r\n"));
  EXPECT_NE(response.find("HTTP/1.1 200 OK"), std::string::npos);
}

TEST_F(FakeProviderScriptTest, ControlApiScriptsResetsAndReports) {
  const ClientResponse scripted = client_->Post(
      "/__fake/script", R"([{"path":"/v1/chat/completions","times":1,"status":503}])");
  const int failed = client_->Post(kChat, kChatBody).status;
  const ClientResponse report = client_->Get("/__fake/requests");
  const ClientResponse bad_script = client_->Post("/__fake/script", R"([{"sttaus":500}])");
  const ClientResponse reset = client_->Post("/__fake/reset", "");
  const ClientResponse counters = client_->Get("/__fake/counters");

  EXPECT_EQ(scripted.status, 200);
  EXPECT_EQ(Object(scripted.body).at("rules"), 1);
  EXPECT_EQ(failed, 503);
  const json::object body = Object(report.body);
  const json::object& request = body.at("requests").at(0).as_object();
  EXPECT_EQ(request.at("method"), "POST");
  EXPECT_EQ(request.at("path"), "/v1/chat/completions");
  EXPECT_EQ(request.at("headers").at("content-type"), "application/json");
  EXPECT_EQ(request.at("json").at("model"), "m");
  EXPECT_EQ(request.at("rule"), 0);
  EXPECT_EQ(request.at("status"), 503);
  EXPECT_EQ(request.at("state"), "completed");
  EXPECT_EQ(request.at("client_disconnected"), false);
  EXPECT_EQ(body.at("counters").at("requests"), 1);
  EXPECT_EQ(bad_script.status, 400);
  EXPECT_NE(Object(bad_script.body).at("error").as_string().find("sttaus"), std::string::npos);
  EXPECT_EQ(reset.status, 200);
  EXPECT_EQ(Object(counters.body).at("requests"), 0);
  EXPECT_TRUE(provider_->requests().empty());
  EXPECT_EQ(client_->Post(kChat, kChatBody).status, 200);  // The script is gone too.
}

TEST_F(FakeProviderScriptTest, ScriptJsonRejectsUnknownFieldsAndBadValues) {
  EXPECT_FALSE(provider_->SetScriptJson(R"([{"stauts":500}])"));
  EXPECT_FALSE(provider_->SetScriptJson(R"([{"status":"500"}])"));
  EXPECT_FALSE(provider_->SetScriptJson(R"([{"nth":0}])"));
  EXPECT_FALSE(provider_->SetScriptJson(R"({"rule":[]})"));
  EXPECT_FALSE(provider_->SetScriptJson("not json"));
  EXPECT_TRUE(provider_->SetScriptJson(
      R"([{"tool_call":{"name":"f","arguments":{"a":1}},"delay_ms":0,"headers":{"x-a":"b"}}])"));
}

TEST_F(FakeProviderScriptTest, FixedModeAnswersWithThePrebuiltReplyWithoutRecording) {
  FixedResponse fixed;
  fixed.text = "benchmark answer text";
  fixed.chunks = 3;
  provider_->SetFixedResponse(fixed);

  const ClientResponse plain = client_->Post(kChat, kChatBody);
  const ClientResponse streamed = client_->Post(kChat, kStreamBody);
  const ClientResponse ollama =
      client_->Post("/api/chat", R"({"model":"l","messages":[{"role":"user","content":"x"}]})");

  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(Object(plain.body).at("choices").at(0).at("message").at("content"),
            "benchmark answer text");
  const std::vector<SseEvent> events = ParseSse(streamed.body);
  EXPECT_EQ(events.size(), 6U);  // Role, three pieces, finish, [DONE].
  EXPECT_EQ(SplitNdjson(ollama.body).size(), 4U);
  EXPECT_TRUE(provider_->requests().empty());
  ASSERT_TRUE(provider_->WaitFor([](const FakeProviderCounters& c) { return c.completed == 3; }));
  EXPECT_EQ(provider_->counters().requests, 3U);

  provider_->SetFixedResponse(std::nullopt);
  EXPECT_EQ(
      Object(client_->Post(kChat, kChatBody).body).at("choices").at(0).at("message").at("content"),
      "Echo: ping");
}

TEST_F(FakeProviderScriptTest, RawBodyIsSentVerbatim) {
  ASSERT_TRUE(provider_->SetScriptJson(
      R"([{"raw_body":"upstream proxy error","content_type":"text/plain","status":502}])"));

  const ClientResponse response = client_->Post(kChat, kChatBody);

  EXPECT_EQ(response.status, 502);
  EXPECT_EQ(response.headers.at("content-type"), "text/plain");
  EXPECT_EQ(response.body, "upstream proxy error");
}

TEST(FakeProviderThreadsTest, ServesConcurrentClientsOnSeveralThreads) {
  FakeProviderOptions options;
  options.threads = 4;
  auto started = FakeProvider::Start(options);
  ASSERT_TRUE(started);
  std::unique_ptr<FakeProvider> provider = std::move(*started);
  constexpr int kClients = 4;
  constexpr int kRequestsEach = 25;
  constexpr std::uint64_t kTotal = std::uint64_t{kClients} * kRequestsEach;
  std::vector<int> successes(kClients, 0);

  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&provider, &successes, c] {
      HttpClient client(provider->port());
      for (int i = 0; i < kRequestsEach; ++i) {
        successes[static_cast<std::size_t>(c)] += client.Post(kChat, kStreamBody).status == 200;
      }
    });
  }
  for (std::thread& client : clients) {
    client.join();
  }

  for (const int count : successes) {
    EXPECT_EQ(count, kRequestsEach);
  }
  ASSERT_TRUE(
      provider->WaitFor([](const FakeProviderCounters& c) { return c.completed == kTotal; }));
  EXPECT_EQ(provider->requests().size(), kTotal);
}

TEST(FakeProviderStopTest, StopEndsRequestsInFlightAsAborted) {
  auto started = FakeProvider::Start();
  ASSERT_TRUE(started);
  std::unique_ptr<FakeProvider> provider = std::move(*started);
  FakeRule rule;
  rule.hang = true;
  provider->AddRule(rule);
  const int fd = ConnectRaw(provider->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(WriteRaw(fd, RawPost(kChat, kChatBody)));
  ASSERT_TRUE(provider->WaitFor([](const FakeProviderCounters& c) { return c.requests == 1; }));

  provider->Stop();

  EXPECT_EQ(provider->counters().aborted, 1U);
  EXPECT_EQ(provider->counters().client_disconnects, 0U);
  EXPECT_EQ(ConnectRaw(provider->port()), -1);
  ::close(fd);
}

TEST(FakeProviderStartTest, FailsWhenThePortIsTaken) {
  auto first = FakeProvider::Start();
  ASSERT_TRUE(first);
  FakeProviderOptions options;
  options.port = (*first)->port();

  // SO_REUSEADDR does not let two listeners share a port.
  const auto second = FakeProvider::Start(options);

  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
}

// Starts the executable on an ephemeral port; returns its pid.
pid_t SpawnFakeProvider(const std::string& ready_file) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const char* binary = AMAIMA_FAKE_PROVIDER_BINARY;
    ::execl(binary, binary, "--port", "0", "--ready-file", ready_file.c_str(),
            static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  return pid;
}

// Returns the port written to `path`, or 0 if none appears within 30 s.
int WaitForPortFile(const std::string& path) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(path);
    int port = 0;
    if (in >> port && port > 0) {
      return port;
    }
    // Polling a file written by another process has no event to wait on.
    std::this_thread::sleep_for(milliseconds(5));
  }
  return 0;
}

TEST(FakeProviderProcessTest, ServesOnThePortOfTheReadyFileUntilSigterm) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path()
                                    / ("amaima-fake-provider-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string ready_file = (dir / "port").string();
  const pid_t pid = SpawnFakeProvider(ready_file);
  ASSERT_GT(pid, 0);

  const int port = WaitForPortFile(ready_file);
  ASSERT_GT(port, 0);

  HttpClient client(static_cast<std::uint16_t>(port));
  const ClientResponse health = client.Get("/__fake/health");
  const ClientResponse answer = client.Post(kChat, kChatBody);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::filesystem::remove_all(dir);

  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(answer.status, 200);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::testing
