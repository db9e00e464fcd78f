// Learning from feedback end to end with the real binary: POST /v1/feedback over loopback,
// the feedback in GET /v1/decisions/{id}, then `amaima router retrain` on the server's
// database and `amaima serve` loading the promoted version from router.models_dir.
#include <array>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "test/support/http_client.h"
#include "test/support/server_process.h"

namespace amaima::testing {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros; tests that check results field by field exceed the threshold without being
// complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

namespace fs = std::filesystem;
namespace json = boost::json;

json::value Body(const ClientResponse& response) {
  return json::parse(response.body);
}

std::string ErrorCodeOf(const ClientResponse& response) {
  const json::value body = Body(response);
  const json::object& error = body.at("error").as_object();
  EXPECT_EQ(error.at("request_id").as_string(), response.headers.at("x-request-id"));
  return std::string(error.at("code").as_string());
}

constexpr std::array<std::string_view, 8> kPlaces = {"spain", "peru",  "kenya", "norway",
                                                     "japan", "chile", "egypt", "canada"};
constexpr std::array<std::string_view, 7> kNames = {"alice", "bob",   "carol", "dave",
                                                    "erin",  "frank", "grace"};

// A kind of query the shipped model has not seen, which users say is EXPERT.
std::string LedgerText(int i) {
  const auto index = static_cast<std::size_t>(i);
  return "please reconcile the " + std::string(kPlaces[index % kPlaces.size()]) + " ledger for "
         + std::string(kNames[(index * 3 + 1) % kNames.size()]) + " " + std::to_string(i);
}

class FeedbackIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { data_dir_ = MakeTempDir(); }

  void TearDown() override {
    client_.reset();
    server_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  void StartServer(std::vector<std::string> env) {
    client_.reset();
    server_ =
        std::make_unique<ServerProcess>(data_dir_, std::vector<std::string>{}, std::move(env));
    server_->Start();
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  void StopServer() {
    client_.reset();
    server_->Signal(SIGTERM);
    EXPECT_EQ(server_->Wait(), 0);
    server_.reset();
  }

  std::string Simulate(const std::string& query) {
    const ClientResponse response =
        client_->Post("/v1/simulate", json::serialize(json::object{{"query", query}}));
    EXPECT_EQ(response.status, 200) << response.body;
    return response.headers.at("x-amaima-decision-id");
  }

  std::string data_dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(FeedbackIntegrationTest, FeedbackIsStoredAndShownWithItsDecision) {
  StartServer({});
  const std::string id = Simulate("What is the capital of Peru?");

  const ClientResponse created = client_->Post(
      "/v1/feedback",
      R"({"decision_id":")" + id + R"(","correct_level":"TRIVIAL","rating":4,"comment":"fine"})");
  const ClientResponse unknown = client_->Post(
      "/v1/feedback", R"({"decision_id":"01890000-0000-7000-8000-000000000000","rating":3})");
  const ClientResponse bad_rating =
      client_->Post("/v1/feedback", R"({"decision_id":")" + id + R"(","rating":9})");
  const ClientResponse bad_level =
      client_->Post("/v1/feedback", R"({"decision_id":")" + id + R"(","correct_level":"HUGE"})");
  const ClientResponse nothing =
      client_->Post("/v1/feedback", R"({"decision_id":")" + id + R"("})");
  const ClientResponse malformed = client_->Post("/v1/feedback", R"({"decision_id":)");
  const ClientResponse fetched = client_->Get("/v1/decisions/" + id);

  ASSERT_EQ(created.status, 201) << created.body;
  const json::value feedback = Body(created);
  EXPECT_EQ(feedback.at("decision_id").as_string(), id);
  EXPECT_EQ(feedback.at("org_id").as_string(), "default");
  EXPECT_EQ(feedback.at("correct_level").as_string(), "TRIVIAL");
  EXPECT_EQ(feedback.at("rating").as_int64(), 4);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorCodeOf(unknown), "QUERY_DECISION_NOT_FOUND");
  EXPECT_EQ(bad_rating.status, 400);
  EXPECT_EQ(ErrorCodeOf(bad_rating), "VALIDATION_INVALID_VALUE");
  EXPECT_EQ(bad_level.status, 400);
  EXPECT_EQ(ErrorCodeOf(bad_level), "VALIDATION_INVALID_VALUE");
  EXPECT_EQ(nothing.status, 400);
  EXPECT_EQ(ErrorCodeOf(nothing), "VALIDATION_MISSING_FIELD");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(ErrorCodeOf(malformed), "VALIDATION_INVALID_JSON");
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  const json::value decision = Body(fetched);
  const json::array& listed = decision.at("feedback").as_array();
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0], feedback);
  EXPECT_EQ(decision.at("decision_id").as_string(), id);
}

TEST_F(FeedbackIntegrationTest, RetrainPromotesWhatFeedbackTaughtAndServeLoadsIt) {
  StartServer({"AMAIMA_TELEMETRY__STORE_PROMPTS=true"});
  for (int i = 0; i < 60; ++i) {
    const std::string id = Simulate(LedgerText(i));
    const ClientResponse given = client_->Post(
        "/v1/feedback", R"({"decision_id":")" + id + R"(","correct_level":"EXPERT"})");
    ASSERT_EQ(given.status, 201) << given.body;
  }
  StopServer();
  const std::string heldout = data_dir_ + "/heldout.jsonl";
  {
    std::ofstream file(heldout);
    file << R"({"id":"h1","text":"hi","level":"TRIVIAL"})"
         << "\n"
         << R"({"id":"h2","text":"hello there!","level":"TRIVIAL"})"
         << "\n"
         << R"({"id":"h3","text":"thanks a lot","level":"TRIVIAL"})"
         << "\n";
  }
  const std::string models = data_dir_ + "/models";

  const auto [status, output] =
      RunCommand({"router", "retrain", "--db", data_dir_ + "/amaima.db", "--base-data",
                  std::string(AMAIMA_SOURCE_DIR) + "/data/router/general_queries.jsonl",
                  "--heldout", heldout, "--heldout-split", "all", "--models-dir", models});
  const auto [versions_status, versions] =
      RunCommand({"router", "versions", "--models-dir", models});
  const auto [restore_status, restore_output] =
      RunCommand({"router", "restore", "--models-dir", models, "complexity-linear-1+000000000000"});

  ASSERT_EQ(status, 0) << output;
  EXPECT_NE(output.find("verdict: promoted"), std::string::npos) << output;
  std::string report_path;
  for (const auto& entry : fs::directory_iterator(models + "/reports")) {
    if (entry.path().extension() == ".json") {
      report_path = entry.path().string();
    }
  }
  ASSERT_FALSE(report_path.empty());
  std::ifstream report_file(report_path);
  const json::value report = json::parse(
      std::string(std::istreambuf_iterator<char>(report_file), std::istreambuf_iterator<char>()));
  EXPECT_EQ(report.at("verdict").as_string(), "promoted");
  EXPECT_EQ(report.at("rows").at("feedback").to_number<std::uint64_t>(), 60U);
  EXPECT_EQ(report.at("rows").at("feedback_skipped_without_text").as_int64(), 0);
  const std::string promoted(report.at("candidate").at("version").as_string());
  EXPECT_EQ(versions_status, 0);
  EXPECT_NE(versions.find("* " + promoted + "  (active)"), std::string::npos) << versions;
  EXPECT_NE(restore_status, 0);  // An unknown version.

  StartServer({"AMAIMA_ROUTER__MODELS_DIR=" + models});
  const ClientResponse health = client_->Get("/v1/health");
  const ClientResponse decided =
      client_->Post("/v1/simulate", json::serialize(json::object{{"query", LedgerText(500)}}));

  ASSERT_EQ(health.status, 200);
  EXPECT_EQ(Body(health).at("versions").at("router_model").as_string(), promoted);
  ASSERT_EQ(decided.status, 200) << decided.body;
  EXPECT_EQ(Body(decided).at("versions").at("router_model").as_string(), promoted);
  EXPECT_EQ(Body(decided).at("complexity").at("level").as_string(), "EXPERT");
}

TEST_F(FeedbackIntegrationTest, FeedbackWithoutStoredPromptsIsCountedAsSkipped) {
  StartServer({});  // telemetry.store_prompts is off by default.
  for (int i = 0; i < 3; ++i) {
    const std::string id = Simulate(LedgerText(i));
    ASSERT_EQ(
        client_->Post("/v1/feedback", R"({"decision_id":")" + id + R"(","correct_level":"EXPERT"})")
            .status,
        201);
  }
  StopServer();
  const std::string models = data_dir_ + "/models";
  const std::string general = std::string(AMAIMA_SOURCE_DIR) + "/data/router/general_queries.jsonl";

  const auto [status, output] =
      RunCommand({"router", "retrain", "--db", data_dir_ + "/amaima.db", "--base-data", general,
                  "--heldout", general, "--models-dir", models});

  ASSERT_EQ(status, 0) << output;
  EXPECT_NE(output.find("feedback skipped without text 3"), std::string::npos) << output;
  EXPECT_NE(output.find("feedback used 0"), std::string::npos) << output;
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::testing
