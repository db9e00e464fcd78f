#include "amaima/server/console.h"

#include <string>

namespace amaima::server {
namespace {

boost::asio::awaitable<http::HttpResponse> ServeFile(const api::ConsoleAssets* assets,
                                                     http::HttpRequest& request) {
  co_return assets->Serve(request);
}

}  // namespace

Result<std::unique_ptr<api::ConsoleAssets>> MountConsole(const config::ConsoleConfig& config,
                                                         http::RouteTable& routes,
                                                         telemetry::Logger& logger) {
  if (!config.enabled) {
    return std::unique_ptr<api::ConsoleAssets>{};
  }
  Result<api::ConsoleAssets> loaded = api::ConsoleAssets::Load(config.dir);
  if (!loaded) {
    if (loaded.error().reason == "CONSOLE_NOT_BUILT") {
      logger.Warn("web console not served", {{"dir", config.dir},
                                             {"reason", loaded.error().message},
                                             {"hint", "scripts/web-build builds it"}});
      return std::unique_ptr<api::ConsoleAssets>{};
    }
    return loaded.error();
  }
  auto assets = std::make_unique<api::ConsoleAssets>(std::move(*loaded));
  logger.Info("web console served at /", {{"dir", config.dir},
                                          {"files", std::to_string(assets->file_count())},
                                          {"bytes", std::to_string(assets->total_bytes())}});
  const api::ConsoleAssets* served = assets.get();
  routes.SetFallback(Permission::kPublic,
                     [served](http::HttpRequest& request) { return ServeFile(served, request); });
  return assets;
}

}  // namespace amaima::server
