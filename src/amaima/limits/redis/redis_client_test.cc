#include "amaima/limits/redis/redis_client.h"

#include <atomic>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test/support/redis_server.h"

namespace amaima::limits {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros.
// NOLINTBEGIN(readability-function-cognitive-complexity)

struct UrlCase {
  const char* url{""};
  const char* host{""};
  int port{0};
  const char* username{""};
  const char* password{""};
  int database{0};
};

TEST(RedisUrlTest, ParsesHostPortDatabaseAndCredentials) {
  const std::vector<UrlCase> cases = {
      {"redis://localhost", "localhost", 6379, "", "", 0},
      {"redis://127.0.0.1:6380", "127.0.0.1", 6380, "", "", 0},
      {"redis://cache.internal:7000/3", "cache.internal", 7000, "", "", 3},
      {"redis://:s3cret@10.0.0.5:6379/0", "10.0.0.5", 6379, "", "s3cret", 0},
      {"redis://alice:s3cret@redis:6379/2", "redis", 6379, "alice", "s3cret", 2},
      {"redis://:p%40ss%3Aw%2Frd@h", "h", 6379, "", "p@ss:w/rd", 0},
      {"redis://:p@ss@h:1", "h", 1, "", "p@ss", 0},
      {"redis://[::1]:6390/1", "::1", 6390, "", "", 1},
      {"redis://[::1]", "::1", 6379, "", "", 0},
      {"redis://h:65535/", "h", 65535, "", "", 0},
  };

  for (const UrlCase& c : cases) {
    const Result<RedisOptions> options = ParseRedisUrl(c.url);

    ASSERT_TRUE(options) << c.url << ": " << options.error().message;
    EXPECT_EQ(options->host, c.host) << c.url;
    EXPECT_EQ(options->port, c.port) << c.url;
    EXPECT_EQ(options->username, c.username) << c.url;
    EXPECT_EQ(options->password, c.password) << c.url;
    EXPECT_EQ(options->database, c.database) << c.url;
    EXPECT_EQ(options->connect_timeout, RedisOptions{}.connect_timeout) << c.url;
  }
}

TEST(RedisUrlTest, RefusesMalformedUrlsWithoutEchoingThePassword) {
  const std::vector<const char*> urls = {
      "",
      "localhost:6379",
      "http://:s3cret@h",
      "rediss://:s3cret@h:6380",
      "redis://:s3cret@",
      "redis://:s3cret@:6379",
      "redis://:s3cret@h:0",
      "redis://:s3cret@h:65536",
      "redis://:s3cret@h:port",
      "redis://:s3cret@h:",
      "redis://:s3cret@h/db",
      "redis://:s3cret@h/-1",
      "redis://:s3cret@h?timeout=1",
      "redis://alice@h",
      "redis://alice:@h",
      "redis://:s3cret%zz@h",
      "redis://:s3cret%4@h",
      "redis://:s3cret@[::1",
      "redis://:s3cret@[::1]x",
  };

  for (const char* url : urls) {
    const Result<RedisOptions> options = ParseRedisUrl(url);

    ASSERT_FALSE(options) << url;
    EXPECT_EQ(options.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(options.error().message.find("s3cret"), std::string::npos) << url;
    EXPECT_TRUE(options.error().message.starts_with("redis url: ")) << url;
  }
}

TEST(RedisScriptTest, KnowsItsSha1) {
  const RedisScript script("return 1");

  EXPECT_EQ(script.source(), "return 1");
  EXPECT_EQ(script.sha1(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST(RedisReplyTest, ReadsNumbersFromIntegersAndStrings) {
  RedisReply reply;
  reply.type = RedisReply::Type::kArray;
  reply.elements = {RedisReply{RedisReply::Type::kInteger, 42, "", {}},
                    RedisReply{RedisReply::Type::kString, 0, "0.99899999999999999", {}},
                    RedisReply{RedisReply::Type::kString, 0, "12x", {}},
                    RedisReply{RedisReply::Type::kNil, 0, "", {}}};

  EXPECT_EQ(*RedisIntegerAt(reply, 0), 42);
  EXPECT_EQ(*RedisNumberAt(reply, 0), 42);
  EXPECT_EQ(*RedisNumberAt(reply, 1), 0.999);
  EXPECT_FALSE(RedisIntegerAt(reply, 1));
  EXPECT_FALSE(RedisNumberAt(reply, 2));
  EXPECT_FALSE(RedisNumberAt(reply, 3));
  EXPECT_FALSE(RedisNumberAt(reply, 4));
  EXPECT_EQ(RedisNumberAt(reply, 4).error().code, ErrorCode::kInternal);
  EXPECT_EQ(RedisNumberArg(0.999), "0.999");
  EXPECT_EQ(RedisNumberArg(60), "60");
  EXPECT_EQ(RedisNumberArg(1.0 / 3), "0.3333333333333333");
}

// Tests against a real redis-server of their own (some stop, pause or protect it).
class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::RedisServer::Available()) {
      if (testing::RedisServer::Required()) {
        FAIL() << "AMAIMA_REQUIRE_REDIS=1 but " << testing::RedisServer::Binary() << " is missing";
      }
      GTEST_SKIP() << testing::RedisServer::Binary() << " is missing";
    }
  }

  // Starts the server with `args` and returns options for it.
  RedisOptions Start(std::vector<std::string> args = {}) {
    server_ = std::make_unique<testing::RedisServer>(std::move(args));
    Result<RedisOptions> options = ParseRedisUrl(server_->url());
    EXPECT_TRUE(options);
    return options ? *options : RedisOptions{};
  }

  std::unique_ptr<testing::RedisServer> server_;
};

TEST_F(RedisClientTest, RunsCommandsAndConvertsReplies) {
  RedisClient client(Start());

  const Result<RedisReply> set = client.Command({"SET", "k", "v"});
  const Result<RedisReply> get = client.Command({"GET", "k"});
  const Result<RedisReply> missing = client.Command({"GET", "nothing"});
  const Result<RedisReply> incremented = client.Command({"INCRBY", "n", "41"});
  const std::vector<std::string> push = {"RPUSH", "l", "a", std::string("b\0c", 3)};
  ASSERT_TRUE(client.Command(push));
  const Result<RedisReply> list = client.Command({"LRANGE", "l", "0", "-1"});

  ASSERT_TRUE(set && get && missing && incremented && list);
  EXPECT_EQ(set->type, RedisReply::Type::kStatus);
  EXPECT_EQ(set->text, "OK");
  EXPECT_EQ(get->type, RedisReply::Type::kString);
  EXPECT_EQ(get->text, "v");
  EXPECT_EQ(missing->type, RedisReply::Type::kNil);
  EXPECT_EQ(incremented->type, RedisReply::Type::kInteger);
  EXPECT_EQ(incremented->integer, 41);
  ASSERT_EQ(list->type, RedisReply::Type::kArray);
  ASSERT_EQ(list->elements.size(), 2U);
  EXPECT_EQ(list->elements[0].text, "a");
  EXPECT_EQ(list->elements[1].text, std::string("b\0c", 3));
  EXPECT_TRUE(client.Ping());
}

TEST_F(RedisClientTest, AnErrorReplyIsAnInternalErrorAndKeepsTheConnection) {
  RedisClient client(Start());
  ASSERT_TRUE(client.Command({"SET", "text", "abc"}));

  const Result<RedisReply> wrong = client.Command({"INCR", "text"});
  const Result<RedisReply> after = client.Command({"GET", "text"});

  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kInternal);
  EXPECT_EQ(wrong.error().reason, "SYSTEM_INTERNAL_ERROR");
  EXPECT_EQ(wrong.error().message,
            "redis at " + client.endpoint() + ": ERR value is not an integer or out of range");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->text, "abc");
  EXPECT_EQ(client.connects(), 1U);
}

TEST_F(RedisClientTest, EvalLoadsAScriptTheServerDoesNotKnow) {
  RedisClient client(Start());
  const RedisScript script("return {KEYS[1], ARGV[1] + 1, 'x'}");
  const std::vector<std::string> keys = {"key"};
  const std::vector<std::string> args = {"41"};

  const Result<RedisReply> first = client.Eval(script, keys, args);
  const Result<RedisReply> known = client.Command({"SCRIPT", "EXISTS", script.sha1()});
  ASSERT_TRUE(client.Command({"SCRIPT", "FLUSH"}));
  const Result<RedisReply> after_flush = client.Eval(script, keys, args);

  ASSERT_TRUE(first && known && after_flush);
  ASSERT_EQ(first->elements.size(), 3U);
  EXPECT_EQ(first->elements[0].text, "key");
  EXPECT_EQ(first->elements[1].integer, 42);
  EXPECT_EQ(first->elements[2].text, "x");
  ASSERT_EQ(known->elements.size(), 1U);
  EXPECT_EQ(known->elements[0].integer, 1);
  EXPECT_EQ(after_flush->elements[1].integer, 42);
}

TEST_F(RedisClientTest, AScriptErrorIsAnInternalError) {
  RedisClient client(Start());
  const RedisScript script("return redis.call('INCR', KEYS[1])");
  ASSERT_TRUE(client.Command({"SET", "text", "abc"}));

  const Result<RedisReply> reply = client.Eval(script, std::vector<std::string>{"text"}, {});

  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ErrorCode::kInternal);
  EXPECT_NE(reply.error().message.find("not an integer"), std::string::npos);
}

TEST_F(RedisClientTest, ReusesOneConnectionForSequentialCalls) {
  RedisClient client(Start());

  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(client.Command({"INCR", "n"}));
  }

  EXPECT_EQ(client.connects(), 1U);
  EXPECT_EQ(client.idle_count(), 1U);
}

TEST_F(RedisClientTest, ThreadsShareTheBoundedPool) {
  RedisOptions options = Start();
  options.max_idle_connections = 4;
  RedisClient client(options);
  constexpr int kThreads = 16;
  constexpr int kCalls = 200;
  std::atomic<int> failures{0};
  std::latch start(kThreads);

  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < kCalls; ++i) {
        if (!client.Command({"INCR", "n"})) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const Result<RedisReply> total = client.Command({"GET", "n"});

  EXPECT_EQ(failures.load(), 0);
  ASSERT_TRUE(total);
  EXPECT_EQ(total->text, std::to_string(kThreads * kCalls));
  EXPECT_LE(client.idle_count(), 4U);
  EXPECT_LE(client.connects(), static_cast<std::uint64_t>(kThreads) * kCalls);
}

TEST_F(RedisClientTest, AnUnreachableServerIsUnavailable) {
  RedisClient client(Start());
  server_->Stop();

  const Status ping = client.Ping();

  ASSERT_FALSE(ping);
  EXPECT_EQ(ping.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(ping.error().reason, "SYSTEM_UNAVAILABLE");
  EXPECT_TRUE(ping.error().message.starts_with(
      "redis at 127.0.0.1:" + std::to_string(server_->port()) + ": cannot connect: "))
      << ping.error().message;
}

TEST_F(RedisClientTest, ReconnectsAfterTheServerRestarts) {
  RedisClient client(Start());
  ASSERT_TRUE(client.Ping());
  ASSERT_EQ(client.idle_count(), 1U);

  server_->Stop();
  const Status while_down = client.Ping();
  const std::size_t idle_after_failure = client.idle_count();
  server_->Restart();
  const Status after_restart = client.Ping();

  ASSERT_FALSE(while_down);
  EXPECT_EQ(while_down.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(idle_after_failure, 0U);
  EXPECT_TRUE(after_restart) << after_restart.error().message;
  EXPECT_EQ(client.connects(), 2U);
}

TEST_F(RedisClientTest, AStalledServerTimesOut) {
  RedisOptions options = Start();
  options.command_timeout = std::chrono::milliseconds(200);
  RedisClient client(options);
  ASSERT_TRUE(client.Ping());

  server_->Pause();
  const Status stalled = client.Ping();
  server_->Resume();
  const Status resumed = client.Ping();

  ASSERT_FALSE(stalled);
  EXPECT_EQ(stalled.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(stalled.error().message, "redis at " + client.endpoint() + ": no reply within 200 ms");
  // The stalled connection is out of step (its reply may still come): a new one serves.
  EXPECT_TRUE(resumed);
  EXPECT_EQ(client.connects(), 2U);
}

TEST_F(RedisClientTest, AuthenticatesWithThePassword) {
  RedisOptions options = Start({"--requirepass", "s3cret-pw"});
  options.password = "s3cret-pw";
  RedisClient client(options);
  RedisOptions anonymous_options = options;
  anonymous_options.password.clear();
  RedisClient anonymous(anonymous_options);

  const Status authenticated = client.Ping();
  const Result<RedisReply> refused = anonymous.Command({"GET", "k"});

  EXPECT_TRUE(authenticated);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(refused.error().message.find("NOAUTH"), std::string::npos);
}

TEST_F(RedisClientTest, AWrongPasswordIsUnavailableAndNeverShown) {
  RedisOptions options = Start({"--requirepass", "s3cret-pw"});
  options.password = "wrong-pw-1234";
  RedisClient client(options);

  const Status ping = client.Ping();

  ASSERT_FALSE(ping);
  EXPECT_EQ(ping.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(ping.error().message.find("authentication failed"), std::string::npos)
      << ping.error().message;
  EXPECT_EQ(ping.error().message.find("wrong-pw-1234"), std::string::npos);
  EXPECT_EQ(ping.error().message.find("s3cret-pw"), std::string::npos);
}

TEST_F(RedisClientTest, AuthenticatesAnAclUser) {
  const RedisOptions started = Start({"--user", "alice", "on", ">alice-pw", "~*", "&*", "+@all"});
  Result<RedisOptions> options =
      ParseRedisUrl("redis://alice:alice-pw@127.0.0.1:" + std::to_string(started.port));
  ASSERT_TRUE(options);
  RedisClient client(*options);

  const Result<RedisReply> whoami = client.Command({"ACL", "WHOAMI"});

  ASSERT_TRUE(whoami) << whoami.error().message;
  EXPECT_EQ(whoami->text, "alice");
}

TEST_F(RedisClientTest, SelectsTheDatabase) {
  const RedisOptions started = Start();
  Result<RedisOptions> third = ParseRedisUrl(server_->url() + "/3");
  Result<RedisOptions> beyond = ParseRedisUrl(server_->url() + "/99");
  ASSERT_TRUE(third && beyond);
  RedisClient in_third(*third);
  RedisClient in_default(started);
  RedisClient out_of_range(*beyond);

  ASSERT_TRUE(in_third.Command({"SET", "k", "three"}));
  const Result<RedisReply> from_third = in_third.Command({"GET", "k"});
  const Result<RedisReply> from_default = in_default.Command({"GET", "k"});
  const Status refused = out_of_range.Ping();

  ASSERT_TRUE(from_third && from_default);
  EXPECT_EQ(from_third->text, "three");
  EXPECT_EQ(from_default->type, RedisReply::Type::kNil);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(refused.error().message.find("SELECT 99 failed"), std::string::npos)
      << refused.error().message;
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::limits
