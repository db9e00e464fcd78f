// The web console served by `amaima serve` at `/` (console.dir): files with their caching
// headers, client-side routes, gzip, and the API's own 404s and routes left untouched.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "test/support/http_client.h"
#include "test/support/server_process.h"

namespace amaima::testing {
namespace {

namespace fs = std::filesystem;

class ConsoleIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = MakeTempDir();
    console_dir_ = data_dir_ + "/console";
    fs::create_directories(console_dir_ + "/assets");
    std::ofstream(console_dir_ + "/index.html")
        << "<!doctype html><title>AMAIMA</title><div id=root></div>"
           "<script type=module src=/assets/index-abc123.js></script>";
    std::ofstream(console_dir_ + "/assets/index-abc123.js") << "export const answer = 42;\n"
                                                            << std::string(3000, ' ') << "// end\n";
  }

  void StartServer(const std::string& dir) {
    server_ =
        std::make_unique<ServerProcess>(data_dir_, std::vector<std::string>{},
                                        std::vector<std::string>{"AMAIMA_CONSOLE__DIR=" + dir});
    server_->Start();
    anonymous_ = std::make_unique<HttpClient>(server_->port(), "");
  }

  void TearDown() override {
    anonymous_.reset();
    server_.reset();
    fs::remove_all(data_dir_);
  }

  std::string data_dir_;
  std::string console_dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> anonymous_;
};

TEST_F(ConsoleIntegrationTest, ServesTheConsoleWithoutCredentials) {
  StartServer(console_dir_);

  const ClientResponse index = anonymous_->Get("/");
  const ClientResponse route = anonymous_->Get("/decisions/dec_123?tab=executions");
  const ClientResponse script = anonymous_->Get("/assets/index-abc123.js");

  ASSERT_EQ(index.status, 200) << index.body;
  EXPECT_EQ(index.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<div id=root>"), std::string::npos);
  EXPECT_EQ(index.headers.at("cache-control"), "no-cache");
  EXPECT_NE(index.headers.at("content-security-policy").find("default-src 'self'"),
            std::string::npos);
  EXPECT_EQ(route.status, 200);
  EXPECT_EQ(route.body, index.body);
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.headers.at("content-type"), "application/javascript; charset=utf-8");
  EXPECT_EQ(script.headers.at("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(script.body.substr(0, 25), "export const answer = 42;");
}

TEST_F(ConsoleIntegrationTest, RevalidatesWithETagAndCompressesOnRequest) {
  StartServer(console_dir_);
  const ClientResponse first = anonymous_->Get("/assets/index-abc123.js");
  const std::string etag = first.headers.at("etag");

  const ClientResponse again =
      anonymous_->Request("GET", "/assets/index-abc123.js", {}, "", {{"if-none-match", etag}});
  const ClientResponse gzipped = anonymous_->Request("GET", "/assets/index-abc123.js", {}, "",
                                                     {{"accept-encoding", "gzip, deflate"}});
  const ClientResponse head = anonymous_->Request("HEAD", "/", {}, "");

  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  ASSERT_EQ(gzipped.status, 200);
  EXPECT_EQ(gzipped.headers.at("content-encoding"), "gzip");
  EXPECT_LT(gzipped.body.size(), first.body.size() / 4);
  EXPECT_EQ(gzipped.body.substr(0, 2), std::string("\x1f\x8b"));  // The gzip magic.
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST_F(ConsoleIntegrationTest, TheApiKeepsItsRoutesAndItsErrors) {
  StartServer(console_dir_);
  HttpClient admin(server_->port());

  const ClientResponse unknown_api = anonymous_->Get("/v1/nothing-here");
  const ClientResponse missing_file = anonymous_->Get("/assets/gone-999.js");
  const ClientResponse dot_segments = anonymous_->Get("/assets/../../etc/passwd");
  const ClientResponse protected_route = anonymous_->Get("/v1/decisions");
  const ClientResponse wrong_method = anonymous_->Request("DELETE", "/", {}, "");
  const ClientResponse live = anonymous_->Get("/health/live");
  const ClientResponse simulated = admin.Post("/v1/simulate", R"({"query":"What is 2+2?"})");

  for (const ClientResponse* response : {&unknown_api, &missing_file, &dot_segments}) {
    EXPECT_EQ(response->status, 404);
    const auto body = boost::json::parse(response->body).as_object();
    EXPECT_EQ(body.at("error").at("code").as_string(), "SYSTEM_ROUTE_NOT_FOUND");
    EXPECT_EQ(body.at("error").at("request_id").as_string(), response->headers.at("x-request-id"));
  }
  EXPECT_EQ(protected_route.status, 401);
  EXPECT_EQ(wrong_method.status, 404);
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(simulated.status, 200) << simulated.body;
}

TEST_F(ConsoleIntegrationTest, AnUnbuiltConsoleLeavesTheRootUnserved) {
  StartServer(data_dir_ + "/not-built");

  EXPECT_EQ(anonymous_->Get("/").status, 404);
  EXPECT_EQ(anonymous_->Get("/health/live").status, 200);
}

TEST_F(ConsoleIntegrationTest, ABrokenConsoleDirectoryStopsTheStart) {
  fs::remove(console_dir_ + "/index.html");
  ServerProcess server(data_dir_, {}, {"AMAIMA_CONSOLE__DIR=" + console_dir_});
  const std::string log_file = data_dir_ + "/serve.log";
  server.set_output_file(log_file);

  EXPECT_THROW(server.Start(), std::runtime_error);
  std::ifstream in(log_file);
  const std::string log{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_NE(log.find("web console"), std::string::npos) << log;
  EXPECT_NE(log.find("has no index.html"), std::string::npos) << log;
}

}  // namespace
}  // namespace amaima::testing
