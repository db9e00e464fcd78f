#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "test/support/fake_provider/fake_provider.h"
#include "test/support/fake_provider/fake_responder.h"

namespace amaima::testing {

// How far the response to one request got.
struct WriteProgress {
  RequestState state{RequestState::kInFlight};  // kInFlight: cut short by Stop().
  int status{0};                                // 0 until the head is written.
  int chunks{0};                                // Body chunks written.
};

// Writes `plan` on `socket`, acting out its faults (delays, resets, hangs) and
// recording in `progress` how far it got. While the plan waits, it also reads from
// the client, so that a client that goes away is noticed (kClientDisconnected) even
// when nothing is being written; bytes of a next request read meanwhile are kept
// in `buffer`. A client that half-closes its side counts as gone.
//
// Borrows every argument: the session co_awaits it. Runs on the socket's strand.
boost::asio::awaitable<void> SendResponse(boost::asio::ip::tcp::socket& socket,
                                          boost::beast::flat_buffer& buffer,
                                          const ResponsePlan& plan, WriteProgress& progress);

}  // namespace amaima::testing
