#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "amaima/core/result.h"
#include "amaima/routing/features.h"

namespace amaima::routing {

// The common envelope of the router's linear weights files (little-endian): an 80-byte
// header followed by a payload of float32 values.
//   char[4] magic             u32 format_version (kWeightsFormatVersion)
//   u32 feature_set_version   u32 feature_count        u32 class_count
//   u32 hash_bits             u32 word_bigrams (0/1)   u32 char_ngram_min
//   u32 char_ngram_max        u32 reserved (0)         u64 payload_bytes
//   u8[32] SHA-256 of the payload
// The magic names the model kind ("AMRC": complexity levels, "AMRS": strong vs weak).
inline constexpr std::uint32_t kWeightsFormatVersion = 1;
inline constexpr std::size_t kWeightsHeaderBytes = 80;
inline constexpr std::uint32_t kMaxHashBits = 20;

// What a weights file declares about the model it holds.
struct WeightsShape {
  std::uint32_t class_count{0};
  std::uint32_t hash_bits{16};
  NgramConfig ngrams{};

  // Inputs: the named features, then 2^hash_bits hashed n-gram buckets.
  std::size_t InputCount() const { return kFeatureCount + (std::size_t{1} << hash_bits); }

  // Floats in the payload: class_count biases, then InputCount() * class_count weights.
  std::size_t PayloadFloats() const { return class_count * (1 + InputCount()); }
};

// The payload of a model: `biases` then `weights`, as float32 bytes.
std::string PackPayload(std::span<const float> biases, std::span<const float> weights);

// Returns header + payload. `payload` must hold shape.PayloadFloats() floats.
std::string WriteWeightsFile(std::string_view magic, const WeightsShape& shape,
                             std::string_view payload);

// Checks a weights file of kind `magic` and class count `class_count`, and returns its
// shape and payload (a view into `bytes`). Fails with kInvalidArgument, the message
// prefixed with `what`, on a truncated file, a wrong magic, format or feature-set
// version, an inconsistent shape, or a payload that does not match its SHA-256.
struct ParsedWeightsFile {
  WeightsShape shape{};
  std::string_view payload{};
};

Result<ParsedWeightsFile> ReadWeightsFile(std::string_view bytes, std::string_view magic,
                                          std::uint32_t class_count, std::string_view what);

// Reads the weights file at `path`; fails with kInvalidArgument ("<what>: cannot open
// <path>") when it cannot be read.
Result<std::string> ReadWeightsFileBytes(const std::string& path, std::string_view what);

// The lower-case hex SHA-256 of `payload`: the model's identity.
std::string PayloadHashHex(std::string_view payload);

}  // namespace amaima::routing
