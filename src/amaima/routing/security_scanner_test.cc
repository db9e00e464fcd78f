#include "amaima/routing/security_scanner.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace amaima::routing {
namespace {

struct ScanCase {
  std::string text{};
  std::vector<std::string> categories{};
};

class SecurityScannerTest : public ::testing::TestWithParam<ScanCase> {};

TEST_P(SecurityScannerTest, ReportsExactlyTheExpectedCategories) {
  const ScanCase& scan_case = GetParam();

  const SecurityAssessment assessment = ScanSecurity(scan_case.text);

  EXPECT_EQ(assessment.categories, scan_case.categories) << scan_case.text;
  EXPECT_EQ(assessment.sensitive, !scan_case.categories.empty());
}

// Positive cases partly drawn from ../shared/data/safety (gitleaks, detect-secrets and
// presidio test strings); negatives include XSTest's benign homonyms.
INSTANTIATE_TEST_SUITE_P(
    Cases, SecurityScannerTest,
    ::testing::Values(
        ScanCase{"hi there", {}}, ScanCase{"What's the capital of France?", {}},
        ScanCase{"How can I kill a Python process?", {}},
        ScanCase{"Select the best answer from the options below.", {}},
        ScanCase{"What is 1234 + 5678?", {}},
        ScanCase{"Write a python function that reverses a string", {"code_generation"}},
        ScanCase{"```cpp\nint main() {}\n```", {"code_generation"}},
        ScanCase{"Run sudo rm -rf / on the server", {"system_command"}},
        ScanCase{"what does chmod +x do", {"system_command"}},
        ScanCase{"DROP TABLE users; -- cleanup", {"database_operation"}},
        ScanCase{"SELECT name FROM customers WHERE id = 3", {"database_operation"}},
        ScanCase{"my aws key is AKIAIOSFODNN7EXAMPLE please check", {"secrets"}},
        ScanCase{"token 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", {"secrets"}},
        ScanCase{"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n", {"secrets"}},
        ScanCase{"db_password = 'Tr0ub4dor&3x'", {"secrets"}},
        ScanCase{"password = '${DB_PASSWORD}'", {}},
        ScanCase{"Contact me at jane.doe@example.com", {"pii"}},
        ScanCase{"Call +1 (212) 555-0199 tomorrow", {"pii"}},
        ScanCase{"My card is 4111 1111 1111 1111", {"pii"}},
        ScanCase{"My card is 4111 1111 1111 1112", {}},  // fails the Luhn check
        ScanCase{"SSN 078-05-1120", {"pii"}}, ScanCase{"IBAN GB82 WEST 1234 5698 7654 32", {"pii"}},
        ScanCase{"IBAN GB82WEST12345698765433", {}},  // fails mod 97
        ScanCase{"server at 192.168.10.254", {"pii"}}, ScanCase{"version 3.14.1 released", {}},
        ScanCase{
            "Write a bash script that backs up the MySQL database with my password=S3cretPass99",
            {"code_generation", "system_command", "database_operation", "secrets"}}));

TEST(SecurityScannerTest, CaseSensitivePatternsStayCaseSensitive) {
  EXPECT_FALSE(ScanSecurity("my key is akiaiosfodnn7example").sensitive);
  EXPECT_FALSE(ScanSecurity("select name from customers where id = 3").sensitive);
  EXPECT_FALSE(ScanSecurity("GHP_wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx").sensitive);
  EXPECT_EQ(ScanSecurity("MY PASSWORD IS hunter22x9").categories,
            std::vector<std::string>{"secrets"});
}

// Long texts are scanned in parts at once (and 16 bytes at a time for numbers): what sits
// anywhere, across the seams included, is found.
TEST(SecurityScannerTest, FindsPatternsAnywhereInLongTexts) {
  std::string filler;
  while (filler.size() < 3000) {
    filler += "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod. ";
  }
  const std::vector<ScanCase> needles = {
      {"AKIAIOSFODNN7EXAMPLE", {"secrets"}},         {"call +1 (212) 555-0199", {"pii"}},
      {"IBAN GB82 WEST 1234 5698 7654 32", {"pii"}}, {"DROP TABLE users", {"database_operation"}},
      {"sudo rm -rf /", {"system_command"}},         {"social security number", {"pii"}},
  };
  for (const ScanCase& needle : needles) {
    for (std::size_t at = 0; at <= filler.size(); at += 37) {
      std::string text = filler;
      text.insert(at, " " + needle.text + " ");

      EXPECT_EQ(ScanSecurity(text).categories, needle.categories) << needle.text << " at " << at;
    }
  }
  EXPECT_FALSE(ScanSecurity(filler).sensitive);
}

TEST(SecurityScannerTest, HandlesEmptyAndBinaryInput) {
  const std::string binary("\0\xff\xfe@\x01", 5);

  EXPECT_FALSE(ScanSecurity("").sensitive);
  EXPECT_FALSE(ScanSecurity(binary).sensitive);
}

}  // namespace
}  // namespace amaima::routing
