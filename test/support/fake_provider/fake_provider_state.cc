#include "test/support/fake_provider/fake_provider_state.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace amaima::testing {

namespace json = boost::json;

namespace {

json::object CountersObject(const FakeProviderCounters& counters) {
  return json::object{{"connections", counters.connections},
                      {"requests", counters.requests},
                      {"scripted", counters.scripted},
                      {"completed", counters.completed},
                      {"client_disconnects", counters.client_disconnects},
                      {"resets", counters.resets},
                      {"aborted", counters.aborted},
                      {"in_flight", counters.in_flight}};
}

json::object RequestObject(const RecordedRequest& request) {
  json::object headers;
  for (const auto& [name, value] : request.headers) {
    if (json::value* existing = headers.if_contains(name); existing != nullptr) {
      // Repeated headers are joined as HTTP allows.
      existing->get_string().append(", ");
      existing->get_string().append(value);
    } else {
      headers[name] = value;
    }
  }
  json::object object{
      {"seq", request.seq},   {"method", request.method},      {"target", request.target},
      {"path", request.path}, {"headers", std::move(headers)}, {"body", request.body}};
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  if (!ec) {
    object["json"] = std::move(body);
  }
  object["model"] = request.model;
  object["rule"] = request.rule >= 0 ? json::value(request.rule) : json::value(nullptr);
  object["status"] = request.status;
  object["chunks_sent"] = request.chunks_sent;
  object["state"] = RequestStateName(request.state);
  object["completed"] = request.state == RequestState::kCompleted;
  object["client_disconnected"] = request.state == RequestState::kClientDisconnected;
  return object;
}

}  // namespace

std::string_view RequestStateName(RequestState state) {
  switch (state) {
    case RequestState::kInFlight:
      return "in_flight";
    case RequestState::kCompleted:
      return "completed";
    case RequestState::kClientDisconnected:
      return "client_disconnected";
    case RequestState::kReset:
      return "reset";
    case RequestState::kAborted:
      return "aborted";
  }
  return "unknown";
}

std::string RecordedRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

FakeProviderState::FakeProviderState(bool record_requests, std::size_t max_recorded_requests)
    : record_requests_(record_requests), max_recorded_requests_(max_recorded_requests) {}

void FakeProviderState::SetScript(std::vector<FakeRule> rules) {
  std::lock_guard<std::mutex> lock(mutex_);
  rules_.clear();
  rules_.reserve(rules.size());
  for (FakeRule& rule : rules) {
    rules_.push_back(ScriptedRule{std::move(rule), 0});
  }
}

void FakeProviderState::AddRule(FakeRule rule) {
  std::lock_guard<std::mutex> lock(mutex_);
  rules_.push_back(ScriptedRule{std::move(rule), 0});
}

void FakeProviderState::Reset() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    rules_.clear();
    records_.clear();
    counters_ = FakeProviderCounters{};
    // Requests still in flight finish unseen: their seq is below the new epoch.
    epoch_start_seq_ = next_seq_;
  }
  changed_.notify_all();
}

void FakeProviderState::CountConnection() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counters_.connections;
  }
  changed_.notify_all();
}

FakeProviderState::Admission FakeProviderState::Admit(RecordedRequest request) {
  Admission admission;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    admission.seq = next_seq_++;
    ++counters_.requests;
    ++counters_.in_flight;
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      ScriptedRule& scripted = rules_[i];
      if (!MatchesFilters(scripted.rule, request.path, request.model)) {
        continue;
      }
      const int match = ++scripted.matches;
      const bool started = match >= scripted.rule.nth;
      const bool ended =
          scripted.rule.times > 0 && match >= scripted.rule.nth + scripted.rule.times;
      if (started && !ended && !admission.rule) {
        admission.rule_index = static_cast<int>(i);
        admission.rule = scripted.rule;
      }
    }
    if (admission.rule) {
      ++counters_.scripted;
    }
    if (record_requests_) {
      request.seq = admission.seq;
      request.rule = admission.rule_index;
      request.state = RequestState::kInFlight;
      records_.push_back(std::move(request));
      while (records_.size() > max_recorded_requests_) {
        records_.pop_front();
      }
    }
  }
  changed_.notify_all();
  return admission;
}

std::uint64_t FakeProviderState::CountFixedRequest() {
  std::uint64_t seq = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    seq = next_seq_++;
    ++counters_.requests;
    ++counters_.in_flight;
  }
  changed_.notify_all();
  return seq;
}

RecordedRequest* FakeProviderState::FindLocked(std::uint64_t seq) {
  if (records_.empty() || seq < records_.front().seq || seq > records_.back().seq) {
    return nullptr;
  }
  RecordedRequest& candidate = records_[seq - records_.front().seq];
  return candidate.seq == seq ? &candidate : nullptr;
}

void FakeProviderState::Finish(std::uint64_t seq, RequestState state, int status, int chunks_sent) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (seq < epoch_start_seq_) {
      return;
    }
    --counters_.in_flight;
    switch (state) {
      case RequestState::kCompleted:
        ++counters_.completed;
        break;
      case RequestState::kClientDisconnected:
        ++counters_.client_disconnects;
        break;
      case RequestState::kReset:
        ++counters_.resets;
        break;
      case RequestState::kAborted:
      case RequestState::kInFlight:
        ++counters_.aborted;
        break;
    }
    if (RecordedRequest* record = FindLocked(seq); record != nullptr) {
      record->state = state;
      record->status = status;
      record->chunks_sent = chunks_sent;
    }
  }
  changed_.notify_all();
}

std::vector<RecordedRequest> FakeProviderState::Requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {records_.begin(), records_.end()};
}

FakeProviderCounters FakeProviderState::Counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

bool FakeProviderState::WaitFor(const std::function<bool(const FakeProviderCounters&)>& done,
                                std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [this, &done] { return done(counters_); });
}

std::string FakeProviderState::RequestsJson() const {
  std::lock_guard<std::mutex> lock(mutex_);
  json::array requests;
  requests.reserve(records_.size());
  for (const RecordedRequest& request : records_) {
    requests.push_back(RequestObject(request));
  }
  return json::serialize(
      json::object{{"requests", std::move(requests)}, {"counters", CountersObject(counters_)}});
}

std::string FakeProviderState::CountersJson() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return json::serialize(CountersObject(counters_));
}

}  // namespace amaima::testing
