#include "amaima/api/v1/decision_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <boost/json/array.hpp>

#include "amaima/core/check.h"
#include "amaima/core/clock.h"

namespace amaima::api {
namespace {

// Rounds to 6 decimals so that serialised numbers are stable and short.
double Round6(double value) {
  return std::round(value * 1e6) / 1e6;
}

boost::json::object ComplexityJson(const routing::ComplexityResult& complexity,
                                   const boost::json::storage_ptr& sp) {
  boost::json::object probabilities(sp);
  for (const routing::Level level : routing::kAllLevels) {
    probabilities[routing::LevelName(level)] =
        Round6(complexity.probabilities[static_cast<std::size_t>(routing::LevelIndex(level))]);
  }
  boost::json::object features(sp);
  features.reserve(complexity.features.size());
  for (const auto& feature : complexity.features) {
    features[feature.name] = Round6(feature.value);
  }
  boost::json::object out(sp);
  out["level"] = routing::LevelName(complexity.level);
  out["score"] = Round6(complexity.score);
  out["probabilities"] = std::move(probabilities);
  out["features"] = std::move(features);
  return out;
}

boost::json::object RouteJson(const routing::Route& route, const boost::json::storage_ptr& sp) {
  boost::json::array fallback(sp);
  for (const auto& model : route.fallback_chain) {
    fallback.emplace_back(model);
  }
  boost::json::array reasons(sp);
  for (const auto code : route.reason_codes) {
    reasons.emplace_back(routing::ReasonCodeName(code));
  }
  boost::json::object out(sp);
  out["model"] = route.model;
  out["provider"] = route.provider;
  out["upstream_model"] = route.upstream_model;
  out["fallback_chain"] = std::move(fallback);
  out["reason_codes"] = std::move(reasons);
  out["borderline"] = route.borderline;
  out["classified_level"] = routing::LevelName(route.classified_level);
  out["routed_level"] = routing::LevelName(route.routed_level);
  if (route.strong_weak) {
    out["strong_weak"] = {{"probability", Round6(route.strong_weak->probability)},
                          {"threshold", Round6(route.strong_weak->threshold)},
                          {"model_version", route.strong_weak->model_version}};
  }
  return out;
}

boost::json::object ConstraintsJson(const routing::Constraints& constraints,
                                    const boost::json::storage_ptr& sp) {
  boost::json::object out(sp);
  out["model"] = constraints.pinned_model.empty() ? "auto" : constraints.pinned_model;
  out["max_cost_usd"] = constraints.max_cost_usd ? boost::json::value(*constraints.max_cost_usd)
                                                 : boost::json::value(nullptr);
  out["max_latency_ms"] = constraints.max_latency_ms
                              ? boost::json::value(*constraints.max_latency_ms)
                              : boost::json::value(nullptr);
  out["max_tokens"] = constraints.max_tokens ? boost::json::value(*constraints.max_tokens)
                                             : boost::json::value(nullptr);
  boost::json::array capabilities(sp);
  for (const auto capability : constraints.required_capabilities) {
    capabilities.emplace_back(routing::CapabilityName(capability));
  }
  out["required_capabilities"] = std::move(capabilities);
  return out;
}

}  // namespace

boost::json::object DecisionToJson(const routing::Decision& decision,
                                   const boost::json::storage_ptr& sp) {
  boost::json::array categories(sp);
  for (const auto& category : decision.security.categories) {
    categories.emplace_back(category);
  }
  boost::json::object out(sp);
  out.reserve(18);
  out["decision_schema_version"] = routing::kDecisionSchemaVersion;
  out["decision_id"] = decision.decision_id;
  out["created_at"] = FormatRfc3339(decision.created_at);
  out["request_id"] = decision.request_id;
  out["org_id"] = decision.org_id;
  out["query_hash"] = decision.query_hash;
  out["complexity"] = ComplexityJson(decision.complexity, sp);
  out["route"] = RouteJson(decision.route, sp);
  out["confidence"] = {{"overall", Round6(decision.confidence.overall)},
                       {"classifier", Round6(decision.confidence.classifier)},
                       {"model_fit", Round6(decision.confidence.model_fit)},
                       {"estimate", Round6(decision.confidence.estimate)}};
  out["estimates"] = {{"input_tokens", decision.estimates.input_tokens},
                      {"output_tokens", decision.estimates.output_tokens},
                      {"cost_usd", Round6(decision.estimates.cost_usd)},
                      {"latency_ms", Round6(decision.estimates.latency_ms)}};
  out["security"] = {{"sensitive", decision.security.sensitive},
                     {"categories", std::move(categories)}};
  out["constraints"] = ConstraintsJson(decision.constraints, sp);
  out["execution_mode"] = config::ExecutionModeName(decision.execution_mode);
  out["execution_mode_active"] = decision.execution_mode_active;
  out["simulated"] = decision.simulated;
  out["versions"] = {{"router_model", decision.versions.router_model},
                     {"policy", decision.versions.policy},
                     {"pricing", decision.versions.pricing}};
  out["explanation"] = decision.explanation;
  return out;
}

namespace {

// Writes JSON text into a string: the decision is written on every request, so without a
// tree. Strings are escaped as Boost.JSON escapes them. Doubles are the shortest text that
// reads back to the same double, always with a '.' or an exponent so that they read back as
// doubles (Boost.JSON reads "12" as an integer). Finish() returns the text.
class JsonText {
 public:
  explicit JsonText(std::size_t expected) { out_.resize(expected); }

  std::string Finish() && {
    out_.resize(size_);
    return std::move(out_);
  }

  JsonText& BeginObject() { return Open('{'); }

  JsonText& EndObject() { return Close('}'); }

  JsonText& BeginArray() { return Open('['); }

  JsonText& EndArray() { return Close(']'); }

  JsonText& Key(std::string_view key) {
    Separate();
    Quoted(key);
    Put(':');
    after_key_ = true;
    return *this;
  }

  JsonText& String(std::string_view text) {
    Separate();
    Quoted(text);
    return *this;
  }

  JsonText& Number(double value) {
    Separate();
    if (!std::isfinite(value)) {
      Put("null");
      return *this;
    }
    Reserve(kMaxNumber);
    char* begin = out_.data() + size_;
    const auto [end, ec] = std::to_chars(begin, begin + kMaxNumber - 2, value);
    const std::string_view written(begin, static_cast<std::size_t>(end - begin));
    size_ += written.size();
    if (written.find_first_of(".e") == std::string_view::npos) {
      Put(".0");
    }
    return *this;
  }

  // A value rounded to 6 decimals (Round6()): written from its integer count of millionths,
  // which is exact (both the parse of the text and Round6() give the double nearest to
  // n / 10^6). Other values go to Number().
  JsonText& Micros(double rounded) {
    constexpr double kLimit = 1e15;  // |n| well below 2^53.
    const double scaled = rounded * 1e6;
    if (!(std::fabs(scaled) < kLimit)) {
      return Number(rounded);
    }
    const auto micros = static_cast<std::int64_t>(std::llround(scaled));
    if (static_cast<double>(micros) / 1e6 != rounded) {
      return Number(rounded);
    }
    Separate();
    Reserve(kMaxNumber);
    char* p = out_.data() + size_;
    const std::uint64_t magnitude =
        micros < 0 ? static_cast<std::uint64_t>(-micros) : static_cast<std::uint64_t>(micros);
    if (std::signbit(rounded)) {
      *p++ = '-';  // -0.0 included
    }
    constexpr std::uint64_t kMillion = 1'000'000;
    p = std::to_chars(p, p + 20, magnitude / kMillion).ptr;
    *p++ = '.';
    std::uint64_t fraction = magnitude % kMillion;
    int digits = 6;
    while (digits > 1 && fraction % 10 == 0) {
      fraction /= 10;
      --digits;
    }
    for (int i = digits - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    p += digits;
    size_ = static_cast<std::size_t>(p - out_.data());
    return *this;
  }

  JsonText& Integer(std::int64_t value) {
    Separate();
    Reserve(kMaxNumber);
    char* begin = out_.data() + size_;
    size_ += static_cast<std::size_t>(std::to_chars(begin, begin + kMaxNumber, value).ptr - begin);
    return *this;
  }

  JsonText& Bool(bool value) {
    Separate();
    Put(value ? std::string_view("true") : std::string_view("false"));
    return *this;
  }

  JsonText& Null() {
    Separate();
    Put("null");
    return *this;
  }

 private:
  static constexpr std::size_t kMaxDepth = 8;
  static constexpr std::size_t kMaxNumber = 32;

  void Reserve(std::size_t more) {
    if (size_ + more > out_.size()) {
      out_.resize(std::max(out_.size() * 2, size_ + more));
    }
  }

  void Put(char c) {
    Reserve(1);
    out_[size_++] = c;
  }

  void Put(std::string_view text) {
    Reserve(text.size());
    std::memcpy(out_.data() + size_, text.data(), text.size());
    size_ += text.size();
  }

  JsonText& Open(char bracket) {
    Separate();
    Put(bracket);
    ++depth_;
    AMAIMA_CHECK(depth_ < kMaxDepth);
    first_[depth_] = true;
    return *this;
  }

  JsonText& Close(char bracket) {
    Put(bracket);
    --depth_;
    return *this;
  }

  // A comma before every member or element but the first of its container.
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_[depth_]) {
      Put(',');
    }
    first_[depth_] = false;
  }

  // Whether any of the 8 bytes of `word` is a control character, '"' or '\'.
  static bool NeedsEscape(std::uint64_t word) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    const auto zero_byte = [](std::uint64_t x) {
      return (x - kOnes) & ~x & kHighs;
    };
    const std::uint64_t control = (word - kOnes * 0x20) & ~word & kHighs;
    return (control | zero_byte(word ^ (kOnes * '"')) | zero_byte(word ^ (kOnes * '\\'))) != 0;
  }

  void Quoted(std::string_view text) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    Reserve(text.size() * 6 + 2);  // Every byte escaped as \u00XX, and the quotes.
    char* p = out_.data() + size_;
    *p++ = '"';
    std::size_t i = 0;
    while (i < text.size()) {
      // Runs of plain bytes are copied eight at a time.
      if (i + 8 <= text.size()) {
        std::uint64_t word = 0;
        std::memcpy(&word, text.data() + i, sizeof word);
        if (!NeedsEscape(word)) {
          std::memcpy(p, &word, sizeof word);
          p += sizeof word;
          i += sizeof word;
          continue;
        }
      }
      const auto c = static_cast<unsigned char>(text[i++]);
      if (c >= 0x20 && c != '"' && c != '\\') {
        *p++ = static_cast<char>(c);
        continue;
      }
      *p++ = '\\';
      switch (c) {
        case '"':
          *p++ = '"';
          break;
        case '\\':
          *p++ = '\\';
          break;
        case '\b':
          *p++ = 'b';
          break;
        case '\f':
          *p++ = 'f';
          break;
        case '\n':
          *p++ = 'n';
          break;
        case '\r':
          *p++ = 'r';
          break;
        case '\t':
          *p++ = 't';
          break;
        default:
          *p++ = 'u';
          *p++ = '0';
          *p++ = '0';
          *p++ = kHex[c >> 4U];
          *p++ = kHex[c & 0xFU];
      }
    }
    *p++ = '"';
    size_ = static_cast<std::size_t>(p - out_.data());
  }

  std::string out_;
  std::size_t size_{0};
  std::array<bool, kMaxDepth> first_{true};
  std::size_t depth_{0};
  bool after_key_{false};
};

}  // namespace

std::string SerializeDecision(const routing::Decision& decision) {
  // Every request records its decision: the text is written straight from the struct, in
  // the order and with the values of DecisionToJson() (decision_json_test.cc holds them
  // equal), without building a tree first.
  JsonText json(2048);
  json.BeginObject();
  json.Key("decision_schema_version").String(routing::kDecisionSchemaVersion);
  json.Key("decision_id").String(decision.decision_id);
  json.Key("created_at").String(FormatRfc3339(decision.created_at));
  json.Key("request_id").String(decision.request_id);
  json.Key("org_id").String(decision.org_id);
  json.Key("query_hash").String(decision.query_hash);

  const routing::ComplexityResult& complexity = decision.complexity;
  json.Key("complexity").BeginObject();
  json.Key("level").String(routing::LevelName(complexity.level));
  json.Key("score").Micros(Round6(complexity.score));
  json.Key("probabilities").BeginObject();
  for (const routing::Level level : routing::kAllLevels) {
    json.Key(routing::LevelName(level))
        .Micros(
            Round6(complexity.probabilities[static_cast<std::size_t>(routing::LevelIndex(level))]));
  }
  json.EndObject();
  // Feature names are unique (FiredFeatures() names each feature once).
  json.Key("features").BeginObject();
  for (const auto& feature : complexity.features) {
    json.Key(feature.name).Micros(Round6(feature.value));
  }
  json.EndObject().EndObject();

  const routing::Route& route = decision.route;
  json.Key("route").BeginObject();
  json.Key("model").String(route.model);
  json.Key("provider").String(route.provider);
  json.Key("upstream_model").String(route.upstream_model);
  json.Key("fallback_chain").BeginArray();
  for (const auto& model : route.fallback_chain) {
    json.String(model);
  }
  json.EndArray();
  json.Key("reason_codes").BeginArray();
  for (const auto code : route.reason_codes) {
    json.String(routing::ReasonCodeName(code));
  }
  json.EndArray();
  json.Key("borderline").Bool(route.borderline);
  json.Key("classified_level").String(routing::LevelName(route.classified_level));
  json.Key("routed_level").String(routing::LevelName(route.routed_level));
  if (route.strong_weak) {
    json.Key("strong_weak").BeginObject();
    json.Key("probability").Micros(Round6(route.strong_weak->probability));
    json.Key("threshold").Micros(Round6(route.strong_weak->threshold));
    json.Key("model_version").String(route.strong_weak->model_version);
    json.EndObject();
  }
  json.EndObject();

  json.Key("confidence").BeginObject();
  json.Key("overall").Micros(Round6(decision.confidence.overall));
  json.Key("classifier").Micros(Round6(decision.confidence.classifier));
  json.Key("model_fit").Micros(Round6(decision.confidence.model_fit));
  json.Key("estimate").Micros(Round6(decision.confidence.estimate));
  json.EndObject();

  json.Key("estimates").BeginObject();
  json.Key("input_tokens").Integer(decision.estimates.input_tokens);
  json.Key("output_tokens").Integer(decision.estimates.output_tokens);
  json.Key("cost_usd").Micros(Round6(decision.estimates.cost_usd));
  json.Key("latency_ms").Micros(Round6(decision.estimates.latency_ms));
  json.EndObject();

  json.Key("security").BeginObject();
  json.Key("sensitive").Bool(decision.security.sensitive);
  json.Key("categories").BeginArray();
  for (const auto& category : decision.security.categories) {
    json.String(category);
  }
  json.EndArray().EndObject();

  const routing::Constraints& constraints = decision.constraints;
  json.Key("constraints").BeginObject();
  json.Key("model").String(constraints.pinned_model.empty() ? "auto" : constraints.pinned_model);
  json.Key("max_cost_usd");
  constraints.max_cost_usd ? json.Number(*constraints.max_cost_usd) : json.Null();
  json.Key("max_latency_ms");
  constraints.max_latency_ms ? json.Number(*constraints.max_latency_ms) : json.Null();
  json.Key("max_tokens");
  constraints.max_tokens ? json.Integer(*constraints.max_tokens) : json.Null();
  json.Key("required_capabilities").BeginArray();
  for (const auto capability : constraints.required_capabilities) {
    json.String(routing::CapabilityName(capability));
  }
  json.EndArray().EndObject();

  json.Key("execution_mode").String(config::ExecutionModeName(decision.execution_mode));
  json.Key("execution_mode_active").Bool(decision.execution_mode_active);
  json.Key("simulated").Bool(decision.simulated);
  json.Key("versions").BeginObject();
  json.Key("router_model").String(decision.versions.router_model);
  json.Key("policy").String(decision.versions.policy);
  json.Key("pricing").String(decision.versions.pricing);
  json.EndObject();
  json.Key("explanation").String(decision.explanation);
  json.EndObject();
  return std::move(json).Finish();
}

}  // namespace amaima::api
