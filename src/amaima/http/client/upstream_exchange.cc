#include "amaima/http/client/upstream_exchange.h"

#include <utility>

#include "amaima/http/client/upstream_errors.h"

namespace amaima::http {

namespace net = boost::asio;

namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace

UpstreamExchange::UpstreamExchange(std::unique_ptr<UpstreamConnection> connection,
                                   ConnectionPool& pool, PoolKey key, const Deadlines& deadlines,
                                   bool close_after)
    : connection_(std::move(connection)),
      pool_(pool),
      key_(std::move(key)),
      deadlines_(deadlines),
      close_after_(close_after) {
  const auto& response = connection_->response();
  status_ = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    headers_.emplace_back(Lower(field.name_string()), std::string(field.value()));
  }
  if (connection_->body_done()) {
    Finish();  // HEAD, 204, 304: no body follows.
  }
}

UpstreamExchange::~UpstreamExchange() {
  if (connection_) {
    connection_->Close();  // The body was not read to the end: the connection cannot be reused.
  }
}

void UpstreamExchange::Finish() {
  finished_ = true;
  if (!close_after_ && connection_->CanReuse()) {
    connection_->ResetForReuse();
    pool_.Release(key_, std::move(connection_));
    return;
  }
  connection_->Close();
  connection_.reset();
}

Error UpstreamExchange::Abort(Error error) {
  if (connection_) {
    connection_->Close();
    connection_.reset();
  }
  failure_ = error;
  return error;
}

net::awaitable<Result<std::optional<std::string>>> UpstreamExchange::Next() {
  if (failure_) {
    co_return *failure_;
  }
  if (finished_) {
    co_return std::optional<std::string>();
  }
  Result<std::size_t> received =
      co_await connection_->ReadBody(piece_.data(), piece_.size(), deadlines_);
  if (!received) {
    co_return Abort(received.error());
  }
  if (*received == 0) {
    Finish();
    co_return std::optional<std::string>();
  }
  std::optional<std::string> piece(std::in_place, piece_.data(), *received);
  if (connection_->body_done()) {
    Finish();  // Give the connection back now: the caller may never ask again.
  }
  co_return piece;
}

net::awaitable<Status> UpstreamExchange::ReadAll(std::string& body, std::size_t max_bytes) {
  while (!done()) {
    Result<std::size_t> received =
        co_await connection_->ReadBody(piece_.data(), piece_.size(), deadlines_);
    if (!received) {
      co_return Abort(received.error());
    }
    if (*received == 0) {
      Finish();
      break;
    }
    if (body.size() + *received > max_bytes) {
      co_return Abort(
          Fail(ErrorCode::kResourceExhausted, std::string(kUpstreamResponseTooLarge),
               "the upstream response body exceeds " + std::to_string(max_bytes) + " bytes"));
    }
    body.append(piece_.data(), *received);
  }
  if (failure_) {
    co_return *failure_;
  }
  co_return Status{};
}

}  // namespace amaima::http
