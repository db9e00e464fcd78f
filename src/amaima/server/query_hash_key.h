#pragma once

#include <string>
#include <string_view>

#include "amaima/config/config.h"
#include "amaima/core/result.h"

namespace amaima::server {

// Returns the deployment's key for the keyed query hash: telemetry.query_hash_key
// when set; else the key kept in <data_dir>/query_hash.key, created on first use
// (32 random bytes, hex, mode 0600, written atomically). With `create` false a
// missing file yields an empty string. Blocking (file I/O): call at start-up.
Result<std::string> LoadQueryHashKey(const config::Config& config, bool create);

// Returns the key kept in <data_dir>/<file_name>: 32 random bytes as 64 hex digits, created
// on first use (mode 0600, written atomically); with `create` false a missing file yields an
// empty string. A file that holds something else is kFailedPrecondition.
Result<std::string> LoadDataDirKey(const config::Config& config, std::string_view file_name,
                                   bool create);

// Returns the directory records live in, creating it if `create`.
Result<std::string> PrepareDataDir(const config::Config& config, bool create);

// Returns storage.sqlite_path, or <data_dir>/amaima.db when it is empty.
std::string SqlitePath(const config::Config& config);

}  // namespace amaima::server
