#include "amaima/api/admin/budget_api.h"

#include <cmath>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "amaima/api/v1/query_request.h"
#include "amaima/core/run_blocking.h"
#include "amaima/http/server/error_mapping.h"

namespace amaima::api {
namespace {

namespace json = boost::json;
using http::HttpRequest;
using http::HttpResponse;

HttpResponse Json(int status, const json::value& body) {
  HttpResponse response;
  response.status = status;
  response.body = json::serialize(body);
  return response;
}

// A budget row and where it stands in its current period.
struct BudgetView {
  storage::StoredBudget budget{};
  limits::BudgetStatus status{};
};

json::object BudgetJson(const BudgetView& view) {
  const storage::StoredBudget& budget = view.budget;
  const limits::BudgetStatus& status = view.status;
  double utilisation = 0;
  if (budget.cap_usd > 0) {
    utilisation = status.spent_usd / budget.cap_usd;
  } else if (status.spent_usd > 0) {
    utilisation = 1;
  }
  return {{"budget_id", budget.budget_id},
          {"scope_type", budget.scope_type},
          {"scope_id", budget.scope_id},
          {"scope", pipeline::LedgerScope(budget).id},
          {"org_id", budget.org_id},
          {"period", budget.period},
          {"cap_usd", budget.cap_usd},
          {"action", budget.action},
          {"spent_usd", status.spent_usd},
          {"reserved_usd", status.reserved_usd},
          {"utilisation", utilisation},
          {"period_start", FormatRfc3339(status.period_start)},
          {"period_end", FormatRfc3339(status.period_end)},
          {"created_at_ms", budget.created_at_ms},
          {"updated_at_ms", budget.updated_at_ms}};
}

json::object ListJson(const std::vector<BudgetView>& views) {
  json::array data;
  for (const BudgetView& view : views) {
    data.emplace_back(BudgetJson(view));
  }
  return {{"data", std::move(data)}};
}

std::vector<BudgetView> WithStatus(const limits::BudgetLedger& ledger,
                                   std::vector<storage::StoredBudget> budgets) {
  std::vector<BudgetView> views;
  views.reserve(budgets.size());
  for (storage::StoredBudget& budget : budgets) {
    const limits::BudgetStatus status = ledger.Status(pipeline::LedgerScope(budget));
    views.push_back(BudgetView{std::move(budget), status});
  }
  return views;
}

Error MissingField(const std::string& field) {
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD", field + " is required")
      .With("field", field);
}

Error InvalidValue(const std::string& field, const std::string& message) {
  return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE", message)
      .With("field", field);
}

Error NotFound(std::string_view budget_id) {
  return Fail(ErrorCode::kNotFound, "BUDGET_NOT_FOUND", "no budget " + std::string(budget_id))
      .With("budget_id", std::string(budget_id));
}

// An optional string field: "" when absent or null.
Result<std::string> StringField(const json::object& body, std::string_view field) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr || value->is_null()) {
    return std::string();
  }
  if (!value->is_string()) {
    return InvalidTypeError(std::string(field), "a string");
  }
  return std::string(value->as_string());
}

// Completes and checks the scope of `budget`: its organisation (default: the caller's; an
// org budget's scope_id is its org_id) and its scope id.
Status ResolveScope(storage::StoredBudget& budget, const std::string& caller_org) {
  if (budget.scope_type.empty()) {
    return MissingField("scope_type");
  }
  if (budget.scope_type != storage::kBudgetScopeOrg && budget.scope_type != storage::kBudgetScopeKey
      && budget.scope_type != storage::kBudgetScopeUser) {
    return InvalidValue("scope_type", "scope_type must be org, key or user");
  }
  if (budget.scope_type == storage::kBudgetScopeOrg) {
    if (budget.org_id.empty()) {
      budget.org_id = budget.scope_id.empty() ? caller_org : budget.scope_id;
    }
    if (budget.scope_id.empty()) {
      budget.scope_id = budget.org_id;
    }
    if (budget.scope_id != budget.org_id) {
      return InvalidValue("scope_id", "an org budget's scope_id is its org_id");
    }
  }
  if (budget.org_id.empty()) {
    budget.org_id = caller_org;
  }
  if (budget.scope_id.empty()) {
    return MissingField("scope_id");
  }
  return {};
}

Result<double> ParseCap(const json::object& body) {
  const json::value* cap = body.if_contains("cap_usd");
  if (cap == nullptr || cap->is_null()) {
    return MissingField("cap_usd");
  }
  if (!cap->is_number()) {
    return InvalidTypeError("cap_usd", "a number");
  }
  const double usd = cap->to_number<double>();
  if (!std::isfinite(usd) || usd < 0 || usd > 1e9) {
    return InvalidValue("cap_usd", "cap_usd must be a number from 0 to 1e9");
  }
  return usd;
}

// Reads and checks a PUT body into a budget row (ids and times are set later). `caller_org` is
// the default organisation.
Result<storage::StoredBudget> ParseBudget(const json::object& body, const std::string& caller_org,
                                          const std::string& default_action) {
  storage::StoredBudget budget;
  for (const auto& [field, out] : {std::pair{"scope_type", &budget.scope_type},
                                   {"scope_id", &budget.scope_id},
                                   {"org_id", &budget.org_id},
                                   {"period", &budget.period},
                                   {"action", &budget.action}}) {
    Result<std::string> value = StringField(body, field);
    if (!value) {
      return value.error();
    }
    *out = std::move(*value);
  }
  if (Status scope = ResolveScope(budget, caller_org); !scope) {
    return scope.error();
  }
  if (budget.period.empty()) {
    return MissingField("period");
  }
  if (budget.period != storage::kBudgetPeriodDaily
      && budget.period != storage::kBudgetPeriodMonthly) {
    return InvalidValue("period", "period must be daily or monthly");
  }
  if (budget.action.empty()) {
    budget.action = default_action;
  }
  if (budget.action != storage::kBudgetActionReject
      && budget.action != storage::kBudgetActionDowngrade) {
    return InvalidValue("action", "action must be reject or downgrade");
  }
  Result<double> cap = ParseCap(body);
  if (!cap) {
    return cap.error();
  }
  budget.cap_usd = *cap;
  return budget;
}

// "0.0018": as many digits as a double needs, no exponent for ordinary amounts.
std::string FormatUsd(double usd) {
  std::ostringstream out;
  out.precision(15);
  out << usd;
  return out.str();
}

Error Forbidden(std::string_view org_id) {
  return Fail(ErrorCode::kPermissionDenied, "AUTH_FORBIDDEN",
              "organisation " + std::string(org_id) + " is not administered by this key")
      .With("org_id", std::string(org_id));
}

}  // namespace

BudgetApi::BudgetApi(pipeline::BudgetDefinitions& budgets, const limits::BudgetLedger& ledger,
                     governance::Governance& governance, storage::GovernanceStore& governance_store,
                     IdGenerator& ids, const Clock& clock, boost::asio::thread_pool& blocking_pool,
                     std::string default_action)
    : budgets_(budgets),
      ledger_(ledger),
      governance_(governance),
      governance_store_(governance_store),
      ids_(ids),
      clock_(clock),
      pool_(blocking_pool),
      default_action_(std::move(default_action)) {}

void BudgetApi::Register(http::RouteTable& routes) {
  routes.Add("PUT", "/v1/admin/budgets", Permission::kManageOrg,
             [this](HttpRequest& r) { return Put(r); });
  routes.Add("GET", "/v1/admin/budgets", Permission::kManageOrg,
             [this](HttpRequest& r) { return List(r); });
  routes.Add("DELETE", "/v1/admin/budgets/{id}", Permission::kManageOrg,
             [this](HttpRequest& r) { return Delete(r); });
  routes.Add("GET", "/v1/budgets", Permission::kReadAnalytics,
             [this](HttpRequest& r) { return Mine(r); });
}

boost::asio::awaitable<HttpResponse> BudgetApi::Put(HttpRequest& request) {
  Result<json::object> body = ParseJsonObjectBody(request.body);
  if (!body) {
    co_return http::ErrorResponse(body.error(), request.request_id);
  }
  Result<storage::StoredBudget> parsed =
      ParseBudget(*body, request.principal.Org(), default_action_);
  if (!parsed) {
    co_return http::ErrorResponse(parsed.error(), request.request_id);
  }
  parsed->budget_id = ids_.NewId();
  parsed->created_at_ms = UnixMillis(clock_.Now());
  parsed->updated_at_ms = parsed->created_at_ms;
  auto put = [this, actor = request.principal, budget = *parsed]() -> Result<BudgetView> {
    if (!governance::Governance::MayAdminister(actor, budget.org_id)) {
      return Forbidden(budget.org_id);
    }
    if (budget.scope_type == storage::kBudgetScopeKey) {
      Result<storage::StoredApiKey> key = governance_store_.GetApiKey(budget.scope_id);
      if (!key && key.error().code != ErrorCode::kNotFound) {
        return key.error();
      }
      if (!key || key->org_id != budget.org_id) {
        return Fail(ErrorCode::kNotFound, "BUDGET_SCOPE_NOT_FOUND",
                    "organisation " + budget.org_id + " has no api key " + budget.scope_id)
            .With("field", "scope_id");
      }
    }
    Result<storage::StoredBudget> stored = budgets_.store().UpsertBudget(budget);
    if (!stored) {
      return stored.error();
    }
    budgets_.Invalidate(stored->org_id);
    Status audited = governance_.Record({stored->org_id,
                                         actor.Subject(),
                                         "budget.set",
                                         "budget:" + stored->budget_id,
                                         true,
                                         {{"scope", pipeline::LedgerScope(*stored).id},
                                          {"period", stored->period},
                                          {"cap_usd", FormatUsd(stored->cap_usd)},
                                          {"action", stored->action}}});
    if (!audited) {
      return audited.error();
    }
    const limits::BudgetStatus status = ledger_.Status(pipeline::LedgerScope(*stored));
    return BudgetView{std::move(*stored), status};
  };
  Result<BudgetView> view = co_await RunBlocking(pool_, std::move(put));
  if (!view) {
    co_return http::ErrorResponse(view.error(), request.request_id);
  }
  co_return Json(200, BudgetJson(*view));
}

boost::asio::awaitable<HttpResponse> BudgetApi::List(HttpRequest& request) {
  std::string org = request.QueryParam("org_id").value_or("");
  const Principal& actor = request.principal;
  const bool sees_all = !actor.authenticated || actor.MaySee("");
  if (!sees_all) {
    if (!org.empty() && org != actor.org_id) {
      co_return http::ErrorResponse(Forbidden(org), request.request_id);
    }
    org = actor.org_id;
  }
  auto list = [this, org]() -> Result<std::vector<BudgetView>> {
    Result<std::vector<storage::StoredBudget>> budgets = budgets_.store().ListBudgets(org);
    if (!budgets) {
      return budgets.error();
    }
    return WithStatus(ledger_, std::move(*budgets));
  };
  Result<std::vector<BudgetView>> views = co_await RunBlocking(pool_, std::move(list));
  if (!views) {
    co_return http::ErrorResponse(views.error(), request.request_id);
  }
  co_return Json(200, ListJson(*views));
}

boost::asio::awaitable<HttpResponse> BudgetApi::Delete(HttpRequest& request) {
  auto remove = [this, actor = request.principal,
                 id = std::string(request.PathParam("id"))]() -> Result<BudgetView> {
    Result<storage::StoredBudget> budget = budgets_.store().GetBudget(id);
    if (!budget) {
      return budget.error().code == ErrorCode::kNotFound ? NotFound(id) : budget.error();
    }
    if (!governance::Governance::MayAdminister(actor, budget->org_id)) {
      return NotFound(id);  // Other organisations' budgets are not even confirmed to exist.
    }
    const limits::BudgetStatus status = ledger_.Status(pipeline::LedgerScope(*budget));
    Status deleted = budgets_.store().DeleteBudget(id);
    if (!deleted) {
      return deleted.error().code == ErrorCode::kNotFound ? NotFound(id) : deleted.error();
    }
    budgets_.Invalidate(budget->org_id);
    Status audited = governance_.Record(
        {budget->org_id,
         actor.Subject(),
         "budget.delete",
         "budget:" + budget->budget_id,
         true,
         {{"scope", pipeline::LedgerScope(*budget).id}, {"period", budget->period}}});
    if (!audited) {
      return audited.error();
    }
    return BudgetView{std::move(*budget), status};
  };
  Result<BudgetView> view = co_await RunBlocking(pool_, std::move(remove));
  if (!view) {
    co_return http::ErrorResponse(view.error(), request.request_id);
  }
  co_return Json(200, BudgetJson(*view));
}

boost::asio::awaitable<HttpResponse> BudgetApi::Mine(HttpRequest& request) {
  auto mine = [this, caller = request.principal]() -> Result<std::vector<BudgetView>> {
    Result<pipeline::BudgetList> defined = budgets_.ForOrg(caller.Org());
    if (!defined) {
      return defined.error();
    }
    return WithStatus(ledger_, pipeline::BudgetsFor(**defined, caller));
  };
  Result<std::vector<BudgetView>> views = co_await RunBlocking(pool_, std::move(mine));
  if (!views) {
    co_return http::ErrorResponse(views.error(), request.request_id);
  }
  co_return Json(200, ListJson(*views));
}

}  // namespace amaima::api
