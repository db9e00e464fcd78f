#include "amaima/config/config_loader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>
#include <vector>

#include "amaima/config/config_schema.h"
#include "amaima/config/env_overrides.h"
#include "amaima/config/yaml_binder.h"

#include <yaml-cpp/yaml.h>

namespace amaima::config {
namespace {

constexpr const char* kInvalidReason = "CONFIG_INVALID";

// One line per problem: "<where>: <key.path>: <message>"; one "key" detail each.
Error InvalidConfig(const std::vector<internal::Problem>& problems) {
  std::string message;
  for (const internal::Problem& problem : problems) {
    if (!message.empty())
      message += '\n';
    message += problem.where + ": " + problem.path + ": " + problem.message;
  }
  Error error = Fail(ErrorCode::kInvalidArgument, kInvalidReason, std::move(message));
  for (const internal::Problem& problem : problems)
    error.details.emplace_back("key", problem.path);
  return error;
}

}  // namespace

Environment CaptureEnvironment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos)
      continue;
    env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return env;
}

Result<Config> LoadConfigFromString(std::string_view yaml, const Environment& env,
                                    std::string_view source) {
  YAML::Node root;
  try {
    root.reset(YAML::Load(std::string(yaml)));
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports syntax errors by exception; they stop here.
    std::string where(source);
    if (!e.mark.is_null()) {
      where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    }
    return Fail(ErrorCode::kInvalidArgument, kInvalidReason,
                where + ": <root>: YAML syntax error: " + e.msg)
        .With("key", "<root>");
  }

  internal::BindContext ctx{std::string(source), env};
  Config config;
  config.source = std::string(source);
  try {
    internal::ApplyEnvOverrides(ctx, root, env);
    internal::BindConfig(ctx, root, config);
    internal::CheckConfig(ctx, config);
  } catch (const YAML::Exception& e) {
    // The binder only uses non-throwing accessors; reaching this is a bug in it.
    return Fail(ErrorCode::kInternal, kInvalidReason,
                std::string(source) + ": unexpected YAML error while binding: " + e.msg);
  }
  if (!ctx.problems().empty())
    return InvalidConfig(ctx.problems());
  return config;
}

Result<Config> LoadConfig(const LoadOptions& options) {
  if (!options.path)
    return LoadConfigFromString(BuiltInConfigYaml(), options.env, "<built-in>");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(*options.path, ec)) {
    return Fail(ErrorCode::kNotFound, "CONFIG_NOT_FOUND",
                "config file " + *options.path + " does not exist or is not a regular file")
        .With("path", *options.path);
  }
  std::ifstream file(*options.path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file.is_open() || file.bad()) {
    const int saved_errno = errno;
    return Fail(ErrorCode::kNotFound, "CONFIG_NOT_FOUND",
                "cannot read config file " + *options.path + ": " + std::strerror(saved_errno))
        .With("path", *options.path);
  }
  return LoadConfigFromString(text, options.env, *options.path);
}

Status ValidateConfig(const Config& config) {
  static const Environment kNoEnvironment;
  internal::BindContext ctx{config.source.empty() ? "<config>" : config.source, kNoEnvironment};
  internal::CheckConfig(ctx, config);
  if (!ctx.problems().empty())
    return InvalidConfig(ctx.problems());
  return {};
}

}  // namespace amaima::config
