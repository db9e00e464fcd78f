#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "amaima/core/result.h"
#include "amaima/http/server/http_types.h"

namespace amaima::api {

// The built web console (index.html and its assets), read into memory at start-up and served
// from there: a request never touches the file system, so no path can reach outside the
// directory. Answers:
//   - a file's path: the file, with its content type, a strong ETag (304 on If-None-Match),
//     and gzip when the client accepts it and the file compresses;
//   - a path without a file extension that is no file (a client-side route such as
//     /decisions/abc): index.html, so that the single-page app renders it;
//   - anything else, every path under /v1/, /health and /metrics, and any path with a "." or
//     ".." segment: 404 in the API's error shape.
// Caching: files under /assets/ carry a content hash in their names and are cached for a
// year (immutable); everything else, index.html first, is revalidated on every use.
//
// @par Thread Safety
// Load() once; Serve() is const and safe from any thread.
class ConsoleAssets {
 public:
  struct Asset {
    std::string body{};
    std::string gzip{};  // Empty when compressing does not pay.
    std::string content_type{};
    std::string etag{};
    std::string cache_control{};
  };

  // Reads every regular file under `dir` (symbolic links are skipped) (at most `max_total_bytes` in
  // all). Fails when the directory cannot be read, has no index.html, or is too large.
  static Result<ConsoleAssets> Load(const std::filesystem::path& dir,
                                    std::size_t max_total_bytes = kDefaultMaxBytes);

  http::HttpResponse Serve(const http::HttpRequest& request) const;

  std::size_t file_count() const { return assets_.size(); }

  std::size_t total_bytes() const { return total_bytes_; }

  static constexpr std::size_t kDefaultMaxBytes = 64U * 1024U * 1024U;

 private:
  const Asset* Resolve(std::string_view path) const;

  std::map<std::string, Asset, std::less<>> assets_;  // By URL path: "/index.html".
  std::size_t total_bytes_{0};
};

// The content type of a file name by its extension ("application/octet-stream" when unknown).
std::string_view ContentTypeFor(std::string_view file_name);

}  // namespace amaima::api
