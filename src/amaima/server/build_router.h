#pragma once

#include <memory>
#include <string>

#include "amaima/config/config.h"
#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/core/result.h"
#include "amaima/routing/device_profile.h"
#include "amaima/routing/router.h"

namespace amaima::server {

// The one place that assembles a Router from configuration: the classifier (the active
// version of `router.models_dir` when it has one, else `router.model_path`, else the built-in
// weights), the policy for this device, and the query hash key.
// `ids` and `clock` are borrowed and must outlive the router.
Result<std::unique_ptr<routing::Router>> BuildRouter(const config::Config& config,
                                                     const routing::DeviceProfile& device,
                                                     std::string hash_key, IdGenerator& ids,
                                                     const Clock& clock);

}  // namespace amaima::server
