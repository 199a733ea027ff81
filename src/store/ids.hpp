// Strong ids for stored records (STYLE.md habit 1).
#pragma once

#include <cstdint>

namespace postino {

enum class DomainId : std::int64_t {};
enum class AccountId : std::int64_t {};

}  // namespace postino
