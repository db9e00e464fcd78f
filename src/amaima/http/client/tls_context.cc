#include "amaima/http/client/tls_context.h"

#include <boost/system/error_code.hpp>

#include "amaima/http/client/upstream_errors.h"

namespace amaima::http {

namespace net = boost::asio;

Result<std::unique_ptr<net::ssl::context>> MakeTlsClientContext(bool verify,
                                                                const std::string& ca_file) {
  auto context = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2
                           | net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1
                           | net::ssl::context::no_tlsv1_1,
                       ec);
  if (ec) {
    return Fail(ErrorCode::kInternal, "cannot configure TLS: " + ec.message());
  }
  if (!verify) {
    context->set_verify_mode(net::ssl::verify_none, ec);
    return context;
  }
  if (ca_file.empty()) {
    context->set_default_verify_paths(ec);
  } else {
    context->load_verify_file(ca_file, ec);
  }
  if (ec) {
    return Fail(ErrorCode::kInvalidArgument, std::string(kUpstreamTlsConfigInvalid),
                "cannot load the TLS certificate authorities"
                    + (ca_file.empty() ? std::string() : " from '" + ca_file + "'") + ": "
                    + ec.message());
  }
  context->set_verify_mode(net::ssl::verify_peer, ec);
  if (ec) {
    return Fail(ErrorCode::kInternal, "cannot configure TLS: " + ec.message());
  }
  return context;
}

}  // namespace amaima::http
