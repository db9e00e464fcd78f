#include "amaima/core/json_text.h"

#include <charconv>
#include <cmath>

#include "amaima/core/check.h"

namespace amaima {
namespace {

// Whether any of the 8 bytes of `word` is a control character, '"' or '\'.
bool NeedsEscape(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const auto zero_byte = [](std::uint64_t x) {
    return (x - kOnes) & ~x & kHighs;
  };
  const std::uint64_t control = (word - kOnes * 0x20) & ~word & kHighs;
  return (control | zero_byte(word ^ (kOnes * '"')) | zero_byte(word ^ (kOnes * '\\'))) != 0;
}

}  // namespace

JsonText& JsonText::Number(double value) {
  Separate();
  if (!std::isfinite(value)) {
    Put("null");
    return *this;
  }
  Reserve(kMaxNumber);
  char* begin = out_.data() + size_;
  const auto [end, ec] = std::to_chars(begin, begin + kMaxNumber - 2, value);
  const std::string_view written(begin, static_cast<std::size_t>(end - begin));
  size_ += written.size();
  if (written.find_first_of(".e") == std::string_view::npos) {
    Put(".0");
  }
  return *this;
}

// Exact: both the parse of the text and Round6() give the double nearest to n / 10^6.
JsonText& JsonText::Micros(double rounded) {
  constexpr double kLimit = 1e15;  // |n| well below 2^53.
  const double scaled = rounded * 1e6;
  if (!(std::fabs(scaled) < kLimit)) {
    return Number(rounded);
  }
  const auto micros = static_cast<std::int64_t>(std::llround(scaled));
  if (static_cast<double>(micros) / 1e6 != rounded) {
    return Number(rounded);  // Not a count of millionths after all.
  }
  Separate();
  Reserve(kMaxNumber);
  char* p = out_.data() + size_;
  const std::uint64_t magnitude =
      micros < 0 ? static_cast<std::uint64_t>(-micros) : static_cast<std::uint64_t>(micros);
  if (std::signbit(rounded)) {
    *p++ = '-';  // -0.0 included
  }
  constexpr std::uint64_t kMillion = 1'000'000;
  p = std::to_chars(p, p + 20, magnitude / kMillion).ptr;
  *p++ = '.';
  std::uint64_t fraction = magnitude % kMillion;
  int digits = 6;
  while (digits > 1 && fraction % 10 == 0) {
    fraction /= 10;
    --digits;
  }
  for (int i = digits - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  p += digits;
  size_ = static_cast<std::size_t>(p - out_.data());
  return *this;
}

JsonText& JsonText::Integer(std::int64_t value) {
  Separate();
  Reserve(kMaxNumber);
  char* begin = out_.data() + size_;
  size_ += static_cast<std::size_t>(std::to_chars(begin, begin + kMaxNumber, value).ptr - begin);
  return *this;
}

JsonText& JsonText::Open(char bracket) {
  Separate();
  Put(bracket);
  ++depth_;
  AMAIMA_CHECK(depth_ < kMaxDepth);
  first_[depth_] = true;
  return *this;
}

void JsonText::Quoted(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  Reserve(text.size() * 6 + 2);  // Every byte escaped as \u00XX, and the quotes.
  char* p = out_.data() + size_;
  *p++ = '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Runs of plain bytes are copied eight at a time.
    if (i + 8 <= text.size()) {
      std::uint64_t word = 0;
      std::memcpy(&word, text.data() + i, sizeof word);
      if (!NeedsEscape(word)) {
        std::memcpy(p, &word, sizeof word);
        p += sizeof word;
        i += sizeof word;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(text[i++]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      *p++ = static_cast<char>(c);
      continue;
    }
    *p++ = '\\';
    switch (c) {
      case '"':
        *p++ = '"';
        break;
      case '\\':
        *p++ = '\\';
        break;
      case '\b':
        *p++ = 'b';
        break;
      case '\f':
        *p++ = 'f';
        break;
      case '\n':
        *p++ = 'n';
        break;
      case '\r':
        *p++ = 'r';
        break;
      case '\t':
        *p++ = 't';
        break;
      default:
        *p++ = 'u';
        *p++ = '0';
        *p++ = '0';
        *p++ = kHex[c >> 4U];
        *p++ = kHex[c & 0xFU];
    }
  }
  *p++ = '"';
  size_ = static_cast<std::size_t>(p - out_.data());
}

}  // namespace amaima
