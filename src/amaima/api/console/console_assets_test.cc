#include "amaima/api/console/console_assets.h"

#include <zlib.h>

#include <fstream>
#include <random>

#include <gtest/gtest.h>

namespace amaima::api {
namespace {

namespace fs = std::filesystem;

class ConsoleAssetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("console-assets-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_ / "assets");
  }

  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& body) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name, std::ios::binary) << body;
  }

  // A small built console: index.html, a hashed script, a favicon.
  ConsoleAssets LoadBuilt() {
    Write("index.html", "<!doctype html><div id=root></div><script src=/assets/app-1a2b.js>");
    Write("assets/app-1a2b.js", std::string(4000, 'x') + "console.log('amaima');");
    Write("favicon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
    auto assets = ConsoleAssets::Load(dir_);
    EXPECT_TRUE(assets.has_value()) << assets.error().message;
    return std::move(*assets);
  }

  static http::HttpRequest Get(std::string path) {
    http::HttpRequest request;
    request.method = "GET";
    request.path = std::move(path);
    request.request_id = "req-1";
    return request;
  }

  static std::string HeaderOf(const http::HttpResponse& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) {
        return value;
      }
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(ConsoleAssetsTest, RefusesAMissingDirectoryOrOneWithoutIndex) {
  auto missing = ConsoleAssets::Load(dir_ / "nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().reason, "CONSOLE_NOT_BUILT");

  Write("assets/app.js", "x");
  auto no_index = ConsoleAssets::Load(dir_);
  ASSERT_FALSE(no_index.has_value());
  EXPECT_EQ(no_index.error().reason, "CONSOLE_NO_INDEX");
}

TEST_F(ConsoleAssetsTest, RefusesADirectoryOverTheSizeLimit) {
  Write("index.html", std::string(600, 'a'));
  Write("assets/big.js", std::string(600, 'b'));

  auto assets = ConsoleAssets::Load(dir_, 1000);

  ASSERT_FALSE(assets.has_value());
  EXPECT_EQ(assets.error().reason, "CONSOLE_TOO_LARGE");
}

TEST_F(ConsoleAssetsTest, ServesIndexAtTheRootAndForClientSideRoutes) {
  const ConsoleAssets assets = LoadBuilt();
  EXPECT_EQ(assets.file_count(), 3U);

  for (const std::string path : {"/", "/index.html", "/decisions/abc", "/settings"}) {
    const http::HttpResponse response = assets.Serve(Get(path));
    EXPECT_EQ(response.status, 200) << path;
    EXPECT_EQ(response.content_type, "text/html; charset=utf-8") << path;
    EXPECT_NE(response.body.find("id=root"), std::string::npos) << path;
    EXPECT_EQ(HeaderOf(response, "cache-control"), "no-cache") << path;
    EXPECT_NE(HeaderOf(response, "content-security-policy").find("default-src 'self'"),
              std::string::npos);
    EXPECT_EQ(HeaderOf(response, "x-frame-options"), "DENY");
  }
}

TEST_F(ConsoleAssetsTest, HashedAssetsAreImmutableAndOtherFilesRevalidated) {
  const ConsoleAssets assets = LoadBuilt();

  const http::HttpResponse script = assets.Serve(Get("/assets/app-1a2b.js"));
  const http::HttpResponse icon = assets.Serve(Get("/favicon.svg"));

  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "application/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(script, "cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(script, "x-content-type-options"), "nosniff");
  EXPECT_EQ(HeaderOf(script, "content-security-policy"), "");
  EXPECT_EQ(icon.content_type, "image/svg+xml");
  EXPECT_EQ(HeaderOf(icon, "cache-control"), "no-cache");
}

TEST_F(ConsoleAssetsTest, MissingFilesAndApiPathsAnswerTheApi404) {
  const ConsoleAssets assets = LoadBuilt();

  for (const std::string path : {"/assets/gone-9999.js", "/v1/nothing", "/v1", "/health/nothing",
                                 "/metrics/x", "/../../etc/passwd", "/assets/../index.html.bak"}) {
    const http::HttpResponse response = assets.Serve(Get(path));
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_NE(response.body.find("SYSTEM_ROUTE_NOT_FOUND"), std::string::npos) << path;
    EXPECT_NE(response.body.find("req-1"), std::string::npos) << path;
  }
}

TEST_F(ConsoleAssetsTest, AMatchingETagAnswers304WithoutABody) {
  const ConsoleAssets assets = LoadBuilt();
  const http::HttpResponse first = assets.Serve(Get("/assets/app-1a2b.js"));
  const std::string etag = HeaderOf(first, "etag");
  ASSERT_EQ(etag.size(), 34U);  // A quoted 128-bit hex digest.

  http::HttpRequest again = Get("/assets/app-1a2b.js");
  again.headers.emplace_back("if-none-match", "\"other\", " + etag);
  http::HttpRequest changed = Get("/assets/app-1a2b.js");
  changed.headers.emplace_back("if-none-match", "\"0123\"");

  const http::HttpResponse revalidated = assets.Serve(again);
  EXPECT_EQ(revalidated.status, 304);
  EXPECT_TRUE(revalidated.body.empty());
  EXPECT_EQ(HeaderOf(revalidated, "etag"), etag);
  EXPECT_EQ(assets.Serve(changed).status, 200);
}

std::string Gunzip(const std::string& data) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out(1 << 16, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

TEST_F(ConsoleAssetsTest, CompressesForClientsThatAcceptGzip) {
  const ConsoleAssets assets = LoadBuilt();
  const std::string plain = assets.Serve(Get("/assets/app-1a2b.js")).body;

  http::HttpRequest accepts = Get("/assets/app-1a2b.js");
  accepts.headers.emplace_back("accept-encoding", "br, gzip;q=0.8");
  http::HttpRequest refuses = Get("/assets/app-1a2b.js");
  refuses.headers.emplace_back("accept-encoding", "br, gzip;q=0");

  const http::HttpResponse gzipped = assets.Serve(accepts);
  const http::HttpResponse identity = assets.Serve(refuses);

  EXPECT_EQ(HeaderOf(gzipped, "content-encoding"), "gzip");
  EXPECT_EQ(HeaderOf(gzipped, "vary"), "accept-encoding");
  EXPECT_LT(gzipped.body.size(), plain.size() / 10);
  EXPECT_EQ(Gunzip(gzipped.body), plain);
  EXPECT_EQ(HeaderOf(identity, "content-encoding"), "");
  EXPECT_EQ(identity.body, plain);
  // Too small to pay: never compressed.
  accepts.path = "/favicon.svg";
  EXPECT_EQ(HeaderOf(assets.Serve(accepts), "content-encoding"), "");
}

TEST_F(ConsoleAssetsTest, SkipsSymbolicLinks) {
  Write("index.html", "<!doctype html>");
  const fs::path outside = dir_.string() + "-secret.txt";
  std::ofstream(outside) << "secret";
  fs::create_symlink(outside, dir_ / "secret.txt");

  auto assets = ConsoleAssets::Load(dir_);
  fs::remove(outside);

  ASSERT_TRUE(assets.has_value());
  EXPECT_EQ(assets->file_count(), 1U);
  EXPECT_EQ(assets->Serve(Get("/secret.txt")).status, 404);
}

TEST(ContentTypeForTest, KnowsTheConsoleFileTypes) {
  EXPECT_EQ(ContentTypeFor("a.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("font.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("noext"), "application/octet-stream");
}

}  // namespace
}  // namespace amaima::api
