#include "amaima/api/ws/decision_feed.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace amaima::api {

namespace net = boost::asio;

DecisionFeed::DecisionFeed(std::size_t queue_limit)
    : queue_limit_(std::max<std::size_t>(1, queue_limit)) {}

DecisionFeed::~DecisionFeed() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!subscribers_.empty()) {
    // A subscription outliving its feed would be a use after free: a bug.
    std::fprintf(stderr, "DecisionFeed destroyed with %zu live subscriptions\n",
                 subscribers_.size());
    std::abort();
  }
}

std::unique_ptr<DecisionFeed::Subscription> DecisionFeed::Subscribe(
    const net::any_io_executor& executor) {
  std::unique_ptr<Subscription> subscription(new Subscription(*this, executor));
  std::lock_guard<std::mutex> lock(mutex_);
  subscribers_.insert(subscription.get());
  return subscription;
}

void DecisionFeed::Publish(std::string_view decision_json, std::string_view org_id,
                           std::string_view actor) {
  ++published_;
  std::lock_guard<std::mutex> lock(mutex_);
  if (subscribers_.empty()) {
    return;
  }
  const auto decision = std::make_shared<const Published>(
      Published{std::string(decision_json), std::string(org_id), std::string(actor)});
  for (Subscription* subscription : subscribers_) {
    subscription->Push(decision, queue_limit_);
  }
}

std::size_t DecisionFeed::subscriber_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return subscribers_.size();
}

void DecisionFeed::Unsubscribe(Subscription* subscription) {
  std::lock_guard<std::mutex> lock(mutex_);
  subscribers_.erase(subscription);
}

DecisionFeed::Subscription::Subscription(DecisionFeed& feed, const net::any_io_executor& executor)
    : feed_(feed), doorbell_(executor, 1) {}

DecisionFeed::Subscription::~Subscription() {
  feed_.Unsubscribe(this);
}

void DecisionFeed::Subscription::Push(const std::shared_ptr<const Published>& decision,
                                      std::size_t limit) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) {
      return;
    }
    if (queue_.size() >= limit) {
      queue_.pop_front();
      ++dropped_total_;
      ++dropped_unreported_;
      ++feed_.dropped_;
    }
    queue_.push_back(decision);
  }
  // Fails when the bell is already rung: the subscriber will drain the queue anyway.
  doorbell_.try_send(boost::system::error_code{});
}

net::awaitable<std::optional<DecisionFeed::Event>> DecisionFeed::Subscription::Next() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (closed_) {
        co_return std::nullopt;
      }
      if (!queue_.empty()) {
        std::shared_ptr<const Published> published = std::move(queue_.front());
        const std::string_view org_id = published->org_id;
        const std::string_view actor = published->actor;
        Event event{std::shared_ptr<const std::string>(published, &published->json), org_id, actor,
                    dropped_unreported_};
        queue_.pop_front();
        dropped_unreported_ = 0;
        co_return event;
      }
    }
    // A ring between the check above and this wait stays in the channel (capacity 1),
    // so no decision is missed. Close() closes the channel, which ends the wait.
    auto [ec] = co_await doorbell_.async_receive(net::as_tuple(net::use_awaitable));
    if (ec) {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
      co_return std::nullopt;
    }
  }
}

void DecisionFeed::Subscription::Close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    queue_.clear();
  }
  doorbell_.close();
}

std::uint64_t DecisionFeed::Subscription::dropped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_total_;
}

}  // namespace amaima::api
