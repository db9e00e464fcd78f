#include "test/support/postgres_server.h"

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>
#include <vector>

#include <libpq-fe.h>

namespace amaima::testing {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSuperuser = "amaima";
constexpr auto kReadyTimeout = std::chrono::seconds(60);  // Sanitizer builds start slowly.
constexpr auto kReadyPoll = std::chrono::milliseconds(10);
constexpr int kPortTries = 5;
// What CreateSchema() appends to a database URL, before the schema's name.
constexpr std::string_view kSchemaOption = "?options=-csearch_path%3D";

// strerror() is not thread-safe; this is.
std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// Whom initdb and postgres run as: ourselves, or the `postgres` user when we are root.
struct Identity {
  bool switch_user{false};
  uid_t uid{0};
  gid_t gid{0};
};

Result<Identity> ServerIdentity() {
  if (::geteuid() != 0) {
    return Identity{};
  }
  std::array<char, 4096> buffer{};
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwnam_r("postgres", &entry, buffer.data(), buffer.size(), &found) != 0
      || found == nullptr) {
    return Fail(ErrorCode::kFailedPrecondition,
                "tests run as root, and PostgreSQL refuses to: create a 'postgres' user (the "
                "Debian package does) or run the tests as another user");
  }
  return Identity{true, found->pw_uid, found->pw_gid};
}

bool HasServerBinaries(const fs::path& dir) {
  std::error_code ignored;
  return fs::is_regular_file(dir / "initdb", ignored)
         && fs::is_regular_file(dir / "postgres", ignored);
}

std::string CommandOutput(const char* command) {
  std::string out;
  FILE* pipe = ::popen(command, "r");
  if (pipe == nullptr) {
    return out;
  }
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) {
    out += buffer.data();
  }
  ::pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

// $AMAIMA_PG_BINDIR, `pg_config --bindir`, or the newest /usr/lib/postgresql/<version>/bin.
Result<fs::path> FindBinDir() {
  if (const char* configured = std::getenv("AMAIMA_PG_BINDIR");  // NOLINT(concurrency-mt-unsafe)
      configured != nullptr && *configured != '\0') {
    if (HasServerBinaries(configured)) {
      return fs::path(configured);
    }
    return Fail(ErrorCode::kNotFound,
                std::string("AMAIMA_PG_BINDIR=") + configured + " has no initdb and postgres");
  }
  const fs::path from_pg_config = CommandOutput("pg_config --bindir 2>/dev/null");
  if (!from_pg_config.empty() && HasServerBinaries(from_pg_config)) {
    return from_pg_config;
  }
  std::optional<fs::path> newest;
  int newest_version = -1;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
    const int version = std::atoi(entry.path().filename().c_str());
    if (version > newest_version && HasServerBinaries(entry.path() / "bin")) {
      newest_version = version;
      newest = entry.path() / "bin";
    }
  }
  if (newest.has_value()) {
    return *newest;
  }
  return Fail(ErrorCode::kNotFound,
              "PostgreSQL's server binaries (initdb, postgres) are not installed: install the "
              "'postgresql' package or set AMAIMA_PG_BINDIR");
}

Result<int> FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const int socket_errno = errno;
    return Fail(ErrorCode::kUnavailable, "socket: " + ErrnoText(socket_errno));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API.
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0
                     && ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
  const int bind_errno = errno;
  ::close(fd);
  if (!bound) {
    return Fail(ErrorCode::kUnavailable, "bind: " + ErrnoText(bind_errno));
  }
  return static_cast<int>(ntohs(address.sin_port));
}

std::string Tail(const fs::path& file) {
  constexpr std::size_t kTailBytes = 2000;
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  return all.size() > kTailBytes ? all.substr(all.size() - kTailBytes) : all;
}

// Starts `argv` as `identity` with stdout and stderr appended to `log`, in `dir`. With
// `die_with_parent`, the child gets SIGINT (a fast shutdown for postgres) when this thread
// exits, so that a crashed test does not leave a server behind.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const fs::path& log, const fs::path& dir,
                    const Identity& identity, bool die_with_parent) {
  // Everything the child needs is prepared before fork(): after it, only async-signal-safe
  // calls.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));  // NOLINT: execv's signature.
  }
  args.push_back(nullptr);
  const int log_fd =
      ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, S_IRUSR | S_IWUSR | S_IRGRP);
  if (log_fd < 0) {
    const int open_errno = errno;
    return Fail(ErrorCode::kInternal, "cannot open " + log.string() + ": " + ErrnoText(open_errno));
  }
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    const int open_errno = errno;
    ::close(log_fd);
    return Fail(ErrorCode::kInternal, "cannot open /dev/null: " + ErrnoText(open_errno));
  }
  const std::string dir_text = dir.string();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    if (identity.switch_user
        && (::setgroups(1, &identity.gid) != 0 || ::setgid(identity.gid) != 0
            || ::setuid(identity.uid) != 0)) {
      ::_exit(126);
    }
    // After setuid(), which clears the parent-death signal.
    if (die_with_parent && (::prctl(PR_SET_PDEATHSIG, SIGINT) != 0 || ::getppid() != parent)) {
      ::_exit(125);
    }
    if (::chdir(dir_text.c_str()) != 0) {
      ::_exit(124);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    return Fail(ErrorCode::kInternal, "fork: " + ErrnoText(fork_errno));
  }
  return pid;
}

// Waits for `pid`; returns its exit code (128 + signal when killed).
int WaitExit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return -1;
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct ConnFinish {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};

struct ResultClear {
  void operator()(PGresult* result) const { PQclear(result); }
};

using Connection = std::unique_ptr<PGconn, ConnFinish>;
using QueryResult = std::unique_ptr<PGresult, ResultClear>;

std::string Conninfo(int port, std::string_view database) {
  return "host=127.0.0.1 port=" + std::to_string(port) + " user=" + std::string(kSuperuser)
         + " dbname=" + std::string(database) + " connect_timeout=10";
}

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

bool IsPlainName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  Result<fs::path> bin = FindBinDir();
  if (!bin) {
    return bin.error();
  }
  Result<Identity> identity = ServerIdentity();
  if (!identity) {
    return identity.error();
  }
  std::string pattern = (fs::temp_directory_path() / "amaima-pg-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    const int mkdtemp_errno = errno;
    return Fail(ErrorCode::kInternal, "mkdtemp: " + ErrnoText(mkdtemp_errno));
  }
  const fs::path dir = pattern;
  // From here on, the directory goes when the server object goes; until then, by hand.
  const auto fail = [&dir](Error error) {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    return error;
  };
  if (identity->switch_user && ::chown(dir.c_str(), identity->uid, identity->gid) != 0) {
    const int chown_errno = errno;
    return fail(
        Fail(ErrorCode::kInternal, "chown " + dir.string() + ": " + ErrnoText(chown_errno)));
  }

  const fs::path data = dir / "data";
  const std::vector<std::string> initdb = {(*bin / "initdb").string(),
                                           "-D",
                                           data.string(),
                                           "-A",
                                           "trust",
                                           "-U",
                                           std::string(kSuperuser),
                                           "--no-sync",
                                           "-E",
                                           "UTF8",
                                           "--no-locale",
                                           "--no-instructions"};
  Result<pid_t> initdb_pid = Spawn(initdb, dir / "initdb.log", dir, *identity, false);
  if (!initdb_pid) {
    return fail(initdb_pid.error());
  }
  if (const int code = WaitExit(*initdb_pid); code != 0) {
    return fail(Fail(ErrorCode::kInternal, "initdb failed (exit " + std::to_string(code)
                                               + "): " + Tail(dir / "initdb.log")));
  }

  std::string last_log;
  for (int attempt = 0; attempt < kPortTries; ++attempt) {
    Result<int> port = FreeLoopbackPort();
    if (!port) {
      return fail(port.error());
    }
    const std::vector<std::string> postgres = {(*bin / "postgres").string(),
                                               "-D",
                                               data.string(),
                                               "-k",
                                               dir.string(),
                                               "-p",
                                               std::to_string(*port),
                                               "-c",
                                               "listen_addresses=127.0.0.1",
                                               "-c",
                                               "fsync=off",
                                               "-c",
                                               "synchronous_commit=off",
                                               "-c",
                                               "full_page_writes=off",
                                               "-c",
                                               "max_connections=200"};
    const fs::path log = dir / ("server-" + std::to_string(attempt) + ".log");
    Result<pid_t> pid = Spawn(postgres, log, dir, *identity, true);
    if (!pid) {
      return fail(pid.error());
    }
    const std::string conninfo = Conninfo(*port, "postgres");
    const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (PQping(conninfo.c_str()) == PQPING_OK) {
        return std::unique_ptr<PostgresServer>(new PostgresServer(dir.string(), *pid, *port));
      }
      int status = 0;
      if (::waitpid(*pid, &status, WNOHANG) == *pid) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(kReadyPoll);  // Polling for readiness, not timing a test.
    }
    last_log = Tail(log);
    if (!exited) {
      ::kill(*pid, SIGQUIT);
      WaitExit(*pid);
      return fail(Fail(ErrorCode::kUnavailable,
                       "postgres did not accept connections within 60 s: " + last_log));
    }
    // Someone took the port between our probe and the server's bind: try another one.
    if (last_log.find("could not bind") == std::string::npos
        && last_log.find("could not create any TCP/IP sockets") == std::string::npos) {
      break;
    }
  }
  return fail(Fail(ErrorCode::kUnavailable, "postgres failed to start: " + last_log));
}

PostgresServer::~PostgresServer() {
  ::kill(pid_, SIGINT);  // Fast shutdown: ends the sessions, no checkpoint wait worth noting.
  WaitExit(pid_);
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string PostgresServer::Url(std::string_view database) const {
  return "postgres://" + std::string(kSuperuser) + "@127.0.0.1:" + std::to_string(port_) + "/"
         + std::string(database);
}

Result<std::string> PostgresServer::CreateSchema() {
  const std::string name = "test_" + std::to_string(++names_);
  Status created = Exec(Url("postgres"), "CREATE SCHEMA " + name);
  if (!created) {
    return created.error();
  }
  return Url("postgres") + std::string(kSchemaOption) + name;
}

Result<std::string> PostgresServer::CreateDatabase() {
  const std::string name = "test_" + std::to_string(++names_);
  Status created = Exec(Url("postgres"), "CREATE DATABASE " + name);
  if (!created) {
    return created.error();
  }
  return Url(name);
}

Status PostgresServer::Drop(std::string_view url) {
  const std::string prefix = Url("");
  if (!url.starts_with(prefix)) {
    return Fail(ErrorCode::kInvalidArgument, "not a URL of this server: " + std::string(url));
  }
  std::string_view rest = url.substr(prefix.size());
  const std::size_t option = rest.find(kSchemaOption);
  if (option != std::string_view::npos) {
    const std::string_view schema = rest.substr(option + kSchemaOption.size());
    if (!IsPlainName(schema)) {
      return Fail(ErrorCode::kInvalidArgument, "not a schema made here: " + std::string(url));
    }
    return Exec(Url(rest.substr(0, option)),
                "DROP SCHEMA IF EXISTS " + std::string(schema) + " CASCADE");
  }
  if (!IsPlainName(rest)) {
    return Fail(ErrorCode::kInvalidArgument, "not a database made here: " + std::string(url));
  }
  return Exec(Url("postgres"), "DROP DATABASE IF EXISTS " + std::string(rest) + " WITH (FORCE)");
}

Status PostgresServer::Exec(std::string_view url, std::string_view sql) {
  Result<std::string> ignored = QueryValue(url, sql);
  if (!ignored) {
    return ignored.error();
  }
  return {};
}

Result<std::string> PostgresServer::QueryValue(std::string_view url, std::string_view sql) {
  const Connection conn(PQconnectdb(std::string(url).c_str()));
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    return Fail(ErrorCode::kUnavailable,
                "cannot connect to the test server: "
                    + std::string(conn == nullptr ? "out of memory" : PQerrorMessage(conn.get())));
  }
  PQsetNoticeProcessor(conn.get(), IgnoreNotice, nullptr);
  const QueryResult result(PQexec(conn.get(), std::string(sql).c_str()));
  const ExecStatusType status =
      result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Fail(ErrorCode::kInternal, std::string(sql) + ": " + PQerrorMessage(conn.get()));
  }
  if (status == PGRES_TUPLES_OK && PQntuples(result.get()) > 0 && PQnfields(result.get()) > 0) {
    return std::string(PQgetvalue(result.get(), 0, 0));
  }
  return std::string();
}

Result<PostgresServer*> SharedPostgresServer() {
  // Started by the first test that needs it, stopped at exit (function-local static: tests
  // only).
  static const Result<std::unique_ptr<PostgresServer>> server = PostgresServer::Start();
  if (!server) {
    return server.error();
  }
  return server->get();
}

bool PostgresRequired() {
  const char* value = std::getenv("AMAIMA_REQUIRE_POSTGRES");  // NOLINT(concurrency-mt-unsafe)
  return value != nullptr && std::string_view(value) == "1";
}

}  // namespace amaima::testing
