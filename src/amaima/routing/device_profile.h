#pragma once

#include <optional>
#include <string>
#include <vector>

namespace amaima::routing {

struct GpuInfo {
  std::string vendor{};  // "nvidia", "amd", "intel" or the PCI vendor id.
  std::string name{};    // Model name when the driver tells it.
};

// What this machine can run, read once at start. The policy uses the total
// memory (not the fluctuating available memory) so that decisions stay
// reproducible on one machine.
struct DeviceProfile {
  int cpu_cores{0};
  double memory_total_gb{0.0};
  double memory_available_gb{0.0};
  std::vector<GpuInfo> gpus{};
  std::optional<int> battery_percent{};  // Absent on machines without a battery.
  bool on_battery{false};
};

// Paths read by DetectDeviceProfile; tests point them at a fixture tree.
struct DeviceProbePaths {
  std::string proc_meminfo{"/proc/meminfo"};
  std::string nvidia_gpus_dir{"/proc/driver/nvidia/gpus"};
  std::string drm_dir{"/sys/class/drm"};
  std::string power_supply_dir{"/sys/class/power_supply"};
};

// Reads cores, memory, GPUs and battery state. Never fails: what cannot be read is
// left at its default. Blocking (reads /proc and /sys): call at start-up.
DeviceProfile DetectDeviceProfile(const DeviceProbePaths& paths = {});

}  // namespace amaima::routing
