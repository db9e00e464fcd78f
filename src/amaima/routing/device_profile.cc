#include "amaima/routing/device_profile.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace amaima::routing {
namespace {

std::optional<std::string> ReadFirstLine(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return std::nullopt;
  }
  return line;
}

// Reads "MemTotal:  16318480 kB" style entries.
void ReadMeminfo(const std::string& path, DeviceProfile& profile) {
  std::ifstream in(path);
  std::string key;
  double kilobytes = 0;
  std::string unit;
  while (in >> key >> kilobytes) {
    std::getline(in, unit);
    if (key == "MemTotal:") {
      profile.memory_total_gb = kilobytes / (1024.0 * 1024.0);
    } else if (key == "MemAvailable:") {
      profile.memory_available_gb = kilobytes / (1024.0 * 1024.0);
    }
  }
}

void ReadNvidiaGpus(const std::string& dir, std::vector<GpuInfo>& gpus) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::ifstream in(entry.path() / "information");
    std::string line;
    GpuInfo gpu{.vendor = "nvidia", .name = ""};
    while (std::getline(in, line)) {
      if (line.rfind("Model:", 0) == 0) {
        const auto start = line.find_first_not_of(" \t", 6);
        gpu.name = start == std::string::npos ? "" : line.substr(start);
      }
    }
    gpus.push_back(gpu);
  }
}

// Display-class PCI devices under /sys/class/drm/cardN/device (when no NVIDIA driver
// report exists). Vendor ids: 0x10de NVIDIA, 0x1002 AMD, 0x8086 Intel.
void ReadDrmGpus(const std::string& dir, std::vector<GpuInfo>& gpus) {
  std::error_code ec;
  std::set<std::string> seen;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("card", 0) != 0 || name.find('-') != std::string::npos) {
      continue;
    }
    const auto vendor = ReadFirstLine(entry.path() / "device" / "vendor");
    if (!vendor) {
      continue;
    }
    const auto canonical = std::filesystem::canonical(entry.path() / "device", ec).string();
    if (!seen.insert(canonical).second) {
      continue;
    }
    std::string vendor_name = *vendor;
    if (*vendor == "0x10de") {
      vendor_name = "nvidia";
    } else if (*vendor == "0x1002") {
      vendor_name = "amd";
    } else if (*vendor == "0x8086") {
      vendor_name = "intel";
    }
    gpus.push_back(GpuInfo{.vendor = vendor_name, .name = ""});
  }
}

void ReadBattery(const std::string& dir, DeviceProfile& profile) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto type = ReadFirstLine(entry.path() / "type");
    if (!type || *type != "Battery") {
      continue;
    }
    if (const auto capacity = ReadFirstLine(entry.path() / "capacity")) {
      std::istringstream in(*capacity);
      int percent = 0;
      if (in >> percent) {
        profile.battery_percent = percent;
      }
    }
    if (const auto status = ReadFirstLine(entry.path() / "status")) {
      profile.on_battery = *status == "Discharging";
    }
    return;
  }
}

}  // namespace

DeviceProfile DetectDeviceProfile(const DeviceProbePaths& paths) {
  DeviceProfile profile;
  profile.cpu_cores = static_cast<int>(std::thread::hardware_concurrency());
  ReadMeminfo(paths.proc_meminfo, profile);
  ReadNvidiaGpus(paths.nvidia_gpus_dir, profile.gpus);
  if (profile.gpus.empty()) {
    ReadDrmGpus(paths.drm_dir, profile.gpus);
  }
  ReadBattery(paths.power_supply_dir, profile);
  return profile;
}

}  // namespace amaima::routing
