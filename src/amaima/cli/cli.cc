#include "amaima/cli/cli.h"

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "amaima/api/v1/decision_json.h"
#include "amaima/cli/router_command.h"
#include "amaima/config/config_loader.h"
#include "amaima/core/clock.h"
#include "amaima/core/hashing.h"
#include "amaima/core/ids.h"
#include "amaima/governance/governance.h"
#include "amaima/routing/device_profile.h"
#include "amaima/routing/features.h"
#include "amaima/routing/policy.h"
#include "amaima/routing/router.h"
#include "amaima/server/build_router.h"
#include "amaima/server/query_hash_key.h"
#include "amaima/server/server.h"
#include "amaima/server/stores.h"

#include <CLI/CLI.hpp>

#ifndef AMAIMA_VERSION
#define AMAIMA_VERSION "0.0.0"
#endif

namespace amaima::cli {
namespace {

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

int PrintError(const Error& error) {
  std::fprintf(stderr, "error: %s\n", error.message.c_str());
  for (const auto& [key, value] : error.details) {
    std::fprintf(stderr, "  %s: %s\n", key.c_str(), value.c_str());
  }
  return error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kNotFound
             ? kExitUsage
             : kExitRuntime;
}

// Options shared by the subcommands that read the configuration.
struct ConfigFlags {
  std::string config_path{};
  std::string data_dir{};
};

void AddConfigFlags(CLI::App& command, ConfigFlags& flags) {
  command.add_option("--config", flags.config_path,
                     "YAML config file (default: $AMAIMA_CONFIG, else the built-in config)");
  command.add_option("--data-dir", flags.data_dir, "Directory for the database and keys");
}

Result<config::Config> LoadFor(const ConfigFlags& flags) {
  config::LoadOptions options;
  options.env = config::CaptureEnvironment();
  if (!flags.config_path.empty()) {
    options.path = flags.config_path;
  } else if (const auto it = options.env.find("AMAIMA_CONFIG"); it != options.env.end()) {
    options.path = it->second;
  }
  Result<config::Config> loaded = config::LoadConfig(options);
  if (loaded && !flags.data_dir.empty()) {
    loaded->storage.data_dir = flags.data_dir;
  }
  return loaded;
}

std::string Pretty(const boost::json::value& value, int indent = 0);

std::string Pretty(const boost::json::value& value, int indent) {
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  const std::string close_pad(static_cast<std::size_t>(indent), ' ');
  if (value.is_object() && !value.get_object().empty()) {
    std::string out = "{\n";
    bool first = true;
    for (const auto& member : value.get_object()) {
      out += first ? "" : ",\n";
      first = false;
      out += pad + boost::json::serialize(boost::json::value(member.key())) + ": "
             + Pretty(member.value(), indent + 2);
    }
    return out + "\n" + close_pad + "}";
  }
  if (value.is_array() && !value.get_array().empty()) {
    std::string out = "[\n";
    bool first = true;
    for (const auto& element : value.get_array()) {
      out += first ? "" : ",\n";
      first = false;
      out += pad + Pretty(element, indent + 2);
    }
    return out + "\n" + close_pad + "]";
  }
  return boost::json::serialize(value);
}

void PrintJson(const std::string& text, bool pretty) {
  if (!pretty) {
    std::cout << text << '\n';
    return;
  }
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(text, ec);
  std::cout << (ec ? text : Pretty(value)) << '\n';
}

int Serve(const ConfigFlags& flags, std::optional<int> port, const std::string& ready_file) {
  Result<config::Config> loaded = LoadFor(flags);
  if (!loaded) {
    return PrintError(loaded.error());
  }
  if (port) {
    if (*port < 0 || *port > 65535) {
      std::fprintf(stderr, "error: --port must be 0..65535\n");
      return kExitUsage;
    }
    loaded->server.port = static_cast<std::uint16_t>(*port);
  }
  server::ServeOptions options;
  options.ready_file = ready_file;
  Result<std::unique_ptr<server::Server>> server = server::Server::Create(*loaded, options);
  if (!server) {
    return PrintError(server.error());
  }
  return (*server)->Run();
}

struct RouteFlags {
  std::string text{};
  std::string model{};
  std::optional<double> max_cost_usd{};
  std::optional<double> max_latency_ms{};
  std::optional<std::int64_t> max_tokens{};
  bool compact{false};
};

int Route(const ConfigFlags& flags, const RouteFlags& route) {
  Result<config::Config> loaded = LoadFor(flags);
  if (!loaded) {
    return PrintError(loaded.error());
  }
  // The deployment's hash key when one exists, so hashes match the server's;
  // otherwise an ephemeral key (nothing is stored).
  Result<std::string> key = server::LoadQueryHashKey(*loaded, /*create=*/false);
  if (!key) {
    return PrintError(key.error());
  }
  const std::string hash_key = key->empty() ? ToHex(RandomBytes(32)) : *key;
  SystemClock clock;
  IdGenerator ids(clock);
  auto router = server::BuildRouter(*loaded, routing::DetectDeviceProfile(), hash_key, ids, clock);
  if (!router) {
    return PrintError(router.error());
  }
  routing::RouteRequest request;
  request.query = route.text;
  request.org_id = "default";
  request.request_id = "cli";
  request.execution_mode = loaded->execution.mode;
  request.constraints.pinned_model = route.model == "auto" ? "" : route.model;
  request.constraints.max_cost_usd = route.max_cost_usd;
  request.constraints.max_latency_ms = route.max_latency_ms;
  request.constraints.max_tokens = route.max_tokens;
  Result<routing::Decision> decision = (*router)->Decide(request);
  if (!decision) {
    return PrintError(decision.error());
  }
  PrintJson(api::SerializeDecision(*decision), !route.compact);
  return 0;
}

// The deployment's stores, as `amaima serve` opens them (SQLite, or PostgreSQL when
// storage.postgres_url is set). A SQLite file must exist already.
Result<server::Stores> OpenStore(const ConfigFlags& flags) {
  Result<config::Config> loaded = LoadFor(flags);
  if (!loaded) {
    return loaded.error();
  }
  if (loaded->storage.postgres_url.empty()) {
    const std::string path = server::SqlitePath(*loaded);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      return Fail(ErrorCode::kNotFound,
                  "no database at " + path + " (start `amaima serve` first, or pass --data-dir)");
    }
  }
  return server::OpenStores(*loaded);
}

int ListDecisions(const ConfigFlags& flags, int limit, const std::string& cursor,
                  const std::string& level, bool compact) {
  auto store = OpenStore(flags);
  if (!store) {
    return PrintError(store.error());
  }
  storage::DecisionFilter filter;
  filter.level = level;
  Result<storage::DecisionPage> page = store->decisions->List(filter, limit, cursor);
  if (!page) {
    return PrintError(page.error());
  }
  std::string body = R"({"data":[)";
  for (std::size_t i = 0; i < page->items.size(); ++i) {
    body += (i > 0 ? "," : "") + page->items[i].body_json;
  }
  body += R"(],"next_cursor":)";
  body += page->next_cursor.empty() ? "null"
                                    : boost::json::serialize(boost::json::value(page->next_cursor));
  body += '}';
  PrintJson(body, !compact);
  return 0;
}

int ShowDecision(const ConfigFlags& flags, const std::string& id, bool compact) {
  if (!IsUuid(id)) {
    std::fprintf(stderr, "error: '%s' is not a decision id (a UUID)\n", id.c_str());
    return kExitUsage;
  }
  auto store = OpenStore(flags);
  if (!store) {
    return PrintError(store.error());
  }
  Result<storage::StoredDecision> stored = store->decisions->Get(id);
  if (!stored) {
    return PrintError(stored.error());
  }
  PrintJson(stored->body_json, !compact);
  return 0;
}

int CheckConfig(const std::string& path) {
  config::LoadOptions options;
  options.path = path;
  options.env = config::CaptureEnvironment();
  Result<config::Config> loaded = config::LoadConfig(options);
  if (!loaded) {
    return PrintError(loaded.error());
  }
  auto policy = routing::RoutingPolicy::Create(*loaded, routing::DeviceProfile{});
  if (!policy) {
    return PrintError(policy.error());
  }
  std::printf("%s: ok (%zu models, execution_mode %s)\n", path.c_str(), loaded->models.size(),
              config::ExecutionModeName(loaded->execution.mode));
  return 0;
}

}  // namespace

// The operator at the terminal: a system administrator with local access to the database.
Principal CliOperator() {
  Principal principal;
  principal.authenticated = true;
  principal.org_id = std::string(governance::kSystemOrg);
  principal.role = Role::kAdmin;
  const char* user = std::getenv("USER");  // NOLINT(concurrency-mt-unsafe): one thread here
  principal.user_id = std::string("cli:") + (user != nullptr ? user : "operator");
  return principal;
}

struct KeyFlags {
  ConfigFlags config{};
  std::string org{};
  std::string role{"user"};
  std::string name{};
  int expires_in_days{0};
  std::string key_id{};
};

// The stores for the governance commands; a SQLite database is created if missing.
Result<server::Stores> OpenGovernance(const ConfigFlags& flags) {
  Result<config::Config> loaded = LoadFor(flags);
  if (!loaded) {
    return loaded.error();
  }
  if (Result<std::string> dir = server::PrepareDataDir(*loaded, true); !dir) {
    return dir.error();
  }
  return server::OpenStores(*loaded);
}

boost::json::object KeyJson(const storage::StoredApiKey& key) {
  boost::json::object out{{"key_id", key.key_id}, {"org_id", key.org_id},
                          {"name", key.name},     {"role", RoleName(key.role)},
                          {"prefix", key.prefix}, {"created_at_ms", key.created_at_ms}};
  out["expires_at_ms"] = key.expires_at_ms ? boost::json::value(*key.expires_at_ms) : nullptr;
  out["revoked_at_ms"] = key.revoked_at_ms ? boost::json::value(*key.revoked_at_ms) : nullptr;
  return out;
}

// `amaima keys create|list|revoke`: the admin API's key operations from the terminal.
int KeysCommand(const KeyFlags& flags, std::string_view action) {
  auto store = OpenGovernance(flags.config);
  if (!store) {
    return PrintError(store.error());
  }
  SystemClock clock;
  IdGenerator ids(clock);
  governance::ApiKeyAuthenticator keys(*store->governance, clock, std::chrono::seconds(0));
  governance::Governance governance(*store->governance, keys, ids, clock);
  const Principal actor = CliOperator();
  if (action == "create") {
    if (Result<storage::StoredOrg> org = store->governance->GetOrg(flags.org); !org) {
      if (org.error().code != ErrorCode::kNotFound) {
        return PrintError(org.error());
      }
      if (auto created = governance.CreateOrg(actor, flags.org, flags.org); !created) {
        return PrintError(created.error());
      }
    }
    governance::NewApiKey request;
    request.org_id = flags.org;
    request.role = ParseRole(flags.role).value_or(Role::kUser);
    request.name = flags.name;
    if (flags.expires_in_days > 0) {
      request.expires_at_ms =
          UnixMillis(clock.Now()) + std::int64_t{flags.expires_in_days} * 86'400'000;
    }
    Result<governance::CreatedApiKey> created = governance.CreateKey(actor, request);
    if (!created) {
      return PrintError(created.error());
    }
    boost::json::object out = KeyJson(created->record);
    out["key"] = created->secret;
    PrintJson(boost::json::serialize(out), true);
    std::fprintf(stderr, "The key is shown only now; store it safely.\n");
    return 0;
  }
  if (action == "list") {
    Result<std::vector<storage::StoredApiKey>> listed = governance.ListKeys(actor, flags.org);
    if (!listed) {
      return PrintError(listed.error());
    }
    boost::json::array data;
    for (const storage::StoredApiKey& key : *listed) {
      data.emplace_back(KeyJson(key));
    }
    PrintJson(boost::json::serialize(boost::json::object{{"data", std::move(data)}}), true);
    return 0;
  }
  Result<storage::StoredApiKey> revoked = governance.RevokeKey(actor, flags.key_id);
  if (!revoked) {
    return PrintError(revoked.error());
  }
  PrintJson(boost::json::serialize(KeyJson(*revoked)), true);
  return 0;
}

// `amaima audit verify`: walks the hash chain; exit 0 when whole, 1 naming the first
// broken row.
int VerifyAudit(const ConfigFlags& flags) {
  auto store = OpenGovernance(flags);
  if (!store) {
    return PrintError(store.error());
  }
  Result<storage::AuditVerification> verified = store->governance->VerifyAudit();
  if (!verified) {
    return PrintError(verified.error());
  }
  if (verified->first_broken_seq.has_value()) {
    std::printf("audit chain BROKEN at row %lld: %s (%lld rows read)\n",
                static_cast<long long>(*verified->first_broken_seq),  // NOLINT(google-runtime-int)
                verified->problem.c_str(),
                static_cast<long long>(verified->rows));  // NOLINT(google-runtime-int)
    return kExitRuntime;
  }
  std::printf("audit chain intact: %lld rows\n",
              static_cast<long long>(verified->rows));  // NOLINT(google-runtime-int)
  return 0;
}

int RunCli(int argc, char** argv) {
  CLI::App app{"AMAIMA — AI control plane: classify, route, record and explain every query"};
  app.require_subcommand(1);
  app.set_version_flag("--version", AMAIMA_VERSION);

  ConfigFlags serve_flags;
  std::optional<int> port;
  std::string ready_file;
  CLI::App* serve = app.add_subcommand("serve", "Start the HTTP server");
  AddConfigFlags(*serve, serve_flags);
  serve->add_option("--port", port, "Listen port (overrides server.port; 0 = any free port)");
  serve->add_option("--ready-file", ready_file,
                    "Write the bound port to this file once accepting connections");

  ConfigFlags route_flags;
  RouteFlags route;
  CLI::App* route_cmd = app.add_subcommand("route", "Print the routing decision for a query");
  AddConfigFlags(*route_cmd, route_flags);
  route_cmd->add_option("text", route.text, "The query")->required();
  route_cmd->add_option("--model", route.model, "Pin a catalog model (default: auto)");
  route_cmd->add_option("--max-cost-usd", route.max_cost_usd, "Cost ceiling in USD");
  route_cmd->add_option("--max-latency-ms", route.max_latency_ms, "Latency ceiling in ms");
  route_cmd->add_option("--max-tokens", route.max_tokens, "Expected output tokens");
  route_cmd->add_flag("--compact", route.compact, "One-line JSON");

  CLI::App* decisions = app.add_subcommand("decisions", "Read recorded decisions");
  decisions->require_subcommand(1);
  ConfigFlags decisions_flags;
  int limit = 20;
  std::string cursor;
  std::string level;
  bool compact = false;
  CLI::App* list = decisions->add_subcommand("list", "Newest first, paginated");
  AddConfigFlags(*list, decisions_flags);
  list->add_option("--limit", limit, "Page size")->check(CLI::Range(1, 500));
  list->add_option("--cursor", cursor, "next_cursor of the previous page");
  list->add_option("--level", level, "Only this level")
      ->check(CLI::IsMember({"TRIVIAL", "SIMPLE", "MODERATE", "COMPLEX", "EXPERT"}));
  list->add_flag("--compact", compact, "One-line JSON");
  std::string decision_id;
  CLI::App* show = decisions->add_subcommand("show", "One decision by id");
  AddConfigFlags(*show, decisions_flags);
  show->add_option("id", decision_id, "Decision id")->required();
  show->add_flag("--compact", compact, "One-line JSON");

  CLI::App* config_cmd = app.add_subcommand("config", "Configuration tools");
  config_cmd->require_subcommand(1);
  std::string config_file;
  CLI::App* check = config_cmd->add_subcommand("check", "Validate a config file");
  check->add_option("file", config_file, "YAML file")->required();

  CLI::App* version = app.add_subcommand("version", "Print the version");

  CLI::App* keys_cmd = app.add_subcommand("keys", "API keys (create, list, revoke)");
  keys_cmd->require_subcommand(1);
  KeyFlags key_flags;
  CLI::App* key_create = keys_cmd->add_subcommand("create", "Create a key; prints it once");
  AddConfigFlags(*key_create, key_flags.config);
  key_create->add_option("--org", key_flags.org, "Organisation (created if missing)")->required();
  key_create->add_option("--role", key_flags.role, "admin | user | viewer")
      ->check(CLI::IsMember({"admin", "user", "viewer"}));
  key_create->add_option("--name", key_flags.name, "A label shown in lists");
  key_create->add_option("--expires-in-days", key_flags.expires_in_days, "Expiry (0 = never)")
      ->check(CLI::Range(0, 3650));
  CLI::App* key_list = keys_cmd->add_subcommand("list", "Keys, newest first");
  AddConfigFlags(*key_list, key_flags.config);
  key_list->add_option("--org", key_flags.org, "Only this organisation");
  CLI::App* key_revoke = keys_cmd->add_subcommand("revoke", "Revoke a key by id");
  AddConfigFlags(*key_revoke, key_flags.config);
  key_revoke->add_option("id", key_flags.key_id, "Key id")->required();

  CLI::App* audit_cmd = app.add_subcommand("audit", "The audit trail");
  audit_cmd->require_subcommand(1);
  ConfigFlags audit_flags;
  CLI::App* audit_verify = audit_cmd->add_subcommand("verify", "Check the hash chain");
  AddConfigFlags(*audit_verify, audit_flags);

  AddRouterCommands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  } catch (const CLI::Error& e) {
    return app.exit(e);  // A `router` subcommand failed in its callback.
  }

  if (serve->parsed()) {
    return Serve(serve_flags, port, ready_file);
  }
  if (route_cmd->parsed()) {
    return Route(route_flags, route);
  }
  if (list->parsed()) {
    return ListDecisions(decisions_flags, limit, cursor, level, compact);
  }
  if (show->parsed()) {
    return ShowDecision(decisions_flags, decision_id, compact);
  }
  if (key_create->parsed() || key_list->parsed() || key_revoke->parsed()) {
    return KeysCommand(key_flags,
                       key_create->parsed() ? "create" : (key_list->parsed() ? "list" : "revoke"));
  }
  if (audit_verify->parsed()) {
    return VerifyAudit(audit_flags);
  }
  if (check->parsed()) {
    return CheckConfig(config_file);
  }
  if (version->parsed()) {
    std::printf("amaima %s (decision schema %s)\n", AMAIMA_VERSION,
                std::string(routing::kDecisionSchemaVersion).c_str());
    return 0;
  }
  // `router ...` subcommands ran in their parse callbacks and succeeded.
  return 0;
}

}  // namespace amaima::cli
