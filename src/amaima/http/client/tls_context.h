#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "amaima/core/result.h"

namespace amaima::http {

// Builds the TLS client context of an HttpClient: TLS 1.2 or later; when `verify`
// is set, peers are verified against `ca_file` (PEM) if given, else against the
// system's certificate authorities. Host names are checked per connection
// (UpstreamConnection). Fails with kInvalidArgument when `ca_file` cannot be loaded.
//
// @par Thread Safety
// The context is immutable once built and may be shared by connections on any thread.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeTlsClientContext(bool verify,
                                                                        const std::string& ca_file);

}  // namespace amaima::http
