#pragma once

#include <memory>
#include <string>

#include "amaima/config/config.h"
#include "amaima/core/result.h"

namespace amaima::server {

struct ServeOptions {
  // When set, the bound port is written here (atomically) once the server accepts
  // connections: for scripts and tests that start it on port 0.
  std::string ready_file{};
};

// The composition root: builds every part from Config, owns their lifetimes, runs
// the I/O threads and shuts down gracefully on SIGTERM/SIGINT (listener closed,
// requests in flight finish within server.shutdown_deadline_ms, the decision
// writer drains and commits, then the process exits).
class Server {
 public:
  // Opens the store, loads the router and binds the listener. Errors name the
  // part that failed (store, classifier, policy, listener).
  static Result<std::unique_ptr<Server>> Create(const config::Config& config,
                                                const ServeOptions& options);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  Server(Server&&) = delete;
  Server& operator=(Server&&) = delete;
  ~Server();

  // Serves until a shutdown signal; returns the process exit code.
  int Run();

 private:
  struct Parts;
  explicit Server(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace amaima::server
