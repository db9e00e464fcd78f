#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "amaima/core/result.h"

namespace amaima::routing::training {

// The two models whose per-question outcomes train and evaluate the strong-vs-weak
// router (RouteLLM's pair on its own data).
struct ModelPair {
  std::string strong{"gpt-4-1106-preview"};
  std::string weak{"mistralai/Mixtral-8x7B-Instruct-v0.1"};
};

// One question with the quality of each model's answer: 0/1 correctness (MMLU, GSM8K)
// or the mean GPT-4 judge score over both turns (MT-bench, 1..10).
struct RoutingItem {
  std::string id{};         // "mmlu:<subject>:<row>", "gsm8k_routellm:<n>", "mtbench:<n>"
  std::string benchmark{};  // "mmlu", "gsm8k", "mtbench"
  std::string prompt{};     // what the router sees (MT-bench: the first turn)
  double strong_quality{0.0};
  double weak_quality{0.0};
};

// The protocol's split: a routing item is training data iff the first byte of
// SHA-256(id) is even; MT-bench is evaluation only.
bool IsRoutingTrainItem(const RoutingItem& item);

// Reads a per-question correctness file (rows with id, benchmark, prompt and correct
// {model: bool}) or, when `mtbench_questions` is non-empty and the file holds MT-bench
// judgements (question_id, model, turn, score), the judgements joined with the
// questions file (rows with id "mtbench:<n>" and turns). Items lacking an outcome of
// either model of `pair` are skipped. Fails with kNotFound for a missing file and
// kInvalidArgument naming the line for a malformed row.
Result<std::vector<RoutingItem>> ReadRoutingItems(const std::string& path, const ModelPair& pair,
                                                  const std::string& mtbench_questions = "");

// The text key used to recognise the same question across files: lower-case letters
// and digits, every other run of characters one space, and a trailing "answer" (the
// "Answer:" cue of the routing prompts) removed.
std::string OverlapKey(std::string_view text);

// The overlap keys of every evaluation item in `paths`: of a routing correctness file
// the items that are not training items; of an MT-bench questions file (rows with
// turns) every turn; of a complexity file (id, text, level) the rows of the dev split.
// Fails for a file of none of these kinds (MT-bench judgements carry no text: pass the
// questions file instead).
Result<std::unordered_set<std::string>> EvaluationKeys(const std::vector<std::string>& paths);

// Removes from `rows` every element whose text (by `text_of`) has its overlap key in
// `keys`; returns how many were removed.
template <typename Row, typename TextOf>
std::size_t DropOverlapping(std::vector<Row>& rows, const std::unordered_set<std::string>& keys,
                            TextOf text_of) {
  const std::size_t before = rows.size();
  std::erase_if(rows, [&](const Row& row) { return keys.contains(OverlapKey(text_of(row))); });
  return before - rows.size();
}

}  // namespace amaima::routing::training
