#include "amaima/server/build_router.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "amaima/config/config_loader.h"
#include "amaima/routing/complexity_classifier.h"
#include "amaima/routing/complexity_model.h"
#include "amaima/routing/training/model_registry.h"
#include "amaima/routing/training/trainer.h"

namespace amaima::server {
namespace {

namespace fs = std::filesystem;

class BuildRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "amaima-build-router-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    Result<config::Config> loaded = config::LoadConfig({});
    ASSERT_TRUE(loaded) << loaded.error().message;
    config_ = std::move(*loaded);
    device_.cpu_cores = 4;
    device_.memory_total_gb = 16;
    device_.memory_available_gb = 8;
  }

  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Stores a small trained model in a registry under dir_ and returns its version.
  std::string AddModel(bool activate) {
    const std::vector<routing::training::LabelledQuery> rows = {
        {"a", "hi", routing::Level::kTrivial, "T", "t"},
        {"b", "prove that there are infinitely many primes", routing::Level::kExpert, "T", "t"},
    };
    routing::training::TrainOptions options;
    options.hash_bits = 8;
    options.epochs = 1;
    auto weights = routing::training::Train(rows, options);
    EXPECT_TRUE(weights);
    routing::training::ModelRegistry registry(dir_.string());
    auto version = registry.Add(routing::SerializeModel(*weights));
    EXPECT_TRUE(version);
    if (activate) {
      EXPECT_TRUE(registry.Activate(*version));
    }
    return *version;
  }

  Result<std::unique_ptr<routing::Router>> Build() {
    return BuildRouter(config_, device_, "key", ids_, clock_);
  }

  fs::path dir_;
  config::Config config_;
  routing::DeviceProfile device_;
  SystemClock clock_;
  IdGenerator ids_{clock_};
};

TEST_F(BuildRouterTest, LoadsTheRegistrysActiveVersion) {
  const std::string version = AddModel(true);
  config_.router.models_dir = dir_.string();

  auto router = Build();

  ASSERT_TRUE(router) << router.error().message;
  EXPECT_EQ((*router)->router_model_version(), version);
}

TEST_F(BuildRouterTest, ARegistryWithoutAnActiveVersionMeansTheBuiltInModel) {
  AddModel(false);
  config_.router.models_dir = dir_.string();
  auto builtin = routing::ComplexityClassifier::LoadBuiltIn();
  ASSERT_TRUE(builtin);

  auto router = Build();

  ASSERT_TRUE(router) << router.error().message;
  EXPECT_EQ((*router)->router_model_version(), (*builtin)->version());
}

TEST_F(BuildRouterTest, AnActiveVersionWithoutItsFileFailsStartup) {
  ASSERT_TRUE(routing::training::WriteFileAtomically((dir_ / "ACTIVE").string(),
                                                     "complexity-linear-1+aaaaaaaaaaaa\n"));
  config_.router.models_dir = dir_.string();

  auto router = Build();

  ASSERT_FALSE(router);
  EXPECT_EQ(router.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(router.error().message.find("classifier: "), std::string::npos);
}

}  // namespace
}  // namespace amaima::server
