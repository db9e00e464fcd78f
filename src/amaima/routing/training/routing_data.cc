#include "amaima/routing/training/routing_data.h"

#include <cctype>
#include <map>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "amaima/core/hashing.h"
#include "amaima/routing/training/dataset.h"
#include "amaima/routing/training/jsonl.h"

namespace amaima::routing::training {
namespace {

std::string StringOf(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

std::optional<double> NumberOf(const boost::json::value* value) {
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_bool()) {
    return value->get_bool() ? 1.0 : 0.0;
  }
  if (value->is_number()) {
    return value->to_number<double>();
  }
  return std::nullopt;
}

Error Malformed(const std::string& where, std::string_view what) {
  return Fail(ErrorCode::kInvalidArgument, where + ": " + std::string(what));
}

struct MtBenchScores {
  double strong_total{0.0};
  int strong_turns{0};
  double weak_total{0.0};
  int weak_turns{0};
};

Result<std::vector<RoutingItem>> ReadMtBench(const std::string& judgements,
                                             const std::string& questions, const ModelPair& pair) {
  std::map<long long, MtBenchScores> scores;
  Status status = ForEachJsonLine(
      judgements, [&](const boost::json::object& row, const std::string& where) -> Status {
        const std::optional<double> question = NumberOf(row.if_contains("question_id"));
        const std::optional<double> score = NumberOf(row.if_contains("score"));
        if (!question || !score) {
          return Malformed(where, "needs question_id and score");
        }
        const std::string model = StringOf(row, "model");
        MtBenchScores& entry = scores[static_cast<long long>(*question)];
        if (model == pair.strong) {
          entry.strong_total += *score;
          ++entry.strong_turns;
        } else if (model == pair.weak) {
          entry.weak_total += *score;
          ++entry.weak_turns;
        }
        return {};
      });
  if (!status) {
    return status.error();
  }
  std::vector<RoutingItem> items;
  status = ForEachJsonLine(
      questions, [&](const boost::json::object& row, const std::string& where) -> Status {
        const std::string id = StringOf(row, "id");
        const boost::json::value* turns = row.if_contains("turns");
        if (id.rfind("mtbench:", 0) != 0 || turns == nullptr || !turns->is_array()
            || turns->get_array().empty() || !turns->get_array()[0].is_string()) {
          return Malformed(where, "needs id \"mtbench:<n>\" and string turns");
        }
        const auto found = scores.find(std::stoll(id.substr(8)));
        if (found == scores.end() || found->second.strong_turns == 0
            || found->second.weak_turns == 0) {
          return {};
        }
        RoutingItem item;
        item.id = id;
        item.benchmark = "mtbench";
        item.prompt = std::string(turns->get_array()[0].get_string());
        item.strong_quality = found->second.strong_total / found->second.strong_turns;
        item.weak_quality = found->second.weak_total / found->second.weak_turns;
        items.push_back(std::move(item));
        return {};
      });
  if (!status) {
    return status.error();
  }
  return items;
}

}  // namespace

bool IsRoutingTrainItem(const RoutingItem& item) {
  if (item.benchmark == "mtbench") {
    return false;
  }
  return Sha256(item.id)[0] % 2 == 0;
}

Result<std::vector<RoutingItem>> ReadRoutingItems(const std::string& path, const ModelPair& pair,
                                                  const std::string& mtbench_questions) {
  std::vector<RoutingItem> items;
  bool judgements = false;
  Status status = ForEachJsonLine(
      path, [&](const boost::json::object& row, const std::string& where) -> Status {
        if (row.contains("question_id") && row.contains("score")) {
          judgements = true;
          return {};
        }
        const boost::json::value* correct = row.if_contains("correct");
        if (correct == nullptr || !correct->is_object()) {
          return Malformed(where, "needs a correct {model: bool} object (or MT-bench judgements)");
        }
        RoutingItem item;
        item.id = StringOf(row, "id");
        item.benchmark = StringOf(row, "benchmark");
        item.prompt = StringOf(row, "prompt");
        if (item.id.empty() || item.prompt.empty()) {
          return Malformed(where, "needs string fields id and prompt");
        }
        const std::optional<double> strong =
            NumberOf(correct->get_object().if_contains(pair.strong));
        const std::optional<double> weak = NumberOf(correct->get_object().if_contains(pair.weak));
        if (!strong || !weak) {
          return {};
        }
        item.strong_quality = *strong;
        item.weak_quality = *weak;
        items.push_back(std::move(item));
        return {};
      });
  if (!status) {
    return status.error();
  }
  if (judgements) {
    if (!items.empty()) {
      return Fail(ErrorCode::kInvalidArgument, path + ": mixes judgements and correctness rows");
    }
    if (mtbench_questions.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  path + " holds MT-bench judgements: pass the questions file "
                         "(--mtbench-questions ../shared/data/bench/mtbench.jsonl)");
    }
    return ReadMtBench(path, mtbench_questions, pair);
  }
  return items;
}

std::string OverlapKey(std::string_view text) {
  std::string key;
  key.reserve(text.size());
  bool pending_space = false;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || byte >= 0x80) {
      if (pending_space && !key.empty()) {
        key += ' ';
      }
      pending_space = false;
      key += static_cast<char>(std::tolower(byte));
    } else {
      pending_space = true;
    }
  }
  constexpr std::string_view kCue = "answer";
  if (key.size() > kCue.size() && key.ends_with(kCue) && key[key.size() - kCue.size() - 1] == ' ') {
    key.resize(key.size() - kCue.size() - 1);
  }
  return key;
}

Result<std::unordered_set<std::string>> EvaluationKeys(const std::vector<std::string>& paths) {
  std::unordered_set<std::string> keys;
  for (const std::string& path : paths) {
    Status status = ForEachJsonLine(
        path, [&](const boost::json::object& row, const std::string& where) -> Status {
          const std::string id = StringOf(row, "id");
          if (const boost::json::value* turns = row.if_contains("turns");
              turns != nullptr && turns->is_array()) {
            for (const boost::json::value& turn : turns->get_array()) {
              if (turn.is_string()) {
                keys.insert(OverlapKey(turn.get_string()));
              }
            }
            return {};
          }
          if (row.contains("correct")) {
            RoutingItem item;
            item.id = id;
            item.benchmark = StringOf(row, "benchmark");
            if (!IsRoutingTrainItem(item)) {
              keys.insert(OverlapKey(StringOf(row, "prompt")));
            }
            return {};
          }
          if (row.contains("level") && row.contains("text")) {
            if (InSplit(id, Split::kDev)) {
              keys.insert(OverlapKey(StringOf(row, "text")));
            }
            return {};
          }
          return Malformed(where,
                           "not a routing, MT-bench questions or complexity row (MT-bench "
                           "judgements carry no text: pass the questions file)");
        });
    if (!status) {
      return status.error();
    }
  }
  return keys;
}

}  // namespace amaima::routing::training
