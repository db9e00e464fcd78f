#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace amaima {

// Writes JSON text straight into a string, for documents written on every request (a
// decision, a stream chunk) where building a boost::json tree first costs more than the
// text. The caller writes members in order; keys and values alternate inside objects.
//
// Strings are escaped as Boost.JSON escapes them ('"', '\', control characters; other
// bytes as they are). Number() writes the shortest text that reads back to the same double,
// always with a '.' or an exponent so that Boost.JSON reads it back as a double (it reads
// "12" as an integer); a non-finite double is written as null. Micros() writes a value
// already rounded to 6 decimals from its count of millionths.
//
// Not thread-safe. Nesting is limited to kMaxDepth levels (checked).
class JsonText {
 public:
  static constexpr std::size_t kMaxDepth = 8;

  // `expected`: the bytes to reserve (the text grows beyond it as needed).
  explicit JsonText(std::size_t expected) { out_.resize(expected); }

  // The text written.
  std::string Finish() && {
    out_.resize(size_);
    return std::move(out_);
  }

  JsonText& BeginObject() { return Open('{'); }

  JsonText& EndObject() { return Close('}'); }

  JsonText& BeginArray() { return Open('['); }

  JsonText& EndArray() { return Close(']'); }

  JsonText& Key(std::string_view key) {
    Separate();
    Quoted(key);
    Put(':');
    after_key_ = true;
    return *this;
  }

  JsonText& String(std::string_view text) {
    Separate();
    Quoted(text);
    return *this;
  }

  JsonText& Number(double value);
  JsonText& Micros(double rounded);
  JsonText& Integer(std::int64_t value);

  JsonText& Bool(bool value) {
    Separate();
    Put(value ? std::string_view("true") : std::string_view("false"));
    return *this;
  }

  JsonText& Null() {
    Separate();
    Put("null");
    return *this;
  }

 private:
  static constexpr std::size_t kMaxNumber = 32;

  void Reserve(std::size_t more) {
    if (size_ + more > out_.size()) {
      out_.resize(std::max(out_.size() * 2, size_ + more));
    }
  }

  void Put(char c) {
    Reserve(1);
    out_[size_++] = c;
  }

  void Put(std::string_view text) {
    Reserve(text.size());
    std::memcpy(out_.data() + size_, text.data(), text.size());
    size_ += text.size();
  }

  JsonText& Open(char bracket);

  JsonText& Close(char bracket) {
    Put(bracket);
    --depth_;
    return *this;
  }

  // A comma before every member or element but the first of its container.
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_[depth_]) {
      Put(',');
    }
    first_[depth_] = false;
  }

  void Quoted(std::string_view text);

  std::string out_;
  std::size_t size_{0};
  std::array<bool, kMaxDepth> first_{true};
  std::size_t depth_{0};
  bool after_key_{false};
};

}  // namespace amaima
