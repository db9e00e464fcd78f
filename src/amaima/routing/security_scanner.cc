#include "amaima/routing/security_scanner.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "amaima/routing/keyword_matcher.h"

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

std::string Lowered(std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c + ('a' - 'A'));
    }
  }
  return lowered;
}

// Length of the run of token characters starting at `at`.
std::size_t TokenRun(std::string_view text, std::size_t at) {
  std::size_t end = at;
  while (end < text.size() && IsTokenChar(text[end])) {
    ++end;
  }
  return end - at;
}

// What the one pass over the lower-cased text found: a bit per group, and where the
// keys of secret assignments start.
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
};

struct Needle {
  std::string_view text{};
  Group group{kCodeMarker};
  bool word_start{false};  // Only counts when not preceded by a letter or digit.
};

void AddNeedles(std::vector<Needle>& out, Group group, bool word_start,
                std::initializer_list<std::string_view> texts) {
  for (const std::string_view text : texts) {
    out.push_back({text, group, word_start});
  }
}

std::vector<Needle> LowerCaseNeedles() {
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

struct LowerCaseScan {
  std::uint32_t groups{0};
  std::vector<std::size_t> secret_keys{};  // start and length, in pairs

  bool Has(Group group) const { return (groups & (1U << group)) != 0; }
};

LowerCaseScan ScanLowerCase(std::string_view lower) {
  static const std::vector<Needle> needles = LowerCaseNeedles();
  static const KeywordMatcher matcher(Texts(needles));
  LowerCaseScan scan;
  matcher.FindIf(lower, [&](std::uint32_t index, std::size_t start) {
    const Needle& needle = needles[index];
    if (needle.word_start && start > 0 && IsAlnum(lower[start - 1])) {
      return false;
    }
    scan.groups |= 1U << needle.group;
    if (needle.group == kSecretKey) {
      scan.secret_keys.push_back(start);
      scan.secret_keys.push_back(needle.text.size());
    }
    return false;
  });
  return scan;
}

bool IsCodeGeneration(const LowerCaseScan& scan) {
  return scan.Has(kCodeMarker) || (scan.Has(kCodeVerb) && scan.Has(kCodeObject));
}

bool IsSystemCommand(const LowerCaseScan& scan) {
  return scan.Has(kCommand) || scan.Has(kCommandWord);
}

bool IsDatabaseOperation(std::string_view text, const LowerCaseScan& scan) {
  if (scan.Has(kDatabaseStatement) || scan.Has(kDatabaseWord)) {
    return true;
  }
  // Upper-case SQL in the original text: "SELECT name FROM users", "UPDATE t SET".
  static const KeywordMatcher sql({"SELECT ", " FROM ", "UPDATE ", " SET "});
  std::uint32_t seen = 0;
  return sql.FindIf(text, [&seen](std::uint32_t index, std::size_t) {
    seen |= 1U << index;
    return (seen & 0b0011U) == 0b0011U || (seen & 0b1100U) == 0b1100U;
  });
}

// Placeholders that documentation uses instead of a real value.
bool IsPlaceholder(std::string_view value) {
  static const KeywordMatcher placeholders({"xxx", "***", "your", "example", "changeme", "<", "${",
                                            "{{", "placeholder", "dummy", "redacted", "password"});
  return placeholders.ContainsAny(Lowered(value));
}

// Known token prefixes followed by enough token characters.
bool HasPrefixedToken(std::string_view text) {
  struct Prefix {
    std::string_view prefix{};
    std::size_t min_rest{0};
  };

  // The last two are AWS access key ids: AKIA/ASIA + 16 upper-case letters or digits.
  constexpr std::array<Prefix, 18> kPrefixes = {{{"ghp_", 30},
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
  constexpr std::size_t kFirstAws = 16;
  static const KeywordMatcher matcher = [&kPrefixes] {
    std::vector<std::string_view> texts;
    for (const Prefix& p : kPrefixes) {
      texts.push_back(p.prefix);
    }
    return KeywordMatcher(texts);
  }();
  return matcher.FindIf(text, [text, &kPrefixes](std::uint32_t index, std::size_t at) {
    const Prefix& p = kPrefixes[index];
    const std::size_t rest = at + p.prefix.size();
    if (index >= kFirstAws) {
      std::size_t n = 0;
      while (rest + n < text.size() && IsUpperOrDigit(text[rest + n])) {
        ++n;
      }
      return n == p.min_rest;
    }
    const bool boundary = at == 0 || !IsAlnum(text[at - 1]);
    return boundary && TokenRun(text, rest) >= p.min_rest;
  });
}

// A secret key word at `at` (length `length`) assigned a value that looks real.
bool IsSecretAssignment(std::string_view text, std::string_view lower, std::size_t at,
                        std::size_t length) {
  std::size_t i = at + length;
  while (i < lower.size() && (IsAlnum(lower[i]) || lower[i] == '_')) {
    ++i;  // password_hash, secretKey, ...
  }
  while (i < lower.size() && (lower[i] == ' ' || lower[i] == '"' || lower[i] == '\'')) {
    ++i;
  }
  std::size_t value_start = std::string_view::npos;
  if (i < lower.size() && (lower[i] == '=' || lower[i] == ':')) {
    value_start = i + 1;
  } else if (lower.substr(i, 3) == "is ") {
    value_start = i + 3;
  }
  if (value_start == std::string_view::npos) {
    return false;
  }
  while (value_start < lower.size()
         && (lower[value_start] == ' ' || lower[value_start] == '"' || lower[value_start] == '\''
             || lower[value_start] == '=')) {
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

bool HasSecrets(std::string_view text, std::string_view lower, const LowerCaseScan& scan) {
  if (scan.Has(kPemBegin) && scan.Has(kPrivateKeyPhrase)) {
    return true;
  }
  for (std::size_t k = 0; k + 1 < scan.secret_keys.size(); k += 2) {
    if (IsSecretAssignment(text, lower, scan.secret_keys[k], scan.secret_keys[k + 1])) {
      return true;
    }
  }
  return HasPrefixedToken(text);
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

// IBAN: two letters, two check digits, 11-30 letters or digits (spaces allowed), mod 97 = 1.
bool HasIban(std::string_view text) {
  for (std::size_t i = 0; i + 15 <= text.size(); ++i) {
    const bool start = (i == 0 || !IsAlnum(text[i - 1])) && text[i] >= 'A' && text[i] <= 'Z'
                       && text[i + 1] >= 'A' && text[i + 1] <= 'Z' && IsDigit(text[i + 2])
                       && IsDigit(text[i + 3]);
    if (!start) {
      continue;
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
      continue;
    }
    int remainder = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const char c = chars[(k + 4) % n];
      const int value = IsDigit(c) ? c - '0' : c - 'A' + 10;
      remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
    }
    if (remainder == 1) {
      return true;
    }
  }
  return false;
}

bool HasPii(std::string_view text, const LowerCaseScan& scan) {
  if (scan.Has(kPiiPhrase)) {
    return true;
  }
  if (HasEmail(text) || HasIban(text)) {
    return true;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool begins =
        IsDigit(text[i])
        || ((text[i] == '+' || text[i] == '(') && i + 1 < text.size() && IsDigit(text[i + 1]));
    if (!begins || (i > 0 && (IsAlnum(text[i - 1]) || text[i - 1] == '.'))) {
      continue;
    }
    const DigitSpan span = ReadDigitSpan(text, i);
    if (IsPiiNumber(span)) {
      return true;
    }
    i = span.end;
  }
  return false;
}

}  // namespace

SecurityAssessment ScanSecurity(std::string_view text) {
  const std::string lower = Lowered(text);
  const LowerCaseScan scan = ScanLowerCase(lower);
  SecurityAssessment assessment;
  const std::array<std::pair<std::string_view, bool>, 5> checks = {{
      {"code_generation", IsCodeGeneration(scan)},
      {"system_command", IsSystemCommand(scan)},
      {"database_operation", IsDatabaseOperation(text, scan)},
      {"secrets", HasSecrets(text, lower, scan)},
      {"pii", HasPii(text, scan)},
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
