#include "amaima/auth/password_hasher.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace amaima::auth {
namespace {

// Small costs keep the tests fast; production uses the defaults.
constexpr Argon2idParams kSmall{
    .memory_kib = 256, .iterations = 1, .parallelism = 1, .salt_bytes = 16, .hash_bytes = 32};

PasswordHasher SmallHasher() {
  Result<PasswordHasher> hasher = PasswordHasher::Create(kSmall);
  EXPECT_TRUE(hasher.has_value());
  return *hasher;
}

TEST(PasswordHasherTest, DefaultsAreOwaspMinimum) {
  const Argon2idParams params;

  EXPECT_EQ(params.memory_kib, 19456U);
  EXPECT_EQ(params.iterations, 2U);
  EXPECT_EQ(params.parallelism, 1U);
  EXPECT_TRUE(PasswordHasher::Create(params).has_value());
}

TEST(PasswordHasherTest, HashIsAPhcStringWithAFreshSalt) {
  const PasswordHasher hasher = SmallHasher();

  Result<std::string> first = hasher.Hash("correct horse battery staple");
  Result<std::string> second = hasher.Hash("correct horse battery staple");

  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  const std::string prefix = "$argon2id$v=19$m=256,t=1,p=1$";
  EXPECT_EQ(first->substr(0, prefix.size()), prefix) << *first;
  // 16-byte salt and 32-byte hash in unpadded base64: 22 and 43 characters.
  EXPECT_EQ(first->size(), prefix.size() + 22 + 1 + 43) << *first;
  EXPECT_NE(*first, *second);
}

TEST(PasswordHasherTest, VerifiesTheRightPasswordOnly) {
  const PasswordHasher hasher = SmallHasher();
  Result<std::string> encoded = hasher.Hash("correct horse battery staple");
  ASSERT_TRUE(encoded.has_value());

  EXPECT_TRUE(hasher.Verify("correct horse battery staple", *encoded));
  EXPECT_FALSE(hasher.Verify("correct horse battery stapler", *encoded));
  EXPECT_FALSE(hasher.Verify("Correct horse battery staple", *encoded));
  EXPECT_FALSE(hasher.Verify("correct horse battery staple", *encoded + "x"));
}

TEST(PasswordHasherTest, VerifiesHashesMadeWithOtherParameters) {
  Result<PasswordHasher> old_hasher = PasswordHasher::Create(
      {.memory_kib = 128, .iterations = 2, .parallelism = 2, .salt_bytes = 8, .hash_bytes = 16});
  ASSERT_TRUE(old_hasher.has_value());
  Result<std::string> encoded = old_hasher->Hash("hunter2");
  ASSERT_TRUE(encoded.has_value());

  EXPECT_TRUE(SmallHasher().Verify("hunter2", *encoded));
}

TEST(PasswordHasherTest, VerifiesReferenceImplementationVectors) {
  // From the reference implementation's test suite (phc-winner-argon2 src/test.c):
  // password "password", salt "somesalt", version 0x13.
  const PasswordHasher hasher = SmallHasher();

  EXPECT_TRUE(hasher.Verify(
      "password",
      "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"));
  EXPECT_TRUE(hasher.Verify("password",
                            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
                            "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"));
  EXPECT_FALSE(hasher.Verify("passwort",
                             "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
                             "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"));
}

TEST(PasswordHasherTest, RejectsEmptyPasswords) {
  const PasswordHasher hasher = SmallHasher();

  Result<std::string> encoded = hasher.Hash("");

  ASSERT_FALSE(encoded.has_value());
  EXPECT_EQ(encoded.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(encoded.error().reason, "VALIDATION_PASSWORD");
  EXPECT_EQ(encoded.error().message, "password must not be empty");
}

TEST(PasswordHasherTest, RejectsPasswordsOver1024BytesWithoutEchoingThem) {
  const PasswordHasher hasher = SmallHasher();
  const std::string longest(kMaxPasswordBytes, 'p');
  const std::string too_long(kMaxPasswordBytes + 1, 'p');

  Result<std::string> accepted = hasher.Hash(longest);
  Result<std::string> refused = hasher.Hash(too_long);

  ASSERT_TRUE(accepted.has_value());
  EXPECT_TRUE(hasher.Verify(longest, *accepted));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().reason, "VALIDATION_PASSWORD");
  EXPECT_EQ(refused.error().message, "password is 1025 bytes; at most 1024 are allowed");
  EXPECT_FALSE(hasher.Verify(too_long, *accepted));
  EXPECT_FALSE(hasher.Verify("", *accepted));
}

TEST(PasswordHasherTest, VerifyRejectsEveryTruncation) {
  const PasswordHasher hasher = SmallHasher();
  Result<std::string> encoded = hasher.Hash("pw");
  ASSERT_TRUE(encoded.has_value());

  std::size_t accepted = 0;
  for (std::size_t size = 0; size < encoded->size(); ++size) {
    accepted += hasher.Verify("pw", encoded->substr(0, size)) ? 1 : 0;
  }

  EXPECT_EQ(accepted, 0U);
}

TEST(PasswordHasherTest, VerifyRejectsForeignEncodings) {
  const PasswordHasher hasher = SmallHasher();
  Result<std::string> encoded = hasher.Hash("pw");
  ASSERT_TRUE(encoded.has_value());
  // "$<salt>$<hash>", the part after the parameters.
  const std::string salt_and_hash = encoded->substr(encoded->rfind('$', encoded->rfind('$') - 1));

  EXPECT_TRUE(hasher.Verify("pw", "$argon2id$v=19$m=256,t=1,p=1" + salt_and_hash));
  EXPECT_FALSE(hasher.Verify("pw", "$argon2i$v=19$m=256,t=1,p=1" + salt_and_hash));
  EXPECT_FALSE(hasher.Verify("pw", "$argon2d$v=19$m=256,t=1,p=1" + salt_and_hash));
  EXPECT_FALSE(hasher.Verify("pw", "$argon2id$v=16$m=256,t=1,p=1" + salt_and_hash));
  EXPECT_FALSE(hasher.Verify("pw", "$argon2id$m=256,t=1,p=1" + salt_and_hash));
  EXPECT_FALSE(hasher.Verify("pw", "$argon2id$v=19$m=257,t=1,p=1" + salt_and_hash));
  EXPECT_FALSE(hasher.Verify("pw", *encoded + std::string(1, '\0')));
  EXPECT_FALSE(hasher.Verify("pw", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"));
  EXPECT_FALSE(hasher.Verify("pw", "not a hash"));
}

TEST(PasswordHasherTest, VerifyRefusesCostsAboveTheCeilings) {
  const PasswordHasher hasher = SmallHasher();
  const std::string tail = "$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";

  EXPECT_FALSE(hasher.Verify("password", "$argon2id$v=19$m=4294967295,t=2,p=1" + tail));
  EXPECT_FALSE(hasher.Verify("password", "$argon2id$v=19$m=256,t=1000000,p=1" + tail));
  EXPECT_FALSE(hasher.Verify("password", "$argon2id$v=19$m=256,t=2,p=100000" + tail));
}

TEST(PasswordHasherTest, NeedsRehashWhenParametersChange) {
  const PasswordHasher hasher = SmallHasher();
  Result<std::string> encoded = hasher.Hash("pw");
  ASSERT_TRUE(encoded.has_value());

  EXPECT_FALSE(hasher.NeedsRehash(*encoded));
  EXPECT_FALSE(NeedsRehash(*encoded, kSmall));
  Argon2idParams changed = kSmall;
  changed.memory_kib = 512;
  EXPECT_TRUE(NeedsRehash(*encoded, changed));
  changed = kSmall;
  changed.iterations = 2;
  EXPECT_TRUE(NeedsRehash(*encoded, changed));
  changed = kSmall;
  changed.parallelism = 2;
  EXPECT_TRUE(NeedsRehash(*encoded, changed));
  changed = kSmall;
  changed.salt_bytes = 32;
  EXPECT_TRUE(NeedsRehash(*encoded, changed));
  changed = kSmall;
  changed.hash_bytes = 16;
  EXPECT_TRUE(NeedsRehash(*encoded, changed));
  EXPECT_TRUE(NeedsRehash(*encoded, Argon2idParams{}));
  EXPECT_TRUE(NeedsRehash("", kSmall));
  EXPECT_TRUE(NeedsRehash("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", kSmall));
}

TEST(PasswordHasherTest, CreateRejectsParametersBelowTheMinimum) {
  const std::vector<Argon2idParams> cases = {
      {.memory_kib = 7, .iterations = 1, .parallelism = 1},
      {.memory_kib = 15, .iterations = 1, .parallelism = 2},
      {.memory_kib = 256, .iterations = 0, .parallelism = 1},
      {.memory_kib = 256, .iterations = 1, .parallelism = 0},
      {.memory_kib = 256, .iterations = 1, .parallelism = 1, .salt_bytes = 7},
      {.memory_kib = 256, .iterations = 1, .parallelism = 1, .hash_bytes = 3},
  };

  for (const Argon2idParams& params : cases) {
    Result<PasswordHasher> hasher = PasswordHasher::Create(params);

    ASSERT_FALSE(hasher.has_value());
    EXPECT_EQ(hasher.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(hasher.error().reason, "CONFIG_INVALID");
  }
}

}  // namespace
}  // namespace amaima::auth
