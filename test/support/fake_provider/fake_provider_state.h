#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "test/support/fake_provider/fake_provider.h"
#include "test/support/fake_provider/fake_rule.h"

namespace amaima::testing {

// The script, the recorded requests and the counters of a FakeProvider: the part
// shared by its connections and its C++ and HTTP control APIs. No I/O.
//
// @par Thread Safety
// Thread-safe; every member is guarded by one mutex, and counter changes wake
// WaitFor().
class FakeProviderState {
 public:
  // What Admit() decided for one request.
  struct Admission {
    std::uint64_t seq{0};
    int rule_index{-1};
    std::optional<FakeRule> rule{};  // A copy: the script may change meanwhile.
  };

  FakeProviderState(bool record_requests, std::size_t max_recorded_requests);

  void SetScript(std::vector<FakeRule> rules);
  void AddRule(FakeRule rule);
  // Clears the script, the records and the counters.
  void Reset();

  // Counts an accepted connection.
  void CountConnection();
  // Records `request` (when recording), counts it against every rule whose filters
  // it passes and returns the first rule that applies.
  Admission Admit(RecordedRequest request);
  // Notes how request `seq` ended: `status` sent (0 = none) and chunks written.
  void Finish(std::uint64_t seq, RequestState state, int status, int chunks_sent);
  // Counts a request of the benchmark mode (not recorded); returns its seq.
  std::uint64_t CountFixedRequest();

  std::vector<RecordedRequest> Requests() const;
  FakeProviderCounters Counters() const;
  bool WaitFor(const std::function<bool(const FakeProviderCounters&)>& done,
               std::chrono::milliseconds timeout) const;

  // The control API's views: {"requests": [...], "counters": {...}} and {...}.
  std::string RequestsJson() const;
  std::string CountersJson() const;

 private:
  struct ScriptedRule {
    FakeRule rule;
    int matches{0};  // Requests that passed the rule's filters.
  };

  RecordedRequest* FindLocked(std::uint64_t seq);

  const bool record_requests_;
  const std::size_t max_recorded_requests_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<ScriptedRule> rules_;      // GUARDED_BY(mutex_)
  std::deque<RecordedRequest> records_;  // GUARDED_BY(mutex_); ascending seq.
  std::uint64_t next_seq_{1};            // GUARDED_BY(mutex_)
  std::uint64_t epoch_start_seq_{1};     // GUARDED_BY(mutex_); first seq since Reset().
  FakeProviderCounters counters_;        // GUARDED_BY(mutex_)
};

// Returns "in_flight", "completed", "client_disconnected", "reset" or "aborted".
std::string_view RequestStateName(RequestState state);

}  // namespace amaima::testing
