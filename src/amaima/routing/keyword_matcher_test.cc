#include "amaima/routing/keyword_matcher.h"

#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace amaima::routing {
namespace {

using Match = std::pair<std::uint32_t, std::size_t>;  // needle, start

std::set<Match> AllMatches(const KeywordMatcher& matcher, std::string_view text) {
  std::set<Match> found;
  matcher.FindIf(text, [&found](std::uint32_t needle, std::size_t start) {
    found.emplace(needle, start);
    return false;
  });
  return found;
}

std::set<Match> NaiveMatches(const std::vector<std::string_view>& needles, std::string_view text) {
  std::set<Match> found;
  for (std::uint32_t n = 0; n < needles.size(); ++n) {
    for (std::size_t at = text.find(needles[n]); at != std::string_view::npos;
         at = text.find(needles[n], at + 1)) {
      found.emplace(n, at);
    }
  }
  return found;
}

TEST(KeywordMatcherTest, ReportsOverlappingAndNestedNeedles) {
  const KeywordMatcher matcher({"he", "she", "his", "hers"});

  const std::set<Match> found = AllMatches(matcher, "ushers");

  EXPECT_EQ(found, (std::set<Match>{{1, 1}, {0, 2}, {3, 2}}));
}

TEST(KeywordMatcherTest, AgreesWithNaiveSearchOnRandomTexts) {
  std::mt19937 rng(7);
  const std::string alphabet = "abc d";
  auto random_string = [&](std::size_t min, std::size_t max) {
    std::string s(std::uniform_int_distribution<std::size_t>(min, max)(rng), ' ');
    for (char& c : s) {
      c = alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
    }
    return s;
  };
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> owned;
    owned.reserve(12);
    for (int n = 0; n < 12; ++n) {
      owned.push_back(random_string(1, 5));
    }
    const std::vector<std::string_view> needles(owned.begin(), owned.end());
    const KeywordMatcher matcher(needles);
    const std::string text = random_string(0, 80);

    EXPECT_EQ(AllMatches(matcher, text), NaiveMatches(needles, text)) << text;
  }
}

TEST(KeywordMatcherTest, ForEachMatchFindsEveryOccurrenceInLongTexts) {
  // Long texts run several automata over different parts at once: matches across the
  // seams between the parts must be found exactly once.
  std::mt19937 rng(3);
  const std::string alphabet = "abc d";
  auto random_string = [&](std::size_t min, std::size_t max) {
    std::string s(std::uniform_int_distribution<std::size_t>(min, max)(rng), ' ');
    for (char& c : s) {
      c = alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
    }
    return s;
  };
  for (int round = 0; round < 100; ++round) {
    std::vector<std::string> owned;
    owned.reserve(12);
    for (int n = 0; n < 12; ++n) {
      owned.push_back(random_string(1, round % 2 == 0 ? 5 : 30));
    }
    const std::vector<std::string_view> needles(owned.begin(), owned.end());
    const KeywordMatcher matcher(needles);
    const std::string text = random_string(0, 3000);
    std::set<Match> found;
    std::size_t calls = 0;
    matcher.ForEachMatch(text, [&](std::uint32_t needle, std::size_t start) {
      found.emplace(needle, start);
      ++calls;
    });

    EXPECT_EQ(found, NaiveMatches(needles, text)) << text.size();
    EXPECT_EQ(calls, found.size());
  }
}

TEST(KeywordMatcherTest, FoldAsciiMatchesEitherCase) {
  const KeywordMatcher folded({"select", "Api_Key", "\xc3\xa9"}, KeywordMatcher::Case::kFoldAscii);
  const KeywordMatcher exact({"select"});

  const std::set<Match> found = AllMatches(folded, "SELECT x; sElEcT API_KEY \xc3\xa9 \xc3\x89");

  EXPECT_EQ(found, (std::set<Match>{{0, 0}, {0, 10}, {1, 17}, {2, 25}}));
  EXPECT_FALSE(exact.ContainsAny("SELECT"));
}

TEST(KeywordMatcherTest, StopsAtTheFirstAcceptedMatch) {
  const KeywordMatcher matcher({"a"});
  int calls = 0;

  const bool stopped =
      matcher.FindIf("aaaa", [&calls](std::uint32_t, std::size_t) { return ++calls == 2; });

  EXPECT_TRUE(stopped);
  EXPECT_EQ(calls, 2);
}

TEST(KeywordMatcherTest, WordStartMatchesNeedANonAlphanumericBefore) {
  const KeywordMatcher matcher({"port", "sql"});

  EXPECT_TRUE(matcher.ContainsAny("a report"));
  EXPECT_FALSE(matcher.ContainsAnyWord("a report"));
  EXPECT_TRUE(matcher.ContainsAnyWord("port it to rust"));
  EXPECT_TRUE(matcher.ContainsAnyWord("use (sql)"));
  EXPECT_FALSE(matcher.ContainsAnyWord("mysql"));
  EXPECT_FALSE(matcher.ContainsAny(""));
}

TEST(KeywordMatcherTest, HandlesBytesOutsideTheNeedlesAndHighBytes) {
  const KeywordMatcher matcher({"\xc3\xa9t\xc3\xa9", "zz"});

  EXPECT_TRUE(matcher.ContainsAny("en \xc3\xa9t\xc3\xa9!"));
  EXPECT_FALSE(matcher.ContainsAny("en \xc3\xa9t\xc3"));
  EXPECT_TRUE(matcher.ContainsAny(std::string("\0zz", 3)));
}

}  // namespace
}  // namespace amaima::routing
