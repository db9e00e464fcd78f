#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

namespace amaima::api {

// Fans recorded decisions out to live subscribers (the WebSocket "decisions" topic).
// Each subscriber has a bounded queue: when a slow subscriber falls behind, its oldest
// decisions are dropped and counted, so that a slow client can neither block the
// recorder nor grow memory without bound.
//
// @par Thread Safety
// Thread-safe. Publish() may be called from any thread and never blocks on a subscriber
// (it takes the feed's mutex and each queue's mutex briefly). A Subscription is used by
// one coroutine at a time, on the executor given to Subscribe(); Close() may be called
// from anywhere. Every Subscription must be destroyed before the feed.
class DecisionFeed {
 public:
  // One published decision, shared by every queue.
  struct Published {
    std::string json{};
    std::string org_id{};
    std::string actor{};
  };

  // One decision as a subscriber receives it.
  struct Event {
    std::shared_ptr<const std::string> decision_json{};  // Shared by every subscriber.
    // The decision's organisation (subscribers see only what they may); lives as long as
    // `decision_json`.
    std::string_view org_id{};
    std::string_view actor{};         // Who asked for it; lives as long as `decision_json`.
    std::uint64_t dropped_before{0};  // Decisions dropped from this queue since the last event.
  };

  class Subscription {
   public:
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    Subscription(Subscription&&) = delete;
    Subscription& operator=(Subscription&&) = delete;
    // Unsubscribes: no Publish() touches the queue once this returns.
    ~Subscription();

    // Waits for the next decision; nullopt once Close() was called (queued decisions
    // are still delivered first only if they arrived before; Close() discards them).
    boost::asio::awaitable<std::optional<Event>> Next();

    // Ends the subscription: a pending or later Next() returns nullopt. Idempotent.
    void Close();

    // Decisions dropped from this queue so far.
    std::uint64_t dropped() const;

   private:
    friend class DecisionFeed;
    Subscription(DecisionFeed& feed, const boost::asio::any_io_executor& executor);
    void Push(const std::shared_ptr<const Published>& decision, std::size_t limit);

    DecisionFeed& feed_;
    // Rung (capacity 1) when the queue becomes non-empty or the subscription closes.
    boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> doorbell_;
    mutable std::mutex mutex_;
    std::deque<std::shared_ptr<const Published>> queue_;  // GUARDED_BY(mutex_)
    std::uint64_t dropped_total_{0};                      // GUARDED_BY(mutex_)
    std::uint64_t dropped_unreported_{0};                 // GUARDED_BY(mutex_)
    bool closed_{false};                                  // GUARDED_BY(mutex_)
  };

  // `queue_limit` (>= 1) bounds each subscriber's queue.
  explicit DecisionFeed(std::size_t queue_limit = 256);
  DecisionFeed(const DecisionFeed&) = delete;
  DecisionFeed& operator=(const DecisionFeed&) = delete;
  DecisionFeed(DecisionFeed&&) = delete;
  DecisionFeed& operator=(DecisionFeed&&) = delete;
  ~DecisionFeed();

  // Adds a subscriber whose Next() runs on `executor` (the caller's strand). The feed
  // is borrowed: it must outlive the subscription.
  std::unique_ptr<Subscription> Subscribe(const boost::asio::any_io_executor& executor);

  // Queues `decision_json` (the recorded decision, verbatim) for every subscriber. Cheap
  // when nobody subscribed.
  void Publish(std::string_view decision_json, std::string_view org_id = {},
               std::string_view actor = {});

  std::size_t subscriber_count() const;

  std::uint64_t published() const { return published_.load(); }

  // Decisions dropped from slow subscribers' queues, over all subscribers.
  std::uint64_t dropped() const { return dropped_.load(); }

 private:
  void Unsubscribe(Subscription* subscription);

  const std::size_t queue_limit_;
  mutable std::mutex mutex_;
  std::unordered_set<Subscription*> subscribers_;  // GUARDED_BY(mutex_)
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace amaima::api
