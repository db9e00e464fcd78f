// A real Prometheus server (Debian's /usr/bin/prometheus) scrapes `amaima serve`'s
// GET /metrics with a bearer key: the exposition must parse, the target must be up, and the
// request counters, histograms and build info must arrive as series. A second scrape job with a
// wrong key must see 401: the route is guarded, and the test can tell a failed scrape apart.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "test/support/http_client.h"
#include "test/support/server_process.h"
#include "test/support/test_credentials.h"

namespace amaima::testing {
namespace {

namespace json = boost::json;

constexpr std::string_view kPrometheusBinary = "/usr/bin/prometheus";
constexpr std::string_view kJob = "amaima";
constexpr std::string_view kWrongKeyJob = "amaima-wrong-key";
constexpr std::string_view kWrongKey = "amk_not-a-key-this-server-knows-0000";
// A failure bound for each wait (start-up, first scrape), not a claim about speed.
constexpr auto kDeadline = std::chrono::seconds(30);
constexpr auto kPollInterval = std::chrono::milliseconds(200);
constexpr int kSimulateRequests = 5;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// A port that nothing listens on now (the kernel's next ephemeral one).
std::uint16_t FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    throw std::runtime_error("socket failed");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

// Calls `done` every kPollInterval until it returns true or kDeadline passes.
bool PollUntil(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return done();
}

// A JSON string as std::string, so that gtest prints it as text.
std::string Text(const json::value& value) {
  return std::string(value.as_string());
}

// One series of an instant-query answer.
struct Sample {
  json::object labels;
  double value{0};

  std::string Label(std::string_view name) const {
    const json::value* label = labels.if_contains(name);
    return label == nullptr ? std::string() : Text(*label);
  }
};

class PrometheusIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kPrometheusBinary)) {
      const char* required = std::getenv("AMAIMA_REQUIRE_PROMETHEUS");
      if (required != nullptr && std::string_view(required) == "1") {
        FAIL() << kPrometheusBinary << " is missing and AMAIMA_REQUIRE_PROMETHEUS=1";
      }
      GTEST_SKIP() << kPrometheusBinary << " is not installed";
    }
    temp_dir_ = MakeTempDir();
    server_ = std::make_unique<ServerProcess>(temp_dir_ + "/amaima");
    server_->Start();

    // Samples for the counters and histograms before the first scrape.
    HttpClient client(server_->port());
    for (int i = 0; i < kSimulateRequests; ++i) {
      const ClientResponse answer = client.Post(
          "/v1/simulate", R"({"query":"scrape me, question )" + std::to_string(i) + R"("})");
      ASSERT_EQ(answer.status, 200) << answer.body;
    }
    const ClientResponse invalid = client.Post("/v1/simulate", "{not json");
    ASSERT_EQ(invalid.status, 400) << invalid.body;

    ASSERT_NO_FATAL_FAILURE(StartPrometheus());
  }

  void TearDown() override {
    StopPrometheus();
    if (HasFailure() && !log_path_.empty()) {
      std::cerr << "---- " << config_path_ << " ----\n"
                << ReadFile(config_path_) << "---- prometheus log (" << log_path_ << ") ----\n"
                << ReadFile(log_path_) << "---- end of prometheus log ----\n";
    }
    server_.reset();
    if (!temp_dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(temp_dir_, ignored);
    }
  }

  // Writes the configuration and starts Prometheus until /-/ready answers 200; a port taken
  // between FreeLoopbackPort() and the bind is retried with another.
  void StartPrometheus() {
    config_path_ = temp_dir_ + "/prometheus.yml";
    log_path_ = temp_dir_ + "/prometheus.log";
    ASSERT_NO_FATAL_FAILURE(WriteConfig());
    for (int attempt = 0; attempt < 3; ++attempt) {
      prometheus_port_ = FreeLoopbackPort();
      ASSERT_NO_FATAL_FAILURE(SpawnPrometheus());
      const bool ready = PollUntil([&] {
        if (!PrometheusRunning()) {
          return true;
        }
        try {
          HttpClient client(prometheus_port_, "");
          return client.Get("/-/ready").status == 200;
        } catch (const std::exception&) {
          return false;  // Not listening yet.
        }
      });
      if (PrometheusRunning()) {
        ASSERT_TRUE(ready) << "prometheus did not become ready within " << kDeadline.count()
                           << " s";
        return;
      }
      if (ReadFile(log_path_).find("address already in use") == std::string::npos) {
        FAIL() << "prometheus exited during start-up";
      }
    }
    FAIL() << "prometheus found no free port in 3 attempts";
  }

  void WriteConfig() const {
    const std::string target = "127.0.0.1:" + std::to_string(server_->port());
    std::ofstream config(config_path_);
    config << "global:\n"
           << "  scrape_interval: 1s\n"
           << "  scrape_timeout: 1s\n"
           << "  evaluation_interval: 1s\n"
           << "scrape_configs:\n";
    for (const auto& [job, key] :
         {std::pair{kJob, kTestAdminKey}, std::pair{kWrongKeyJob, kWrongKey}}) {
      config << "  - job_name: " << job << "\n"
             << "    scrape_interval: 1s\n"
             << "    metrics_path: /metrics\n"
             << "    authorization:\n"
             << "      type: Bearer\n"
             << "      credentials: " << key << "\n"
             << "    static_configs:\n"
             << "      - targets: ['" << target << "']\n";
    }
    ASSERT_TRUE(config.good()) << "cannot write " << config_path_;
  }

  void SpawnPrometheus() {
    std::vector<std::string> args = {
        std::string(kPrometheusBinary),
        "--config.file=" + config_path_,
        "--storage.tsdb.path=" + temp_dir_ + "/data",
        "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port_),
        "--web.enable-lifecycle",
    };
    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(log_fd, 0) << "cannot open " << log_path_;
    prometheus_pid_ = ::fork();
    if (prometheus_pid_ == 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
      std::vector<char*> argv;
      for (auto& arg : args) {
        argv.push_back(arg.data());
      }
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      std::_Exit(127);
    }
    ::close(log_fd);
    ASSERT_GT(prometheus_pid_, 0) << "fork failed";
  }

  bool PrometheusRunning() {
    if (prometheus_pid_ <= 0) {
      return false;
    }
    int status = 0;
    if (::waitpid(prometheus_pid_, &status, WNOHANG) == prometheus_pid_) {
      prometheus_pid_ = -1;
      return false;
    }
    return true;
  }

  // SIGTERM, then SIGKILL after 10 s; always reaps the child.
  void StopPrometheus() {
    if (!PrometheusRunning()) {
      return;
    }
    ::kill(prometheus_pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (PrometheusRunning() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (PrometheusRunning()) {
      ::kill(prometheus_pid_, SIGKILL);
      int status = 0;
      ::waitpid(prometheus_pid_, &status, 0);
      prometheus_pid_ = -1;
    }
  }

  // GET `target` on Prometheus's API; the answer's "data". Throws unless the answer is 200
  // with status "success" (a test failure outside PollUntil).
  json::value Api(const std::string& target) {
    HttpClient client(prometheus_port_, "");
    const ClientResponse answer = client.Get(target);
    json::value body = answer.status == 200 ? json::parse(answer.body) : json::value();
    if (!body.is_object() || body.at("status").as_string() != "success") {
      throw std::runtime_error(target + " answered " + std::to_string(answer.status) + ": "
                               + answer.body);
    }
    return body.at("data");
  }

  // Runs an instant query; one Sample per series.
  std::vector<Sample> Query(std::string_view promql) {
    const json::value data = Api("/api/v1/query?query=" + UrlEncode(promql));
    if (data.at("resultType").as_string() != "vector") {
      throw std::runtime_error(std::string(promql) + " is not a vector: " + json::serialize(data));
    }
    std::vector<Sample> samples;
    for (const json::value& series : data.at("result").as_array()) {
      Sample sample;
      sample.labels = series.at("metric").as_object();
      // "value": [<unix time>, "<sample value as a string>"]
      sample.value = std::stod(std::string(series.at("value").as_array().at(1).as_string()));
      samples.push_back(std::move(sample));
    }
    return samples;
  }

  // The active target of scrape job `job`, or null if Prometheus lists none.
  std::optional<json::object> Target(std::string_view job) {
    const json::value data = Api("/api/v1/targets?state=active");
    for (const json::value& target : data.at("activeTargets").as_array()) {
      if (target.at("labels").at("job").as_string() == job) {
        return target.as_object();
      }
    }
    return std::nullopt;
  }

  // Waits until `job`'s target has been scraped at least once and its `up` series exists.
  void WaitForFirstScrape(std::string_view job) {
    std::string last_seen = "nothing";
    const bool scraped = PollUntil([&] {
      try {
        const std::optional<json::object> target = Target(job);
        last_seen = target ? json::serialize(*target) : "no target";
        return target && target->at("health").as_string() != "unknown"
               && !Query("up{job=\"" + std::string(job) + "\"}").empty();
      } catch (const std::exception& error) {
        last_seen = error.what();
        return false;
      }
    });
    ASSERT_TRUE(scraped) << "job " << job << " not scraped within " << kDeadline.count()
                         << " s; last seen: " << last_seen;
  }

  std::string temp_dir_;
  std::unique_ptr<ServerProcess> server_;
  std::string config_path_;
  std::string log_path_;
  std::uint16_t prometheus_port_{0};
  pid_t prometheus_pid_{-1};
};

TEST_F(PrometheusIntegrationTest, ScrapesMetricsWithTheBearerKey) {
  ASSERT_NO_FATAL_FAILURE(WaitForFirstScrape(kJob));

  const std::vector<Sample> up = Query(R"(up{job="amaima"})");
  ASSERT_EQ(up.size(), 1U);
  EXPECT_DOUBLE_EQ(up[0].value, 1) << "the scrape failed";
  EXPECT_EQ(up[0].Label("instance"), "127.0.0.1:" + std::to_string(server_->port()));

  const std::optional<json::object> target = Target(kJob);
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(Text(target->at("health")), "up") << json::serialize(*target);
  EXPECT_EQ(Text(target->at("lastError")), "") << json::serialize(*target);
  EXPECT_EQ(Text(target->at("scrapeUrl")),
            "http://127.0.0.1:" + std::to_string(server_->port()) + "/metrics");

  // Every request counter series carries route, method and status; the simulate requests sent
  // before Prometheus started are all in the first scrape.
  const std::vector<Sample> requests = Query(R"(amaima_http_requests_total{job="amaima"})");
  ASSERT_FALSE(requests.empty());
  double simulated_ok = -1;
  double simulated_invalid = -1;
  for (const Sample& series : requests) {
    SCOPED_TRACE(json::serialize(series.labels));
    EXPECT_FALSE(series.Label("route").empty());
    EXPECT_FALSE(series.Label("method").empty());
    EXPECT_FALSE(series.Label("status").empty());
    if (series.Label("route") == "/v1/simulate" && series.Label("method") == "POST") {
      if (series.Label("status") == "200") {
        simulated_ok = series.value;
      } else if (series.Label("status") == "400") {
        simulated_invalid = series.value;
      }
    }
  }
  EXPECT_GE(simulated_ok, kSimulateRequests);
  EXPECT_GE(simulated_invalid, 1);

  // The duration histogram: bucket series with an `le` label, +Inf counting every request.
  const std::vector<Sample> buckets =
      Query(R"(amaima_http_request_duration_seconds_bucket{job="amaima",route="/v1/simulate"})");
  ASSERT_FALSE(buckets.empty());
  double infinite_bucket = -1;
  for (const Sample& bucket : buckets) {
    SCOPED_TRACE(json::serialize(bucket.labels));
    ASSERT_FALSE(bucket.Label("le").empty());
    if (bucket.Label("le") == "+Inf") {
      infinite_bucket = bucket.value;
    }
  }
  EXPECT_GE(infinite_bucket, kSimulateRequests + 1);
  const std::vector<Sample> count =
      Query(R"(amaima_http_request_duration_seconds_count{job="amaima",route="/v1/simulate"})");
  ASSERT_EQ(count.size(), 1U);
  EXPECT_DOUBLE_EQ(count[0].value, infinite_bucket);

  const std::vector<Sample> build_info = Query(R"(amaima_build_info{job="amaima"})");
  ASSERT_EQ(build_info.size(), 1U);
  EXPECT_DOUBLE_EQ(build_info[0].value, 1);
  EXPECT_FALSE(build_info[0].Label("version").empty());
}

// The negative control: the same target scraped with a key the server does not know.
TEST_F(PrometheusIntegrationTest, AWrongBearerKeyIsRefusedWith401) {
  ASSERT_NO_FATAL_FAILURE(WaitForFirstScrape(kWrongKeyJob));

  const std::vector<Sample> up = Query(R"(up{job="amaima-wrong-key"})");
  ASSERT_EQ(up.size(), 1U);
  EXPECT_DOUBLE_EQ(up[0].value, 0) << "a scrape with a wrong key succeeded";

  const std::optional<json::object> target = Target(kWrongKeyJob);
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(Text(target->at("health")), "down") << json::serialize(*target);
  EXPECT_NE(Text(target->at("lastError")).find("401"), std::string::npos)
      << json::serialize(*target);

  // Nothing of the exposition reached Prometheus through this job.
  EXPECT_TRUE(Query(R"(amaima_build_info{job="amaima-wrong-key"})").empty());
  EXPECT_TRUE(Query(R"(amaima_http_requests_total{job="amaima-wrong-key"})").empty());
}

}  // namespace
}  // namespace amaima::testing
