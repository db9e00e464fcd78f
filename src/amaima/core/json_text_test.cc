#include "amaima/core/json_text.h"

#include <cmath>
#include <limits>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

namespace amaima {
namespace {

TEST(JsonTextTest, WritesNestedContainersWithCommasInPlace) {
  JsonText json(4);  // Smaller than the text: it grows.
  json.BeginObject();
  json.Key("a").Integer(-7);
  json.Key("b").BeginArray().Bool(true).Null().BeginObject().EndObject().EndArray();
  json.Key("c").BeginObject().Key("d").String("e").EndObject();
  json.Key("f").BeginArray().EndArray();
  json.EndObject();

  EXPECT_EQ(std::move(json).Finish(), R"({"a":-7,"b":[true,null,{}],"c":{"d":"e"},"f":[]})");
}

TEST(JsonTextTest, EscapesAsBoostJsonDoes) {
  // Long enough that the escapes fall both in and after eight-byte runs.
  const std::string text =
      "plain text, then \"quotes\" and a \\ backslash\n\t\r\b\f\x01\x1f\x7f caf\xc3\xa9 </s>";
  JsonText json(16);
  json.String(text);
  const std::string written = std::move(json).Finish();

  EXPECT_EQ(written, boost::json::serialize(boost::json::value(text)));
  EXPECT_EQ(boost::json::parse(written).as_string(), text);
}

TEST(JsonTextTest, DoublesReadBackAsTheSameDoubles) {
  for (const double value :
       {0.0, -0.0, 1.0, 12.0, -3.5, 0.1, 1.0 / 3.0, 1e-7, 6.02214076e23,
        std::numeric_limits<double>::max(), std::numeric_limits<double>::denorm_min()}) {
    JsonText json(8);
    json.Number(value);
    const std::string written = std::move(json).Finish();
    const boost::json::value parsed = boost::json::parse(written);
    ASSERT_TRUE(parsed.is_double()) << written;
    EXPECT_EQ(parsed.get_double(), value) << written;
    EXPECT_EQ(std::signbit(parsed.get_double()), std::signbit(value)) << written;
  }
  JsonText json(8);
  json.BeginArray().Number(std::nan("")).Number(HUGE_VAL).EndArray();
  EXPECT_EQ(std::move(json).Finish(), "[null,null]");
}

TEST(JsonTextTest, MicrosAreWrittenFromTheirCount) {
  const auto round6 = [](double x) {
    return std::round(x * 1e6) / 1e6;
  };
  for (const double raw :
       {0.0, 0.5, 2.0, 1.0 / 3.0, 0.000001, 0.0000004, -0.25, 123456.789, 850.5, -0.0}) {
    const double value = round6(raw);
    JsonText json(8);
    json.Micros(value);
    const std::string written = std::move(json).Finish();
    const boost::json::value parsed = boost::json::parse(written);
    ASSERT_TRUE(parsed.is_double()) << written;
    EXPECT_EQ(parsed.get_double(), value) << written;
  }
  JsonText json(8);
  json.BeginArray().Micros(round6(1.0 / 3.0)).Micros(2.0).Micros(-0.25).Micros(1e300).EndArray();
  EXPECT_EQ(std::move(json).Finish(), "[0.333333,2.0,-0.25,1e+300]");
}

}  // namespace
}  // namespace amaima
