#pragma once

#include <memory>

#include "amaima/api/console/console_assets.h"
#include "amaima/config/config.h"
#include "amaima/core/result.h"
#include "amaima/http/server/route_table.h"
#include "amaima/telemetry/logger.h"

namespace amaima::server {

// Loads the built web console (`console.dir`) and serves it, without credentials, for the
// GET and HEAD requests no API route takes. The assets must outlive `routes`' use.
// Returns null when the console is disabled, or (with a warning) not built; fails when the
// directory exists but cannot be served (no index.html, too large, unreadable).
Result<std::unique_ptr<api::ConsoleAssets>> MountConsole(const config::ConsoleConfig& config,
                                                         http::RouteTable& routes,
                                                         telemetry::Logger& logger);

}  // namespace amaima::server
