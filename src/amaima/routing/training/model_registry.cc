#include "amaima/routing/training/model_registry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>
#include <utility>

#include "amaima/routing/complexity_classifier.h"

namespace amaima::routing::training {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kWeightsExtension = ".amr";
constexpr std::string_view kActiveFile = "ACTIVE";
constexpr std::string_view kVersionsDir = "versions";
constexpr std::size_t kMaxVersionName = 128;

std::string ErrnoText() {
  return std::error_code(errno, std::generic_category()).message();
}

// Closes a file descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}

  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  FileDescriptor(FileDescriptor&&) = delete;
  FileDescriptor& operator=(FileDescriptor&&) = delete;

  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }

  int get() const { return fd_; }

  // Closes now and reports whether that worked.
  bool Close() { return ::close(std::exchange(fd_, -1)) == 0; }

 private:
  int fd_;
};

Status WriteFileAtomicallyAt(const fs::path& path, std::string_view bytes) {
  const fs::path dir = path.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return Fail(ErrorCode::kUnavailable, "cannot create " + dir.string() + ": " + ec.message());
  }
  std::string temp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  FileDescriptor file(::mkstemp(temp.data()));
  if (file.get() < 0) {
    return Fail(ErrorCode::kUnavailable,
                "cannot create a file in " + dir.string() + ": " + ErrnoText());
  }
  // mkstemp creates 0600; the server may run as another user than the one promoting.
  bool ok = ::fchmod(file.get(), 0644) == 0;
  std::size_t written = 0;
  while (ok && written < bytes.size()) {
    const ssize_t n = ::write(file.get(), bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    ok = n > 0;
    written += ok ? static_cast<std::size_t>(n) : 0;
  }
  ok = ok && ::fsync(file.get()) == 0;
  ok = file.Close() && ok;
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = ErrnoText();
    ::unlink(temp.c_str());
    return Fail(ErrorCode::kUnavailable, "cannot write " + path.string() + ": " + reason);
  }
  const FileDescriptor directory(::open(dir.c_str(), O_RDONLY | O_DIRECTORY));
  if (directory.get() >= 0) {
    // Best effort: the file is in place either way; this only hardens it against power loss.
    (void)::fsync(directory.get());
  }
  return {};
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Fail(ErrorCode::kNotFound, "cannot open " + path.string());
  }
  std::ostringstream bytes;
  bytes << file.rdbuf();
  if (file.bad()) {
    return Fail(ErrorCode::kUnavailable, "cannot read " + path.string());
  }
  return bytes.str();
}

std::string Trim(std::string text) {
  const auto blank = [](char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  };
  while (!text.empty() && blank(text.back())) {
    text.pop_back();
  }
  const auto first = std::find_if_not(text.begin(), text.end(), blank);
  return {first, text.end()};
}

}  // namespace

// The directory fsync makes the rename itself survive a crash.
Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  return WriteFileAtomicallyAt(fs::path(path), bytes);
}

bool IsValidVersionName(std::string_view name) {
  if (name.empty() || name.size() > kMaxVersionName || name.front() == '.') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
           || c == '_' || c == '+' || c == '-';
  });
}

ModelRegistry::ModelRegistry(std::string dir) : dir_(std::move(dir)) {}

std::string ModelRegistry::VersionPath(std::string_view version) const {
  return (fs::path(dir_) / kVersionsDir / (std::string(version) + std::string(kWeightsExtension)))
      .string();
}

Result<std::vector<ModelVersion>> ModelRegistry::List() const {
  Result<std::optional<std::string>> active = Active();
  if (!active) {
    return active.error();
  }
  const fs::path versions = fs::path(dir_) / kVersionsDir;
  std::vector<std::pair<fs::file_time_type, ModelVersion>> found;
  std::error_code ec;
  if (!fs::exists(versions, ec)) {
    return std::vector<ModelVersion>{};
  }
  for (fs::directory_iterator it(versions, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    const std::string name = path.stem().string();
    if (path.extension() != kWeightsExtension || !IsValidVersionName(name)
        || !it->is_regular_file(ec)) {
      continue;  // Temporary files of a write in progress, strays.
    }
    ModelVersion version;
    version.version = name;
    version.path = path.string();
    version.active = active->has_value() && **active == name;
    const fs::file_time_type written = it->last_write_time(ec);
    found.emplace_back(ec ? fs::file_time_type{} : written, std::move(version));
    ec.clear();
  }
  if (ec) {
    return Fail(ErrorCode::kUnavailable, "cannot list " + versions.string() + ": " + ec.message());
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.version < b.second.version;
  });
  std::vector<ModelVersion> out;
  out.reserve(found.size());
  for (auto& [written, version] : found) {
    out.push_back(std::move(version));
  }
  return out;
}

Result<std::optional<std::string>> ModelRegistry::Active() const {
  const fs::path path = fs::path(dir_) / kActiveFile;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return std::optional<std::string>{};
  }
  Result<std::string> text = ReadFile(path);
  if (!text) {
    return Fail(ErrorCode::kFailedPrecondition, text.error().message);
  }
  std::string name = Trim(std::move(*text));
  if (!IsValidVersionName(name)) {
    return Fail(ErrorCode::kFailedPrecondition,
                path.string() + " does not name a model version; restore one with "
                                "`amaima router restore`");
  }
  return std::optional<std::string>(std::move(name));
}

Result<std::optional<std::string>> ModelRegistry::ActivePath() const {
  Result<std::optional<std::string>> active = Active();
  if (!active) {
    return active.error();
  }
  if (!active->has_value()) {
    return std::optional<std::string>{};
  }
  std::string path = VersionPath(**active);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return Fail(ErrorCode::kFailedPrecondition, (fs::path(dir_) / kActiveFile).string()
                                                    + " names version " + **active + ", but " + path
                                                    + " is missing");
  }
  return std::optional<std::string>(std::move(path));
}

Result<std::string> ModelRegistry::Add(std::string_view weights) const {
  Result<std::unique_ptr<ComplexityClassifier>> model = ComplexityClassifier::FromBytes(weights);
  if (!model) {
    return Fail(ErrorCode::kInvalidArgument, "not a complexity model: " + model.error().message);
  }
  std::string version = (*model)->version();
  if (!IsValidVersionName(version)) {
    return Fail(ErrorCode::kInternal, "model version '" + version + "' is not a file name");
  }
  const std::string path = VersionPath(version);
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    return version;  // The name is the content's hash: the same weights are stored already.
  }
  Status written = WriteFileAtomically(path, weights);
  if (!written) {
    return written.error();
  }
  return version;
}

Status ModelRegistry::Activate(std::string_view version) const {
  if (!IsValidVersionName(version)) {
    return Fail(ErrorCode::kInvalidArgument,
                "'" + std::string(version) + "' is not a model version name");
  }
  const std::string path = VersionPath(version);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return Fail(ErrorCode::kNotFound, "unknown model version '" + std::string(version) + "': no "
                                          + path + " (`amaima router versions` lists them)");
  }
  // Only a file that loads, under its own name, becomes what the server starts with.
  Result<std::unique_ptr<ComplexityClassifier>> model = ComplexityClassifier::Load(path);
  if (!model) {
    return Fail(ErrorCode::kFailedPrecondition,
                "version " + std::string(version) + " does not load: " + model.error().message);
  }
  if ((*model)->version() != version) {
    return Fail(ErrorCode::kFailedPrecondition,
                path + " holds version " + (*model)->version() + ", not " + std::string(version));
  }
  return WriteFileAtomically((fs::path(dir_) / kActiveFile).string(), std::string(version) + "\n");
}

}  // namespace amaima::routing::training
