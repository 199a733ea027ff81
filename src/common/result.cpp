// Names of the error catalogue, as they appear in logs and JSON output.
#include "common/result.hpp"

namespace postino {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::not_found: return "not_found";
    case Errc::already_exists: return "already_exists";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::over_quota: return "over_quota";
    case Errc::disabled: return "disabled";
    case Errc::permission_denied: return "permission_denied";
    case Errc::temporary_failure: return "temporary_failure";
    case Errc::io_error: return "io_error";
    case Errc::corrupt_data: return "corrupt_data";
    case Errc::unsupported: return "unsupported";
  }
  return "unknown";
}

}  // namespace postino
