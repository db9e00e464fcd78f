#include "amaima/routing/keyword_matcher.h"

#include <deque>

#include "amaima/core/check.h"

namespace amaima::routing {

namespace {

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

KeywordMatcher::KeywordMatcher(std::initializer_list<std::string_view> needles) {
  Build(std::vector<std::string_view>(needles));
}

KeywordMatcher::KeywordMatcher(const std::vector<std::string_view>& needles) {
  Build(needles);
}

void KeywordMatcher::Build(const std::vector<std::string_view>& needles) {
  for (const std::string_view needle : needles) {
    AMAIMA_CHECK(!needle.empty());
    for (const char c : needle) {
      auto& cls = byte_class_[static_cast<unsigned char>(c)];
      if (cls == 0) {
        AMAIMA_CHECK(class_count_ < 256);
        cls = static_cast<std::uint8_t>(class_count_++);
      }
    }
  }
  constexpr std::uint32_t kNone = UINT32_MAX;
  // The trie: goto edges (kNone where absent) and the needles ending at each node.
  std::vector<std::uint32_t> edges(class_count_, kNone);
  std::vector<std::vector<std::uint32_t>> ends(1);
  for (std::uint32_t index = 0; index < needles.size(); ++index) {
    std::uint32_t node = 0;
    for (const char c : needles[index]) {
      const std::size_t slot = node * class_count_ + byte_class_[static_cast<unsigned char>(c)];
      if (edges[slot] == kNone) {
        edges[slot] = static_cast<std::uint32_t>(ends.size());
        ends.emplace_back();
        edges.resize(edges.size() + class_count_, kNone);
      }
      node = edges[slot];
    }
    ends[node].push_back(index);
    lengths_.push_back(static_cast<std::uint32_t>(needles[index].size()));
  }
  // Breadth first: failure links, then the dense transitions and the merged outputs.
  const std::size_t states = ends.size();
  std::vector<std::uint32_t> fail(states, 0);
  next_.assign(states * class_count_, 0);
  std::deque<std::uint32_t> queue;
  for (std::uint32_t cls = 0; cls < class_count_; ++cls) {
    const std::uint32_t child = edges[cls];
    if (child != kNone) {
      next_[cls] = child;
      queue.push_back(child);
    }
  }
  while (!queue.empty()) {
    const std::uint32_t node = queue.front();
    queue.pop_front();
    const auto& inherited = ends[fail[node]];
    ends[node].insert(ends[node].end(), inherited.begin(), inherited.end());
    for (std::uint32_t cls = 0; cls < class_count_; ++cls) {
      const std::uint32_t child = edges[node * class_count_ + cls];
      if (child != kNone) {
        fail[child] = next_[fail[node] * class_count_ + cls];
        next_[node * class_count_ + cls] = child;
        queue.push_back(child);
      } else {
        next_[node * class_count_ + cls] = next_[fail[node] * class_count_ + cls];
      }
    }
  }
  output_begin_.reserve(states + 1);
  for (const auto& list : ends) {
    output_begin_.push_back(static_cast<std::uint32_t>(outputs_.size()));
    outputs_.insert(outputs_.end(), list.begin(), list.end());
  }
  output_begin_.push_back(static_cast<std::uint32_t>(outputs_.size()));
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
