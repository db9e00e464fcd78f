#pragma once

namespace amaima::cli {

// Parses the command line and runs the subcommand: serve, route, decisions,
// config, router, version. Returns the process exit code (0 ok, 1 runtime
// failure, 2 usage or configuration error).
int RunCli(int argc, char** argv);

}  // namespace amaima::cli
