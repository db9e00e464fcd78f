#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace amaima::routing {

// Finds every occurrence of many literal needles in one pass over a text (an Aho–Corasick
// automaton compiled to a dense DFA over the byte classes that occur in the needles).
// Byte-exact: fold case before matching when it should not matter. Built once, used from
// any number of threads.
//
// @par Thread Safety
// Immutable after construction; all methods are const and thread-safe.
class KeywordMatcher {
 public:
  explicit KeywordMatcher(std::initializer_list<std::string_view> needles);
  explicit KeywordMatcher(const std::vector<std::string_view>& needles);

  // Calls `on_match(needle_index, start)` for every occurrence, in order of its end in
  // `text`, until it returns true. Returns whether a callback returned true.
  template <typename OnMatch>
  bool FindIf(std::string_view text, OnMatch&& on_match) const {
    std::uint32_t state = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto byte = static_cast<unsigned char>(text[i]);
      state = next_[state * class_count_ + byte_class_[byte]];
      if (output_begin_[state] == output_begin_[state + 1]) {
        continue;
      }
      for (std::uint32_t k = output_begin_[state]; k < output_begin_[state + 1]; ++k) {
        const std::uint32_t needle = outputs_[k];
        if (on_match(needle, i + 1 - lengths_[needle])) {
          return true;
        }
      }
    }
    return false;
  }

  // Whether any needle occurs anywhere.
  bool ContainsAny(std::string_view text) const;

  // Whether any needle occurs at a word start (not preceded by an ASCII letter or digit).
  bool ContainsAnyWord(std::string_view text) const;

  std::size_t size() const { return lengths_.size(); }

 private:
  void Build(const std::vector<std::string_view>& needles);

  std::array<std::uint8_t, 256> byte_class_{};  // 0: a byte that occurs in no needle.
  std::uint32_t class_count_{1};
  std::vector<std::uint32_t> next_;          // state * class_count_ + class -> state
  std::vector<std::uint32_t> output_begin_;  // per state (+1), into outputs_
  std::vector<std::uint32_t> outputs_;       // needle indices ending at each state
  std::vector<std::uint32_t> lengths_;       // per needle
};

}  // namespace amaima::routing
