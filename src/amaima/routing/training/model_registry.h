#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"

namespace amaima::routing::training {

// One complexity model kept by a ModelRegistry.
struct ModelVersion {
  std::string version{};  // As ComplexityClassifier::version() names it.
  std::string path{};     // DIR/versions/<version>.amr
  bool active{false};

  friend bool operator==(const ModelVersion&, const ModelVersion&) = default;
};

// A directory of complexity model versions, written by `amaima router retrain|restore` and
// read by `amaima serve` (router.models_dir):
//
//   DIR/versions/<version>.amr   weights files, named by their version, never changed once
//                                written; earlier versions are kept
//   DIR/ACTIVE                   the active version's name, one line
//
// Every file is written to a temporary name in its directory, synced and renamed into place,
// so a reader sees the old or the new file, never a partial one.
//
// @par Thread Safety
// Methods only touch the file system and may be called from any thread; two processes that
// activate versions at once are not coordinated (the last rename wins).
class ModelRegistry {
 public:
  explicit ModelRegistry(std::string dir);

  const std::string& dir() const { return dir_; }

  // Returns the path of `version`'s weights file (whether or not it exists).
  std::string VersionPath(std::string_view version) const;

  // Returns the stored versions, oldest first (by when their file was written; ties by
  // name), with the active one marked. A missing directory has none.
  Result<std::vector<ModelVersion>> List() const;

  // Returns the active version, or nullopt when DIR/ACTIVE does not exist. Fails with
  // kFailedPrecondition when ACTIVE is unreadable or names no valid version.
  Result<std::optional<std::string>> Active() const;

  // Returns the weights file of the active version, or nullopt when there is none. Fails with
  // kFailedPrecondition when ACTIVE names a version whose file is missing.
  Result<std::optional<std::string>> ActivePath() const;

  // Stores `weights` (the bytes of a weights file) as a version and returns its name. The
  // bytes must load (ComplexityClassifier::FromBytes), else kInvalidArgument. Storing a
  // version that exists already keeps the existing file. Does not change ACTIVE.
  Result<std::string> Add(std::string_view weights) const;

  // Makes `version` the active one. Fails with kInvalidArgument for a name that cannot be a
  // version, kNotFound for one that is not stored and kFailedPrecondition for a stored file
  // that does not load as that version.
  Status Activate(std::string_view version) const;

 private:
  std::string dir_;
};

// Writes `bytes` to `path` atomically: a temporary file in the same directory (created if
// missing), fsync, rename over `path`, fsync of the directory. Fails with kUnavailable.
Status WriteFileAtomically(const std::string& path, std::string_view bytes);

// Returns true when `name` can be a version name: 1..128 characters of [A-Za-z0-9._+-], not
// starting with '.'. Keeps names from escaping DIR/versions.
bool IsValidVersionName(std::string_view name);

}  // namespace amaima::routing::training
