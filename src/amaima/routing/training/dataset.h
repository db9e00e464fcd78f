#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/routing/level.h"

namespace amaima::routing::training {

// One labelled query of a complexity data set (a row of a JSONL file with the fields
// id, text, level, source, source_label, family).
struct LabelledQuery {
  std::string id{};
  std::string text{};
  Level level{Level::kModerate};
  std::string family{};
  std::string source{};
};

// Which rows of a file to keep, by the data README's deterministic rule:
// train iff int(sha256("split:" + id)[:12], 16) / 16**12 < 0.70.
enum class Split { kAll, kTrain, kDev };

// Parses "all", "train" or "dev". Fails with kInvalidArgument otherwise.
Result<Split> ParseSplit(std::string_view name);

// Returns true when the row with `id` belongs to `split`.
bool InSplit(std::string_view id, Split split);

// Reads a JSONL file of labelled queries, keeping the rows of `split`. Fails with
// kNotFound if the file cannot be opened and kInvalidArgument (naming the line) on a
// malformed row or an unknown level.
Result<std::vector<LabelledQuery>> ReadLabelledQueries(const std::string& path,
                                                       Split split = Split::kAll);

}  // namespace amaima::routing::training
