#include "amaima/telemetry/metrics.h"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "amaima/core/check.h"

namespace amaima::telemetry {
namespace {

constexpr std::array<std::string_view, 3> kHistogramSuffixes = {"_bucket", "_sum", "_count"};

bool IsAsciiLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool IsAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}

// `# HELP` text: backslash and newline escaped.
void AppendHelpEscaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// A label value: backslash, double quote and newline escaped.
void AppendLabelValueEscaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// `{a="x",b="y"}`, or nothing for no labels; `le`, when not empty, comes last.
void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view le = {}) {
  if (values.empty() && le.empty()) {
    return;
  }
  out += '{';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += names[i];
    out += "=\"";
    AppendLabelValueEscaped(out, values[i]);
    out += '"';
  }
  if (!le.empty()) {
    if (!values.empty()) {
      out += ',';
    }
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
}

// Aborts on an invalid or repeated label name (names are fixed in code: a bug).
void CheckLabelNames(const std::vector<std::string>& label_names) {
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    AMAIMA_CHECK(IsValidLabelName(label_names[i]));
    for (std::size_t j = 0; j < i; ++j) {
      AMAIMA_CHECK(label_names[j] != label_names[i]);
    }
  }
}

void AppendUint(std::string& out, std::uint64_t value) {
  std::array<char, 24> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  AMAIMA_CHECK(ec == std::errc{});
  out.append(buffer.data(), end);
}

void AppendSampleValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  // Below 2^53 every integer is exact; print it as one, never as "1e+06".
  constexpr double kExactIntegerLimit = 9007199254740992.0;
  if (std::trunc(value) == value && std::fabs(value) < kExactIntegerLimit) {
    std::array<char, 24> buffer{};
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(),
                                         static_cast<std::int64_t>(value));
    AMAIMA_CHECK(ec == std::errc{});
    out.append(buffer.data(), end);
    return;
  }
  // The shortest digits that parse back to the same double, laid out like Go's
  // FormatFloat(v, 'g', -1, 64) (what the Prometheus clients write) for small numbers:
  // an exponent below 1e-4 ("2.5e-05", but "0.0005"). Large ones stay positional up to 1e21,
  // so integers never get an exponent.
  std::array<char, 32> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                       std::chars_format::scientific);
  AMAIMA_CHECK(ec == std::errc{});
  const std::string_view scientific(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
  int exponent = 0;
  const std::string_view exponent_text = scientific.substr(scientific.find('e') + 1);
  const auto parsed = std::from_chars(exponent_text.data() + (exponent_text.front() == '+' ? 1 : 0),
                                      exponent_text.data() + exponent_text.size(), exponent);
  AMAIMA_CHECK(parsed.ec == std::errc{});
  constexpr int kMinPositionalExponent = -4;
  constexpr int kMaxPositionalExponent = 20;
  if (exponent < kMinPositionalExponent || exponent > kMaxPositionalExponent) {
    out += scientific;
    return;
  }
  const auto [fixed_end, fixed_ec] =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed);
  AMAIMA_CHECK(fixed_ec == std::errc{});
  out.append(buffer.data(), fixed_end);
}

template <typename A, typename B>
bool LexicographicallyLess(const A& a, const B& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](std::string_view x, std::string_view y) { return x < y; });
}

// Returns the series for `values`, creating it with `make()` under the exclusive lock.
// Aborts if `values` already has a callback (a tuple is one or the other).
template <typename T, typename Make>
T& FindOrCreate(std::shared_mutex& mutex, SeriesMap<std::unique_ptr<T>>& series,
                const SeriesMap<MetricCallback>* callbacks,
                std::span<const std::string_view> values, Make make) {
  {
    const std::shared_lock lock(mutex);
    const auto it = series.find(values);
    if (it != series.end()) {
      return *it->second;
    }
  }
  const std::unique_lock lock(mutex);
  AMAIMA_CHECK(callbacks == nullptr || !callbacks->contains(values));
  auto it = series.find(values);
  if (it == series.end()) {
    it = series.emplace(std::vector<std::string>(values.begin(), values.end()), make()).first;
  }
  return *it->second;
}

template <typename T>
void SetCallbackLocked(const SeriesMap<std::unique_ptr<T>>& series,
                       SeriesMap<MetricCallback>& callbacks,
                       std::span<const std::string_view> values, MetricCallback read) {
  AMAIMA_CHECK(read != nullptr);
  AMAIMA_CHECK(!series.contains(values));
  const auto it = callbacks.find(values);
  if (it != callbacks.end()) {
    it->second = std::move(read);
  } else {
    callbacks.emplace(std::vector<std::string>(values.begin(), values.end()), std::move(read));
  }
}

// The stored series and the callbacks of one family, merged in label order, with their
// values formatted (`format` formats a stored series).
template <typename T, typename Format>
std::vector<std::pair<const std::vector<std::string>*, std::string>> MergedSamples(
    const SeriesMap<std::unique_ptr<T>>& series, const SeriesMap<MetricCallback>& callbacks,
    Format format) {
  std::vector<std::pair<const std::vector<std::string>*, std::string>> samples;
  samples.reserve(series.size() + callbacks.size());
  for (const auto& [values, item] : series) {
    samples.emplace_back(&values, format(*item));
  }
  for (const auto& [values, callback] : callbacks) {
    samples.emplace_back(&values, FormatSampleValue(callback()));
  }
  std::sort(samples.begin(), samples.end(),
            [](const auto& a, const auto& b) { return LabelValuesLess{}(*a.first, *b.first); });
  return samples;
}

void AppendSampleLines(
    std::string& out, const Family& family,
    const std::vector<std::pair<const std::vector<std::string>*, std::string>>& samples) {
  for (const auto& [values, value] : samples) {
    out += family.name();
    AppendLabels(out, family.label_names(), *values);
    out += ' ';
    out += value;
    out += '\n';
  }
}

}  // namespace

double Counter::value() const {
  return static_cast<double>(count_.load(std::memory_order_relaxed))
         + amount_.load(std::memory_order_relaxed);
}

std::string Counter::Format() const {
  // The integer total prints exactly (even past 2^53) while nothing fractional was added.
  const std::uint64_t count = count_.load(std::memory_order_relaxed);
  const double amount = amount_.load(std::memory_order_relaxed);
  std::string out;
  if (amount == 0.0) {
    AppendUint(out, count);
  } else {
    AppendSampleValue(out, static_cast<double>(count) + amount);
  }
  return out;
}

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), buckets_(bounds.size() + 1) {}

Histogram::Snapshot Histogram::Collect() const {
  Snapshot snapshot;
  snapshot.cumulative.resize(bounds_.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    snapshot.cumulative[i] = total;
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = IsAsciiLetter(c) || c == '_' || c == ':' || (i > 0 && IsAsciiDigit(c));
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = IsAsciiLetter(c) || c == '_' || (i > 0 && IsAsciiDigit(c));
    if (!ok) {
      return false;
    }
  }
  return true;
}

std::string FormatSampleValue(double value) {
  std::string out;
  AppendSampleValue(out, value);
  return out;
}

bool LabelValuesLess::operator()(const std::vector<std::string>& a,
                                 const std::vector<std::string>& b) const {
  return LexicographicallyLess(a, b);
}

bool LabelValuesLess::operator()(const std::vector<std::string>& a,
                                 std::span<const std::string_view> b) const {
  return LexicographicallyLess(a, b);
}

bool LabelValuesLess::operator()(std::span<const std::string_view> a,
                                 const std::vector<std::string>& b) const {
  return LexicographicallyLess(a, b);
}

Family::Family(MetricType type, std::string name, std::string help,
               std::vector<std::string> label_names)
    : type_(type),
      name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)) {}

void Family::AppendTo(std::string& out) const {
  const std::shared_lock lock(mutex_);
  if (Empty()) {
    return;
  }
  out += "# HELP ";
  out += name_;
  out += ' ';
  AppendHelpEscaped(out, help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += MetricTypeName(type_);
  out += '\n';
  AppendSeries(out);
}

void Family::CheckArity(std::size_t count) const {
  AMAIMA_CHECK(count == label_names_.size());
}

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : Family(MetricType::kCounter, std::move(name), std::move(help), std::move(label_names)) {}

Counter& CounterFamily::With(std::initializer_list<std::string_view> label_values) {
  return With(std::span<const std::string_view>(label_values.begin(), label_values.size()));
}

Counter& CounterFamily::With(std::span<const std::string_view> label_values) {
  CheckArity(label_values.size());
  return FindOrCreate(mutex_, series_, &callbacks_, label_values,
                      [] { return std::make_unique<Counter>(); });
}

void CounterFamily::SetCallback(std::initializer_list<std::string_view> label_values,
                                MetricCallback read) {
  CheckArity(label_values.size());
  const std::unique_lock lock(mutex_);
  SetCallbackLocked(series_, callbacks_,
                    std::span<const std::string_view>(label_values.begin(), label_values.size()),
                    std::move(read));
}

void CounterFamily::AppendSeries(std::string& out) const {
  AppendSampleLines(out, *this, MergedSamples(series_, callbacks_, [](const Counter& counter) {
                      return counter.Format();
                    }));
}

GaugeFamily::GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : Family(MetricType::kGauge, std::move(name), std::move(help), std::move(label_names)) {}

Gauge& GaugeFamily::With(std::initializer_list<std::string_view> label_values) {
  return With(std::span<const std::string_view>(label_values.begin(), label_values.size()));
}

Gauge& GaugeFamily::With(std::span<const std::string_view> label_values) {
  CheckArity(label_values.size());
  return FindOrCreate(mutex_, series_, &callbacks_, label_values,
                      [] { return std::make_unique<Gauge>(); });
}

void GaugeFamily::SetCallback(std::initializer_list<std::string_view> label_values,
                              MetricCallback read) {
  CheckArity(label_values.size());
  const std::unique_lock lock(mutex_);
  SetCallbackLocked(series_, callbacks_,
                    std::span<const std::string_view>(label_values.begin(), label_values.size()),
                    std::move(read));
}

void GaugeFamily::AppendSeries(std::string& out) const {
  AppendSampleLines(out, *this, MergedSamples(series_, callbacks_, [](const Gauge& gauge) {
                      return FormatSampleValue(gauge.value());
                    }));
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> bounds)
    : Family(MetricType::kHistogram, std::move(name), std::move(help), std::move(label_names)),
      bounds_(std::move(bounds)) {
  for (const double bound : bounds_) {
    le_values_.push_back(FormatSampleValue(bound));
  }
  le_values_.emplace_back("+Inf");
}

Histogram& HistogramFamily::With(std::initializer_list<std::string_view> label_values) {
  return With(std::span<const std::string_view>(label_values.begin(), label_values.size()));
}

Histogram& HistogramFamily::With(std::span<const std::string_view> label_values) {
  CheckArity(label_values.size());
  return FindOrCreate(mutex_, series_, static_cast<const SeriesMap<MetricCallback>*>(nullptr),
                      label_values, [this] { return std::make_unique<Histogram>(bounds_); });
}

void HistogramFamily::AppendSeries(std::string& out) const {
  for (const auto& [values, histogram] : series_) {
    const Histogram::Snapshot snapshot = histogram->Collect();
    for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
      out += name();
      out += "_bucket";
      AppendLabels(out, label_names(), values, le_values_[i]);
      out += ' ';
      AppendUint(out, snapshot.cumulative[i]);
      out += '\n';
    }
    out += name();
    out += "_sum";
    AppendLabels(out, label_names(), values);
    out += ' ';
    AppendSampleValue(out, snapshot.sum);
    out += '\n';
    out += name();
    out += "_count";
    AppendLabels(out, label_names(), values);
    out += ' ';
    AppendUint(out, snapshot.cumulative.back());
    out += '\n';
  }
}

CounterFamily& Registry::AddCounter(std::string_view name, std::string_view help,
                                    std::vector<std::string> label_names) {
  AMAIMA_CHECK(name.ends_with("_total"));
  const std::lock_guard lock(mutex_);
  if (Family* existing = FindLocked(name, MetricType::kCounter, label_names, help)) {
    return static_cast<CounterFamily&>(*existing);
  }
  CheckNameLocked(name, MetricType::kCounter, label_names);
  auto family = std::unique_ptr<CounterFamily>(
      new CounterFamily(std::string(name), std::string(help), std::move(label_names)));
  CounterFamily& result = *family;
  families_.emplace(std::string(name), std::move(family));
  return result;
}

GaugeFamily& Registry::AddGauge(std::string_view name, std::string_view help,
                                std::vector<std::string> label_names) {
  const std::lock_guard lock(mutex_);
  if (Family* existing = FindLocked(name, MetricType::kGauge, label_names, help)) {
    return static_cast<GaugeFamily&>(*existing);
  }
  CheckNameLocked(name, MetricType::kGauge, label_names);
  auto family = std::unique_ptr<GaugeFamily>(
      new GaugeFamily(std::string(name), std::string(help), std::move(label_names)));
  GaugeFamily& result = *family;
  families_.emplace(std::string(name), std::move(family));
  return result;
}

HistogramFamily& Registry::AddHistogram(std::string_view name, std::string_view help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> bounds) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    AMAIMA_CHECK(std::isfinite(bounds[i]));
    AMAIMA_CHECK(i == 0 || bounds[i - 1] < bounds[i]);
  }
  for (const auto& label : label_names) {
    AMAIMA_CHECK(label != "le");
  }
  const std::lock_guard lock(mutex_);
  if (Family* existing = FindLocked(name, MetricType::kHistogram, label_names, help)) {
    auto& histogram = static_cast<HistogramFamily&>(*existing);
    AMAIMA_CHECK(histogram.bounds() == bounds);
    return histogram;
  }
  CheckNameLocked(name, MetricType::kHistogram, label_names);
  auto family = std::unique_ptr<HistogramFamily>(new HistogramFamily(
      std::string(name), std::string(help), std::move(label_names), std::move(bounds)));
  HistogramFamily& result = *family;
  families_.emplace(std::string(name), std::move(family));
  return result;
}

Family* Registry::FindLocked(std::string_view name, MetricType type,
                             const std::vector<std::string>& label_names,
                             std::string_view help) const {
  const auto it = families_.find(name);
  if (it == families_.end()) {
    return nullptr;
  }
  Family& family = *it->second;
  AMAIMA_CHECK(family.type() == type);
  AMAIMA_CHECK(family.label_names() == label_names);
  AMAIMA_CHECK(family.help() == help);
  return &family;
}

void Registry::CheckNameLocked(std::string_view name, MetricType type,
                               const std::vector<std::string>& label_names) const {
  AMAIMA_CHECK(IsValidMetricName(name));
  CheckLabelNames(label_names);
  // A histogram `x` also writes x_bucket, x_sum and x_count: none may be a family of its own.
  for (const std::string_view suffix : kHistogramSuffixes) {
    if (type == MetricType::kHistogram) {
      AMAIMA_CHECK(!families_.contains(std::string(name) + std::string(suffix)));
    }
    if (name.ends_with(suffix)) {
      const auto stem = families_.find(name.substr(0, name.size() - suffix.size()));
      AMAIMA_CHECK(stem == families_.end() || stem->second->type() != MetricType::kHistogram);
    }
  }
}

std::string Registry::Serialize() const {
  std::string out;
  const std::lock_guard lock(mutex_);
  for (const auto& [name, family] : families_) {
    family->AppendTo(out);
  }
  return out;
}

}  // namespace amaima::telemetry
