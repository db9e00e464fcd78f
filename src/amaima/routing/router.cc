#include "amaima/routing/router.h"

#include <array>
#include <cstdint>

#include "amaima/core/hashing.h"
#include "amaima/routing/features.h"
#include "amaima/routing/security_scanner.h"

namespace amaima::routing {

namespace {

// Per byte: its normalised form (ASCII lower-case, whitespace as ' ') in the low 8 bits,
// and bit 8 set for whitespace (std::isspace in the "C" locale: the six ASCII bytes).
constexpr std::array<std::uint16_t, 256> kNormalizedBytes = [] {
  std::array<std::uint16_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const bool space = c == ' ' || (c >= '\t' && c <= '\r');
    const int lower = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    table[c] = static_cast<std::uint16_t>(space ? (' ' | 0x100) : lower);
  }
  return table;
}();

}  // namespace

std::string NormalizeQuery(std::string_view text) {
  // One store per byte and no branch on the text (std::isspace/std::tolower were two libc
  // calls per byte): whitespace is written as a space that only advances after a
  // non-space, and a trailing space is dropped at the end.
  std::string out(text.size(), '\0');
  char* const begin = out.data();
  char* end = begin;
  unsigned after_space = 1;  // drops leading whitespace
  for (const char c : text) {
    const std::uint16_t entry = kNormalizedBytes[static_cast<unsigned char>(c)];
    const unsigned space = entry >> 8U;
    *end = static_cast<char>(entry & 0xFFU);
    end += 1 - (space & after_space);
    after_space = space;
  }
  if (end != begin && end[-1] == ' ') {
    --end;
  }
  out.resize(static_cast<std::size_t>(end - begin));
  return out;
}

Router::Router(std::unique_ptr<ComplexityClassifier> classifier,
               std::unique_ptr<RoutingPolicy> policy, const config::RouterConfig& config,
               std::string query_hash_key, IdGenerator& ids, const Clock& clock,
               std::unique_ptr<StrongWeakModel> strong_weak)
    : classifier_(std::move(classifier)),
      policy_(std::move(policy)),
      strong_weak_(std::move(strong_weak)),
      versions_{classifier_->version(), config.policy_version, config.pricing_version},
      query_hash_key_(query_hash_key),
      ids_(ids),
      clock_(clock) {
  if (strong_weak_) {
    const NgramConfig& a = classifier_->ngrams();
    const NgramConfig& b = strong_weak_->ngrams();
    share_analysis_ = a.word_bigrams == b.word_bigrams && a.char_ngram_min == b.char_ngram_min
                      && a.char_ngram_max == b.char_ngram_max;
  }
}

Router::~Router() = default;

std::string Router::QueryHash(std::string_view query) const {
  return ToHex(query_hash_key_.Sign(NormalizeQuery(query)));
}

Result<Decision> Router::Decide(const RouteRequest& request) const {
  PolicyInput input;
  {
    // About 6 KB on the stack: one analysis for both models when they share its configuration.
    QueryAnalysis analysis;
    AnalyzeQuery(request.query, classifier_->ngrams(), analysis);
    input.complexity = classifier_->Classify(analysis);
    if (strong_weak_) {
      const double probability =
          share_analysis_ ? strong_weak_->Predict(analysis) : strong_weak_->Predict(request.query);
      input.strong_weak = StrongWeakScore{probability, 0.0, strong_weak_->version()};
    }
  }
  input.security = ScanSecurity(request.query);
  input.constraints = request.constraints;
  input.input_tokens =
      request.input_tokens > 0 ? request.input_tokens : EstimateTokens(request.query);

  Result<PolicyOutcome> outcome = policy_->Apply(input);
  if (!outcome) {
    return outcome.error();
  }

  Decision decision;
  decision.decision_id = ids_.NewId();
  decision.created_at = clock_.Now();
  decision.request_id = request.request_id;
  decision.org_id = request.org_id;
  decision.actor = request.actor;
  decision.query_hash = QueryHash(request.query);
  decision.complexity = std::move(input.complexity);
  decision.security = std::move(input.security);
  decision.constraints = request.constraints;
  decision.route = std::move(outcome->route);
  decision.confidence = outcome->confidence;
  decision.estimates = outcome->estimates;
  decision.explanation = std::move(outcome->explanation);
  decision.execution_mode = request.execution_mode;
  decision.execution_mode_active =
      request.execution_mode == config::ExecutionMode::kExecutionEnabled;
  decision.simulated = request.simulate_only || !decision.execution_mode_active;
  decision.versions = versions_;
  return decision;
}

}  // namespace amaima::routing
