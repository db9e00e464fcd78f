#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "amaima/routing/decision.h"

namespace amaima::api {

// Converts a Decision to its wire form (DESIGN.md §4, decision_schema_version 1.1.0).
// Field order is fixed so that equal decisions serialise to equal bytes. Allocates from `sp`.
boost::json::object DecisionToJson(const routing::Decision& decision,
                                   const boost::json::storage_ptr& sp = {});

// The text of DecisionToJson(decision), written without building the tree: the same
// members in the same order with the same values. Numbers may be spelt differently
// from boost::json::serialize() ("0.1" for "1E-1"); doubles always read back as doubles.
std::string SerializeDecision(const routing::Decision& decision);

}  // namespace amaima::api
