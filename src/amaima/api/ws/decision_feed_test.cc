#include "amaima/api/ws/decision_feed.h"

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

namespace amaima::api {
namespace {

namespace net = boost::asio;

// Reads `count` events (or until the subscription ends) into `out`.
net::awaitable<void> Drain(DecisionFeed::Subscription& subscription, std::size_t count,
                           std::vector<DecisionFeed::Event>& out) {
  while (out.size() < count) {
    std::optional<DecisionFeed::Event> event = co_await subscription.Next();
    if (!event) {
      co_return;
    }
    out.push_back(std::move(*event));
  }
}

TEST(DecisionFeedTest, DeliversEveryPublishedDecisionToEverySubscriber) {
  net::io_context io;
  DecisionFeed feed(8);
  auto first = feed.Subscribe(io.get_executor());
  auto second = feed.Subscribe(io.get_executor());
  std::vector<DecisionFeed::Event> a;
  std::vector<DecisionFeed::Event> b;

  feed.Publish(R"({"decision_id":"1"})");
  feed.Publish(R"({"decision_id":"2"})");
  net::co_spawn(io, Drain(*first, 2, a), net::detached);
  net::co_spawn(io, Drain(*second, 2, b), net::detached);
  io.run();

  ASSERT_EQ(a.size(), 2U);
  ASSERT_EQ(b.size(), 2U);
  EXPECT_EQ(*a[0].decision_json, R"({"decision_id":"1"})");
  EXPECT_EQ(*a[1].decision_json, R"({"decision_id":"2"})");
  EXPECT_EQ(a[0].decision_json, b[0].decision_json);  // One copy, shared.
  EXPECT_EQ(feed.published(), 2U);
  EXPECT_EQ(feed.subscriber_count(), 2U);
}

TEST(DecisionFeedTest, ASlowSubscriberLosesTheOldestAndIsToldHowMany) {
  net::io_context io;
  DecisionFeed feed(3);
  auto subscription = feed.Subscribe(io.get_executor());
  std::vector<DecisionFeed::Event> events;

  for (int i = 1; i <= 5; ++i) {
    feed.Publish(std::to_string(i));
  }
  net::co_spawn(io, Drain(*subscription, 3, events), net::detached);
  io.run();

  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(*events[0].decision_json, "3");
  EXPECT_EQ(events[0].dropped_before, 2U);
  EXPECT_EQ(*events[2].decision_json, "5");
  EXPECT_EQ(events[2].dropped_before, 0U);
  EXPECT_EQ(subscription->dropped(), 2U);
  EXPECT_EQ(feed.dropped(), 2U);
}

TEST(DecisionFeedTest, CloseEndsAPendingNext) {
  net::io_context io;
  DecisionFeed feed;
  auto subscription = feed.Subscribe(io.get_executor());
  std::vector<DecisionFeed::Event> events;
  auto done = net::co_spawn(io, Drain(*subscription, 1, events), net::use_future);
  io.poll();  // The drain is now waiting.

  subscription->Close();
  feed.Publish("ignored after close");
  io.run();

  done.get();
  EXPECT_TRUE(events.empty());
}

TEST(DecisionFeedTest, PublishingFromOtherThreadsWakesTheSubscriber) {
  net::io_context io;
  DecisionFeed feed(1000);
  auto subscription = feed.Subscribe(io.get_executor());
  std::vector<DecisionFeed::Event> events;
  auto done = net::co_spawn(io, Drain(*subscription, 400, events), net::use_future);

  std::vector<std::thread> publishers;
  for (int t = 0; t < 4; ++t) {
    publishers.emplace_back([&feed] {
      for (int i = 0; i < 100; ++i) {
        feed.Publish("decision");
      }
    });
  }
  io.run();
  for (auto& publisher : publishers) {
    publisher.join();
  }

  done.get();
  EXPECT_EQ(events.size(), 400U);
}

TEST(DecisionFeedTest, ADestroyedSubscriptionIsNoLongerFedAndPublishingIsCheap) {
  net::io_context io;
  DecisionFeed feed;
  auto subscription = feed.Subscribe(io.get_executor());

  subscription.reset();
  feed.Publish("nobody listens");

  EXPECT_EQ(feed.subscriber_count(), 0U);
  EXPECT_EQ(feed.published(), 1U);
}

}  // namespace
}  // namespace amaima::api
