#pragma once

#include <string>
#include <string_view>

namespace amaima {

enum class Base64Alphabet {
  kStandard,  // RFC 4648 §4: '+', '/', padded with '='
  kUrl,       // RFC 4648 §5: '-', '_', unpadded
};

// Returns the base64 form of `data`.
std::string Base64Encode(std::string_view data, Base64Alphabet alphabet);

}  // namespace amaima
