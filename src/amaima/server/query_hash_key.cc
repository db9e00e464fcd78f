#include "amaima/server/query_hash_key.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "amaima/core/hashing.h"

namespace amaima::server {
namespace {

constexpr std::size_t kKeyBytes = 32;

Status WriteFileAtomically(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path temp = path.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(ErrorCode::kUnavailable,
                "cannot create " + temp.string() + ": " + std::strerror(errno));
  }
  const bool written =
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size())
      && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(temp.c_str(), path.c_str()) != 0) {
    return Fail(ErrorCode::kUnavailable,
                "cannot write " + path.string() + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace

Result<std::string> PrepareDataDir(const config::Config& config, bool create) {
  const std::filesystem::path dir(config.storage.data_dir);
  std::error_code ec;
  if (create) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return Fail(ErrorCode::kUnavailable,
                  "cannot create data directory " + dir.string() + ": " + ec.message());
    }
  }
  return dir.string();
}

std::string SqlitePath(const config::Config& config) {
  if (!config.storage.sqlite_path.empty()) {
    return config.storage.sqlite_path;
  }
  return (std::filesystem::path(config.storage.data_dir) / "amaima.db").string();
}

Result<std::string> LoadDataDirKey(const config::Config& config, std::string_view file_name,
                                   bool create) {
  const std::filesystem::path path = std::filesystem::path(config.storage.data_dir) / file_name;
  std::ifstream in(path);
  std::string key;
  if (in && std::getline(in, key) && key.size() == 2 * kKeyBytes) {
    return key;
  }
  if (!create) {
    return std::string{};
  }
  if (in) {
    return Fail(ErrorCode::kFailedPrecondition, "CONFIG_INVALID",
                path.string() + " exists but does not hold a 64-hex-digit key");
  }
  key = ToHex(RandomBytes(kKeyBytes));
  if (Status written = WriteFileAtomically(path, key + "\n"); !written) {
    return written.error();
  }
  return key;
}

Result<std::string> LoadQueryHashKey(const config::Config& config, bool create) {
  if (!config.telemetry.query_hash_key.empty()) {
    return config.telemetry.query_hash_key;
  }
  return LoadDataDirKey(config, "query_hash.key", create);
}

}  // namespace amaima::server
