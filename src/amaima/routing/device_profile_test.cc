#include "amaima/routing/device_profile.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace amaima::routing {
namespace {

TEST(DeviceProfileTest, ReadsMemoryGpusAndBatteryFromProbePaths) {
  const auto root = std::filesystem::temp_directory_path() / "amaima-device-test";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "gpus" / "0000:01:00.0");
  std::filesystem::create_directories(root / "power" / "BAT0");
  std::ofstream(root / "meminfo") << "MemTotal:       16777216 kB\nMemFree: 1 kB\n"
                                     "MemAvailable:    8388608 kB\n";
  std::ofstream(root / "gpus" / "0000:01:00.0" / "information")
      << "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ: 1\n";
  std::ofstream(root / "power" / "BAT0" / "type") << "Battery\n";
  std::ofstream(root / "power" / "BAT0" / "capacity") << "57\n";
  std::ofstream(root / "power" / "BAT0" / "status") << "Discharging\n";
  DeviceProbePaths paths;
  paths.proc_meminfo = (root / "meminfo").string();
  paths.nvidia_gpus_dir = (root / "gpus").string();
  paths.drm_dir = (root / "none").string();
  paths.power_supply_dir = (root / "power").string();

  const DeviceProfile profile = DetectDeviceProfile(paths);

  EXPECT_GT(profile.cpu_cores, 0);
  EXPECT_DOUBLE_EQ(profile.memory_total_gb, 16.0);
  EXPECT_DOUBLE_EQ(profile.memory_available_gb, 8.0);
  ASSERT_EQ(profile.gpus.size(), 1U);
  EXPECT_EQ(profile.gpus[0].vendor, "nvidia");
  EXPECT_EQ(profile.gpus[0].name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(profile.battery_percent, 57);
  EXPECT_TRUE(profile.on_battery);
  std::filesystem::remove_all(root);
}

TEST(DeviceProfileTest, MissingFilesLeaveDefaults) {
  DeviceProbePaths paths;
  paths.proc_meminfo = "/nonexistent/meminfo";
  paths.nvidia_gpus_dir = "/nonexistent";
  paths.drm_dir = "/nonexistent";
  paths.power_supply_dir = "/nonexistent";

  const DeviceProfile profile = DetectDeviceProfile(paths);

  EXPECT_EQ(profile.memory_total_gb, 0.0);
  EXPECT_TRUE(profile.gpus.empty());
  EXPECT_FALSE(profile.battery_percent.has_value());
}

}  // namespace
}  // namespace amaima::routing
