#include "amaima/http/client/url.h"

#include <gtest/gtest.h>

namespace amaima::http {
namespace {

TEST(UrlTest, ParsesSchemeHostPortAndTarget) {
  Result<Url> url = ParseUrl("HTTPS://API.Example.com:8443/v1/chat?stream=true#frag");

  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "api.example.com");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->target, "/v1/chat?stream=true");
  EXPECT_EQ(url->Authority(), "api.example.com:8443");
}

TEST(UrlTest, UsesTheSchemesDefaultPortAndRootTarget) {
  Result<Url> https = ParseUrl("https://example.com");
  Result<Url> http = ParseUrl("http://example.com?x=1");

  ASSERT_TRUE(https);
  ASSERT_TRUE(http);
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->target, "/");
  EXPECT_EQ(https->Authority(), "example.com");
  EXPECT_EQ(http->port, 80);
  EXPECT_EQ(http->target, "/?x=1");
}

TEST(UrlTest, ParsesIpv6Literals) {
  Result<Url> url = ParseUrl("http://[::1]:8080/health");

  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->Authority(), "[::1]:8080");
}

TEST(UrlTest, RejectsWhatItCannotSend) {
  for (const char* text :
       {"ftp://example.com/", "example.com/path", "http://", "http://:80/", "http://host:0/",
        "http://host:65536/", "http://host:12ab/", "http://user:pw@host/", "http://ho st/",
        "http://host/a b", "http://[::1/", "http://host:/"}) {
    Result<Url> url = ParseUrl(text);

    ASSERT_FALSE(url) << text;
    EXPECT_EQ(url.error().code, ErrorCode::kInvalidArgument) << text;
    EXPECT_EQ(url.error().reason, "UPSTREAM_INVALID_URL") << text;
  }
}

}  // namespace
}  // namespace amaima::http
