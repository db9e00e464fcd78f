#include "amaima/http/server/route_table.h"

#include <gtest/gtest.h>

namespace amaima::http {
namespace {

boost::asio::awaitable<HttpResponse> Ok(HttpRequest& /*request*/) {
  co_return HttpResponse{};
}

TEST(RouteTableTest, MatchesLiteralAndParameterSegments) {
  RouteTable routes;
  routes.Add("GET", "/v1/decisions", Permission::kReadOwnDecisions, Ok);
  routes.Add("GET", "/v1/decisions/{id}", Permission::kReadOwnDecisions, Ok);
  routes.Add("POST", "/v1/simulate", Permission::kQuery, Ok);

  const auto list = routes.Find("GET", "/v1/decisions");
  const auto one = routes.Find("GET", "/v1/decisions/abc");
  const auto head = routes.Find("HEAD", "/v1/decisions");
  const auto wrong_method = routes.Find("DELETE", "/v1/decisions/abc");
  const auto missing = routes.Find("GET", "/v1/decisions/abc/extra");

  EXPECT_EQ(list.status, RouteTable::MatchStatus::kFound);
  ASSERT_EQ(one.status, RouteTable::MatchStatus::kFound);
  EXPECT_EQ(one.params, (std::vector<std::pair<std::string, std::string>>{{"id", "abc"}}));
  ASSERT_NE(one.pattern, nullptr);
  EXPECT_EQ(*one.pattern, "/v1/decisions/{id}");
  EXPECT_EQ(missing.pattern, nullptr);
  EXPECT_EQ(head.status, RouteTable::MatchStatus::kFound);
  EXPECT_EQ(wrong_method.status, RouteTable::MatchStatus::kMethodNotAllowed);
  EXPECT_EQ(wrong_method.allowed_methods, std::vector<std::string>{"GET"});
  EXPECT_EQ(missing.status, RouteTable::MatchStatus::kNotFound);
}

TEST(RouteTableTest, FallbackServesOnlyUnmatchedGetAndHead) {
  RouteTable routes;
  routes.Add("POST", "/v1/simulate", Permission::kQuery, Ok);
  EXPECT_EQ(routes.Find("GET", "/decisions/abc").status, RouteTable::MatchStatus::kNotFound);

  routes.SetFallback(Permission::kPublic, Ok);

  const auto page = routes.Find("GET", "/decisions/abc");
  const auto head = routes.Find("HEAD", "/");
  const auto post = routes.Find("POST", "/decisions");
  const auto wrong_method = routes.Find("GET", "/v1/simulate");
  ASSERT_EQ(page.status, RouteTable::MatchStatus::kFound);
  ASSERT_NE(page.pattern, nullptr);
  EXPECT_EQ(*page.pattern, "/*");
  EXPECT_EQ(page.permission, Permission::kPublic);
  EXPECT_TRUE(page.params.empty());
  EXPECT_EQ(head.status, RouteTable::MatchStatus::kFound);
  EXPECT_EQ(post.status, RouteTable::MatchStatus::kNotFound);
  // A route that exists under another method keeps answering 405.
  EXPECT_EQ(wrong_method.status, RouteTable::MatchStatus::kMethodNotAllowed);
  EXPECT_EQ(routes.List().size(), 1U);
}

TEST(HttpRequestTest, DecodesQueryParameters) {
  HttpRequest request;
  request.query_string = "limit=5&cursor=a%2Bb%3D&flag&name=x+y";

  EXPECT_EQ(request.QueryParam("limit"), "5");
  EXPECT_EQ(request.QueryParam("cursor"), "a+b=");
  EXPECT_EQ(request.QueryParam("flag"), "");
  EXPECT_EQ(request.QueryParam("name"), "x y");
  EXPECT_FALSE(request.QueryParam("absent").has_value());
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
}

}  // namespace
}  // namespace amaima::http
