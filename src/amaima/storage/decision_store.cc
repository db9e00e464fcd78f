#include "amaima/storage/decision_store.h"

#include <cstddef>
#include <cstdint>

#include "amaima/core/ids.h"

namespace amaima::storage {
namespace {

constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Versions the cursor payload so that its format can change without misreading old cursors.
constexpr std::string_view kCursorPrefix = "d1:";

std::string Base64UrlEncode(std::string_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t n =
        (static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i])) << 16)
        | (static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i + 1])) << 8)
        | static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i + 2]));
    out += kBase64UrlAlphabet[(n >> 18) & 0x3F];
    out += kBase64UrlAlphabet[(n >> 12) & 0x3F];
    out += kBase64UrlAlphabet[(n >> 6) & 0x3F];
    out += kBase64UrlAlphabet[n & 0x3F];
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i])) << 16;
    if (rest == 2) {
      n |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i + 1])) << 8;
    }
    out += kBase64UrlAlphabet[(n >> 18) & 0x3F];
    out += kBase64UrlAlphabet[(n >> 12) & 0x3F];
    if (rest == 2) {
      out += kBase64UrlAlphabet[(n >> 6) & 0x3F];
    }
  }
  return out;
}

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '-') {
    return 62;
  }
  if (c == '_') {
    return 63;
  }
  return -1;
}

// Decodes unpadded base64url. Returns false on a character outside the alphabet or an
// impossible length.
bool Base64UrlDecode(std::string_view text, std::string& out) {
  if (text.size() % 4 == 1) {
    return false;
  }
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : text) {
    const int value = Base64UrlValue(c);
    if (value < 0) {
      return false;
    }
    accumulator = (accumulator << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((accumulator >> bits) & 0xFF);
    }
  }
  return true;
}

bool IsLowerCaseUuid(std::string_view text) {
  if (!IsUuid(text)) {
    return false;
  }
  for (const char c : text) {
    if (c >= 'A' && c <= 'F') {
      return false;
    }
  }
  return true;
}

}  // namespace

DecisionStore::~DecisionStore() = default;

std::string EncodeDecisionCursor(std::string_view decision_id) {
  std::string payload(kCursorPrefix);
  payload += decision_id;
  return Base64UrlEncode(payload);
}

Result<std::string> DecodeDecisionCursor(std::string_view cursor) {
  std::string payload;
  // Canonical encoding only: re-encoding must give the same text (rejects stray low bits).
  const bool decoded = Base64UrlDecode(cursor, payload) && Base64UrlEncode(payload) == cursor;
  const std::string_view view = payload;
  if (!decoded || !view.starts_with(kCursorPrefix)
      || !IsLowerCaseUuid(view.substr(kCursorPrefix.size()))) {
    return Fail(ErrorCode::kInvalidArgument, std::string(kInvalidCursorReason),
                "the cursor is malformed; pass next_cursor from the previous page unchanged");
  }
  return payload.substr(kCursorPrefix.size());
}

}  // namespace amaima::storage
