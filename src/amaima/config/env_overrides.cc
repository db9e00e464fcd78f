#include "amaima/config/env_overrides.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

namespace amaima::config::internal {
namespace {

// What an override may do at a map whose keys are data rather than field names.
enum class NewKeys : std::uint8_t {
  kLevels,     // The five level names match even when absent.
  kCatalog,    // The catalog's model names match even when absent.
  kForbidden,  // Only existing keys match: an override cannot add a model.
};

struct MapRule {
  std::string_view path;
  NewKeys new_keys;
};

constexpr std::array<MapRule, 4> kMapRules = {{
    {"models", NewKeys::kForbidden},
    {"router.model_mapping", NewKeys::kLevels},
    {"router.expected_output_tokens", NewKeys::kLevels},
    {"router.fallback_chains", NewKeys::kCatalog},
}};

// Lower-cases and turns every character other than [a-z0-9] into '_', so that the
// variable level GPT_4O matches the key "gpt-4o" and LLAMA3_2_3B matches "llama3.2:3b".
std::string Normalize(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    c = std::isalnum(byte) != 0 ? static_cast<char>(std::tolower(byte)) : '_';
  }
  return out;
}

void AddMapKeys(const YAML::Node& node, std::vector<std::string>& keys) {
  if (!node.IsMap())
    return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it->first.IsScalar())
      keys.push_back(it->first.Scalar());
  }
}

// Splits "SERVER__PORT" into {"server", "port"}; returns {} when a level is empty.
std::vector<std::string> SplitLevels(std::string_view rest) {
  std::vector<std::string> levels;
  while (true) {
    const std::size_t cut = rest.find("__");
    std::string level(rest.substr(0, cut));
    if (level.empty())
      return {};
    for (char& c : level)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    levels.push_back(std::move(level));
    if (cut == std::string_view::npos)
      return levels;
    rest.remove_prefix(cut + 2);
  }
}

void ApplyOne(BindContext& ctx, YAML::Node& root, const std::string& variable,
              const std::vector<std::string>& levels, const std::string& value) {
  YAML::Node node = root;  // Copies share the underlying node; reset() moves the cursor.
  std::string path;
  // Sections the override creates belong to it, so that an unknown one names the variable.
  // Marked only once the value is set: an override that fails leaves nothing behind.
  std::vector<std::string> created;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (node.IsDefined() && !node.IsNull() && !node.IsMap()) {
      ctx.ErrorAt(variable, path,
                  "cannot override a key below " + path + ", which is " + Describe(node));
      return;
    }
    const auto rule = std::find_if(kMapRules.begin(), kMapRules.end(),
                                   [&](const MapRule& r) { return r.path == path; });
    std::vector<std::string> candidates;
    AddMapKeys(node, candidates);
    if (rule != kMapRules.end() && rule->new_keys == NewKeys::kLevels) {
      candidates.insert(candidates.end(), kLevelNames.begin(), kLevelNames.end());
    } else if (rule != kMapRules.end() && rule->new_keys == NewKeys::kCatalog) {
      const YAML::Node& const_root = root;  // const operator[] adds no empty entry.
      AddMapKeys(const_root["models"], candidates);
    }
    std::vector<std::string> matches;
    for (const std::string& candidate : candidates) {
      if (Normalize(candidate) == Normalize(levels[i])
          && std::find(matches.begin(), matches.end(), candidate) == matches.end()) {
        matches.push_back(candidate);
      }
    }
    if (matches.size() > 1) {
      ctx.ErrorAt(
          variable, JoinPath(path, levels[i]),
          "ambiguous override: matches both \"" + matches[0] + "\" and \"" + matches[1] + "\"");
      return;
    }
    if (matches.empty() && rule != kMapRules.end() && rule->new_keys == NewKeys::kForbidden) {
      ctx.ErrorAt(variable, JoinPath(path, levels[i]),
                  "no entry of " + path + " matches \"" + levels[i]
                      + "\" (overrides can change entries, not add them)");
      return;
    }
    const std::string key = matches.empty() ? levels[i] : matches.front();
    const YAML::Node& const_node = node;  // const operator[] adds no empty entry.
    const bool exists = node.IsMap() && const_node[key].IsDefined();
    path = JoinPath(path, key);
    if (i + 1 < levels.size()) {
      if (!exists)
        created.push_back(path);
      YAML::Node child = node[key];
      node.reset(child);
      continue;
    }
    YAML::Node parsed(value);
    if (!value.empty() && value.front() == '[') {
      try {
        parsed = YAML::Load(value);
      } catch (const YAML::Exception& e) {
        ctx.ErrorAt(variable, path, "invalid YAML flow sequence: " + e.msg);
        return;
      }
    }
    node[key] = parsed;
    ctx.SetOrigin(path, variable);
    for (const std::string& section : created)
      ctx.SetOrigin(section, variable);
  }
}

}  // namespace

void ApplyEnvOverrides(BindContext& ctx, YAML::Node& root, const Environment& env) {
  // Environment is a std::map, so overrides apply in name order: deterministic.
  for (const auto& [name, value] : env) {
    if (!name.starts_with(kOverridePrefix) || name == kExecutionModeVariable)
      continue;
    const std::string_view rest = std::string_view(name).substr(kOverridePrefix.size());
    if (rest.find("__") == std::string_view::npos)
      continue;  // Not an override (API keys).
    const std::vector<std::string> levels = SplitLevels(rest);
    if (levels.empty()) {
      ctx.ErrorAt(name, "", "malformed override name: empty level between \"__\"");
      continue;
    }
    ApplyOne(ctx, root, name, levels, value);
  }
  auto mode = env.find(std::string(kExecutionModeVariable));
  if (mode != env.end()) {
    ApplyOne(ctx, root, mode->first, {"execution", "mode"}, mode->second);
  }
}

}  // namespace amaima::config::internal
