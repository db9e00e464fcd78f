// `amaima router train-strong|eval-strong|calibrate` on small routing files written by the
// test into a temporary directory.
#include "amaima/cli/router_strong_command.h"

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "amaima/routing/strong_weak_model.h"
#include "amaima/routing/training/routing_data.h"

namespace amaima::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace training = routing::training;

constexpr std::array<std::string_view, 13> kWords = {"amber", "birch", "cedar", "delta", "ember",
                                                     "fjord", "grove", "heron", "iris",  "jade",
                                                     "kelp",  "lotus", "maple"};

class RouterStrongCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path()
           / ("amaima-strong-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed())
              + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }

  void TearDown() override { fs::remove_all(dir_); }

  // A correctness file: the weak model fails on "integral" questions, both pass "capital"
  // ones. `duplicate` repeats the text of the first evaluation item under a training id.
  std::string WriteRoutingFile(bool duplicate) {
    const std::string path = (dir_ / "routing.jsonl").string();
    std::ofstream out(path);
    std::string first_eval_prompt;
    for (int i = 0; i < 120; ++i) {
      const bool hard = i % 2 == 0;
      training::RoutingItem item;
      item.id = "mmlu:test:" + std::to_string(i);
      item.benchmark = "mmlu";
      // Distinct words per item (digit runs fold to their length in the analysis).
      const std::string tag = std::string(kWords[i % kWords.size()]) + " "
                              + std::string(kWords[(i / kWords.size() + 3) % kWords.size()]);
      const std::string prompt =
          hard ? "Evaluate the integral of " + tag + " times a Bessel function"
               : "What is the capital of " + tag;
      if (!training::IsRoutingTrainItem(item) && first_eval_prompt.empty()) {
        first_eval_prompt = prompt;
      }
      out << json::serialize(json::object{
          {"id", item.id},
          {"benchmark", "mmlu"},
          {"prompt", prompt},
          {"correct",
           {{"gpt-4-1106-preview", true}, {"mistralai/Mixtral-8x7B-Instruct-v0.1", !hard}}}})
          << "\n";
    }
    if (duplicate) {
      out << json::serialize(json::object{
          {"id", "mmlu:test:dup-even"},
          {"benchmark", "mmlu"},
          {"prompt", first_eval_prompt + "\nAnswer:"},
          {"correct",
           {{"gpt-4-1106-preview", true}, {"mistralai/Mixtral-8x7B-Instruct-v0.1", true}}}})
          << "\n";
    }
    return path;
  }

  fs::path dir_;
};

TEST_F(RouterStrongCommandTest, TrainsEvaluatesAndWritesOnePredictionPerEvaluationItem) {
  const std::string data = WriteRoutingFile(false);
  TrainStrongArgs train;
  train.data = {data};
  train.out = (dir_ / "sw.amr").string();
  train.hash_bits = 12;
  std::ostringstream log;
  ASSERT_TRUE(RunTrainStrong(train, log).has_value()) << log.str();
  EXPECT_NE(log.str().find("dropped 0 whose text is an evaluation item"), std::string::npos);

  EvalStrongArgs eval;
  eval.data = {data};
  eval.model = train.out;
  eval.predictions = (dir_ / "predictions.jsonl").string();
  eval.json = true;
  std::ostringstream report;
  ASSERT_TRUE(RunEvalStrong(eval, report).has_value());
  const json::object mmlu = json::parse(report.str()).at("benchmarks").at("mmlu").as_object();
  // The hard half is learnable from its words: near the best possible APGR (0.75 when the
  // gain lies on half of the items), far better than random (0.5).
  EXPECT_GT(mmlu.at("apgr").to_number<double>(), 0.65);
  EXPECT_LT(mmlu.at("share_for_95").to_number<double>(),
            mmlu.at("random_share_for_95").to_number<double>());

  std::ifstream predictions(eval.predictions);
  std::string line;
  std::size_t lines = 0;
  while (std::getline(predictions, line)) {
    const json::object row = json::parse(line).as_object();
    training::RoutingItem item;
    item.id = std::string(row.at("id").as_string());
    item.benchmark = "mmlu";
    EXPECT_FALSE(training::IsRoutingTrainItem(item)) << item.id;
    ++lines;
  }
  EXPECT_EQ(lines, mmlu.at("items").to_number<std::size_t>());
}

TEST_F(RouterStrongCommandTest, DropsTrainingItemsThatRepeatAnEvaluationText) {
  TrainStrongArgs train;
  train.data = {WriteRoutingFile(true)};
  train.folds = 3;
  train.hash_bits = 10;
  std::ostringstream log;
  training::RoutingItem dup;
  dup.id = "mmlu:test:dup-even";
  dup.benchmark = "mmlu";
  if (!training::IsRoutingTrainItem(dup)) {
    GTEST_SKIP() << "the duplicate's id hashes to the evaluation side";
  }
  ASSERT_TRUE(RunTrainStrong(train, log).has_value()) << log.str();
  EXPECT_NE(log.str().find("dropped 1 whose text is an evaluation item"), std::string::npos)
      << log.str();
  EXPECT_NE(log.str().find("3-fold cross-validation"), std::string::npos);
}

TEST_F(RouterStrongCommandTest, CalibrateFindsTheThresholdForATargetShare) {
  const std::string data = WriteRoutingFile(false);
  TrainStrongArgs train;
  train.data = {data};
  train.out = (dir_ / "sw.amr").string();
  train.hash_bits = 12;
  std::ostringstream log;
  ASSERT_TRUE(RunTrainStrong(train, log).has_value());

  CalibrateArgs calibrate;
  calibrate.data = {data};
  calibrate.model = train.out;
  calibrate.target_share = 0.25;
  std::ostringstream out;
  ASSERT_TRUE(RunCalibrate(calibrate, out).has_value());
  const std::string text = out.str();
  const std::size_t at = text.find("threshold ");
  ASSERT_NE(at, std::string::npos) << text;
  const double threshold = std::stod(text.substr(at + 10));

  auto model = routing::StrongWeakModel::Load(train.out);
  ASSERT_TRUE(model.has_value());
  std::ifstream in(data);
  std::string line;
  int strong = 0;
  int total = 0;
  while (std::getline(in, line)) {
    const json::object row = json::parse(line).as_object();
    strong += (*model)->Predict(std::string(row.at("prompt").as_string())) >= threshold ? 1 : 0;
    ++total;
  }
  EXPECT_NEAR(static_cast<double>(strong) / total, 0.25, 0.02);

  calibrate.target_share = 1.5;
  EXPECT_FALSE(RunCalibrate(calibrate, out).has_value());
}

}  // namespace
}  // namespace amaima::cli
