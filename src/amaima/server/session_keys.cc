#include "amaima/server/session_keys.h"

#include <fstream>
#include <sstream>
#include <string>

#include "amaima/server/query_hash_key.h"

namespace amaima::server {
namespace {

Result<std::string> ReadPem(const std::string& path, std::string_view key) {
  std::ifstream in(path);
  if (!in) {
    return Fail(ErrorCode::kFailedPrecondition, "CONFIG_INVALID",
                "auth." + std::string(key) + ": cannot read " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Error Invalid(std::string_view key, const Error& error) {
  return Fail(ErrorCode::kFailedPrecondition, "CONFIG_INVALID",
              "auth." + std::string(key) + ": " + error.message);
}

}  // namespace

Result<governance::SessionKeys> LoadSessionKeys(const config::Config& config) {
  const config::AuthConfig& auth = config.auth;
  if (auth.jwt_algorithm == "RS256") {
    const bool signs = !auth.jwt_private_key_file.empty();
    const std::string& file = signs ? auth.jwt_private_key_file : auth.jwt_public_key_file;
    const std::string_view key = signs ? "jwt_private_key_file" : "jwt_public_key_file";
    if (file.empty()) {
      return Fail(ErrorCode::kFailedPrecondition, "CONFIG_INVALID",
                  "auth.jwt_algorithm is RS256 but neither auth.jwt_private_key_file nor "
                  "auth.jwt_public_key_file is set");
    }
    Result<std::string> pem = ReadPem(file, key);
    if (!pem) {
      return pem.error();
    }
    Result<auth::JwtKey> parsed =
        signs ? auth::JwtKey::Rs256PrivateKey(*pem) : auth::JwtKey::Rs256PublicKey(*pem);
    if (!parsed) {
      return Invalid(key, parsed.error());
    }
    governance::SessionKeys keys{std::nullopt, *parsed};
    if (signs) {
      Result<auth::JwtSigner> signer = auth::JwtSigner::Create(*parsed);
      if (!signer) {
        return Invalid(key, signer.error());
      }
      keys.signer = std::move(*signer);
    }
    return keys;
  }
  std::string secret = auth.jwt_secret;
  if (secret.empty()) {
    Result<std::string> kept = LoadDataDirKey(config, "jwt_hs256.key", true);
    if (!kept) {
      return kept.error();
    }
    secret = std::move(*kept);
  }
  Result<auth::JwtKey> key = auth::JwtKey::Hs256(secret);
  if (!key) {
    return Invalid("jwt_secret", key.error());
  }
  Result<auth::JwtSigner> signer = auth::JwtSigner::Create(*key);
  if (!signer) {
    return Invalid("jwt_secret", signer.error());
  }
  return governance::SessionKeys{std::move(*signer), *key};
}

}  // namespace amaima::server
