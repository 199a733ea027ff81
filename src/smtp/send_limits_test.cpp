#include "smtp/send_limits.hpp"

#include <gtest/gtest.h>

namespace postino {
namespace {

SendingPolicy policy_of(const std::string& address) {
  SendingPolicy policy;
  policy.account.address = address;
  return policy;
}

SubmissionSettings settings_with_domain() {
  SubmissionSettings settings;
  settings.messages_per_hour = 200;
  settings.recipients_per_hour = 1000;
  settings.domain_limits["students.example"] = DomainSendLimits{20, std::nullopt};
  settings.domain_limits["staff.example"] = DomainSendLimits{std::nullopt, 0};
  return settings;
}

TEST(SendLimits, GlobalDefaultsApplyToAnUnlistedDomain) {
  SendLimits limits = send_limits_for(policy_of("ann@other.example"), settings_with_domain());
  EXPECT_EQ(limits.messages, 200u);
  EXPECT_EQ(limits.recipients, 1000u);
}

TEST(SendLimits, DomainDefaultsReplaceEachGlobalValueOnItsOwn) {
  SendLimits student = send_limits_for(policy_of("bob@students.example"), settings_with_domain());
  EXPECT_EQ(student.messages, 20u);
  EXPECT_EQ(student.recipients, 1000u);
  SendLimits staff = send_limits_for(policy_of("cy@staff.example"), settings_with_domain());
  EXPECT_EQ(staff.messages, 200u);
  EXPECT_EQ(staff.recipients, 0u);  // 0: unlimited, set for the domain
}

TEST(SendLimits, TheAccountsOwnValueWinsOverItsDomain) {
  SendingPolicy policy = policy_of("bob@students.example");
  policy.recipients_per_hour = 5;
  SendLimits limits = send_limits_for(policy, settings_with_domain());
  EXPECT_EQ(limits.messages, 20u);  // not overridden: the domain's
  EXPECT_EQ(limits.recipients, 5u);
  policy.messages_per_hour = 0;
  EXPECT_EQ(send_limits_for(policy, settings_with_domain()).messages, 0u);
}

TEST(SendLimits, DomainMatchIgnoresCase) {
  EXPECT_EQ(send_limits_for(policy_of("Bob@Students.Example"), settings_with_domain()).messages, 20u);
}

}  // namespace
}  // namespace postino
