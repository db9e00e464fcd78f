#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "amaima/core/result.h"

namespace amaima::auth {

// Argon2id cost parameters (RFC 9106). The defaults are OWASP's recommended minimum
// (Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1). Tests use small values.
struct Argon2idParams {
  std::uint32_t memory_kib{19456};  // m: memory per hash, KiB; at least 8 * parallelism
  std::uint32_t iterations{2};      // t: passes over the memory; at least 1
  std::uint32_t parallelism{1};     // p: lanes (libargon2 runs one thread per lane)
  std::uint32_t salt_bytes{16};     // random salt per hash; at least 8
  std::uint32_t hash_bytes{32};     // tag length; at least 4
};

// Passwords longer than this are refused: Argon2 itself takes any length, but an
// unbounded input is a denial-of-service lever and no human types 1 KiB.
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// Verify() refuses stored hashes whose cost exceeds these ceilings instead of
// allocating and burning whatever a corrupt or planted row asks for.
inline constexpr std::uint32_t kMaxVerifyMemoryKib = 1U << 20;  // 1 GiB
inline constexpr std::uint32_t kMaxVerifyIterations = 64;
inline constexpr std::uint32_t kMaxVerifyParallelism = 64;

// Hashes and verifies passwords with Argon2id (libargon2), in the PHC string format
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" (salt and hash in unpadded standard
// base64). The string carries its own parameters, so hashes made with older parameters
// keep verifying; NeedsRehash() says when to replace one after a successful login.
//
// Hash() and Verify() are deliberately slow and memory-hungry (tens of milliseconds and
// memory_kib of RAM per call at the defaults). They block: callers on an I/O thread must
// run them on the blocking pool (RunBlocking, core/run_blocking.h); doing that is the
// caller's job, this class never schedules anything.
//
// @par Thread Safety
// Immutable after construction; all methods are const and thread-safe.
class PasswordHasher {
 public:
  // Returns a hasher for `params`, or kInvalidArgument (reason "CONFIG_INVALID") if a
  // parameter is below libargon2's minimum (see Argon2idParams).
  static Result<PasswordHasher> Create(const Argon2idParams& params);

  // Returns the PHC string of `password` under a fresh random salt. Fails with
  // kInvalidArgument, reason "VALIDATION_PASSWORD", if `password` is empty or longer than
  // kMaxPasswordBytes (the message says which; it never contains the password), and with
  // kInternal if libargon2 fails (e.g. cannot allocate memory_kib).
  Result<std::string> Hash(std::string_view password) const;

  // Returns whether `password` matches `encoded`, a PHC string from Hash() made with any
  // parameters. Returns false for a wrong password, for a password Hash() would refuse,
  // and for an `encoded` that is not a well-formed Argon2id v=19 string or exceeds the
  // kMaxVerify* ceilings. The final comparison is constant-time (libargon2).
  bool Verify(std::string_view password, std::string_view encoded) const;

  // Same as auth::NeedsRehash(encoded, params()).
  bool NeedsRehash(std::string_view encoded) const;

  const Argon2idParams& params() const { return params_; }

 private:
  explicit PasswordHasher(const Argon2idParams& params) : params_(params) {}

  Argon2idParams params_;
};

// Returns whether `encoded` should be replaced by a fresh hash under `params`: true when
// it is not an Argon2id v=19 PHC string, or its m, t, p, salt or hash length differ from
// `params`. Cheap (parses the string only). Call it after a successful Verify(), when the
// plain password is at hand.
bool NeedsRehash(std::string_view encoded, const Argon2idParams& params);

}  // namespace amaima::auth
