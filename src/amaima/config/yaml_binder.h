#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amaima/config/config_loader.h"

#include <yaml-cpp/yaml.h>

// A small declarative YAML-to-struct binder for the config loader. A struct is
// described by a FieldTable: one Field per YAML key, built with the typed
// factories below (IntegerField, NumberField, ...). BindStruct() walks a mapping
// node, reports unknown and duplicate keys and missing required ones, and hands
// every known value to its field's setter. Setters never throw and never stop at
// the first problem: each one is recorded in the BindContext and binding goes on,
// so that one run reports everything. Not thread-safe; one context per load.
namespace amaima::config::internal {

// One reported problem. `where` is "<source>:<line>:<column>", "<source>" or the
// name of the environment variable the value came from.
struct Problem {
  std::string where{};
  std::string path{};
  std::string message{};
};

// Error collection, locations and ${VAR} expansion for one load.
class BindContext {
 public:
  // `env` is kept by reference and must outlive the context.
  BindContext(std::string source, const Environment& env);

  // Records that the value at `path` (and everything below it) came from `env_var`.
  void SetOrigin(const std::string& path, std::string env_var);

  // Records a problem at `path`; `mark` locates it when it is not Mark::null_mark().
  void Error(const std::string& path, const YAML::Mark& mark, std::string message);

  // Records a problem at `path`, located where `path` or its nearest parent was read.
  void Error(const std::string& path, std::string message);

  // Records a problem that belongs to `where` alone (an environment variable).
  void ErrorAt(std::string where, const std::string& path, std::string message);

  // Remembers where the value at `path` was read, for later cross-check errors.
  void Remember(const std::string& path, const YAML::Mark& mark);

  // Returns the text of scalar `node` after ${VAR} expansion (values from the
  // environment are not expanded). A null node yields "" when `null_is_empty`.
  // Otherwise records "expected <expected>, got ..." and returns nullopt.
  std::optional<std::string> Scalar(const YAML::Node& node, const std::string& path,
                                    std::string_view expected, bool null_is_empty = false);

  const std::vector<Problem>& problems() const { return problems_; }

  const Environment& env() const { return env_; }

 private:
  // Returns the origin variable of `path` or of its nearest parent, or "".
  std::string OriginOf(const std::string& path) const;

  std::string source_;
  const Environment& env_;
  std::map<std::string, std::string> origins_;   // Key path -> environment variable.
  std::map<std::string, YAML::Mark> locations_;  // Key path -> where it was read.
  std::vector<Problem> problems_;
};

// Returns `text` with ${VAR}, ${VAR:-default} (default when unset or empty) and $$ expanded,
// or an error message naming the first unset variable or malformed reference.
std::optional<std::string> ExpandVariables(std::string_view text, const Environment& env,
                                           std::string* error);

// Returns the child path "parent.key" ("key" when parent is empty).
std::string JoinPath(const std::string& parent, std::string_view key);

// Describes `node` for messages: "a mapping", "a sequence", "null" or the quoted scalar.
std::string Describe(const YAML::Node& node);

// Calls `visit(key, value, key_path)` for each entry of mapping `node` (null = empty),
// reporting non-mappings, non-scalar keys and duplicate keys instead of visiting them.
void ForEachEntry(BindContext& ctx, const YAML::Node& node, const std::string& path,
                  const std::function<void(const std::string& key, const YAML::Node& value,
                                           const std::string& key_path)>& visit);

// Typed readers: each returns nullopt after recording a problem.
struct NumberRange {
  double min{0.0};
  double max{0.0};
  bool min_exclusive{false};
};

std::optional<std::int64_t> ReadInteger(BindContext& ctx, const YAML::Node& node,
                                        const std::string& path, std::int64_t min,
                                        std::int64_t max);
std::optional<double> ReadNumber(BindContext& ctx, const YAML::Node& node, const std::string& path,
                                 NumberRange range);
std::optional<bool> ReadBool(BindContext& ctx, const YAML::Node& node, const std::string& path);
std::optional<std::string> ReadString(BindContext& ctx, const YAML::Node& node,
                                      const std::string& path, bool allow_empty);
// "1mb", "512kb", "2gb", "100b" (binary multiples, case-insensitive) or plain bytes.
std::optional<std::uint64_t> ReadByteSize(BindContext& ctx, const YAML::Node& node,
                                          const std::string& path, std::uint64_t min,
                                          std::uint64_t max);
// One of `choices`, matched case-insensitively; returns the canonical spelling.
std::optional<std::string> ReadChoice(BindContext& ctx, const YAML::Node& node,
                                      const std::string& path,
                                      std::span<const std::string_view> choices);
// A sequence of strings; each one of `choices` unless `choices` is empty. No duplicates.
std::optional<std::vector<std::string>> ReadStringList(BindContext& ctx, const YAML::Node& node,
                                                       const std::string& path,
                                                       std::span<const std::string_view> choices);

// Returns the closest of `candidates` to `key` when it is a plausible typo, else "".
std::string SuggestKey(std::string_view key, std::span<const std::string_view> candidates);

template <typename S>
struct Field {
  std::string_view key{};
  std::function<void(BindContext&, const YAML::Node&, const std::string&, S&)> bind{};
  bool required{false};
};

template <typename S>
using FieldTable = std::vector<Field<S>>;

// Binds mapping `node` at `path` onto `out` using `fields`.
template <typename S>
void BindStruct(BindContext& ctx, const YAML::Node& node, const std::string& path,
                const FieldTable<S>& fields, S& out) {
  std::vector<std::string_view> seen;
  ForEachEntry(ctx, node, path,
               [&](const std::string& key, const YAML::Node& value, const std::string& key_path) {
                 for (const Field<S>& field : fields) {
                   if (field.key == key) {
                     seen.push_back(field.key);
                     field.bind(ctx, value, key_path, out);
                     return;
                   }
                 }
                 std::vector<std::string_view> keys;
                 for (const Field<S>& field : fields)
                   keys.push_back(field.key);
                 std::string hint = SuggestKey(key, keys);
                 ctx.Error(key_path, hint.empty() ? "unknown key"
                                                  : "unknown key (did you mean \"" + hint + "\"?)");
               });
  if (!node.IsMap())
    return;  // Null: an empty section; anything else was reported.
  for (const Field<S>& field : fields) {
    if (field.required && std::find(seen.begin(), seen.end(), field.key) == seen.end()) {
      ctx.Error(JoinPath(path, field.key), "missing required key");
    }
  }
}

template <typename S>
Field<S> Required(Field<S> field) {
  field.required = true;
  return field;
}

template <typename S, typename T>
Field<S> IntegerField(std::string_view key, T S::*member, std::int64_t min, std::int64_t max) {
  return {key, [member, min, max](BindContext& ctx, const YAML::Node& node, const std::string& path,
                                  S& out) {
            if (auto value = ReadInteger(ctx, node, path, min, max)) {
              out.*member = static_cast<T>(*value);
            }
          }};
}

template <typename S>
Field<S> NumberField(std::string_view key, double S::*member, NumberRange range) {
  return {key, [member, range](BindContext& ctx, const YAML::Node& node, const std::string& path,
                               S& out) {
            if (auto value = ReadNumber(ctx, node, path, range))
              out.*member = *value;
          }};
}

template <typename S>
Field<S> BoolField(std::string_view key, bool S::*member) {
  return {key, [member](BindContext& ctx, const YAML::Node& node, const std::string& path, S& out) {
            if (auto value = ReadBool(ctx, node, path))
              out.*member = *value;
          }};
}

template <typename S>
Field<S> StringField(std::string_view key, std::string S::*member, bool allow_empty = true) {
  return {key, [member, allow_empty](BindContext& ctx, const YAML::Node& node,
                                     const std::string& path, S& out) {
            if (auto value = ReadString(ctx, node, path, allow_empty))
              out.*member = *value;
          }};
}

// A std::chrono::milliseconds field written as an integer number of milliseconds.
template <typename S>
Field<S> MillisField(std::string_view key, std::chrono::milliseconds S::*member, std::int64_t min,
                     std::int64_t max) {
  return {key, [member, min, max](BindContext& ctx, const YAML::Node& node, const std::string& path,
                                  S& out) {
            if (auto value = ReadInteger(ctx, node, path, min, max)) {
              out.*member = std::chrono::milliseconds(*value);
            }
          }};
}

template <typename S>
Field<S> ByteSizeField(std::string_view key, std::uint64_t S::*member, std::uint64_t min,
                       std::uint64_t max) {
  return {key, [member, min, max](BindContext& ctx, const YAML::Node& node, const std::string& path,
                                  S& out) {
            if (auto value = ReadByteSize(ctx, node, path, min, max))
              out.*member = *value;
          }};
}

// A string restricted to `choices` (which must outlive the table), stored canonically.
template <typename S>
Field<S> ChoiceField(std::string_view key, std::string S::*member,
                     std::span<const std::string_view> choices) {
  return {key, [member, choices](BindContext& ctx, const YAML::Node& node, const std::string& path,
                                 S& out) {
            if (auto value = ReadChoice(ctx, node, path, choices))
              out.*member = *value;
          }};
}

template <typename S>
Field<S> StringListField(std::string_view key, std::vector<std::string> S::*member,
                         std::span<const std::string_view> choices = {}) {
  return {key, [member, choices](BindContext& ctx, const YAML::Node& node, const std::string& path,
                                 S& out) {
            if (auto value = ReadStringList(ctx, node, path, choices))
              out.*member = *value;
          }};
}

// An enum field; `names[i]` is the YAML spelling of `values[i]`. Both must outlive the table.
template <typename S, typename E>
Field<S> EnumField(std::string_view key, E S::*member, std::span<const std::string_view> names,
                   std::span<const E> values) {
  return {key, [member, names, values](BindContext& ctx, const YAML::Node& node,
                                       const std::string& path, S& out) {
            if (auto value = ReadChoice(ctx, node, path, names)) {
              for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
                if (names[i] == *value)
                  out.*member = values[i];
              }
            }
          }};
}

// A nested section bound with its own table.
template <typename S, typename Sub>
Field<S> SectionField(std::string_view key, Sub S::*member, const FieldTable<Sub>& table) {
  return {key, [member, &table](BindContext& ctx, const YAML::Node& node, const std::string& path,
                                S& out) {
            BindStruct(ctx, node, path, table, out.*member);
          }};
}

}  // namespace amaima::config::internal
