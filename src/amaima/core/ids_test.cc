#include "amaima/core/ids.h"

#include <set>

#include <gtest/gtest.h>

#include "test/support/fake_clock.h"

namespace amaima {
namespace {

TEST(IdGeneratorTest, ProducesCanonicalUuidV7) {
  testing::FakeClock clock;
  IdGenerator ids(clock);

  const std::string id = ids.NewId();

  EXPECT_TRUE(IsUuid(id)) << id;
  EXPECT_EQ(id[14], '7');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b') << id;
  EXPECT_EQ(UuidV7Millis(id), UnixMillis(clock.Now()));
}

TEST(IdGeneratorTest, IdsIncreaseWithinOneMillisecond) {
  testing::FakeClock clock;
  IdGenerator ids(clock);

  std::string previous = ids.NewId();
  std::set<std::string> seen{previous};
  for (int i = 0; i < 10000; ++i) {
    std::string next = ids.NewId();
    EXPECT_LT(previous, next);
    seen.insert(next);
    previous = std::move(next);
  }

  EXPECT_EQ(seen.size(), 10001U);
}

TEST(IdGeneratorTest, IdsIncreaseWhenClockStepsBack) {
  testing::FakeClock clock;
  IdGenerator ids(clock);
  const std::string first = ids.NewId();

  clock.Advance(std::chrono::milliseconds(-5000));
  const std::string second = ids.NewId();

  EXPECT_LT(first, second);
}

TEST(IsUuidTest, RejectsMalformedText) {
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  EXPECT_FALSE(IsUuid("0193a2c4-1234-7abc-8def-0123456789aZ"));
  EXPECT_FALSE(IsUuid("0193a2c4x1234-7abc-8def-0123456789ab"));
  EXPECT_TRUE(IsUuid("0193a2c4-1234-7abc-8def-0123456789ab"));
  EXPECT_EQ(UuidV7Millis("0193a2c4-1234-4abc-8def-0123456789ab"), -1);
}

}  // namespace
}  // namespace amaima
