#include "test/support/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>

namespace amaima::testing {
namespace {

constexpr int kPortAttempts = 8;
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopTimeout = std::chrono::seconds(10);
constexpr auto kPollInterval = std::chrono::milliseconds(5);

// A closed file descriptor on destruction.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}

  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&&) = delete;
  Fd& operator=(Fd&&) = delete;

  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }

  int get() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in Loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// A port that was free a moment ago: bind port 0, read the port, close.
std::uint16_t PickFreePort() {
  const Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  if (fd.get() < 0) {
    throw std::system_error(errno, std::generic_category(), "socket");
  }
  sockaddr_in address = Loopback(0);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API.
  auto* generic = reinterpret_cast<sockaddr*>(&address);
  if (::bind(fd.get(), generic, sizeof(address)) != 0) {
    throw std::system_error(errno, std::generic_category(), "bind");
  }
  socklen_t length = sizeof(address);
  if (::getsockname(fd.get(), generic, &length) != 0) {
    throw std::system_error(errno, std::generic_category(), "getsockname");
  }
  return ntohs(address.sin_port);
}

// Whether a server on `port` answers PING (PONG, or NOAUTH when it wants a password).
bool Answers(std::uint16_t port) {
  const Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  if (fd.get() < 0) {
    return false;
  }
  timeval timeout{};
  timeout.tv_sec = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address = Loopback(port);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API.
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return false;
  }
  constexpr std::string_view kPing = "PING\r\n";
  if (::send(fd.get(), kPing.data(), kPing.size(), MSG_NOSIGNAL)
      != static_cast<ssize_t>(kPing.size())) {
    return false;
  }
  std::array<char, 64> buffer{};
  const ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
  const std::string_view reply(buffer.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
  return reply.starts_with("+PONG") || reply.starts_with("-NOAUTH");
}

}  // namespace

std::string RedisServer::Binary() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): tests read the environment before any thread starts.
  if (const char* binary = std::getenv("AMAIMA_REDIS_SERVER")) {
    return binary;
  }
  return "/usr/bin/redis-server";
}

bool RedisServer::Available() {
  return ::access(Binary().c_str(), X_OK) == 0;
}

bool RedisServer::Required() {
  const char* required = std::getenv("AMAIMA_REQUIRE_REDIS");  // NOLINT(concurrency-mt-unsafe)
  return required != nullptr && std::string_view(required) == "1";
}

RedisServer::RedisServer(std::vector<std::string> extra_args) : extra_args_(std::move(extra_args)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "amaima-redis-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  }
  dir_ = pattern;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    port_ = PickFreePort();
    if (Spawn()) {
      return;
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
  throw std::runtime_error("redis-server did not start (see its log in a temporary directory)");
}

RedisServer::~RedisServer() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::url() const {
  return "redis://127.0.0.1:" + std::to_string(port_);
}

bool RedisServer::Spawn() {
  std::vector<std::string> args = {Binary(), "--port",       std::to_string(port_),
                                   "--bind", "127.0.0.1",    "--save",
                                   "",       "--appendonly", "no",
                                   "--dir",  dir_,           "--daemonize",
                                   "no",     "--logfile",    dir_ + "/redis.log"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const std::string output = dir_ + "/redis.out";
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::system_error(spawned, std::generic_category(), "posix_spawn redis-server");
  }
  pid_ = pid;
  paused_ = false;

  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;  // It exited: most likely the port was taken meanwhile.
      return false;
    }
    if (Answers(port_)) {
      return true;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  Stop();
  throw std::runtime_error("redis-server did not answer PING within 10 s");
}

void RedisServer::Stop() {
  if (pid_ <= 0) {
    return;
  }
  if (paused_) {
    Resume();
  }
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  pid_ = -1;
}

void RedisServer::Restart() {
  Stop();
  if (!Spawn()) {
    throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_));
  }
}

void RedisServer::Pause() {
  if (pid_ > 0 && !paused_) {
    ::kill(pid_, SIGSTOP);
    paused_ = true;
  }
}

void RedisServer::Resume() {
  if (pid_ > 0 && paused_) {
    ::kill(pid_, SIGCONT);
    paused_ = false;
  }
}

RedisServer& SharedRedisServer() {
  // Function-local static: tests only. Destroyed (stopped) at exit.
  static RedisServer server;
  return server;
}

}  // namespace amaima::testing
