// Names of DnsStatus as they appear in logs.
#include "dns/resolver.hpp"

namespace postino::dns {

const char* dns_status_name(DnsStatus status) {
  switch (status) {
    case DnsStatus::answer: return "answer";
    case DnsStatus::nxdomain: return "nxdomain";
    case DnsStatus::nodata: return "nodata";
    case DnsStatus::temporary_failure: return "temporary_failure";
    case DnsStatus::permanent_error: return "permanent_error";
  }
  return "unknown";
}

}  // namespace postino::dns
