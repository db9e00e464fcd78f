#pragma once

#include <string_view>

namespace amaima::testing {

// The admin API key the integration tests start servers with (AMAIMA_ADMIN_API_KEY) and
// that their HTTP and WebSocket clients send unless a test says otherwise.
inline constexpr std::string_view kTestAdminKey = "amk_integration-test-admin-key-0001";

}  // namespace amaima::testing
