#include "amaima/api/console/console_assets.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include "amaima/core/hashing.h"
#include "amaima/http/server/error_mapping.h"

namespace amaima::api {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";
// Scripts and styles only from the console itself; the API (fetch and WebSocket) on the same
// origin; images inline or from the origin.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'";
constexpr std::size_t kMinCompressBytes = 256;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Paths that belong to the API: an unknown one is the API's 404, never the console.
bool IsApiPath(std::string_view path) {
  return path == "/v1" || StartsWith(path, "/v1/") || StartsWith(path, "/health")
         || StartsWith(path, "/metrics");
}

bool Compressible(std::string_view content_type) {
  return StartsWith(content_type, "text/") || StartsWith(content_type, "application/javascript")
         || StartsWith(content_type, "application/json")
         || StartsWith(content_type, "image/svg+xml")
         || StartsWith(content_type, "application/wasm")
         || StartsWith(content_type, "application/manifest+json");
}

// gzip of `data` at the highest level (done once, at start-up); empty on failure.
std::string Gzip(std::string_view data) {
  z_stream stream{};
  constexpr int kGzipWindowBits = 15 + 16;
  constexpr int kMemLevel = 9;
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                   Z_DEFAULT_STRATEGY)
      != Z_OK) {
    return {};
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  // zlib's interface is not const-correct; it only reads the input.
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return status == Z_STREAM_END ? out : std::string{};
}

// Whether `accept_encoding` admits gzip ("gzip", "gzip;q=0.5", "*"; not "gzip;q=0").
bool AcceptsGzip(std::string_view accept_encoding) {
  std::size_t start = 0;
  while (start < accept_encoding.size()) {
    std::size_t comma = accept_encoding.find(',', start);
    if (comma == std::string_view::npos) {
      comma = accept_encoding.size();
    }
    std::string_view item = accept_encoding.substr(start, comma - start);
    start = comma + 1;
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    const std::size_t semicolon = item.find(';');
    std::string_view coding = item.substr(0, semicolon);
    while (!coding.empty() && coding.back() == ' ') {
      coding.remove_suffix(1);
    }
    if (coding != "gzip" && coding != "*") {
      continue;
    }
    if (semicolon == std::string_view::npos) {
      return true;
    }
    std::string_view params = item.substr(semicolon + 1);
    params.remove_prefix(std::min(params.find_first_not_of(' '), params.size()));
    // q=0, q=0.0, q=0.000 refuse; any other weight accepts.
    if (StartsWith(params, "q=0")
        && params.substr(3).find_first_not_of(".0") == std::string_view::npos) {
      return false;
    }
    return true;
  }
  return false;
}

// Whether `path` has a "." or ".." segment (never a console path; refused outright).
bool HasDotSegment(std::string_view path) {
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      slash = path.size();
    }
    const std::string_view segment = path.substr(start, slash - start);
    if (segment == "." || segment == "..") {
      return true;
    }
    start = slash + 1;
  }
  return false;
}

// Whether If-None-Match names `etag` (or is "*").
bool Matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match.find('*') != std::string_view::npos) {
    return true;
  }
  std::size_t at = if_none_match.find(etag);
  return at != std::string_view::npos;
}

Result<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(ErrorCode::kUnavailable, "CONSOLE_UNREADABLE", "cannot read " + path.string());
  }
  std::string body{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    return Fail(ErrorCode::kUnavailable, "CONSOLE_UNREADABLE", "cannot read " + path.string());
  }
  return body;
}

}  // namespace

std::string_view ContentTypeFor(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "application/javascript; charset=utf-8"},
      {".mjs", "application/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".xml", "application/xml"},
  }};
  const std::size_t dot = file_name.rfind('.');
  if (dot != std::string_view::npos) {
    std::string extension(file_name.substr(dot));
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& [suffix, type] : kTypes) {
      if (extension == suffix) {
        return type;
      }
    }
  }
  return "application/octet-stream";
}

Result<ConsoleAssets> ConsoleAssets::Load(const fs::path& dir, std::size_t max_total_bytes) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Fail(ErrorCode::kNotFound, "CONSOLE_NOT_BUILT",
                "the web console directory " + dir.string() + " does not exist")
        .With("dir", dir.string());
  }
  ConsoleAssets assets;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    // Links are not followed: only the directory's own files are served.
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) {
      continue;
    }
    const std::string url = "/" + fs::relative(it->path(), dir, ec).generic_string();
    Result<std::string> body = ReadFile(it->path());
    if (!body) {
      return body.error();
    }
    assets.total_bytes_ += body->size();
    if (assets.total_bytes_ > max_total_bytes) {
      return Fail(ErrorCode::kInvalidArgument, "CONSOLE_TOO_LARGE",
                  "the web console under " + dir.string() + " exceeds "
                      + std::to_string(max_total_bytes) + " bytes")
          .With("dir", dir.string());
    }
    Asset asset;
    asset.content_type = std::string(ContentTypeFor(url));
    asset.etag = "\"" + ToHex(Sha256(*body)).substr(0, 32) + "\"";
    asset.cache_control = std::string(StartsWith(url, "/assets/") ? kImmutable : kRevalidate);
    if (body->size() >= kMinCompressBytes && Compressible(asset.content_type)) {
      std::string gzip = Gzip(*body);
      // Keep it only when it saves at least a tenth.
      if (!gzip.empty() && gzip.size() * 10 <= body->size() * 9) {
        asset.gzip = std::move(gzip);
      }
    }
    asset.body = std::move(*body);
    assets.assets_.emplace(url, std::move(asset));
  }
  if (ec) {
    return Fail(ErrorCode::kUnavailable, "CONSOLE_UNREADABLE",
                "cannot list " + dir.string() + ": " + ec.message())
        .With("dir", dir.string());
  }
  if (!assets.assets_.contains("/index.html")) {
    return Fail(ErrorCode::kInvalidArgument, "CONSOLE_NO_INDEX",
                "the web console directory " + dir.string() + " has no index.html")
        .With("dir", dir.string());
  }
  return assets;
}

const ConsoleAssets::Asset* ConsoleAssets::Resolve(std::string_view path) const {
  if (path.empty() || path == "/") {
    path = "/index.html";
  }
  if (auto it = assets_.find(path); it != assets_.end()) {
    return &it->second;
  }
  // A client-side route ("/decisions/abc") renders the app; a missing file ("/x.js") is 404.
  const std::string_view last = path.substr(path.rfind('/') + 1);
  if (last.find('.') == std::string_view::npos) {
    return &assets_.find(std::string_view("/index.html"))->second;
  }
  return nullptr;
}

http::HttpResponse ConsoleAssets::Serve(const http::HttpRequest& request) const {
  const Asset* asset =
      IsApiPath(request.path) || HasDotSegment(request.path) ? nullptr : Resolve(request.path);
  if (asset == nullptr) {
    return http::ErrorResponse(
        Fail(ErrorCode::kNotFound, "SYSTEM_ROUTE_NOT_FOUND", "no route for " + request.path)
            .With("path", request.path),
        request.request_id);
  }
  http::HttpResponse response;
  response.content_type = asset->content_type;
  response.headers.emplace_back("cache-control", asset->cache_control);
  response.headers.emplace_back("etag", asset->etag);
  response.headers.emplace_back("x-content-type-options", "nosniff");
  if (!asset->gzip.empty()) {
    response.headers.emplace_back("vary", "accept-encoding");
  }
  if (StartsWith(asset->content_type, "text/html")) {
    response.headers.emplace_back("content-security-policy", std::string(kContentSecurityPolicy));
    response.headers.emplace_back("x-frame-options", "DENY");
    response.headers.emplace_back("referrer-policy", "no-referrer");
  }
  const std::optional<std::string_view> if_none_match = request.Header("if-none-match");
  if (if_none_match && Matches(*if_none_match, asset->etag)) {
    response.status = 304;
    return response;
  }
  const std::optional<std::string_view> accept_encoding = request.Header("accept-encoding");
  const bool gzip = !asset->gzip.empty() && accept_encoding && AcceptsGzip(*accept_encoding);
  if (gzip) {
    response.headers.emplace_back("content-encoding", "gzip");
  }
  // For HEAD the server sends the length of this body and not the body.
  response.body = gzip ? asset->gzip : asset->body;
  return response;
}

}  // namespace amaima::api
