#include "amaima/routing/training/dataset.h"

#include <fstream>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "amaima/core/hashing.h"
#include "amaima/routing/training/jsonl.h"

namespace amaima::routing::training {
namespace {

// Returns the string field `key` of `object`, or nullptr when absent or not a string.
const boost::json::string* StringField(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  return value == nullptr ? nullptr : value->if_string();
}

}  // namespace

Result<Split> ParseSplit(std::string_view name) {
  if (name == "all") {
    return Split::kAll;
  }
  if (name == "train") {
    return Split::kTrain;
  }
  if (name == "dev") {
    return Split::kDev;
  }
  return Fail(ErrorCode::kInvalidArgument,
              "unknown split '" + std::string(name) + "' (expected all, train or dev)");
}

bool InSplit(std::string_view id, Split split) {
  if (split == Split::kAll) {
    return true;
  }
  const Sha256Digest digest = Sha256("split:" + std::string(id));
  // The first 12 hex digits are the first 6 bytes.
  std::uint64_t prefix = 0;
  for (int i = 0; i < 6; ++i) {
    prefix = (prefix << 8) | digest[static_cast<std::size_t>(i)];
  }
  const bool train =
      static_cast<double>(prefix) / static_cast<double>(std::uint64_t{1} << 48) < 0.70;
  return train == (split == Split::kTrain);
}

Result<std::vector<LabelledQuery>> ReadLabelledQueries(const std::string& path, Split split) {
  std::vector<LabelledQuery> rows;
  Status status = ForEachJsonLine(
      path, [&](const boost::json::object& object, const std::string& where) -> Status {
        const auto* id = StringField(object, "id");
        const auto* text = StringField(object, "text");
        const auto* level_name = StringField(object, "level");
        if (id == nullptr || text == nullptr || level_name == nullptr) {
          return Fail(ErrorCode::kInvalidArgument, where + ": needs string fields id, text, level");
        }
        const std::optional<Level> level = ParseLevel(*level_name);
        if (!level) {
          return Fail(ErrorCode::kInvalidArgument,
                      where + ": unknown level '" + std::string(*level_name) + "'");
        }
        if (!InSplit(*id, split)) {
          return {};
        }
        LabelledQuery row;
        row.id = std::string(*id);
        row.text = std::string(*text);
        row.level = *level;
        const auto* family = StringField(object, "family");
        row.family = family == nullptr ? "UNKNOWN" : std::string(*family);
        const auto* source = StringField(object, "source");
        row.source = source == nullptr ? "" : std::string(*source);
        rows.push_back(std::move(row));
        return {};
      });
  if (!status) {
    return status.error();
  }
  return rows;
}

}  // namespace amaima::routing::training
