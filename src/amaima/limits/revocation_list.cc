#include "amaima/limits/revocation_list.h"

#include <algorithm>
#include <iterator>

namespace amaima::limits {

Status InProcessRevocationList::Revoke(std::string_view id,
                                       std::chrono::system_clock::time_point expires_at) {
  if (id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD", "empty token id");
  }
  const auto now = clock_.Now();
  const std::scoped_lock lock(mutex_);
  if (entries_.size() >= sweep_at_) {
    std::erase_if(entries_, [now](const auto& entry) { return entry.second <= now; });
    sweep_at_ = std::max<std::size_t>(64, 2 * entries_.size());
  }
  auto [it, inserted] = entries_.try_emplace(std::string(id), expires_at);
  if (!inserted) {
    it->second = std::max(it->second, expires_at);
  }
  return {};
}

Result<bool> InProcessRevocationList::IsRevoked(std::string_view id) {
  const auto now = clock_.Now();
  const std::scoped_lock lock(mutex_);
  const auto it = entries_.find(std::string(id));
  return it != entries_.end() && it->second > now;
}

std::size_t InProcessRevocationList::size() const {
  const std::scoped_lock lock(mutex_);
  return entries_.size();
}

}  // namespace amaima::limits
