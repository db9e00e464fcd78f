#include "amaima/routing/level.h"

#include <algorithm>

namespace amaima::routing {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kTrivial:
      return "TRIVIAL";
    case Level::kSimple:
      return "SIMPLE";
    case Level::kModerate:
      return "MODERATE";
    case Level::kComplex:
      return "COMPLEX";
    case Level::kExpert:
      return "EXPERT";
  }
  return "MODERATE";
}

std::optional<Level> ParseLevel(std::string_view name) {
  for (const Level level : kAllLevels) {
    if (LevelName(level) == name) {
      return level;
    }
  }
  return std::nullopt;
}

Level ShiftLevel(Level level, int steps) {
  const int index = std::clamp(LevelIndex(level) + steps, 0, kLevelCount - 1);
  return static_cast<Level>(index);
}

}  // namespace amaima::routing
