#include "amaima/routing/weights_file.h"

#include <bit>
#include <cstring>
#include <fstream>
#include <sstream>

#include "amaima/core/hashing.h"

namespace amaima::routing {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the weights files are little-endian; add byte swapping for this target");

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

}  // namespace

std::string PackPayload(std::span<const float> biases, std::span<const float> weights) {
  std::string payload((biases.size() + weights.size()) * sizeof(float), '\0');
  std::memcpy(payload.data(), biases.data(), biases.size_bytes());
  std::memcpy(payload.data() + biases.size_bytes(), weights.data(), weights.size_bytes());
  return payload;
}

std::string WriteWeightsFile(std::string_view magic, const WeightsShape& shape,
                             std::string_view payload) {
  const Sha256Digest digest = Sha256(payload);
  std::string out(magic.substr(0, 4));
  PutU32(out, kWeightsFormatVersion);
  PutU32(out, kFeatureSetVersion);
  PutU32(out, kFeatureCount);
  PutU32(out, shape.class_count);
  PutU32(out, shape.hash_bits);
  PutU32(out, shape.ngrams.word_bigrams ? 1 : 0);
  PutU32(out, shape.ngrams.char_ngram_min);
  PutU32(out, shape.ngrams.char_ngram_max);
  PutU32(out, 0);
  PutU64(out, payload.size());
  out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  out += payload;
  return out;
}

Result<ParsedWeightsFile> ReadWeightsFile(std::string_view bytes, std::string_view magic,
                                          std::uint32_t class_count, std::string_view what) {
  auto invalid = [what](const std::string& message) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + ": " + message);
  };
  if (bytes.size() < kWeightsHeaderBytes) {
    return invalid("truncated header (" + std::to_string(bytes.size()) + " bytes)");
  }
  if (bytes.substr(0, 4) != magic) {
    return invalid("bad magic, not an " + std::string(magic) + " weights file");
  }
  if (const std::uint32_t version = GetU32(bytes, 4); version != kWeightsFormatVersion) {
    return invalid("unknown format version " + std::to_string(version));
  }
  if (const std::uint32_t version = GetU32(bytes, 8); version != kFeatureSetVersion) {
    return invalid("feature set version " + std::to_string(version) + ", this build has "
                   + std::to_string(kFeatureSetVersion));
  }
  if (GetU32(bytes, 12) != kFeatureCount || GetU32(bytes, 16) != class_count) {
    return invalid("feature or class count does not match this build");
  }
  ParsedWeightsFile parsed;
  WeightsShape& shape = parsed.shape;
  shape.class_count = class_count;
  shape.hash_bits = GetU32(bytes, 20);
  shape.ngrams.word_bigrams = GetU32(bytes, 24) != 0;
  shape.ngrams.char_ngram_min = GetU32(bytes, 28);
  shape.ngrams.char_ngram_max = GetU32(bytes, 32);
  if (shape.hash_bits == 0 || shape.hash_bits > kMaxHashBits || shape.ngrams.char_ngram_max > 8
      || shape.ngrams.char_ngram_min > shape.ngrams.char_ngram_max) {
    return invalid("unsupported n-gram configuration");
  }
  const std::uint64_t payload_bytes = GetU64(bytes, 40);
  if (payload_bytes != shape.PayloadFloats() * sizeof(float)) {
    return invalid("payload size " + std::to_string(payload_bytes) + " does not match shape");
  }
  if (bytes.size() != kWeightsHeaderBytes + payload_bytes) {
    return invalid("file is " + std::to_string(bytes.size()) + " bytes, header says "
                   + std::to_string(kWeightsHeaderBytes + payload_bytes) + " (truncated?)");
  }
  parsed.payload = bytes.substr(kWeightsHeaderBytes);
  const Sha256Digest digest = Sha256(parsed.payload);
  if (std::memcmp(digest.data(), bytes.data() + 48, digest.size()) != 0) {
    return invalid("SHA-256 of the weights does not match the header (corrupted file)");
  }
  return parsed;
}

Result<std::string> ReadWeightsFileBytes(const std::string& path, std::string_view what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + ": cannot open " + path);
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  return std::move(contents).str();
}

std::string PayloadHashHex(std::string_view payload) {
  return ToHex(Sha256(payload));
}

}  // namespace amaima::routing
