#include "test/support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "test/support/test_credentials.h"

extern char** environ;

namespace amaima::testing {

std::string ServerProcess::Binary() {
  // $AMAIMA_BINARY wins; tests built by CMake also know the binary of their own build.
  if (const char* binary = std::getenv("AMAIMA_BINARY")) {
    return binary;
  }
#ifdef AMAIMA_BINARY_PATH
  return AMAIMA_BINARY_PATH;
#else
  throw std::runtime_error("AMAIMA_BINARY is not set");
#endif
}

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "amaima-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  return pattern;
}

ServerProcess::ServerProcess(std::string data_dir, std::vector<std::string> extra_args,
                             std::vector<std::string> env)
    : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)), env_(std::move(env)) {}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && Running()) {
    ::kill(pid_, SIGKILL);
    Wait();
  }
}

void ServerProcess::Start() {
  std::filesystem::create_directories(data_dir_);
  const std::string ready_file = data_dir_ + "/ready.port";
  std::filesystem::remove(ready_file);
  std::vector<std::string> args = {Binary(),     "serve",   "--port",       "0",
                                   "--data-dir", data_dir_, "--ready-file", ready_file};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<std::string> env;
  constexpr std::string_view kAdminKeyVariable = "AMAIMA_ADMIN_API_KEY=";
  for (char** e = environ; *e != nullptr; ++e) {
    if (!std::string_view(*e).starts_with(kAdminKeyVariable)) {
      env.emplace_back(*e);
    }
  }
  env.insert(env.end(), env_.begin(), env_.end());
  // The tests' clients send kTestAdminKey unless a test starts the server with its own.
  if (std::none_of(env_.begin(), env_.end(),
                   [&](const std::string& e) { return e.starts_with(kAdminKeyVariable); })) {
    env.push_back(std::string(kAdminKeyVariable) + std::string(kTestAdminKey));
  }
  // Rate limits stay on, high enough for tests that send many requests with one key, unless
  // a test sets its own.
  if (std::none_of(env_.begin(), env_.end(), [](const std::string& e) {
        return e.starts_with("AMAIMA_API__RATE_LIMITING__");
      })) {
    for (const char* variable : {"DEFAULT_REQUESTS_PER_MINUTE", "DEFAULT_REQUESTS_PER_HOUR",
                                 "IP_REQUESTS_PER_MINUTE", "IP_REQUESTS_PER_HOUR"}) {
      env.push_back(std::string("AMAIMA_API__RATE_LIMITING__") + variable + "=1000000");
    }
  }

  pid_ = ::fork();
  if (pid_ == 0) {
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env) {
      envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    if (!output_file_.empty()) {
      const int fd = ::open(output_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (fd < 0 || ::dup2(fd, STDOUT_FILENO) < 0 || ::dup2(fd, STDERR_FILENO) < 0) {
        std::_Exit(126);
      }
    }
    ::execve(argv[0], argv.data(), envp.data());
    std::_Exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(ready_file);
    int port = 0;
    if (in >> port && port > 0) {
      port_ = static_cast<std::uint16_t>(port);
      return;
    }
    if (!Running()) {
      throw std::runtime_error("amaima serve exited during start-up");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("amaima serve did not become ready within 30 s");
}

void ServerProcess::Signal(int signal) const {
  ::kill(pid_, signal);
}

int ServerProcess::Wait() {
  int status = 0;
  if (::waitpid(pid_, &status, 0) < 0) {
    return -1;
  }
  pid_ = -1;
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return 128 + WTERMSIG(status);
}

bool ServerProcess::Running() {
  if (pid_ <= 0) {
    return false;
  }
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::pair<int, std::string> RunCommand(const std::vector<std::string>& args,
                                       const std::vector<std::string>& env) {
  std::vector<std::string> words;
  if (!env.empty()) {
    words.emplace_back("env");
    words.insert(words.end(), env.begin(), env.end());
  }
  words.push_back(ServerProcess::Binary());
  words.insert(words.end(), args.begin(), args.end());
  std::string command;
  for (const auto& arg : words) {
    command += command.empty() ? "'" : " '";
    for (const char c : arg) {
      command += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    command += "'";
  }
  command += " 2>/dev/null";
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    throw std::runtime_error("popen failed");
  }
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    out.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace amaima::testing
