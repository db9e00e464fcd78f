#include "amaima/config/config.h"

namespace amaima::config {

const char* ExecutionModeName(ExecutionMode mode) {
  switch (mode) {
    case ExecutionMode::kDecisionOnly:
      return "decision-only";
    case ExecutionMode::kExecutionEnabled:
      return "execution-enabled";
  }
  return "decision-only";
}

}  // namespace amaima::config
