#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace amaima::routing {

// The five complexity levels, ordered: a larger value is a harder query.
enum class Level : std::uint8_t { kTrivial = 0, kSimple, kModerate, kComplex, kExpert };

inline constexpr int kLevelCount = 5;
inline constexpr std::array<Level, kLevelCount> kAllLevels = {
    Level::kTrivial, Level::kSimple, Level::kModerate, Level::kComplex, Level::kExpert};

// Returns "TRIVIAL", "SIMPLE", "MODERATE", "COMPLEX" or "EXPERT".
std::string_view LevelName(Level level);

// Parses a level name (upper case, as above). Returns nullopt for anything else.
std::optional<Level> ParseLevel(std::string_view name);

inline int LevelIndex(Level level) {
  return static_cast<int>(level);
}

// Returns the level `steps` above `level`, clamped to [TRIVIAL, EXPERT].
Level ShiftLevel(Level level, int steps);

}  // namespace amaima::routing
