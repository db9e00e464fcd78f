#pragma once

#include "amaima/config/config.h"
#include "amaima/core/result.h"
#include "amaima/governance/sessions.h"

namespace amaima::server {

// The keys users' tokens are signed and verified with, from `auth:`:
//  - HS256: auth.jwt_secret (at least 32 bytes), else the key kept in <data_dir>/jwt_hs256.key
//    (created on first start);
//  - RS256: auth.jwt_private_key_file (signs and verifies), else auth.jwt_public_key_file
//    (verifies only: this replica issues no tokens).
// Fails with kFailedPrecondition (reason CONFIG_INVALID) naming the key and the problem.
// Blocking (file I/O): call at start-up.
Result<governance::SessionKeys> LoadSessionKeys(const config::Config& config);

}  // namespace amaima::server
