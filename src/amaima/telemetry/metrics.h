#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace amaima::telemetry {

// The Content-Type of Registry::Serialize()'s output (Prometheus text format 0.0.4).
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Series are aligned to a cache line so that two hot series never share one.
inline constexpr std::size_t kSeriesAlignment = 64;

// One counter series: a monotonic total. Integer increments (requests, tokens) and
// fractional ones (dollars) are kept apart, so integer totals stay exact beyond 2^53.
//
// @par Thread Safety
// Lock-free: every method is one relaxed atomic operation (Add is a CAS loop on a double).
class alignas(kSeriesAlignment) Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;
  Counter(Counter&&) = delete;
  Counter& operator=(Counter&&) = delete;
  ~Counter() = default;

  void Increment(std::uint64_t n = 1) { count_.fetch_add(n, std::memory_order_relaxed); }

  // Adds a fractional amount (e.g. dollars). Negative and NaN amounts are ignored: a
  // counter never goes down.
  void Add(double amount) {
    if (amount > 0) {
      amount_.fetch_add(amount, std::memory_order_relaxed);
    }
  }

  // The total of both kinds of increments.
  double value() const;

 private:
  friend class CounterFamily;

  std::string Format() const;  // The sample value as exposed.

  std::atomic<std::uint64_t> count_{0};  // Sum of Increment() calls.
  std::atomic<double> amount_{0.0};      // Sum of Add() calls.
};

// One gauge series: a value that goes up and down.
//
// @par Thread Safety
// Lock-free: every method is one relaxed atomic operation (Add is a CAS loop on a double).
class alignas(kSeriesAlignment) Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;
  Gauge(Gauge&&) = delete;
  Gauge& operator=(Gauge&&) = delete;
  ~Gauge() = default;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }

  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }

  void Increment() { Add(1.0); }

  void Decrement() { Add(-1.0); }

  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// One histogram series: counts of observations per bucket, and their sum. Buckets are the
// family's upper bounds (inclusive, Prometheus `le`) plus an implicit +Inf bucket.
//
// @par Thread Safety
// Lock-free: Observe() is a relaxed fetch_add on one bucket plus a CAS loop on the sum. A
// concurrent Collect() sees each bucket atomically; its count is the sum of the buckets it
// read, so `_count` always equals the `+Inf` bucket, while `_sum` may lag or lead by the
// observations in flight.
class alignas(kSeriesAlignment) Histogram {
 public:
  // Counts, cumulative per bucket (the last, +Inf, is the total count), and the sum.
  struct Snapshot {
    std::vector<std::uint64_t> cumulative{};
    double sum{0.0};
  };

  // `bounds` is borrowed (the family owns it) and must outlive the series.
  explicit Histogram(std::span<const double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;
  Histogram(Histogram&&) = delete;
  Histogram& operator=(Histogram&&) = delete;
  ~Histogram() = default;

  // Records `value` (e.g. seconds). NaN goes to the +Inf bucket and makes the sum NaN, as in
  // the Go client.
  void Observe(double value) {
    // The first bound >= value: `le` is inclusive. NaN compares false and lands at the end.
    const auto bucket = static_cast<std::size_t>(
        std::find_if(bounds_.begin(), bounds_.end(), [value](double b) { return value <= b; })
        - bounds_.begin());
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
  }

  Snapshot Collect() const;

  std::span<const double> bounds() const { return bounds_; }

 private:
  std::span<const double> bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;  // bounds_.size() + 1, not cumulative.
  std::atomic<double> sum_{0.0};
};

enum class MetricType : std::uint8_t { kCounter, kGauge, kHistogram };

// "counter", "gauge", "histogram" (the `# TYPE` word).
std::string_view MetricTypeName(MetricType type);

// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
bool IsValidMetricName(std::string_view name);

// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved by Prometheus).
bool IsValidLabelName(std::string_view name);

// A sample value as Prometheus parses it: integral values below 2^53 without a decimal
// point or exponent ("42"), other finite values in the shortest form that round-trips
// ("0.1", "2.5e-05"), and "+Inf", "-Inf", "NaN".
std::string FormatSampleValue(double value);

// Orders label-value tuples lexicographically; transparent, so a lookup by string_views
// allocates nothing.
struct LabelValuesLess {
  using is_transparent = void;  // NOLINT(readability-identifier-naming): the std protocol name.
  bool operator()(const std::vector<std::string>& a, const std::vector<std::string>& b) const;
  bool operator()(const std::vector<std::string>& a, std::span<const std::string_view> b) const;
  bool operator()(std::span<const std::string_view> a, const std::vector<std::string>& b) const;
};

template <typename T>
using SeriesMap = std::map<std::vector<std::string>, T, LabelValuesLess>;

// A value read at scrape time, for numbers owned elsewhere (a breaker's state, a queue's
// depth). It runs on the scraping thread with the registry locked: it must be thread-safe,
// cheap, and must not call into the registry.
using MetricCallback = std::function<double()>;

// What the families share: name, help, label names, and the lock over their series.
// Created only by Registry, which owns every family for its whole life, so a reference to
// a family or a series stays valid as long as the registry.
//
// @par Thread Safety
// Thread-safe. With() takes a shared lock on the series map (an exclusive one only to
// create a series); the series themselves are lock-free.
class Family {
 public:
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;
  Family(Family&&) = delete;
  Family& operator=(Family&&) = delete;
  virtual ~Family() = default;

  MetricType type() const { return type_; }

  const std::string& name() const { return name_; }

  const std::string& help() const { return help_; }

  const std::vector<std::string>& label_names() const { return label_names_; }

 protected:
  Family(MetricType type, std::string name, std::string help, std::vector<std::string> label_names);

  // Appends `# HELP`, `# TYPE` and every series line. Nothing when there is no series.
  void AppendTo(std::string& out) const;

  // Appends the series lines (called with `mutex_` held shared).
  virtual void AppendSeries(std::string& out) const = 0;
  virtual bool Empty() const = 0;  // REQUIRES(mutex_ shared)

  // Aborts unless `count` values match the label names (a bug in the caller).
  void CheckArity(std::size_t count) const;

  mutable std::shared_mutex mutex_;

 private:
  friend class Registry;

  const MetricType type_;
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
};

// Counters and gauges may also take callback series (see MetricCallback); a label tuple is
// either a stored series or a callback, never both.
class CounterFamily final : public Family {
 public:
  // Returns the series for `label_values` (one per label name, in order), creating it at
  // zero. The reference is stable for the registry's life: look it up once and cache it
  // on hot paths. Aborts on a wrong number of values.
  Counter& With(std::initializer_list<std::string_view> label_values);
  Counter& With(std::span<const std::string_view> label_values);

  // Makes the series for `label_values` read `read()` at scrape time (a monotonic total
  // owned elsewhere). Replaces an earlier callback for the same values.
  void SetCallback(std::initializer_list<std::string_view> label_values, MetricCallback read);

 private:
  friend class Registry;
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);

  void AppendSeries(std::string& out) const override;

  bool Empty() const override { return series_.empty() && callbacks_.empty(); }

  SeriesMap<std::unique_ptr<Counter>> series_;  // GUARDED_BY(mutex_)
  SeriesMap<MetricCallback> callbacks_;         // GUARDED_BY(mutex_)
};

class GaugeFamily final : public Family {
 public:
  // As CounterFamily::With.
  Gauge& With(std::initializer_list<std::string_view> label_values);
  Gauge& With(std::span<const std::string_view> label_values);

  // As CounterFamily::SetCallback.
  void SetCallback(std::initializer_list<std::string_view> label_values, MetricCallback read);

 private:
  friend class Registry;
  GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names);

  void AppendSeries(std::string& out) const override;

  bool Empty() const override { return series_.empty() && callbacks_.empty(); }

  SeriesMap<std::unique_ptr<Gauge>> series_;  // GUARDED_BY(mutex_)
  SeriesMap<MetricCallback> callbacks_;       // GUARDED_BY(mutex_)
};

class HistogramFamily final : public Family {
 public:
  // As CounterFamily::With.
  Histogram& With(std::initializer_list<std::string_view> label_values);
  Histogram& With(std::span<const std::string_view> label_values);

  // The upper bounds, strictly increasing and finite (+Inf is implicit).
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  friend class Registry;
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds);

  void AppendSeries(std::string& out) const override;

  bool Empty() const override { return series_.empty(); }

  const std::vector<double> bounds_;
  std::vector<std::string> le_values_;            // bounds_ formatted once, then "+Inf".
  SeriesMap<std::unique_ptr<Histogram>> series_;  // GUARDED_BY(mutex_)
};

// The metric families of one process, and their Prometheus text exposition. Owned by the
// composition root and passed by reference (no global registry).
//
// Registration is a startup step with names fixed in code, so mistakes are bugs and abort
// (AMAIMA_CHECK): an invalid metric or label name, a counter not named `*_total`, a
// histogram label `le`, unsorted or non-finite bucket bounds, or a name registered again
// with a different type, help, label names or bounds. Registering the same family again
// with identical arguments returns the existing one.
//
// @par Thread Safety
// Thread-safe. Add*() and Serialize() take the registry's mutex; the hot path (a cached
// series' Increment/Set/Observe) takes no lock at all.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  Registry(Registry&&) = delete;
  Registry& operator=(Registry&&) = delete;
  ~Registry() = default;

  // `name` must end in `_total`.
  CounterFamily& AddCounter(std::string_view name, std::string_view help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string_view name, std::string_view help,
                        std::vector<std::string> label_names = {});
  HistogramFamily& AddHistogram(std::string_view name, std::string_view help,
                                std::vector<std::string> label_names, std::vector<double> bounds);

  // Returns every family with at least one series in Prometheus text format 0.0.4
  // (kPrometheusContentType): families ordered by name, series by label values. Runs the
  // callbacks on the calling thread.
  std::string Serialize() const;

 private:
  // Returns the existing family called `name` after checking it matches, or null.
  Family* FindLocked(std::string_view name, MetricType type,
                     const std::vector<std::string>& label_names,
                     std::string_view help) const;  // REQUIRES(mutex_)
  void CheckNameLocked(std::string_view name, MetricType type,
                       const std::vector<std::string>& label_names) const;  // REQUIRES(mutex_)

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;  // GUARDED_BY(mutex_)
};

}  // namespace amaima::telemetry
