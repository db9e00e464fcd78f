#include "amaima/config/yaml_binder.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

namespace amaima::config::internal {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsVariableName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0)
    return false;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_')
      return false;
  }
  return true;
}

std::string FormatNumber(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string Quote(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  if (text.size() > kMaxShown)
    return "\"" + std::string(text.substr(0, kMaxShown)) + "...\"";
  return "\"" + std::string(text) + "\"";
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

BindContext::BindContext(std::string source, const Environment& env)
    : source_(std::move(source)), env_(env) {}

void BindContext::SetOrigin(const std::string& path, std::string env_var) {
  origins_[path] = std::move(env_var);
}

void BindContext::Error(const std::string& path, const YAML::Mark& mark, std::string message) {
  std::string where = OriginOf(path);
  if (where.empty() && !mark.is_null()) {
    where = source_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  if (where.empty()) {
    // Cross-check errors carry no mark: use where the key or its nearest parent was read.
    std::string prefix = path;
    while (!prefix.empty()) {
      auto it = locations_.find(prefix);
      if (it != locations_.end()) {
        where = source_ + ":" + std::to_string(it->second.line + 1) + ":"
                + std::to_string(it->second.column + 1);
        break;
      }
      const std::size_t cut = prefix.find_last_of(".[");
      prefix.resize(cut == std::string::npos ? 0 : cut);
    }
  }
  ErrorAt(where.empty() ? source_ : where, path, std::move(message));
}

void BindContext::Error(const std::string& path, std::string message) {
  Error(path, YAML::Mark::null_mark(), std::move(message));
}

void BindContext::ErrorAt(std::string where, const std::string& path, std::string message) {
  problems_.push_back(
      Problem{std::move(where), path.empty() ? "<root>" : path, std::move(message)});
}

void BindContext::Remember(const std::string& path, const YAML::Mark& mark) {
  if (!mark.is_null())
    locations_.emplace(path, mark);
}

std::string BindContext::OriginOf(const std::string& path) const {
  std::string prefix = path;
  while (!prefix.empty()) {
    auto it = origins_.find(prefix);
    if (it != origins_.end())
      return it->second;
    const std::size_t cut = prefix.find_last_of(".[");
    prefix.resize(cut == std::string::npos ? 0 : cut);
  }
  return "";
}

std::optional<std::string> BindContext::Scalar(const YAML::Node& node, const std::string& path,
                                               std::string_view expected, bool null_is_empty) {
  if (!node.IsDefined() || node.IsNull()) {
    if (null_is_empty)
      return std::string();
    Error(path, node.Mark(), "expected " + std::string(expected) + ", got null");
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    Error(path, node.Mark(), "expected " + std::string(expected) + ", got " + Describe(node));
    return std::nullopt;
  }
  if (!OriginOf(path).empty())
    return node.Scalar();  // Overrides are literal.
  std::string error;
  std::optional<std::string> expanded = ExpandVariables(node.Scalar(), env_, &error);
  if (!expanded)
    Error(path, node.Mark(), error);
  return expanded;
}

std::optional<std::string> ExpandVariables(std::string_view text, const Environment& env,
                                           std::string* error) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$' || i + 1 == text.size() || (text[i + 1] != '$' && text[i + 1] != '{')) {
      out += text[i++];  // A lone '$' is literal, so "pa$word" needs no escaping.
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      *error = "unterminated \"${\" in " + Quote(text);
      return std::nullopt;
    }
    const std::string_view body = text.substr(i + 2, close - i - 2);
    const std::size_t separator = body.find(":-");
    const std::string_view name = body.substr(0, separator);
    if (!IsVariableName(name)) {
      *error = "invalid variable reference \"${" + std::string(body) + "}\"";
      return std::nullopt;
    }
    auto it = env.find(std::string(name));
    if (separator != std::string_view::npos) {
      // POSIX ":-": the default also replaces a set but empty variable.
      out += (it == env.end() || it->second.empty()) ? std::string(body.substr(separator + 2))
                                                     : it->second;
    } else if (it == env.end()) {
      *error = "environment variable " + std::string(name) + " is not set (write ${"
               + std::string(name) + ":-default} to give a default)";
      return std::nullopt;
    } else {
      out += it->second;
    }
    i = close + 1;
  }
  return out;
}

std::string JoinPath(const std::string& parent, std::string_view key) {
  if (parent.empty())
    return std::string(key);
  return parent + "." + std::string(key);
}

std::string Describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull())
    return "null";
  if (node.IsMap())
    return "a mapping";
  if (node.IsSequence())
    return "a sequence";
  return Quote(node.Scalar());
}

void ForEachEntry(BindContext& ctx, const YAML::Node& node, const std::string& path,
                  const std::function<void(const std::string& key, const YAML::Node& value,
                                           const std::string& key_path)>& visit) {
  if (!node.IsDefined() || node.IsNull())
    return;
  if (!node.IsMap()) {
    ctx.Error(path, node.Mark(), "expected a mapping, got " + Describe(node));
    return;
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // A copy: yaml-cpp's operator-> returns a proxy, so a reference would dangle.
    const YAML::Node key_node = it->first;
    if (!key_node.IsScalar()) {
      ctx.Error(path, key_node.Mark(), "keys must be plain strings, got " + Describe(key_node));
      continue;
    }
    const std::string& key = key_node.Scalar();
    const std::string key_path = JoinPath(path, key);
    if (!seen.insert(key).second) {
      ctx.Error(key_path, key_node.Mark(), "duplicate key");
      continue;
    }
    ctx.Remember(key_path, key_node.Mark());
    const YAML::Node value = it->second;
    visit(key, value, key_path);
  }
}

std::optional<std::int64_t> ReadInteger(BindContext& ctx, const YAML::Node& node,
                                        const std::string& path, std::int64_t min,
                                        std::int64_t max) {
  const std::string expected =
      max == std::numeric_limits<std::int64_t>::max()
          ? "an integer >= " + std::to_string(min)
          : "an integer " + std::to_string(min) + ".." + std::to_string(max);
  std::optional<std::string> text = ctx.Scalar(node, path, expected);
  if (!text)
    return std::nullopt;
  std::int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || text->empty() || value < min || value > max) {
    ctx.Error(path, node.Mark(), "expected " + expected + ", got " + Quote(*text));
    return std::nullopt;
  }
  return value;
}

std::optional<double> ReadNumber(BindContext& ctx, const YAML::Node& node, const std::string& path,
                                 NumberRange range) {
  std::string expected = "a number ";
  if (range.min_exclusive) {
    expected += "> " + FormatNumber(range.min);
  } else if (range.max == std::numeric_limits<double>::infinity()) {
    expected += ">= " + FormatNumber(range.min);
  } else {
    expected += FormatNumber(range.min) + ".." + FormatNumber(range.max);
  }
  std::optional<std::string> text = ctx.Scalar(node, path, expected);
  if (!text)
    return std::nullopt;
  double value = 0.0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  const bool below = range.min_exclusive ? value <= range.min : value < range.min;
  if (ec != std::errc() || ptr != end || text->empty() || !std::isfinite(value) || below
      || value > range.max) {
    ctx.Error(path, node.Mark(), "expected " + expected + ", got " + Quote(*text));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> ReadBool(BindContext& ctx, const YAML::Node& node, const std::string& path) {
  constexpr std::string_view kExpected = "a boolean (true or false)";
  std::optional<std::string> text = ctx.Scalar(node, path, kExpected);
  if (!text)
    return std::nullopt;
  const std::string lower = Lower(*text);
  if (lower == "true" || lower == "yes" || lower == "on")
    return true;
  if (lower == "false" || lower == "no" || lower == "off")
    return false;
  ctx.Error(path, node.Mark(), "expected " + std::string(kExpected) + ", got " + Quote(*text));
  return std::nullopt;
}

std::optional<std::string> ReadString(BindContext& ctx, const YAML::Node& node,
                                      const std::string& path, bool allow_empty) {
  std::optional<std::string> text = ctx.Scalar(node, path, "a string", /*null_is_empty=*/true);
  if (text && text->empty() && !allow_empty) {
    ctx.Error(path, node.Mark(), "must not be empty");
    return std::nullopt;
  }
  return text;
}

std::optional<std::uint64_t> ReadByteSize(BindContext& ctx, const YAML::Node& node,
                                          const std::string& path, std::uint64_t min,
                                          std::uint64_t max) {
  const std::string expected = "a size of " + std::to_string(min) + ".." + std::to_string(max)
                               + " bytes, such as 1048576, \"512kb\" or \"1mb\"";
  std::optional<std::string> text = ctx.Scalar(node, path, expected);
  if (!text)
    return std::nullopt;
  const std::string lower = Lower(*text);
  std::uint64_t count = 0;
  const char* end = lower.data() + lower.size();
  auto [ptr, ec] = std::from_chars(lower.data(), end, count);
  std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
  while (!unit.empty() && unit.front() == ' ')
    unit.remove_prefix(1);
  std::uint64_t multiplier = 0;
  if (unit.empty() || unit == "b") {
    multiplier = 1;
  } else if (unit == "k" || unit == "kb" || unit == "kib") {
    multiplier = std::uint64_t{1} << 10;
  } else if (unit == "m" || unit == "mb" || unit == "mib") {
    multiplier = std::uint64_t{1} << 20;
  } else if (unit == "g" || unit == "gb" || unit == "gib") {
    multiplier = std::uint64_t{1} << 30;
  }
  const bool ok = ec == std::errc() && ptr != lower.data() && multiplier != 0
                  && count <= std::numeric_limits<std::uint64_t>::max() / multiplier
                  && count * multiplier >= min && count * multiplier <= max;
  if (!ok) {
    ctx.Error(path, node.Mark(), "expected " + expected + ", got " + Quote(*text));
    return std::nullopt;
  }
  return count * multiplier;
}

std::optional<std::string> ReadChoice(BindContext& ctx, const YAML::Node& node,
                                      const std::string& path,
                                      std::span<const std::string_view> choices) {
  std::string expected = "one of";
  for (std::string_view choice : choices) {
    expected += (expected.size() == 6 ? " \"" : ", \"") + std::string(choice) + "\"";
  }
  std::optional<std::string> text = ctx.Scalar(node, path, expected, /*null_is_empty=*/true);
  if (!text)
    return std::nullopt;
  const std::string lower = Lower(*text);
  for (std::string_view choice : choices) {
    if (Lower(choice) == lower)
      return std::string(choice);
  }
  ctx.Error(path, node.Mark(), "expected " + expected + ", got " + Quote(*text));
  return std::nullopt;
}

std::optional<std::vector<std::string>> ReadStringList(BindContext& ctx, const YAML::Node& node,
                                                       const std::string& path,
                                                       std::span<const std::string_view> choices) {
  if (!node.IsDefined() || node.IsNull())
    return std::vector<std::string>();
  if (!node.IsSequence()) {
    ctx.Error(path, node.Mark(), "expected a sequence of strings, got " + Describe(node));
    return std::nullopt;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    const YAML::Node item = node[i];
    std::optional<std::string> value = choices.empty() ? ReadString(ctx, item, item_path, false)
                                                       : ReadChoice(ctx, item, item_path, choices);
    if (!value) {
      ok = false;
    } else if (std::find(values.begin(), values.end(), *value) != values.end()) {
      ctx.Error(item_path, item.Mark(), "duplicate entry " + Quote(*value));
      ok = false;
    } else {
      values.push_back(*std::move(value));
    }
  }
  if (!ok)
    return std::nullopt;
  return values;
}

std::string SuggestKey(std::string_view key, std::span<const std::string_view> candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (std::string_view candidate : candidates) {
    const std::size_t distance = EditDistance(key, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(candidate);
    }
  }
  return best;
}

}  // namespace amaima::config::internal
