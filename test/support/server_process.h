#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace amaima::testing {

// Runs `amaima serve` as a child process on an ephemeral loopback port, for
// integration tests that need the real binary (signals, kill -9, restarts).
class ServerProcess {
 public:
  // `data_dir` is created if missing; `extra_args` are appended to `serve`.
  // `env` entries ("NAME=value") are added to the child's environment.
  ServerProcess(std::string data_dir, std::vector<std::string> extra_args = {},
                std::vector<std::string> env = {});
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ServerProcess(ServerProcess&&) = delete;
  ServerProcess& operator=(ServerProcess&&) = delete;
  // Kills the child (SIGKILL) if it still runs.
  ~ServerProcess();

  // Starts the child and waits (up to 30 s) until it accepts connections.
  // Throws std::runtime_error if it exits or does not become ready.
  void Start();

  std::uint16_t port() const { return port_; }

  // Before Start(): the child's stdout and stderr (its log) go to `path` instead of the test's.
  void set_output_file(std::string path) { output_file_ = std::move(path); }

  pid_t pid() const { return pid_; }

  // Sends `signal` to the child.
  void Signal(int signal) const;
  // Waits for the child to exit; returns its exit status (or 128+signal).
  int Wait();
  // Returns true if the child is still running (non-blocking).
  bool Running();

  // Path of the binary under test: $AMAIMA_BINARY.
  static std::string Binary();

 private:
  std::string data_dir_;
  std::vector<std::string> extra_args_;
  std::vector<std::string> env_;
  std::string output_file_{};
  pid_t pid_{-1};
  std::uint16_t port_{0};
};

// Creates a fresh temporary directory and returns its path.
std::string MakeTempDir();

// Runs `amaima <args>` to completion, with `env` entries ("NAME=value") added to its
// environment; returns {exit code, stdout}.
std::pair<int, std::string> RunCommand(const std::vector<std::string>& args,
                                       const std::vector<std::string>& env = {});

}  // namespace amaima::testing
