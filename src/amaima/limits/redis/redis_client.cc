#include "amaima/limits/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <ctime>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>

#include <openssl/evp.h>

#include "amaima/core/check.h"
#include "amaima/core/hashing.h"

namespace amaima::limits {
namespace {

constexpr std::string_view kUnavailableReason = "SYSTEM_UNAVAILABLE";
constexpr std::string_view kInternalReason = "SYSTEM_INTERNAL_ERROR";
constexpr std::uint16_t kDefaultPort = 6379;

// Error replies that say the server cannot serve us (now, or with this configuration) rather
// than that the command is wrong: the back end is unavailable.
constexpr std::array<std::string_view, 10> kUnavailableReplies = {
    "LOADING",     "BUSY", "MASTERDOWN", "READONLY",  "TRYAGAIN",
    "CLUSTERDOWN", "OOM",  "NOAUTH",     "WRONGPASS", "NOPERM"};

Error UrlError(std::string_view what) {
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
              "redis url: " + std::string(what));
}

// Decodes %XX escapes; nothing for a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const int high = HexDigitValue(text[i + 1]);
    const int low = HexDigitValue(text[i + 2]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// The number `text` holds in full, or nothing.
template <typename T>
std::optional<T> ParseWhole(std::string_view text) {
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

struct Credentials {
  std::string username{};
  std::string password{};
};

// "[user]:password", percent-decoded.
Result<Credentials> ParseUserinfo(std::string_view userinfo) {
  constexpr std::string_view kUserNeedsPassword =
      "a user name needs a password (redis://user:password@host)";
  const std::size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    return UrlError(kUserNeedsPassword);
  }
  std::optional<std::string> username = PercentDecode(userinfo.substr(0, colon));
  std::optional<std::string> password = PercentDecode(userinfo.substr(colon + 1));
  if (!username || !password) {
    return UrlError("the user name or password has a malformed %-escape");
  }
  if (password->empty() && !username->empty()) {
    return UrlError(kUserNeedsPassword);
  }
  return Credentials{std::move(*username), std::move(*password)};
}

struct HostPort {
  std::string host{};
  std::uint16_t port{kDefaultPort};
};

// "host", "host:port", "[v6]" or "[v6]:port".
Result<HostPort> ParseHostPort(std::string_view authority) {
  std::string_view host = authority;
  std::optional<std::string_view> port;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return UrlError("an IPv6 host lacks its closing ']'");
    }
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return UrlError("unexpected text after the host");
    }
    if (!after.empty()) {
      port = after.substr(1);
    }
  } else if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    return UrlError("the host is missing");
  }
  HostPort result{std::string(host), kDefaultPort};
  if (port) {
    const std::optional<int> number = ParseWhole<int>(*port);
    if (!number || *number < 1 || *number > std::numeric_limits<std::uint16_t>::max()) {
      return UrlError("the port must be a number from 1 to 65535");
    }
    result.port = static_cast<std::uint16_t>(*number);
  }
  return result;
}

timeval ToTimeval(std::chrono::milliseconds duration) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(duration.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((duration.count() % 1000) * 1000);
  return tv;
}

// Blocks SIGPIPE on the calling thread while it lives, and discards a SIGPIPE raised in the
// meantime (a write to a connection the server closed), unless one was pending before.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
  }

  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  SigpipeBlock(SigpipeBlock&&) = delete;
  SigpipeBlock& operator=(SigpipeBlock&&) = delete;

  ~SigpipeBlock() {
    const int saved_errno = errno;
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero{};
        while (sigtimedwait(&pipe_, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    errno = saved_errno;
  }

 private:
  sigset_t pipe_{};
  sigset_t previous_{};
  bool was_pending_{false};
};

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};

using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

RedisReply Convert(const redisReply& raw) {
  RedisReply reply;
  switch (raw.type) {
    case REDIS_REPLY_INTEGER:
      reply.type = RedisReply::Type::kInteger;
      reply.integer = raw.integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      reply.type =
          raw.type == REDIS_REPLY_STATUS ? RedisReply::Type::kStatus : RedisReply::Type::kString;
      reply.text.assign(raw.str, raw.len);
      break;
    case REDIS_REPLY_ARRAY:
      reply.type = RedisReply::Type::kArray;
      reply.elements.reserve(raw.elements);
      for (std::size_t i = 0; i < raw.elements; ++i) {
        reply.elements.push_back(Convert(*raw.element[i]));
      }
      break;
    default:
      reply.type = RedisReply::Type::kNil;
      break;
  }
  return reply;
}

bool IsTimeout(int error_number) {
  return error_number == EAGAIN || error_number == EWOULDBLOCK || error_number == ETIMEDOUT
         || error_number == EINPROGRESS;
}

}  // namespace

// One hiredis connection, used by one thread at a time.
class RedisClient::Connection {
 public:
  explicit Connection(redisContext* context) : context_(context) {}

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;

  ~Connection() { redisFree(context_); }

  redisContext* context() const { return context_; }

 private:
  redisContext* context_;
};

namespace {

// What the server answered to one command: a reply, or an error reply's text.
struct Exchanged {
  RedisReply reply{};
  bool is_error{false};
  std::string error{};
};

// Sends `argv` on `context` and reads the reply. Fails (kUnavailable) only when the
// connection is broken, which the caller must then drop; an error reply is a value.
Result<Exchanged> Exchange(redisContext* context, std::span<const std::string_view> argv,
                           const std::string& endpoint, std::chrono::milliseconds timeout) {
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
  pointers.reserve(argv.size());
  lengths.reserve(argv.size());
  for (std::string_view arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  void* raw = nullptr;
  int error_number = 0;
  {
    const SigpipeBlock block;
    errno = 0;
    raw = redisCommandArgv(context, static_cast<int>(argv.size()), pointers.data(), lengths.data());
    error_number = errno;
  }
  if (raw == nullptr) {
    std::string what;
    if (context->err == REDIS_ERR_EOF) {
      what = "the server closed the connection";
    } else if (context->err == REDIS_ERR_IO && IsTimeout(error_number)) {
      what = "no reply within " + std::to_string(timeout.count()) + " ms";
    } else {
      what = context->errstr;
    }
    return Fail(ErrorCode::kUnavailable, std::string(kUnavailableReason),
                "redis at " + endpoint + ": " + what);
  }
  const ReplyPtr reply(static_cast<redisReply*>(raw));
  Exchanged exchanged;
  exchanged.reply = Convert(*reply);
  if (reply->type == REDIS_REPLY_ERROR) {
    exchanged.is_error = true;
    exchanged.error = std::move(exchanged.reply.text);
    exchanged.reply = RedisReply{};
  }
  return exchanged;
}

}  // namespace

Result<RedisOptions> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.starts_with("rediss://")) {
    return UrlError("TLS (rediss://) is not supported");
  }
  if (!url.starts_with(kScheme)) {
    return UrlError("the scheme must be redis://");
  }
  const std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return UrlError("query strings and fragments are not supported");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);

  RedisOptions options;
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    Result<Credentials> credentials = ParseUserinfo(authority.substr(0, at));
    if (!credentials) {
      return credentials.error();
    }
    options.username = std::move(credentials->username);
    options.password = std::move(credentials->password);
    authority = authority.substr(at + 1);
  }
  Result<HostPort> host_port = ParseHostPort(authority);
  if (!host_port) {
    return host_port.error();
  }
  options.host = std::move(host_port->host);
  options.port = host_port->port;
  if (!path.empty()) {
    const std::optional<int> database = ParseWhole<int>(path);
    if (!database || *database < 0) {
      return UrlError("the database must be a number >= 0 (redis://host:port/0)");
    }
    options.database = *database;
  }
  return options;
}

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  const int ok =
      EVP_Digest(source_.data(), source_.size(), digest.data(), &length, EVP_sha1(), nullptr);
  AMAIMA_CHECK(ok == 1);
  sha1_ = ToHex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

RedisClient::RedisClient(RedisOptions options)
    : options_(std::move(options)),
      endpoint_(options_.host.find(':') == std::string::npos
                    ? options_.host + ":" + std::to_string(options_.port)
                    : "[" + options_.host + "]:" + std::to_string(options_.port)) {}

RedisClient::~RedisClient() = default;

Result<std::unique_ptr<RedisClient::Connection>> RedisClient::Open() {
  connects_.fetch_add(1, std::memory_order_relaxed);
  redisContext* raw = nullptr;
  int error_number = 0;
  {
    const SigpipeBlock block;
    errno = 0;
    raw = redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                  ToTimeval(options_.connect_timeout));
    error_number = errno;
  }
  if (raw == nullptr) {
    return Fail(ErrorCode::kUnavailable, std::string(kUnavailableReason),
                "redis at " + endpoint_ + ": cannot allocate a connection");
  }
  auto connection = std::make_unique<Connection>(raw);
  if (raw->err != 0) {
    const std::string what =
        raw->err == REDIS_ERR_IO && IsTimeout(error_number)
            ? "no connection within " + std::to_string(options_.connect_timeout.count()) + " ms"
            : std::string(raw->errstr);
    return Fail(ErrorCode::kUnavailable, std::string(kUnavailableReason),
                "redis at " + endpoint_ + ": cannot connect: " + what);
  }
  if (redisSetTimeout(raw, ToTimeval(options_.command_timeout)) != REDIS_OK) {
    return Fail(ErrorCode::kUnavailable, std::string(kUnavailableReason),
                "redis at " + endpoint_ + ": cannot set the command timeout");
  }
  // Keepalive only helps to notice dead peers sooner; a failure to set it is harmless.
  static_cast<void>(redisEnableKeepAlive(raw));

  const auto setup = [&](std::span<const std::string_view> argv, std::string_view what) -> Status {
    Result<Exchanged> answer = Exchange(raw, argv, endpoint_, options_.command_timeout);
    if (!answer) {
      return answer.error();
    }
    if (answer->is_error) {
      return Fail(
          ErrorCode::kUnavailable, std::string(kUnavailableReason),
          "redis at " + endpoint_ + ": " + std::string(what) + " failed: " + Scrub(answer->error));
    }
    return {};
  };
  if (!options_.password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!options_.username.empty()) {
      auth.emplace_back(options_.username);
    }
    auth.emplace_back(options_.password);
    if (Status status = setup(auth, "authentication"); !status) {
      return status.error();
    }
  }
  if (options_.database != 0) {
    const std::string database = std::to_string(options_.database);
    const std::array<std::string_view, 2> select = {"SELECT", database};
    if (Status status = setup(select, "SELECT " + database); !status) {
      return status.error();
    }
  }
  return connection;
}

Result<std::unique_ptr<RedisClient::Connection>> RedisClient::Take() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  return Open();
}

void RedisClient::GiveBack(std::unique_ptr<Connection> connection) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < options_.max_idle_connections) {
    idle_.push_back(std::move(connection));
  }
  // Otherwise `connection` closes here. Closing a socket does not block.
}

void RedisClient::DropIdle() {
  std::vector<std::unique_ptr<Connection>> dropped;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    dropped.swap(idle_);
  }
}

std::size_t RedisClient::idle_count() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return idle_.size();
}

Result<RedisClient::Answer> RedisClient::Run(std::span<const std::string_view> argv) {
  Result<std::unique_ptr<Connection>> connection = Take();
  if (!connection) {
    DropIdle();
    return connection.error();
  }
  Result<Exchanged> exchanged =
      Exchange((*connection)->context(), argv, endpoint_, options_.command_timeout);
  if (!exchanged) {
    // The connection is out of step or closed: drop it, and the idle ones with it.
    connection->reset();
    DropIdle();
    return exchanged.error();
  }
  GiveBack(std::move(*connection));
  return Answer{std::move(exchanged->reply), exchanged->is_error, std::move(exchanged->error)};
}

std::string RedisClient::Scrub(std::string_view text) const {
  std::string message(text);
  if (!options_.password.empty()) {
    // Defence in depth: no server message should echo the password, but never pass one on.
    for (std::size_t at = message.find(options_.password); at != std::string::npos;
         at = message.find(options_.password, at + 3)) {
      message.replace(at, options_.password.size(), "***");
    }
  }
  return message;
}

Error RedisClient::ReplyError(std::string_view text) const {
  const std::string message = Scrub(text);
  const std::string_view first_word = text.substr(0, text.find(' '));
  bool unavailable = false;
  for (std::string_view word : kUnavailableReplies) {
    unavailable = unavailable || first_word == word;
  }
  return Fail(unavailable ? ErrorCode::kUnavailable : ErrorCode::kInternal,
              std::string(unavailable ? kUnavailableReason : kInternalReason),
              "redis at " + endpoint_ + ": " + message);
}

Result<RedisReply> RedisClient::Command(std::initializer_list<std::string_view> args) {
  Result<Answer> answer = Run(std::span<const std::string_view>(args.begin(), args.size()));
  if (!answer) {
    return answer.error();
  }
  if (answer->is_error) {
    return ReplyError(answer->error);
  }
  return std::move(answer->reply);
}

Result<RedisReply> RedisClient::Command(std::span<const std::string> args) {
  const std::vector<std::string_view> argv(args.begin(), args.end());
  Result<Answer> answer = Run(argv);
  if (!answer) {
    return answer.error();
  }
  if (answer->is_error) {
    return ReplyError(answer->error);
  }
  return std::move(answer->reply);
}

Result<RedisReply> RedisClient::Eval(const RedisScript& script, std::span<const std::string> keys,
                                     std::span<const std::string> args) {
  const std::string key_count = std::to_string(keys.size());
  std::vector<std::string_view> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.emplace_back("EVALSHA");
  argv.emplace_back(script.sha1());
  argv.emplace_back(key_count);
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  Result<Answer> answer = Run(argv);
  if (answer && answer->is_error && answer->error.starts_with("NOSCRIPT")) {
    // The server has not seen the script (or restarted, or SCRIPT FLUSH): EVAL runs it and
    // caches it for the next EVALSHA.
    argv[0] = "EVAL";
    argv[1] = script.source();
    answer = Run(argv);
  }
  if (!answer) {
    return answer.error();
  }
  if (answer->is_error) {
    return ReplyError(answer->error);
  }
  return std::move(answer->reply);
}

Status RedisClient::Ping() {
  Result<RedisReply> reply = Command({"PING"});
  if (!reply) {
    return reply.error();
  }
  return {};
}

Result<double> RedisNumberAt(const RedisReply& reply, std::size_t index) {
  if (reply.type == RedisReply::Type::kArray && index < reply.elements.size()) {
    const RedisReply& element = reply.elements[index];
    if (element.type == RedisReply::Type::kInteger) {
      return static_cast<double>(element.integer);
    }
    if (element.type == RedisReply::Type::kString) {
      if (const std::optional<double> value = ParseWhole<double>(element.text)) {
        return *value;
      }
    }
  }
  return Fail(ErrorCode::kInternal, std::string(kInternalReason),
              "redis: a script reply lacks the number at index " + std::to_string(index));
}

Result<std::int64_t> RedisIntegerAt(const RedisReply& reply, std::size_t index) {
  if (reply.type == RedisReply::Type::kArray && index < reply.elements.size()) {
    const RedisReply& element = reply.elements[index];
    if (element.type == RedisReply::Type::kInteger) {
      return element.integer;
    }
    if (element.type == RedisReply::Type::kString) {
      if (const std::optional<std::int64_t> value = ParseWhole<std::int64_t>(element.text)) {
        return *value;
      }
    }
  }
  return Fail(ErrorCode::kInternal, std::string(kInternalReason),
              "redis: a script reply lacks the integer at index " + std::to_string(index));
}

std::string RedisNumberArg(double value) {
  std::array<char, 32> buffer{};
  const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  AMAIMA_CHECK(error == std::errc());
  return {buffer.data(), end};
}

}  // namespace amaima::limits
