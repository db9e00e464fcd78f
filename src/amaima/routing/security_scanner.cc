#include "amaima/routing/security_scanner.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "amaima/routing/keyword_matcher.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace amaima::routing {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool IsAlnum(char c) {
  return IsDigit(c) || IsAlpha(c);
}

bool IsUpperOrDigit(char c) {
  return IsDigit(c) || (c >= 'A' && c <= 'Z');
}

// Characters of API tokens and key material.
bool IsTokenChar(char c) {
  return IsAlnum(c) || c == '_' || c == '-';
}

char LowerAscii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

// Length of the run of token characters starting at `at`.
std::size_t TokenRun(std::string_view text, std::size_t at) {
  std::size_t end = at;
  while (end < text.size() && IsTokenChar(text[end])) {
    ++end;
  }
  return end - at;
}

// The needles of the one pass over the text, case-insensitive; a bit per group records
// what it found. kSqlKeyword and kTokenPrefix needles must also match case-sensitively,
// which the pass checks on each match.
enum Group : std::uint32_t {
  kCodeMarker,
  kCodeVerb,
  kCodeObject,
  kCommand,
  kCommandWord,
  kDatabaseStatement,
  kDatabaseWord,
  kPemBegin,
  kPrivateKeyPhrase,
  kPiiPhrase,
  kSecretKey,
  kSqlKeyword,   // upper-case SQL: "SELECT ", " FROM ", "UPDATE ", " SET "
  kTokenPrefix,  // known API token prefixes (kTokenPrefixes)
};

struct Needle {
  std::string_view text{};
  Group group{kCodeMarker};
  bool word_start{false};  // Only counts when not preceded by a letter or digit.
  std::uint32_t index{0};  // kSqlKeyword: bit in Findings::sql; kTokenPrefix: kTokenPrefixes
};

// Known token prefixes and how many token characters must follow.
struct TokenPrefix {
  std::string_view prefix{};
  std::size_t min_rest{0};
};

// The last two are AWS access key ids: AKIA/ASIA + 16 upper-case letters or digits.
constexpr std::array<TokenPrefix, 18> kTokenPrefixes = {{{"ghp_", 30},
                                                         {"gho_", 30},
                                                         {"ghs_", 30},
                                                         {"ghu_", 30},
                                                         {"github_pat_", 30},
                                                         {"glpat-", 20},
                                                         {"sk-", 20},
                                                         {"sk_live_", 16},
                                                         {"rk_live_", 16},
                                                         {"xoxb-", 10},
                                                         {"xoxp-", 10},
                                                         {"xoxa-", 10},
                                                         {"AIza", 30},
                                                         {"npm_", 30},
                                                         {"hf_", 30},
                                                         {"SG.", 20},
                                                         {"AKIA", 16},
                                                         {"ASIA", 16}}};
constexpr std::size_t kFirstAwsPrefix = 16;

void AddNeedles(std::vector<Needle>& out, Group group, bool word_start,
                std::initializer_list<std::string_view> texts) {
  for (const std::string_view text : texts) {
    out.push_back({text, group, word_start, 0});
  }
}

std::vector<Needle> AllNeedles() {
  std::vector<Needle> n;
  AddNeedles(n, kCodeMarker, false,
             {"```", "#include", "def ", "console.log", "public static void", "function(", "=> {",
              "fn main"});
  AddNeedles(n, kCodeVerb, true,
             {"write", "generate", "create", "implement", "code up", "refactor", "fix", "build",
              "port", "translate", "complete", "optimize", "debug"});
  AddNeedles(n, kCodeObject, true,
             {"function", "script",     "program",    "code",   "class",   "method",
              "snippet",  "regex",      "endpoint",   "module", "library", "unit test",
              "python",   "javascript", "typescript", "java",   "c++",     "rust",
              "golang",   "bash",       "sql query",  "api"});
  AddNeedles(n, kCommand, false,
             {"rm -rf",        "rm -r ",       "sudo ",       "chmod ",        "chown ",
              "mkfs",          "dd if=",       "kill -9",     "killall",       "pkill",
              "systemctl",     "crontab",      "os.system",   "subprocess",    "exec(",
              "popen",         "powershell",   "cmd.exe",     "/bin/sh",       "/bin/bash",
              "| sh",          "| bash",       "|sh",         "shell command", "terminal command",
              "command line",  "command-line", "netcat",      "nc -e",         "iptables",
              "format c:",     "/etc/passwd",  "/etc/shadow", "shell script",  "bash script",
              "reverse shell", "apt-get ",     "chmod +x",    "shutdown -",    "registry key",
              "wget http",     "curl http"});
  AddNeedles(n, kCommandWord, true, {"terminal", "shell", "cli command"});
  AddNeedles(n, kDatabaseStatement, false,
             {"drop table", "drop database", "truncate table", "delete from ", "insert into ",
              "alter table", "create table", "create index", "select * from", "union select",
              "' or '1'='1", "db.collection", "grant all", "stored procedure"});
  AddNeedles(n, kDatabaseWord, true,
             {"sql", "database", "mysql", "postgres", "postgresql", "sqlite", "mongodb", "redis",
              "schema migration"});
  AddNeedles(n, kPemBegin, false, {"-----begin"});
  AddNeedles(n, kPrivateKeyPhrase, false, {"private key"});
  AddNeedles(
      n, kPiiPhrase, false,
      {"social security number", "passport number", "date of birth", "driver's license number",
       "credit card number", "bank account number", "medical record number"});
  // "password = hunter2!", "api_key: 'abc...'", "my password is ...".
  AddNeedles(
      n, kSecretKey, false,
      {"password", "passwd", "pwd", "secret", "api_key", "apikey", "api-key", "access_key",
       "auth_token", "access_token", "client_secret", "private_key", "token", "credentials"});
  // Upper-case SQL in the original text: "SELECT name FROM users", "UPDATE t SET".
  std::uint32_t bit = 0;
  for (const std::string_view keyword : {"SELECT ", " FROM ", "UPDATE ", " SET "}) {
    n.push_back({keyword, kSqlKeyword, false, bit++});
  }
  for (std::uint32_t k = 0; k < kTokenPrefixes.size(); ++k) {
    n.push_back({kTokenPrefixes[k].prefix, kTokenPrefix, false, k});
  }
  return n;
}

std::vector<std::string_view> Texts(const std::vector<Needle>& needles) {
  std::vector<std::string_view> texts;
  texts.reserve(needles.size());
  for (const Needle& needle : needles) {
    texts.push_back(needle.text);
  }
  return texts;
}

// Placeholders that documentation uses instead of a real value.
bool IsPlaceholder(std::string_view value) {
  static const KeywordMatcher placeholders({"xxx", "***", "your", "example", "changeme", "<", "${",
                                            "{{", "placeholder", "dummy", "redacted", "password"},
                                           KeywordMatcher::Case::kFoldAscii);
  return placeholders.ContainsAny(value);
}

// Whether the known token prefix kTokenPrefixes[index], found at `at`, is followed by
// enough token characters.
bool IsPrefixedToken(std::string_view text, std::size_t index, std::size_t at) {
  const TokenPrefix& p = kTokenPrefixes[index];
  const std::size_t rest = at + p.prefix.size();
  if (index >= kFirstAwsPrefix) {
    std::size_t n = 0;
    while (rest + n < text.size() && IsUpperOrDigit(text[rest + n])) {
      ++n;
    }
    return n == p.min_rest;
  }
  const bool boundary = at == 0 || !IsAlnum(text[at - 1]);
  return boundary && TokenRun(text, rest) >= p.min_rest;
}

// A secret key word at `at` (length `length`) assigned a value that looks real.
bool IsSecretAssignment(std::string_view text, std::size_t at, std::size_t length) {
  std::size_t i = at + length;
  while (i < text.size() && (IsAlnum(text[i]) || text[i] == '_')) {
    ++i;  // password_hash, secretKey, ...
  }
  while (i < text.size() && (text[i] == ' ' || text[i] == '"' || text[i] == '\'')) {
    ++i;
  }
  std::size_t value_start = std::string_view::npos;
  if (i < text.size() && (text[i] == '=' || text[i] == ':')) {
    value_start = i + 1;
  } else if (i + 3 <= text.size() && LowerAscii(text[i]) == 'i' && LowerAscii(text[i + 1]) == 's'
             && text[i + 2] == ' ') {
    value_start = i + 3;
  }
  if (value_start == std::string_view::npos) {
    return false;
  }
  while (value_start < text.size()
         && (text[value_start] == ' ' || text[value_start] == '"' || text[value_start] == '\''
             || text[value_start] == '=')) {
    ++value_start;
  }
  std::size_t end = value_start;
  while (end < text.size() && text[end] != ' ' && text[end] != '"' && text[end] != '\''
         && text[end] != '\n' && text[end] != ',' && text[end] != ';') {
    ++end;
  }
  const std::string_view value = text.substr(value_start, end - value_start);
  bool has_digit = false;
  for (const char c : value) {
    has_digit = has_digit || IsDigit(c);
  }
  return value.size() >= 8 && has_digit && !IsPlaceholder(value);
}

// What the one pass over the text found.
struct Findings {
  std::uint32_t groups{0};
  std::uint32_t sql{0};  // kSqlKeyword bits: SELECT, FROM, UPDATE, SET
  bool secret_assignment{false};
  bool prefixed_token{false};

  bool Has(Group group) const { return (groups & (1U << group)) != 0; }
};

Findings ScanNeedles(std::string_view text) {
  static const std::vector<Needle> needles = AllNeedles();
  static const KeywordMatcher matcher(Texts(needles), KeywordMatcher::Case::kFoldAscii);
  Findings found;
  matcher.ForEachMatch(text, [&](std::uint32_t index, std::size_t start) {
    const Needle& needle = needles[index];
    switch (needle.group) {
      case kSqlKeyword:
        if (text.substr(start, needle.text.size()) == needle.text) {
          found.sql |= 1U << needle.index;
        }
        return;
      case kTokenPrefix:
        found.prefixed_token = found.prefixed_token
                               || (text.substr(start, needle.text.size()) == needle.text
                                   && IsPrefixedToken(text, needle.index, start));
        return;
      case kSecretKey:
        found.secret_assignment =
            found.secret_assignment || IsSecretAssignment(text, start, needle.text.size());
        break;
      default:
        if (needle.word_start && start > 0 && IsAlnum(text[start - 1])) {
          return;
        }
        break;
    }
    found.groups |= 1U << needle.group;
  });
  return found;
}

bool IsCodeGeneration(const Findings& found) {
  return found.Has(kCodeMarker) || (found.Has(kCodeVerb) && found.Has(kCodeObject));
}

bool IsSystemCommand(const Findings& found) {
  return found.Has(kCommand) || found.Has(kCommandWord);
}

bool IsDatabaseOperation(const Findings& found) {
  return found.Has(kDatabaseStatement) || found.Has(kDatabaseWord)
         || (found.sql & 0b0011U) == 0b0011U || (found.sql & 0b1100U) == 0b1100U;
}

bool HasSecrets(const Findings& found) {
  return (found.Has(kPemBegin) && found.Has(kPrivateKeyPhrase)) || found.secret_assignment
         || found.prefixed_token;
}

// A run of digits joined by single separators ("+1 (555) 123-4567", "4111 1111 1111 1111").
struct DigitSpan {
  std::array<char, 24> digits{};
  std::size_t digit_count{0};
  std::array<std::size_t, 8> groups{};  // digits per group
  std::size_t group_count{0};
  bool plus{false};
  bool only_dots{true};  // all separators are '.'
  bool ssn_shape{false};
  std::size_t end{0};
};

bool IsSeparator(char c) {
  return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

DigitSpan ReadDigitSpan(std::string_view text, std::size_t start) {
  DigitSpan span;
  span.plus = text[start] == '+';
  std::size_t i = span.plus ? start + 1 : start;
  std::size_t group = 0;
  std::size_t separators = 0;
  bool any_separator = false;
  while (i < text.size()) {
    const char c = text[i];
    if (IsDigit(c)) {
      if (span.digit_count < span.digits.size()) {
        span.digits[span.digit_count] = c;
      }
      ++span.digit_count;
      ++group;
      separators = 0;
    } else if (IsSeparator(c) && separators < 2 && i + 1 < text.size()
               && (IsDigit(text[i + 1]) || IsSeparator(text[i + 1]))) {
      if (group > 0 && span.group_count < span.groups.size()) {
        span.groups[span.group_count++] = group;
      }
      group = 0;
      ++separators;
      any_separator = true;
      span.only_dots = span.only_dots && c == '.';
    } else {
      break;
    }
    ++i;
  }
  if (group > 0 && span.group_count < span.groups.size()) {
    span.groups[span.group_count++] = group;
  }
  span.only_dots = span.only_dots && any_separator;
  const std::string_view raw = text.substr(start, i - start);
  span.ssn_shape = raw.size() == 11 && raw[3] == '-' && raw[6] == '-' && span.digit_count == 9;
  span.end = i;
  return span;
}

bool LuhnValid(const DigitSpan& span) {
  int sum = 0;
  for (std::size_t k = 0; k < span.digit_count; ++k) {
    int d = span.digits[span.digit_count - 1 - k] - '0';
    if (k % 2 == 1) {
      d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    }
    sum += d;
  }
  return sum % 10 == 0;
}

bool IsPiiNumber(const DigitSpan& span) {
  std::size_t largest_group = 0;
  std::size_t smallest_group = 99;
  for (std::size_t k = 0; k < span.group_count; ++k) {
    largest_group = std::max(largest_group, span.groups[k]);
    smallest_group = std::min(smallest_group, span.groups[k]);
  }
  if (span.ssn_shape) {
    const std::string_view area(span.digits.data(), 3);
    return area != "000" && area != "666" && span.digits[0] != '9';
  }
  if (span.only_dots && span.group_count == 4 && largest_group <= 3) {
    for (std::size_t k = 0, at = 0; k < 4; at += span.groups[k], ++k) {
      int octet = 0;
      for (std::size_t d = 0; d < span.groups[k]; ++d) {
        octet = octet * 10 + (span.digits[at + d] - '0');
      }
      if (octet > 255) {
        return false;
      }
    }
    return true;
  }
  const std::size_t n = span.digit_count;
  if (n >= 13 && n <= 19 && n <= span.digits.size()
      && (span.group_count == 1 || smallest_group >= 4) && LuhnValid(span)) {
    return true;  // payment card
  }
  const bool phone_shape = span.plus || (span.group_count >= 2 && span.group_count <= 5);
  return n >= 10 && n <= 15 && phone_shape && largest_group >= 3 && !span.only_dots;
}

bool HasEmail(std::string_view text) {
  for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    std::size_t local = 0;
    while (local < at
           && (IsAlnum(text[at - 1 - local]) || text[at - 1 - local] == '.'
               || text[at - 1 - local] == '_' || text[at - 1 - local] == '+'
               || text[at - 1 - local] == '-')) {
      ++local;
    }
    std::size_t end = at + 1;
    std::size_t last_dot = std::string_view::npos;
    while (end < text.size() && (IsAlnum(text[end]) || text[end] == '-' || text[end] == '.')) {
      last_dot = text[end] == '.' ? end : last_dot;
      ++end;
    }
    if (local > 0 && last_dot != std::string_view::npos && last_dot > at + 1
        && end - last_dot - 1 >= 2) {
      return true;
    }
  }
  return false;
}

// IBAN at `i` (an upper-case letter after a non-alphanumeric byte): two letters, two check
// digits, 11-30 letters or digits (spaces allowed), mod 97 = 1.
bool IsIbanAt(std::string_view text, std::size_t i) {
  if (i + 15 > text.size() || text[i + 1] < 'A' || text[i + 1] > 'Z' || !IsDigit(text[i + 2])
      || !IsDigit(text[i + 3])) {
    return false;
  }
  std::array<char, 34> chars{};
  std::size_t n = 0;
  std::size_t j = i;
  while (j < text.size() && n < chars.size()) {
    if (IsUpperOrDigit(text[j])) {
      chars[n++] = text[j];
    } else if (text[j] != ' ' || j + 1 >= text.size() || !IsUpperOrDigit(text[j + 1])) {
      break;
    }
    ++j;
  }
  if (n < 15) {
    return false;
  }
  int remainder = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const char c = chars[(k + 4) % n];
    const int value = IsDigit(c) ? c - '0' : c - 'A' + 10;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder == 1;
}

// Per byte: what it can start, an IBAN (upper-case letter) or a PII number (digit, '+',
// '('), and whether it is an ASCII letter or digit (then nothing starts right after it).
constexpr std::uint8_t kStartsIban = 1;
constexpr std::uint8_t kStartsNumber = 2;
constexpr std::uint8_t kAlnumByte = 4;

constexpr std::array<std::uint8_t, 256> kByteFlags = [] {
  std::array<std::uint8_t, 256> flags{};
  for (int c = 'A'; c <= 'Z'; ++c) {
    flags[c] = kStartsIban | kAlnumByte;
    flags[c + ('a' - 'A')] = kAlnumByte;
  }
  for (int c = '0'; c <= '9'; ++c) {
    flags[c] = kStartsNumber | kAlnumByte;
  }
  flags['+'] = kStartsNumber;
  flags['('] = kStartsNumber;
  return flags;
}();

// Whether an IBAN or a PII number starts at `i` (kByteFlags says what may start there, and
// nothing does after a letter or digit). `next_span`: digit spans do not start inside the
// previous one.
bool PiiStartsAt(std::string_view text, std::size_t i, std::size_t& next_span) {
  if ((kByteFlags[static_cast<unsigned char>(text[i])] & kStartsIban) != 0) {
    return IsIbanAt(text, i);
  }
  const bool begins =
      IsDigit(text[i]) || (i + 1 < text.size() && IsDigit(text[i + 1]));  // "+1", "(2"
  if (!begins || i < next_span || (i > 0 && text[i - 1] == '.')) {
    return false;
  }
  const DigitSpan span = ReadDigitSpan(text, i);
  if (IsPiiNumber(span)) {
    return true;
  }
  next_span = span.end + 1;
  return false;
}

bool MayStartPii(std::string_view text, std::size_t i) {
  return (kByteFlags[static_cast<unsigned char>(text[i])] & (kStartsIban | kStartsNumber)) != 0
         && (i == 0 || (kByteFlags[static_cast<unsigned char>(text[i - 1])] & kAlnumByte) == 0);
}

// An IBAN, or a run of digits (DigitSpan) that is a card, phone, SSN or IPv4 number, each
// starting after a non-alphanumeric byte. Most bytes start neither: 16 at a time, only the
// candidates are looked at.
bool HasPiiNumberOrIban(std::string_view text) {
  std::size_t next_span = 0;
  std::size_t i = 0;
#if defined(__SSE2__)
  // x - lo < width (unsigned)  <=>  (x - lo) ^ 0x80 < width - 128 (signed).
  const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
  const auto in_range = [&bias](__m128i x, int lo, int width) {
    const __m128i shifted =
        _mm_xor_si128(_mm_sub_epi8(x, _mm_set1_epi8(static_cast<char>(lo))), bias);
    return _mm_cmplt_epi8(shifted, _mm_set1_epi8(static_cast<char>(width - 128)));
  };
  if (!text.empty() && MayStartPii(text, 0) && PiiStartsAt(text, 0, next_span)) {
    return true;
  }
  // Chunks [i, i + 16) with i >= 1, so that the byte before each is readable.
  for (i = 1; i + 16 <= text.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    const __m128i before = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i - 1));
    const __m128i starts = _mm_or_si128(
        _mm_or_si128(in_range(v, '0', 10), in_range(v, 'A', 26)),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('+')), _mm_cmpeq_epi8(v, _mm_set1_epi8('('))));
    const __m128i after_alnum = _mm_or_si128(
        in_range(before, '0', 10), in_range(_mm_or_si128(before, _mm_set1_epi8(0x20)), 'a', 26));
    auto candidates =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_andnot_si128(after_alnum, starts)));
    for (; candidates != 0; candidates &= candidates - 1) {
      if (PiiStartsAt(text, i + static_cast<std::size_t>(std::countr_zero(candidates)),
                      next_span)) {
        return true;
      }
    }
  }
#endif
  for (; i < text.size(); ++i) {
    if (MayStartPii(text, i) && PiiStartsAt(text, i, next_span)) {
      return true;
    }
  }
  return false;
}

bool HasPii(std::string_view text, const Findings& found) {
  return found.Has(kPiiPhrase) || HasEmail(text) || HasPiiNumberOrIban(text);
}

}  // namespace

SecurityAssessment ScanSecurity(std::string_view text) {
  const Findings found = ScanNeedles(text);
  SecurityAssessment assessment;
  const std::array<std::pair<std::string_view, bool>, 5> checks = {{
      {"code_generation", IsCodeGeneration(found)},
      {"system_command", IsSystemCommand(found)},
      {"database_operation", IsDatabaseOperation(found)},
      {"secrets", HasSecrets(found)},
      {"pii", HasPii(text, found)},
  }};
  for (const auto& [category, matched] : checks) {
    if (matched) {
      assessment.categories.emplace_back(category);
    }
  }
  assessment.sensitive = !assessment.categories.empty();
  return assessment;
}

}  // namespace amaima::routing
