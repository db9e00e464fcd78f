// `amaima router retrain|versions|restore` on synthetic data written by the test: a real SQLite
// decision store with feedback, JSONL files, and a model registry in a temporary directory.
#include "amaima/cli/router_retrain_command.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "amaima/core/hashing.h"
#include "amaima/routing/complexity_classifier.h"
#include "amaima/routing/complexity_model.h"
#include "amaima/routing/training/dataset.h"
#include "amaima/routing/training/model_registry.h"
#include "amaima/storage/sqlite/sqlite_decision_store.h"
#include "test/support/fake_clock.h"

namespace amaima::cli {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros; tests that check results field by field exceed the threshold without being
// complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

namespace fs = std::filesystem;
namespace json = boost::json;
namespace training = routing::training;
using routing::Level;

// Fill-ins for the query templates; `i` picks one, so texts vary but are reproducible.
constexpr std::array<std::string_view, 15> kNames = {"alice", "bob",   "carol", "dave",   "erin",
                                                     "frank", "grace", "heidi", "ivan",   "judy",
                                                     "oscar", "peggy", "trent", "walter", "zoe"};
constexpr std::array<std::string_view, 15> kPlaces = {"spain", "peru",  "kenya",  "norway", "japan",
                                                      "chile", "egypt", "canada", "india",  "italy",
                                                      "ghana", "nepal", "cuba",   "fiji",   "laos"};
constexpr std::array<std::string_view, 15> kTopics = {
    "dns",     "tcp",     "a hash map", "garbage collection",
    "oauth",   "raft",    "a b-tree",   "virtual memory",
    "https",   "docker",  "git rebase", "a bloom filter",
    "caching", "threads", "utf-8"};

std::string Pick(const std::array<std::string_view, 15>& words, int i) {
  return std::string(words[static_cast<std::size_t>(i) % words.size()]);
}

// A query of `level` from the base distribution; different `i` give different texts.
std::string BaseText(Level level, int i) {
  const std::string n = std::to_string(i);
  switch (level) {
    case Level::kTrivial:
      return i % 2 == 0 ? "hi " + Pick(kNames, i) : "thanks " + Pick(kNames, i) + "!";
    case Level::kSimple:
      return i % 2 == 0 ? "what is the capital of " + Pick(kPlaces, i) + "?"
                        : "convert " + n + " km to miles";
    case Level::kModerate:
      return "explain how " + Pick(kTopics, i) + " works, step by step, with a short example";
    case Level::kComplex:
      return "implement " + Pick(kTopics, i) + " in C++ with tests, analyze the time complexity "
             "of each operation and compare it with a second design for " + Pick(kPlaces, i);
    case Level::kExpert:
      return "prove that the protocol for " + Pick(kTopics, i) + " is safe under byzantine "
             "faults, derive a lower bound on the message complexity, and state the theorem "
             "formally for " + Pick(kNames, i);
  }
  return "";
}

// What the feedback teaches: a kind of query the base data lacks, which users say is EXPERT.
std::string LedgerText(int i) {
  return "please reconcile the " + Pick(kPlaces, i) + " ledger for " + Pick(kNames, i * 7 + 3);
}

void WriteJsonl(const fs::path& path, const std::string& prefix, int per_level, int offset) {
  std::ofstream file(path);
  for (const Level level : routing::kAllLevels) {
    for (int i = 0; i < per_level; ++i) {
      json::object row{
          {"id", prefix + std::string(routing::LevelName(level)) + ":" + std::to_string(i)},
          {"text", BaseText(level, i + offset)},
          {"level", routing::LevelName(level)},
          {"family", "SYNTHETIC"}};
      file << json::serialize(row) << "\n";
    }
  }
}

class RouterRetrainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "amaima-retrain-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    WriteJsonl(dir_ / "base.jsonl", "base:", 30, 0);
    WriteJsonl(dir_ / "heldout.jsonl", "held:", 8, 1000);
    storage::SqliteOptions options;
    options.path = (dir_ / "amaima.db").string();
    options.read_connections = 1;
    auto store = storage::SqliteDecisionStore::Open(options);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);

    args_.db = (dir_ / "amaima.db").string();
    args_.base_data = {(dir_ / "base.jsonl").string()};
    args_.heldout = {(dir_ / "heldout.jsonl").string()};
    args_.heldout_split = "all";
    args_.models_dir = (dir_ / "models").string();
  }

  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Makes a model trained on the base data alone the registry's active version (the model
  // that serves before any feedback); returns its version.
  std::string ActivateBaseModel() {
    auto rows = training::ReadLabelledQueries(args_.base_data[0], training::Split::kTrain);
    EXPECT_TRUE(rows);
    auto weights = training::Train(*rows, args_.train);
    EXPECT_TRUE(weights);
    training::ModelRegistry registry(args_.models_dir);
    const Result<std::string> version = registry.Add(routing::SerializeModel(*weights));
    EXPECT_TRUE(version);
    EXPECT_TRUE(registry.Activate(*version));
    return *version;
  }

  // Returns the next id of a fixed sequence of canonical UUIDs: the feedback split hashes the
  // decision id, so random ids would make the split, and the test, differ between runs.
  std::string NextId() {
    std::array<char, 40> id{};
    std::snprintf(id.data(), id.size(), "0190a000-0000-7000-8000-%012d", ++last_id_);
    return id.data();
  }

  // Records a decision (with its prompt when `store_prompt`) and a correction to `level`.
  void AddCorrection(const std::string& text, Level level, bool store_prompt = true) {
    clock_.Advance(std::chrono::milliseconds(1));
    storage::StoredDecision decision;
    decision.decision_id = NextId();
    decision.org_id = "default";
    decision.level = "SIMPLE";
    decision.body_json = R"({"complexity":{"level":"SIMPLE"}})";
    if (store_prompt) {
      decision.prompt_text = text;
    }
    ASSERT_TRUE(store_->InsertBatch(std::span(&decision, 1)));
    storage::StoredFeedback feedback;
    feedback.feedback_id = NextId();
    feedback.decision_id = decision.decision_id;
    feedback.org_id = "default";
    feedback.correct_level = std::string(routing::LevelName(level));
    feedback.created_at_ms = UnixMillis(clock_.Now());
    ASSERT_TRUE(store_->InsertFeedback(feedback));
  }

  static json::value ReadJson(const std::string& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return json::parse(text.str());
  }

  fs::path dir_;
  testing::FakeClock clock_;
  int last_id_{0};
  std::unique_ptr<storage::SqliteDecisionStore> store_;
  RouterRetrainArgs args_;
};

TEST_F(RouterRetrainTest, PromotesWhenHeldOutFeedbackConfirmsWhatItTeaches) {
  const std::string before = ActivateBaseModel();
  for (int i = 0; i < 60; ++i) {
    AddCorrection(LedgerText(i), Level::kExpert);
  }
  for (int i = 0; i < 3; ++i) {
    AddCorrection("a prompt that was not stored " + std::to_string(i), Level::kTrivial, false);
  }
  std::ostringstream out;

  const Result<RetrainOutcome> outcome = RunRouterRetrain(args_, clock_, out);

  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->verdict, training::RetrainVerdict::kPromote) << out.str();
  EXPECT_NE(outcome->candidate_version, before);
  EXPECT_EQ(outcome->active_version, outcome->candidate_version);
  const training::ModelRegistry registry(args_.models_dir);
  EXPECT_EQ(**registry.Active(), outcome->candidate_version);
  EXPECT_EQ(registry.List()->size(), 2U);  // The earlier version is kept.
  // The promoted model knows what the feedback taught.
  auto promoted = routing::ComplexityClassifier::Load(**registry.ActivePath());
  ASSERT_TRUE(promoted);
  EXPECT_EQ((*promoted)->Classify(LedgerText(999)).level, Level::kExpert);

  const json::value report = ReadJson(outcome->report_json);
  EXPECT_EQ(report.at("verdict").as_string(), "promoted");
  EXPECT_EQ(report.at("active_after").as_string(), outcome->candidate_version);
  const json::object& rows = report.at("rows").as_object();
  EXPECT_EQ(rows.at("feedback").to_number<std::uint64_t>(), 60U);
  EXPECT_EQ(rows.at("feedback_used_for_training").to_number<std::uint64_t>()
                + rows.at("feedback_heldout").to_number<std::uint64_t>(),
            60U);
  EXPECT_GT(rows.at("feedback_heldout").to_number<std::uint64_t>(), 0U);
  EXPECT_EQ(rows.at("feedback_skipped_without_text").as_int64(), 3);
  EXPECT_EQ(rows.at("heldout_files").to_number<std::uint64_t>(), 40U);
  // Held-out feedback confirms it: the current model gets it wrong, the candidate right.
  const double current_feedback = report.at("current")
                                      .at("heldout_per_family")
                                      .at(training::kFeedbackFamily)
                                      .at("accuracy")
                                      .as_double();
  const double candidate_feedback = report.at("candidate")
                                        .at("heldout_per_family")
                                        .at(training::kFeedbackFamily)
                                        .at("accuracy")
                                        .as_double();
  EXPECT_LT(current_feedback, 0.5);
  EXPECT_GT(candidate_feedback, 0.9);
  EXPECT_TRUE(fs::exists(outcome->report_markdown));
  EXPECT_EQ(fs::path(outcome->report_json).parent_path(), fs::path(args_.models_dir) / "reports");
  EXPECT_NE(out.str().find("verdict: promoted"), std::string::npos) << out.str();
}

TEST_F(RouterRetrainTest, DoesNotPromoteWhenFeedbackIsNoise) {
  const std::string before = ActivateBaseModel();
  // Corrections that contradict the base data at random: the level has nothing to do with
  // the text.
  for (int i = 0; i < 120; ++i) {
    const Level shown = routing::kAllLevels[static_cast<std::size_t>(i % routing::kLevelCount)];
    const auto noise = static_cast<std::size_t>(Sha256("noise:" + std::to_string(i))[0]) % 5;
    AddCorrection(BaseText(shown, 2000 + i), routing::kAllLevels[noise]);
  }
  args_.feedback_weight = 8.0;
  std::ostringstream out;

  const Result<RetrainOutcome> outcome = RunRouterRetrain(args_, clock_, out);

  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->verdict, training::RetrainVerdict::kReject) << out.str();
  EXPECT_EQ(outcome->active_version, before);
  const training::ModelRegistry registry(args_.models_dir);
  EXPECT_EQ(**registry.Active(), before);
  EXPECT_EQ(registry.List()->size(), 1U);  // A rejected candidate is not stored.
  const json::value report = ReadJson(outcome->report_json);
  EXPECT_EQ(report.at("verdict").as_string(), "not_promoted");
  EXPECT_EQ(report.at("active_after").as_string(), before);
  EXPECT_EQ(report.at("current").at("version").as_string(), before);
  EXPECT_EQ(report.at("current").at("source").as_string(), "registry");
  EXPECT_LT(report.at("candidate").at("heldout").at("accuracy").as_double(),
            report.at("current").at("heldout").at("accuracy").as_double());
  std::ifstream markdown(outcome->report_markdown);
  std::ostringstream text;
  text << markdown.rdbuf();
  EXPECT_NE(text.str().find("**not_promoted**"), std::string::npos) << text.str();
}

TEST_F(RouterRetrainTest, WithoutARegistryVersionTheBuiltInModelIsJudgedAndKept) {
  for (int i = 0; i < 60; ++i) {
    AddCorrection(LedgerText(i), Level::kExpert);
  }
  std::ostringstream out;

  const Result<RetrainOutcome> outcome = RunRouterRetrain(args_, clock_, out);

  ASSERT_TRUE(outcome) << outcome.error().message;
  auto builtin = routing::ComplexityClassifier::LoadBuiltIn();
  ASSERT_TRUE(builtin);
  const json::value report = ReadJson(outcome->report_json);
  EXPECT_EQ(report.at("current").at("version").as_string(), (*builtin)->version());
  EXPECT_EQ(report.at("current").at("source").as_string(), "built-in");
  const training::ModelRegistry registry(args_.models_dir);
  if (outcome->verdict == training::RetrainVerdict::kPromote) {
    // The built-in weights became a version too, so `restore` can go back to them.
    const auto versions = registry.List();
    ASSERT_TRUE(versions);
    ASSERT_EQ(versions->size(), 2U);
    EXPECT_TRUE(RunRouterRestore(args_.models_dir, (*builtin)->version(), out));
    EXPECT_EQ(**registry.Active(), (*builtin)->version());
  } else {
    EXPECT_FALSE(registry.Active()->has_value());
    EXPECT_TRUE(registry.List()->empty());
  }
}

TEST_F(RouterRetrainTest, VersionsListsAndRestoreSwitchesBackOrFailsClearly) {
  const std::string first = ActivateBaseModel();
  for (int i = 0; i < 60; ++i) {
    AddCorrection(LedgerText(i), Level::kExpert);
  }
  std::ostringstream retrain_out;
  const Result<RetrainOutcome> outcome = RunRouterRetrain(args_, clock_, retrain_out);
  ASSERT_TRUE(outcome) << outcome.error().message;
  ASSERT_EQ(outcome->verdict, training::RetrainVerdict::kPromote) << retrain_out.str();
  const std::string second = outcome->candidate_version;

  std::ostringstream listed;
  ASSERT_TRUE(RunRouterVersions(args_.models_dir, listed));
  std::ostringstream restored;
  const Status restore = RunRouterRestore(args_.models_dir, first, restored);
  std::ostringstream relisted;
  ASSERT_TRUE(RunRouterVersions(args_.models_dir, relisted));
  std::ostringstream unknown_out;
  const Status unknown =
      RunRouterRestore(args_.models_dir, "complexity-linear-1+ffffffffffff", unknown_out);

  EXPECT_NE(listed.str().find("* " + second + "  (active)"), std::string::npos) << listed.str();
  EXPECT_NE(listed.str().find("  " + first + "\n"), std::string::npos) << listed.str();
  ASSERT_TRUE(restore) << restore.error().message;
  EXPECT_NE(restored.str().find("active: " + first + " (was " + second + ")"), std::string::npos)
      << restored.str();
  EXPECT_NE(relisted.str().find("* " + first + "  (active)"), std::string::npos) << relisted.str();
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message.find("complexity-linear-1+ffffffffffff"), std::string::npos);
  EXPECT_EQ(**training::ModelRegistry(args_.models_dir).Active(), first);
}

TEST_F(RouterRetrainTest, AnEmptyRegistryListsNothingActive) {
  std::ostringstream out;

  ASSERT_TRUE(RunRouterVersions(args_.models_dir, out));

  EXPECT_NE(out.str().find("no versions in"), std::string::npos) << out.str();
}

TEST_F(RouterRetrainTest, FailsOnAMissingDatabaseOrEmptyHeldOutSet) {
  RouterRetrainArgs missing_db = args_;
  missing_db.db = (dir_ / "typo.db").string();
  RouterRetrainArgs no_heldout = args_;
  no_heldout.heldout_split = "dev";
  no_heldout.heldout = {(dir_ / "empty.jsonl").string()};
  std::ofstream(dir_ / "empty.jsonl").close();
  std::ostringstream out;

  const Result<RetrainOutcome> without_db = RunRouterRetrain(missing_db, clock_, out);
  const Result<RetrainOutcome> without_heldout = RunRouterRetrain(no_heldout, clock_, out);

  ASSERT_FALSE(without_db);
  EXPECT_EQ(without_db.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(dir_ / "typo.db"));
  ASSERT_FALSE(without_heldout);
  EXPECT_EQ(without_heldout.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(fs::path(args_.models_dir) / "reports"));
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::cli
