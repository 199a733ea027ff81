// The sending rate limits that apply to one account on submission (R-OUT3):
// the account's own values (`postino user set-limits`), else its domain's
// defaults ([submission.domain_limits."domain"]), else the global defaults
// ([submission]). Each of the two limits falls back on its own. Pure.
#pragma once

#include "directory/directory.hpp"
#include "smtp/submission_settings.hpp"
#include "store/rate_limit_store.hpp"

namespace postino {

SendLimits send_limits_for(const SendingPolicy& policy, const SubmissionSettings& settings);

}  // namespace postino
