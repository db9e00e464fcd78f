#pragma once

#include <boost/asio/awaitable.hpp>

namespace amaima::pipeline {

// The budget reservation of one admitted request, made by the budget stage before the request
// runs, settled exactly once: with the actual cost once the request has run (Settle or
// SettleDetached), or released when it is destroyed unsettled (the request ended before it
// ran: an error, a cancellation, a client that went away). Implemented by the budget stage
// (pipeline/stages/budget/); the terminal handler only settles it.
//
// @par Thread Safety
// Not thread-safe: owned by one request (its Exchange, then the stream executing it). What the
// settlement needs is copied out of the hold, so it may be destroyed while a settlement it
// started is still running.
class BudgetHold {
 public:
  BudgetHold() = default;
  BudgetHold(const BudgetHold&) = delete;
  BudgetHold& operator=(const BudgetHold&) = delete;
  BudgetHold(BudgetHold&&) = delete;
  BudgetHold& operator=(BudgetHold&&) = delete;
  // Releases the reservation when it was never settled.
  virtual ~BudgetHold() = default;

  // Charges `actual_usd` (what the execution cost; 0 when nothing was billed) in place of the
  // reservation, and reports the thresholds this crosses. Completes once settled; the ledger
  // and the reports run on the blocking pool. Only the first settlement counts.
  virtual boost::asio::awaitable<void> Settle(double actual_usd) = 0;

  // As Settle, without waiting for it: for destructors and cancelled coroutines, which cannot
  // co_await.
  virtual void SettleDetached(double actual_usd) = 0;
};

}  // namespace amaima::pipeline
