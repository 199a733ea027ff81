#include "smtp/send_limits.hpp"

#include "common/address.hpp"

namespace postino {

SendLimits send_limits_for(const SendingPolicy& policy, const SubmissionSettings& settings) {
  SendLimits limits{settings.messages_per_hour, settings.recipients_per_hour};
  const std::string& address = policy.account.address;
  const std::size_t at = address.rfind('@');
  if (at != std::string::npos) {
    auto domain = settings.domain_limits.find(ascii_lower(address.substr(at + 1)));
    if (domain != settings.domain_limits.end()) {
      limits.messages = domain->second.messages_per_hour.value_or(limits.messages);
      limits.recipients = domain->second.recipients_per_hour.value_or(limits.recipients);
    }
  }
  limits.messages = policy.messages_per_hour.value_or(limits.messages);
  limits.recipients = policy.recipients_per_hour.value_or(limits.recipients);
  return limits;
}

}  // namespace postino
