#pragma once

#include <string_view>

namespace amaima::routing {

// Returns the bytes of models/router/complexity.amr as embedded at build time (see
// builtin_weights.cc.in). The storage is static and lives as long as the program.
std::string_view BuiltInWeightsBytes();

}  // namespace amaima::routing
