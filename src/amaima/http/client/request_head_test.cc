#include "amaima/http/client/request_head.h"

#include <gtest/gtest.h>

namespace amaima::http {
namespace {

Url LocalUrl() {
  Url url;
  url.host = "localhost";
  url.port = 8080;
  url.target = "/v1/chat/completions";
  return url;
}

TEST(RequestHeadTest, EncodesRequestLineHostUserAgentHeadersAndLength) {
  ClientRequest request;
  request.method = "POST";
  request.headers = {{"Authorization", "Bearer k"}, {"Content-Type", "application/json"}};
  request.body = "{}";

  Result<RequestHead> head = EncodeRequestHead(request, LocalUrl(), "amaima");

  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->text,
            "POST /v1/chat/completions HTTP/1.1\r\n"
            "Host: localhost:8080\r\n"
            "User-Agent: amaima\r\n"
            "Authorization: Bearer k\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 2\r\n"
            "\r\n");
  EXPECT_FALSE(head->close);
}

TEST(RequestHeadTest, KeepsCallersHostAndUserAgentAndOmitsLengthOfEmptyGet) {
  ClientRequest request;
  request.headers = {{"host", "upstream.internal"}, {"user-agent", "sdk/1"}};

  Result<RequestHead> head = EncodeRequestHead(request, LocalUrl(), "amaima");

  ASSERT_TRUE(head);
  EXPECT_EQ(head->text,
            "GET /v1/chat/completions HTTP/1.1\r\n"
            "host: upstream.internal\r\n"
            "user-agent: sdk/1\r\n"
            "\r\n");
}

TEST(RequestHeadTest, SendsZeroLengthForAnEmptyPost) {
  ClientRequest request;
  request.method = "POST";

  Result<RequestHead> head = EncodeRequestHead(request, LocalUrl(), "");

  ASSERT_TRUE(head);
  EXPECT_NE(head->text.find("Content-Length: 0\r\n"), std::string::npos);
  EXPECT_EQ(head->text.find("User-Agent"), std::string::npos);
}

TEST(RequestHeadTest, NotesConnectionClose) {
  ClientRequest request;
  request.headers = {{"Connection", "Keep-Alive, Close"}};

  Result<RequestHead> head = EncodeRequestHead(request, LocalUrl(), "amaima");

  ASSERT_TRUE(head);
  EXPECT_TRUE(head->close);
}

TEST(RequestHeadTest, RejectsInjectionAndClientFraming) {
  const std::vector<HeaderList> cases = {
      {{"X-Evil", "a\r\nInjected: yes"}},
      {{"Bad Name", "v"}},
      {{"", "v"}},
      {{"Content-Length", "5"}},
      {{"transfer-encoding", "chunked"}},
  };
  for (const HeaderList& headers : cases) {
    ClientRequest request;
    request.headers = headers;

    Result<RequestHead> head = EncodeRequestHead(request, LocalUrl(), "amaima");

    ASSERT_FALSE(head) << headers.front().first;
    EXPECT_EQ(head.error().reason, "UPSTREAM_INVALID_REQUEST");
  }
  ClientRequest bad_method;
  bad_method.method = "GET /x";
  EXPECT_FALSE(EncodeRequestHead(bad_method, LocalUrl(), "amaima"));
}

TEST(RequestHeadTest, RetriesIdempotentMethodsAndPostOnly) {
  EXPECT_TRUE(MayRetryOnFreshConnection("GET"));
  EXPECT_TRUE(MayRetryOnFreshConnection("PUT"));
  EXPECT_TRUE(MayRetryOnFreshConnection("POST"));
  EXPECT_FALSE(MayRetryOnFreshConnection("PATCH"));
  EXPECT_FALSE(MayRetryOnFreshConnection("CONNECT"));
}

}  // namespace
}  // namespace amaima::http
