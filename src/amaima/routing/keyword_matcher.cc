#include "amaima/routing/keyword_matcher.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "amaima/core/check.h"

namespace amaima::routing {

namespace {

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr std::uint32_t kNone = UINT32_MAX;

// Gives each byte that occurs in a needle a class (with `fold`, 'A'-'Z' share the class of
// their lower case); all other bytes stay in class 0. Returns the number of classes.
std::uint32_t AssignByteClasses(const std::vector<std::string_view>& needles, bool fold,
                                std::array<std::uint8_t, 256>& byte_class) {
  std::uint32_t class_count = 1;
  for (const std::string_view needle : needles) {
    for (const char c : needle) {
      const auto byte = static_cast<unsigned char>(c);
      auto& cls = byte_class[fold && byte >= 'A' && byte <= 'Z' ? byte + ('a' - 'A') : byte];
      if (cls == 0) {
        AMAIMA_CHECK(class_count < 256);
        cls = static_cast<std::uint8_t>(class_count++);
      }
    }
  }
  for (int c = 'A'; fold && c <= 'Z'; ++c) {
    byte_class[c] = byte_class[c + ('a' - 'A')];
  }
  return class_count;
}

// The trie of the needles over byte classes: goto edges (kNone where absent), row-major
// with `class_count` columns, and the needles ending at each node.
struct Trie {
  std::uint32_t class_count{1};
  std::vector<std::uint32_t> edges;
  std::vector<std::vector<std::uint32_t>> ends;
};

Trie BuildTrie(const std::vector<std::string_view>& needles,
               const std::array<std::uint8_t, 256>& byte_class, std::uint32_t class_count) {
  Trie trie;
  trie.class_count = class_count;
  trie.edges.assign(class_count, kNone);
  trie.ends.resize(1);
  for (std::uint32_t index = 0; index < needles.size(); ++index) {
    std::uint32_t node = 0;
    for (const char c : needles[index]) {
      const std::size_t slot = node * class_count + byte_class[static_cast<unsigned char>(c)];
      if (trie.edges[slot] == kNone) {
        trie.edges[slot] = static_cast<std::uint32_t>(trie.ends.size());
        trie.ends.emplace_back();
        trie.edges.resize(trie.edges.size() + class_count, kNone);
      }
      node = trie.edges[slot];
    }
    trie.ends[node].push_back(index);
  }
  return trie;
}

// Aho–Corasick, breadth first: the failure links give the dense transitions (node ->
// node, rows of 1 << class_shift entries) and merge each node's outputs with its failure
// node's.
std::vector<std::uint32_t> BuildTransitions(Trie& trie, std::uint32_t class_shift) {
  const std::uint32_t class_count = trie.class_count;
  const std::size_t nodes = trie.ends.size();
  const auto row = [class_shift](std::uint32_t node) {
    return std::size_t{node} << class_shift;
  };
  std::vector<std::uint32_t> fail(nodes, 0);
  std::vector<std::uint32_t> next(nodes << class_shift, 0);
  std::deque<std::uint32_t> queue;
  for (std::uint32_t cls = 0; cls < class_count; ++cls) {
    if (trie.edges[cls] != kNone) {
      next[cls] = trie.edges[cls];
      queue.push_back(trie.edges[cls]);
    }
  }
  while (!queue.empty()) {
    const std::uint32_t node = queue.front();
    queue.pop_front();
    const std::vector<std::uint32_t>& inherited = trie.ends[fail[node]];
    trie.ends[node].insert(trie.ends[node].end(), inherited.begin(), inherited.end());
    for (std::uint32_t cls = 0; cls < class_count; ++cls) {
      const std::uint32_t child = trie.edges[node * class_count + cls];
      const std::uint32_t fallback = next[row(fail[node]) + cls];
      if (child == kNone) {
        next[row(node) + cls] = fallback;
        continue;
      }
      fail[child] = fallback;
      next[row(node) + cls] = child;
      queue.push_back(child);
    }
  }
  return next;
}

// The automaton as KeywordMatcher stores it: nodes renumbered so that those without
// outputs come first (the root, 0, has none), transitions pre-multiplied (row offsets).
struct Renumbered {
  std::vector<std::uint32_t> next;
  std::uint32_t first_output{0};
  std::vector<std::uint32_t> output_begin;
  std::vector<std::uint32_t> outputs;
};

Renumbered Renumber(const Trie& trie, const std::vector<std::uint32_t>& next,
                    std::uint32_t class_shift) {
  const std::size_t nodes = trie.ends.size();
  std::vector<std::uint32_t> order;  // new number -> old
  order.reserve(nodes);
  for (const bool with_output : {false, true}) {
    for (std::uint32_t node = 0; node < nodes; ++node) {
      if (trie.ends[node].empty() != with_output) {
        order.push_back(node);
      }
    }
  }
  std::vector<std::uint32_t> number_of(nodes);  // old -> new
  for (std::uint32_t number = 0; number < nodes; ++number) {
    number_of[order[number]] = number;
  }
  const std::size_t row = std::size_t{1} << class_shift;
  Renumbered out;
  out.next.resize(next.size());
  out.first_output = static_cast<std::uint32_t>(next.size());
  out.output_begin.reserve(nodes + 1);
  for (std::uint32_t number = 0; number < nodes; ++number) {
    const std::uint32_t node = order[number];
    for (std::size_t cls = 0; cls < row; ++cls) {
      out.next[number * row + cls] = number_of[next[node * row + cls]] << class_shift;
    }
    if (!trie.ends[node].empty()) {
      out.first_output = std::min(out.first_output, static_cast<std::uint32_t>(number * row));
    }
    out.output_begin.push_back(static_cast<std::uint32_t>(out.outputs.size()));
    out.outputs.insert(out.outputs.end(), trie.ends[node].begin(), trie.ends[node].end());
  }
  out.output_begin.push_back(static_cast<std::uint32_t>(out.outputs.size()));
  return out;
}

}  // namespace

KeywordMatcher::KeywordMatcher(std::initializer_list<std::string_view> needles, Case match_case)
    : KeywordMatcher(std::vector<std::string_view>(needles), match_case) {}

KeywordMatcher::KeywordMatcher(const std::vector<std::string_view>& needles, Case match_case) {
  for (const std::string_view needle : needles) {
    AMAIMA_CHECK(!needle.empty());
    max_length_ = std::max(max_length_, needle.size());
    lengths_.push_back(static_cast<std::uint32_t>(needle.size()));
  }
  const std::uint32_t class_count =
      AssignByteClasses(needles, match_case == Case::kFoldAscii, byte_class_);
  while ((std::uint32_t{1} << class_shift_) < class_count) {
    ++class_shift_;
  }
  Trie trie = BuildTrie(needles, byte_class_, class_count);
  const std::vector<std::uint32_t> next = BuildTransitions(trie, class_shift_);
  AMAIMA_CHECK(next.size() <= UINT32_MAX);
  Renumbered renumbered = Renumber(trie, next, class_shift_);
  next_ = std::move(renumbered.next);
  first_output_ = renumbered.first_output;
  output_begin_ = std::move(renumbered.output_begin);
  outputs_ = std::move(renumbered.outputs);
}

bool KeywordMatcher::ContainsAny(std::string_view text) const {
  return FindIf(text, [](std::uint32_t, std::size_t) { return true; });
}

bool KeywordMatcher::ContainsAnyWord(std::string_view text) const {
  return FindIf(text, [text](std::uint32_t, std::size_t start) {
    return start == 0 || !IsAsciiAlnum(text[start - 1]);
  });
}

}  // namespace amaima::routing
