#include "amaima/telemetry/logger.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace amaima::telemetry {
namespace {

std::string Capture(config::LogFormat format, config::LogLevel threshold) {
  std::FILE* file = std::tmpfile();
  {
    Logger logger(threshold, format, file);
    logger.Info("decision \"recorded\"", {{"request_id", "r-1"}, {"note", "a\nb"}});
    logger.Log(config::LogLevel::kDebug, "hidden unless debug");
  }
  std::rewind(file);
  std::string out;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), file) != nullptr) {
    out += buffer;
  }
  std::fclose(file);
  return out;
}

TEST(LoggerTest, WritesOneEscapedJsonLinePerEvent) {
  const std::string out = Capture(config::LogFormat::kJson, config::LogLevel::kInfo);

  EXPECT_NE(out.find(R"("level":"info","msg":"decision \"recorded\"")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("request_id":"r-1","note":"a\nb"})"), std::string::npos) << out;
  EXPECT_EQ(out.find("hidden"), std::string::npos);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(LoggerTest, DebugLevelLetsDebugLinesThrough) {
  const std::string out = Capture(config::LogFormat::kText, config::LogLevel::kDebug);

  EXPECT_NE(out.find("debug hidden unless debug"), std::string::npos) << out;
  EXPECT_NE(out.find("request_id=r-1"), std::string::npos) << out;
}

}  // namespace
}  // namespace amaima::telemetry
