#include "amaima/auth/password_hasher.h"

#include <argon2.h>

#include <charconv>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "amaima/core/hashing.h"

namespace amaima::auth {
namespace {

constexpr std::string_view kPrefix = "$argon2id$v=19$";

// The parts of an Argon2id PHC string that decide its cost and shape.
struct PhcArgon2id {
  std::uint32_t memory_kib{0};
  std::uint32_t iterations{0};
  std::uint32_t parallelism{0};
  std::size_t salt_bytes{0};
  std::size_t hash_bytes{0};
};

// Consumes "<name>=<decimal>" from the front of `text`.
std::optional<std::uint32_t> TakeParameter(std::string_view& text, std::string_view name) {
  if (text.substr(0, name.size() + 1) != std::string(name) + "=") {
    return std::nullopt;
  }
  text.remove_prefix(name.size() + 1);
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) {
    return std::nullopt;
  }
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

// Returns the byte length of an unpadded base64 field, or nullopt if it cannot be one.
std::optional<std::size_t> DecodedLength(std::string_view field) {
  if (field.empty() || field.size() % 4 == 1) {
    return std::nullopt;
  }
  return field.size() * 3 / 4;
}

// Parses "$argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<hash>". The base64 alphabet itself is
// checked by libargon2 when verifying; here only the shape and the numbers matter.
std::optional<PhcArgon2id> ParsePhc(std::string_view encoded) {
  if (encoded.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  std::string_view rest = encoded.substr(kPrefix.size());
  PhcArgon2id phc;
  const std::optional<std::uint32_t> m = TakeParameter(rest, "m");
  if (!m || rest.substr(0, 1) != ",") {
    return std::nullopt;
  }
  rest.remove_prefix(1);
  const std::optional<std::uint32_t> t = TakeParameter(rest, "t");
  if (!t || rest.substr(0, 1) != ",") {
    return std::nullopt;
  }
  rest.remove_prefix(1);
  const std::optional<std::uint32_t> p = TakeParameter(rest, "p");
  if (!p || rest.substr(0, 1) != "$") {
    return std::nullopt;
  }
  rest.remove_prefix(1);
  const std::size_t dollar = rest.find('$');
  if (dollar == std::string_view::npos) {
    return std::nullopt;
  }
  const std::optional<std::size_t> salt = DecodedLength(rest.substr(0, dollar));
  const std::optional<std::size_t> hash = DecodedLength(rest.substr(dollar + 1));
  if (!salt || !hash) {
    return std::nullopt;
  }
  phc.memory_kib = *m;
  phc.iterations = *t;
  phc.parallelism = *p;
  phc.salt_bytes = *salt;
  phc.hash_bytes = *hash;
  return phc;
}

Status CheckPassword(std::string_view password) {
  if (password.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_PASSWORD", "password must not be empty")
        .With("field", "password");
  }
  if (password.size() > kMaxPasswordBytes) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_PASSWORD",
                "password is " + std::to_string(password.size()) + " bytes; at most "
                    + std::to_string(kMaxPasswordBytes) + " are allowed")
        .With("field", "password");
  }
  return {};
}

Error InvalidParameter(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "CONFIG_INVALID",
              "invalid Argon2id parameters: " + std::move(message));
}

}  // namespace

Result<PasswordHasher> PasswordHasher::Create(const Argon2idParams& params) {
  if (params.parallelism < ARGON2_MIN_LANES || params.parallelism > kMaxVerifyParallelism) {
    return InvalidParameter("parallelism is " + std::to_string(params.parallelism)
                            + "; it must be between 1 and "
                            + std::to_string(kMaxVerifyParallelism));
  }
  // libargon2 needs two blocks per lane and sync point: 8 KiB per lane.
  const std::uint64_t min_memory = std::uint64_t{8} * params.parallelism;
  if (params.memory_kib < min_memory || params.memory_kib > kMaxVerifyMemoryKib) {
    return InvalidParameter("memory_kib is " + std::to_string(params.memory_kib)
                            + "; it must be between 8 * parallelism (" + std::to_string(min_memory)
                            + ") and " + std::to_string(kMaxVerifyMemoryKib));
  }
  if (params.iterations < ARGON2_MIN_TIME || params.iterations > kMaxVerifyIterations) {
    return InvalidParameter("iterations is " + std::to_string(params.iterations)
                            + "; it must be between 1 and " + std::to_string(kMaxVerifyIterations));
  }
  if (params.salt_bytes < ARGON2_MIN_SALT_LENGTH || params.salt_bytes > 1024) {
    return InvalidParameter("salt_bytes is " + std::to_string(params.salt_bytes)
                            + "; it must be between 8 and 1024");
  }
  if (params.hash_bytes < ARGON2_MIN_OUTLEN || params.hash_bytes > 1024) {
    return InvalidParameter("hash_bytes is " + std::to_string(params.hash_bytes)
                            + "; it must be between 4 and 1024");
  }
  return PasswordHasher(params);
}

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  if (Status valid = CheckPassword(password); !valid) {
    return valid.error();
  }
  const std::string salt = RandomBytes(params_.salt_bytes);
  // argon2_encodedlen counts the terminating NUL, which libargon2 writes.
  std::string encoded(argon2_encodedlen(params_.iterations, params_.memory_kib, params_.parallelism,
                                        params_.salt_bytes, params_.hash_bytes, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(params_.iterations, params_.memory_kib, params_.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       params_.hash_bytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Fail(ErrorCode::kInternal,
                std::string("argon2id_hash_encoded failed: ") + argon2_error_message(rc));
  }
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool PasswordHasher::Verify(std::string_view password, std::string_view encoded) const {
  if (!CheckPassword(password)) {
    return false;
  }
  const std::optional<PhcArgon2id> phc = ParsePhc(encoded);
  if (!phc || phc->memory_kib > kMaxVerifyMemoryKib || phc->iterations > kMaxVerifyIterations
      || phc->parallelism > kMaxVerifyParallelism) {
    return false;
  }
  // libargon2 wants a NUL-terminated string; an embedded NUL would silently truncate it.
  if (encoded.find('\0') != std::string_view::npos) {
    return false;
  }
  const std::string terminated(encoded);
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool PasswordHasher::NeedsRehash(std::string_view encoded) const {
  return auth::NeedsRehash(encoded, params_);
}

bool NeedsRehash(std::string_view encoded, const Argon2idParams& params) {
  const std::optional<PhcArgon2id> phc = ParsePhc(encoded);
  return !phc || phc->memory_kib != params.memory_kib || phc->iterations != params.iterations
         || phc->parallelism != params.parallelism || phc->salt_bytes != params.salt_bytes
         || phc->hash_bytes != params.hash_bytes;
}

}  // namespace amaima::auth
