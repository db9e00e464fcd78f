#pragma once

#include <string_view>

namespace amaima::routing {

// The bytes of models/router/complexity.amr as embedded at build time (see
// builtin_weights.cc.in). The storage is static and lives as long as the program; empty
// when the build had no weights file.
std::string_view BuiltInWeightsBytes();

// The bytes of models/router/strong_weak.amr, embedded the same way.
std::string_view BuiltInStrongWeakWeightsBytes();

}  // namespace amaima::routing
