#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "amaima/routing/decision.h"

namespace amaima::api {

// Converts a Decision to its wire form (DESIGN.md §4, decision_schema_version 1.1.0).
// Field order is fixed so that equal decisions serialise to equal bytes. Allocates from `sp`.
boost::json::object DecisionToJson(const routing::Decision& decision,
                                   const boost::json::storage_ptr& sp = {});

// Serialises DecisionToJson(decision).
std::string SerializeDecision(const routing::Decision& decision);

}  // namespace amaima::api
