#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace amaima::routing {

// What the security scanner found in a query. `categories` holds, in this order and
// without duplicates, those of "code_generation", "system_command", "database_operation",
// "secrets" and "pii" that matched; `sensitive` is true when any did.
struct SecurityAssessment {
  bool sensitive{false};
  std::vector<std::string> categories{};
};

// Flags queries that ask for code, shell commands or database operations, or that carry
// secrets (API keys, private keys, password assignments) or personal data (e-mail
// addresses, phone, credit-card, social-security and IBAN numbers, IPv4 addresses).
//
// Plain string scanning with small hand-written matchers: no regular expressions, linear
// in the input, deterministic. It is a routing signal (send sensitive queries to a
// trusted model, log the category), not a data-loss-prevention system: it favours
// precision on ordinary queries and misses secrets with no recognisable shape.
//
// @par Thread Safety
// Stateless; safe to call from any thread.
SecurityAssessment ScanSecurity(std::string_view text);

}  // namespace amaima::routing
