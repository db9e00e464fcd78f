#include "amaima/providers/sse_parser.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace amaima::providers {
namespace {

std::vector<SseEvent> FeedAll(SseParser& parser, const std::vector<std::string>& pieces) {
  std::vector<SseEvent> events;
  for (const std::string& piece : pieces) {
    EXPECT_TRUE(parser.Feed(piece, events));
  }
  return events;
}

TEST(SseParserTest, ParsesEventsDataAndIds) {
  SseParser parser;

  const auto events = FeedAll(parser, {"event: message_start\ndata: {\"a\":1}\nid: 7\n\n"
                                       "data: second\n\n"});

  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].event, "message_start");
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[1].event, "");
  EXPECT_EQ(events[1].data, "second");
}

TEST(SseParserTest, EverySplitOfTheBytesGivesTheSameEvents) {
  const std::string stream =
      ": keep-alive\r\ndata: one\r\ndata:two\r\n\r\nevent: x\rdata: three\r\rdata: [DONE]\n\n";
  SseParser whole;
  const auto expected = FeedAll(whole, {stream});
  ASSERT_EQ(expected.size(), 3U);
  EXPECT_EQ(expected[0].data, "one\ntwo");
  EXPECT_EQ(expected[1].event, "x");
  EXPECT_EQ(expected[1].data, "three");
  EXPECT_EQ(expected[2].data, "[DONE]");

  for (std::size_t a = 0; a <= stream.size(); ++a) {
    for (std::size_t b = a; b <= stream.size(); b += 3) {
      SseParser parser;
      const auto events =
          FeedAll(parser, {stream.substr(0, a), stream.substr(a, b - a), stream.substr(b)});
      ASSERT_EQ(events.size(), expected.size()) << a << "," << b;
      for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].data, expected[i].data) << a << "," << b;
        EXPECT_EQ(events[i].event, expected[i].event) << a << "," << b;
      }
    }
  }
}

TEST(SseParserTest, EventsWithoutDataAreNotDispatchedAndPartialsAreVisible) {
  SseParser parser;
  std::vector<SseEvent> events;

  ASSERT_TRUE(parser.Feed("event: ping\n\nretry: 10\n\ndata: cut", events));

  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(parser.HasPartial());
}

TEST(SseParserTest, RejectsARunawayLine) {
  SseParser parser(16);
  std::vector<SseEvent> events;

  EXPECT_FALSE(parser.Feed("data: " + std::string(32, 'x'), events));
}

TEST(LineSplitterTest, SplitsLinesAcrossFeedsAndKeepsTheRest) {
  LineSplitter splitter;
  std::vector<std::string> lines;

  ASSERT_TRUE(splitter.Feed("{\"a\":1}\n{\"b\"", lines));
  ASSERT_TRUE(splitter.Feed(":2}\r\n\n{\"c\":3}", lines));

  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(splitter.TakeRest(), "{\"c\":3}");
}

}  // namespace
}  // namespace amaima::providers
