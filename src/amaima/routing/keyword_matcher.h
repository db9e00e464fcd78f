#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace amaima::routing {

// Finds every occurrence of many literal needles in one pass over a text (an Aho–Corasick
// automaton compiled to a dense DFA over the byte classes that occur in the needles).
// Byte-exact by default; with Case::kFoldAscii, ASCII letters match either case. Built
// once, used from any number of threads.
//
// @par Thread Safety
// Immutable after construction; all methods are const and thread-safe.
class KeywordMatcher {
 public:
  enum class Case : std::uint8_t {
    kExact,
    kFoldAscii,  // 'A'-'Z' in the text and in the needles match 'a'-'z'
  };

  KeywordMatcher(std::initializer_list<std::string_view> needles, Case match_case = Case::kExact);
  explicit KeywordMatcher(const std::vector<std::string_view>& needles,
                          Case match_case = Case::kExact);

  // Calls `on_match(needle_index, start)` for every occurrence, in order of its end in
  // `text`, until it returns true. Returns whether a callback returned true.
  template <typename OnMatch>
  bool FindIf(std::string_view text, OnMatch&& on_match) const {
    return Scan(text, 0, 0, text.size(), on_match);
  }

  // Calls `on_match(needle_index, start)` for every occurrence, in no particular order.
  // On long texts it runs four automata over four parts of the text at once, which hides
  // the latency of each transition (a dependent load per byte in FindIf()).
  template <typename OnMatch>
  void ForEachMatch(std::string_view text, OnMatch&& on_match) const {
    // Lane k reports the matches that end in its part of the text; it starts `overlap`
    // bytes early so that it has seen the whole of each.
    const std::size_t overlap = max_length_ - 1;
    const std::size_t part = text.size() / kLanes;
    auto all = [&on_match](std::uint32_t needle, std::size_t start) {
      on_match(needle, start);
      return false;
    };
    if (part < 2 * overlap + 16) {
      Scan(text, 0, 0, text.size(), all);
      return;
    }
    static_assert(kLanes == 4);
    std::uint32_t state0 = 0;
    std::uint32_t state1 = Warm(text, part - overlap, part);
    std::uint32_t state2 = Warm(text, 2 * part - overlap, 2 * part);
    std::uint32_t state3 = Warm(text, 3 * part - overlap, 3 * part);
    // Locals rather than members, so that they stay in registers.
    const std::uint32_t* next = next_.data();
    const std::uint8_t* byte_class = byte_class_.data();
    const std::uint32_t first_output = first_output_;
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    for (std::size_t i = 0; i < part; ++i) {
      // Four independent chains of dependent loads.
      state0 = next[state0 + byte_class[bytes[i]]];
      state1 = next[state1 + byte_class[bytes[part + i]]];
      state2 = next[state2 + byte_class[bytes[2 * part + i]]];
      state3 = next[state3 + byte_class[bytes[3 * part + i]]];
      if (std::max(std::max(state0, state1), std::max(state2, state3)) >= first_output) {
        ReportAny(state0, i, all);
        ReportAny(state1, part + i, all);
        ReportAny(state2, 2 * part + i, all);
        ReportAny(state3, 3 * part + i, all);
      }
    }
    Scan(text, state3, kLanes * part, text.size(), all);
  }

  // Whether any needle occurs anywhere.
  bool ContainsAny(std::string_view text) const;

  // Whether any needle occurs at a word start (not preceded by an ASCII letter or digit).
  bool ContainsAnyWord(std::string_view text) const;

  std::size_t size() const { return lengths_.size(); }

 private:
  static constexpr std::size_t kLanes = 4;

  std::uint32_t Step(std::uint32_t state, char c) const {
    return next_[state + byte_class_[static_cast<unsigned char>(c)]];
  }

  // The state after running the automaton from the root over text[begin, end), ignoring
  // matches (they belong to the lane before).
  std::uint32_t Warm(std::string_view text, std::size_t begin, std::size_t end) const {
    std::uint32_t state = 0;
    for (std::size_t i = begin; i < end; ++i) {
      state = Step(state, text[i]);
    }
    return state;
  }

  template <typename OnMatch>
  void ReportAny(std::uint32_t state, std::size_t at, OnMatch& on_match) const {
    if (state >= first_output_) {
      Report(state, at, on_match);
    }
  }

  // Calls on_match for the needles that end at byte `at` (automaton in `state`); returns
  // whether one returned true.
  template <typename OnMatch>
  bool Report(std::uint32_t state, std::size_t at, OnMatch& on_match) const {
    const std::uint32_t node = state >> class_shift_;
    for (std::uint32_t k = output_begin_[node]; k < output_begin_[node + 1]; ++k) {
      const std::uint32_t needle = outputs_[k];
      if (on_match(needle, at + 1 - lengths_[needle])) {
        return true;
      }
    }
    return false;
  }

  // Runs the automaton from `state` over text[begin, end).
  template <typename OnMatch>
  bool Scan(std::string_view text, std::uint32_t state, std::size_t begin, std::size_t end,
            OnMatch& on_match) const {
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    for (std::size_t i = begin; i < end; ++i) {
      state = next_[state + byte_class_[bytes[i]]];
      if (state >= first_output_ && Report(state, i, on_match)) {
        return true;
      }
    }
    return false;
  }

  std::array<std::uint8_t, 256> byte_class_{};  // 0: a byte that occurs in no needle.
  std::uint32_t class_shift_{0};                // a state's row is 1 << class_shift_ wide
  std::size_t max_length_{1};
  // States are stored pre-multiplied: row offset (node << class_shift_) + class -> the
  // next state's row offset. Nodes where needles end are numbered last, from
  // first_output_ >> class_shift_ on, so that one comparison tells whether a state reports.
  std::vector<std::uint32_t> next_;
  std::uint32_t first_output_{0};
  std::vector<std::uint32_t> output_begin_;  // per node (+1), into outputs_
  std::vector<std::uint32_t> outputs_;       // needle indices ending at each node
  std::vector<std::uint32_t> lengths_;       // per needle
};

}  // namespace amaima::routing
