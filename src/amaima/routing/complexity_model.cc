#include "amaima/routing/complexity_model.h"

#include <bit>
#include <cstring>

#include "amaima/core/hashing.h"

namespace amaima::routing {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the weights file is little-endian; add byte swapping for this target");

constexpr std::string_view kMagic = "AMRC";

void PutU32(std::string& out, std::uint32_t value) {
  char bytes[sizeof(value)];
  std::memcpy(bytes, &value, sizeof(value));
  out.append(bytes, sizeof(value));
}

void PutU64(std::string& out, std::uint64_t value) {
  char bytes[sizeof(value)];
  std::memcpy(bytes, &value, sizeof(value));
  out.append(bytes, sizeof(value));
}

std::uint32_t GetU32(std::string_view bytes, std::size_t offset) {
  std::uint32_t value = 0;
  std::memcpy(&value, bytes.data() + offset, sizeof(value));
  return value;
}

std::uint64_t GetU64(std::string_view bytes, std::size_t offset) {
  std::uint64_t value = 0;
  std::memcpy(&value, bytes.data() + offset, sizeof(value));
  return value;
}

std::string Payload(const ModelWeights& model) {
  std::string payload;
  payload.resize((model.bias.size() + model.weights.size()) * sizeof(float));
  std::memcpy(payload.data(), model.bias.data(), model.bias.size() * sizeof(float));
  std::memcpy(payload.data() + model.bias.size() * sizeof(float), model.weights.data(),
              model.weights.size() * sizeof(float));
  return payload;
}

Error Invalid(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "complexity weights: " + std::move(message));
}

}  // namespace

ModelWeights MakeEmptyModel(const NgramConfig& ngrams, std::uint32_t hash_bits) {
  ModelWeights model;
  model.ngrams = ngrams;
  model.hash_bits = hash_bits;
  model.weights.assign(model.InputCount() * kLevelCount, 0.0F);
  return model;
}

std::string SerializeModel(const ModelWeights& model) {
  const std::string payload = Payload(model);
  const Sha256Digest digest = Sha256(payload);
  std::string out(kMagic);
  PutU32(out, kModelFormatVersion);
  PutU32(out, kFeatureSetVersion);
  PutU32(out, kFeatureCount);
  PutU32(out, kLevelCount);
  PutU32(out, model.hash_bits);
  PutU32(out, model.ngrams.word_bigrams ? 1 : 0);
  PutU32(out, model.ngrams.char_ngram_min);
  PutU32(out, model.ngrams.char_ngram_max);
  PutU32(out, 0);
  PutU64(out, payload.size());
  out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  out += payload;
  return out;
}

Result<ModelWeights> ParseModel(std::string_view bytes) {
  if (bytes.size() < kModelHeaderBytes) {
    return Invalid("truncated header (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (bytes.substr(0, 4) != kMagic) {
    return Invalid("bad magic, not an AMRC weights file");
  }
  if (const std::uint32_t version = GetU32(bytes, 4); version != kModelFormatVersion) {
    return Invalid("unknown format version " + std::to_string(version));
  }
  if (const std::uint32_t version = GetU32(bytes, 8); version != kFeatureSetVersion) {
    return Invalid("feature set version " + std::to_string(version) + ", this build has "
                   + std::to_string(kFeatureSetVersion));
  }
  if (GetU32(bytes, 12) != kFeatureCount || GetU32(bytes, 16) != kLevelCount) {
    return Invalid("feature or class count does not match this build");
  }
  ModelWeights model;
  model.hash_bits = GetU32(bytes, 20);
  model.ngrams.word_bigrams = GetU32(bytes, 24) != 0;
  model.ngrams.char_ngram_min = GetU32(bytes, 28);
  model.ngrams.char_ngram_max = GetU32(bytes, 32);
  if (model.hash_bits == 0 || model.hash_bits > kMaxHashBits || model.ngrams.char_ngram_max > 8
      || model.ngrams.char_ngram_min > model.ngrams.char_ngram_max) {
    return Invalid("unsupported n-gram configuration");
  }
  const std::uint64_t payload_bytes = GetU64(bytes, 40);
  const std::uint64_t expected = (kLevelCount + model.InputCount() * kLevelCount) * sizeof(float);
  if (payload_bytes != expected) {
    return Invalid("payload size " + std::to_string(payload_bytes) + " does not match shape");
  }
  if (bytes.size() != kModelHeaderBytes + payload_bytes) {
    return Invalid("file is " + std::to_string(bytes.size()) + " bytes, header says "
                   + std::to_string(kModelHeaderBytes + payload_bytes) + " (truncated?)");
  }
  const std::string_view payload = bytes.substr(kModelHeaderBytes);
  const Sha256Digest digest = Sha256(payload);
  if (std::memcmp(digest.data(), bytes.data() + 48, digest.size()) != 0) {
    return Invalid("SHA-256 of the weights does not match the header (corrupted file)");
  }
  std::memcpy(model.bias.data(), payload.data(), model.bias.size() * sizeof(float));
  model.weights.resize(model.InputCount() * kLevelCount);
  std::memcpy(model.weights.data(), payload.data() + model.bias.size() * sizeof(float),
              model.weights.size() * sizeof(float));
  return model;
}

std::string ModelHashHex(const ModelWeights& model) {
  return ToHex(Sha256(Payload(model)));
}

}  // namespace amaima::routing
