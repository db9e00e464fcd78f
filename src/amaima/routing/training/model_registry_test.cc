#include "amaima/routing/training/model_registry.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "amaima/routing/complexity_classifier.h"
#include "amaima/routing/complexity_model.h"
#include "amaima/routing/training/trainer.h"

namespace amaima::routing::training {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros; tests that check results field by field exceed the threshold without being
// complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

namespace fs = std::filesystem;

// The bytes of a small trained model; `seed` makes different weights.
std::string SmallModel(std::uint64_t seed) {
  const std::vector<LabelledQuery> rows = {
      {"a", "hi", Level::kTrivial, "T", "t"},
      {"b", "what is the capital of Spain?", Level::kSimple, "T", "t"},
      {"c", "explain how a hash table works", Level::kModerate, "T", "t"},
      {"d", "implement an LRU cache and analyze it", Level::kComplex, "T", "t"},
      {"e", "prove that there are infinitely many primes", Level::kExpert, "T", "t"},
  };
  TrainOptions options;
  options.hash_bits = 8;
  options.epochs = 2;
  options.seed = seed;
  Result<ModelWeights> weights = Train(rows, options);
  EXPECT_TRUE(weights);
  return SerializeModel(*weights);
}

std::string VersionOf(const std::string& bytes) {
  auto model = ComplexityClassifier::FromBytes(bytes);
  EXPECT_TRUE(model);
  return (*model)->version();
}

std::string ReadText(const fs::path& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

class ModelRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "amaima-registry-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ / "models";
  }

  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  fs::path root_;
  fs::path dir_;
};

TEST_F(ModelRegistryTest, AnEmptyOrMissingRegistryHasNothingActive) {
  const ModelRegistry registry(dir_.string());

  const auto versions = registry.List();
  const auto active = registry.Active();
  const auto path = registry.ActivePath();

  ASSERT_TRUE(versions);
  EXPECT_TRUE(versions->empty());
  ASSERT_TRUE(active);
  EXPECT_FALSE(active->has_value());
  ASSERT_TRUE(path);
  EXPECT_FALSE(path->has_value());
}

TEST_F(ModelRegistryTest, PromotingStoresTheVersionAndWritesActive) {
  ModelRegistry registry(dir_.string());
  const std::string bytes = SmallModel(1);

  const Result<std::string> version = registry.Add(bytes);
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_FALSE(registry.Active()->has_value());  // Adding does not activate.
  const Status activated = registry.Activate(*version);

  ASSERT_TRUE(activated) << activated.error().message;
  EXPECT_EQ(*version, VersionOf(bytes));
  EXPECT_EQ(registry.VersionPath(*version), (dir_ / "versions" / (*version + ".amr")).string());
  EXPECT_EQ(ReadText(registry.VersionPath(*version)), bytes);
  EXPECT_EQ(ReadText(dir_ / "ACTIVE"), *version + "\n");
  EXPECT_EQ(**registry.Active(), *version);
  EXPECT_EQ(**registry.ActivePath(), registry.VersionPath(*version));
  // Nothing but the two files: temporary files were renamed away.
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    files += entry.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(files, 2U);
}

TEST_F(ModelRegistryTest, ListKeepsEarlierVersionsAndRestoreSwitchesBack) {
  ModelRegistry registry(dir_.string());
  const std::string first = *registry.Add(SmallModel(1));
  ASSERT_TRUE(registry.Activate(first));
  const std::string second = *registry.Add(SmallModel(2));
  ASSERT_TRUE(registry.Activate(second));
  ASSERT_NE(first, second);

  const auto before = registry.List();
  const Status restored = registry.Activate(first);
  const auto after = registry.List();

  ASSERT_TRUE(before);
  ASSERT_TRUE(restored) << restored.error().message;
  ASSERT_TRUE(after);
  ASSERT_EQ(before->size(), 2U);
  ASSERT_EQ(after->size(), 2U);
  for (const ModelVersion& version : *before) {
    EXPECT_EQ(version.active, version.version == second) << version.version;
  }
  for (const ModelVersion& version : *after) {
    EXPECT_EQ(version.active, version.version == first) << version.version;
    EXPECT_EQ(version.path, registry.VersionPath(version.version));
  }
  EXPECT_EQ(**registry.Active(), first);
}

TEST_F(ModelRegistryTest, AddingTheSameWeightsTwiceKeepsOneVersion) {
  ModelRegistry registry(dir_.string());
  const std::string bytes = SmallModel(3);

  const Result<std::string> first = registry.Add(bytes);
  const Result<std::string> again = registry.Add(bytes);

  ASSERT_TRUE(first);
  ASSERT_TRUE(again);
  EXPECT_EQ(*first, *again);
  EXPECT_EQ(registry.List()->size(), 1U);
}

TEST_F(ModelRegistryTest, AnUnknownVersionIsNotFoundAndChangesNothing) {
  ModelRegistry registry(dir_.string());
  const std::string version = *registry.Add(SmallModel(1));
  ASSERT_TRUE(registry.Activate(version));

  const Status unknown = registry.Activate("complexity-linear-1+000000000000");
  const Status escaping = registry.Activate("../../etc/passwd");
  const Status empty = registry.Activate("");

  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message.find("complexity-linear-1+000000000000"), std::string::npos);
  ASSERT_FALSE(escaping);
  EXPECT_EQ(escaping.error().code, ErrorCode::kInvalidArgument);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(**registry.Active(), version);
}

TEST_F(ModelRegistryTest, RefusesBytesThatAreNotAModel) {
  ModelRegistry registry(dir_.string());

  const Result<std::string> added = registry.Add("not a weights file");

  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(registry.List()->empty());
}

TEST_F(ModelRegistryTest, RefusesToActivateAFileThatIsNotItsVersion) {
  ModelRegistry registry(dir_.string());
  const std::string bytes = SmallModel(1);
  const std::string fake = "complexity-linear-1+0123456789ab";
  ASSERT_TRUE(WriteFileAtomically(registry.VersionPath(fake), bytes));
  ASSERT_TRUE(WriteFileAtomically(registry.VersionPath("broken"), "garbage"));

  const Status renamed = registry.Activate(fake);
  const Status broken = registry.Activate("broken");

  ASSERT_FALSE(renamed);
  EXPECT_EQ(renamed.error().code, ErrorCode::kFailedPrecondition);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(registry.Active()->has_value());
}

TEST_F(ModelRegistryTest, ACorruptOrDanglingActiveFileFailsClearly) {
  ModelRegistry registry(dir_.string());
  ASSERT_TRUE(
      WriteFileAtomically((dir_ / "ACTIVE").string(), "complexity-linear-1+aaaaaaaaaaaa\n"));

  const auto dangling = registry.ActivePath();
  ASSERT_TRUE(WriteFileAtomically((dir_ / "ACTIVE").string(), "../../somewhere\n"));
  const auto corrupt = registry.Active();
  const auto listed = registry.List();

  ASSERT_FALSE(dangling);
  EXPECT_EQ(dangling.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(dangling.error().message.find("is missing"), std::string::npos);
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(listed);
}

TEST_F(ModelRegistryTest, ListIgnoresTemporaryAndForeignFiles) {
  ModelRegistry registry(dir_.string());
  const std::string version = *registry.Add(SmallModel(1));
  ASSERT_TRUE(WriteFileAtomically((dir_ / "versions" / ".x.amr.AbCdEf").string(), "partial"));
  ASSERT_TRUE(WriteFileAtomically((dir_ / "versions" / "notes.txt").string(), "hello"));

  const auto versions = registry.List();

  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 1U);
  EXPECT_EQ(versions->front().version, version);
  EXPECT_FALSE(versions->front().active);
}

TEST(VersionNameTest, AllowsVersionsAndRefusesPaths) {
  EXPECT_TRUE(IsValidVersionName("complexity-linear-1+d42fc04915d8"));
  EXPECT_TRUE(IsValidVersionName("v1.2_rc-3"));
  EXPECT_FALSE(IsValidVersionName(""));
  EXPECT_FALSE(IsValidVersionName(".hidden"));
  EXPECT_FALSE(IsValidVersionName("a/b"));
  EXPECT_FALSE(IsValidVersionName(".."));
  EXPECT_FALSE(IsValidVersionName("with space"));
  EXPECT_FALSE(IsValidVersionName(std::string(129, 'a')));
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::routing::training
