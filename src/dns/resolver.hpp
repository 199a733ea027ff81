// Resolver: the DNS lookups mail needs (MX for delivery, A/AAAA for MX hosts,
// TXT for SPF/DKIM/DMARC, PTR for FCrDNS) as coroutines returning DnsResult,
// which keeps the outcomes RFC 5321 5.1, RFC 7208 5 and RFC 7505 distinguish.
// Security: every record is untrusted network input, decoded with bounds checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

namespace postino::dns {
namespace asio = boost::asio;

enum class DnsStatus {
  answer,             // records holds at least one record of the type asked
  nxdomain,           // RCODE 3: the name does not exist
  nodata,             // the name exists but has no record of this type (RFC 2308 2.2)
  // SERVFAIL, timeout, network or resolver failure, malformed records, and
  // DNSSEC "bogus": a validation failure may be an attack or a broken zone,
  // so mail treats it as "try later" (as RFC 7672 2.1.1 does for DANE),
  // never as "does not exist".
  temporary_failure,
  permanent_error,    // the query itself is invalid (bad or over-long name)
};

const char* dns_status_name(DnsStatus status);

struct MxRecord {
  std::uint16_t preference = 0;
  // Host name in presentation form: lower-case, no trailing dot, bytes other
  // than printable ASCII and the RFC 1035 5.1 specials escaped as \DDD. The
  // root is ".". Validate it as a host name before connecting.
  std::string exchange;
  bool operator==(const MxRecord&) const = default;
};

template <class T>
struct DnsResult {
  DnsStatus status = DnsStatus::temporary_failure;
  T records{};  // empty unless status == answer
  // DNSSEC-validated (answer, nxdomain and nodata alike). Always false
  // unless DnsSettings::dnssec.
  bool secure = false;
  bool bogus = false;  // validation failed; status is then temporary_failure
  // mx() only: RFC 7505 null MX (exactly one record, preference 0, exchange
  // "."): the domain accepts no mail, and the sender must not fall back to
  // A/AAAA (RFC 5321 5.1 implicit MX). records still holds that record.
  bool null_mx = false;
  std::chrono::seconds ttl{0};  // of the answer or of the negative answer
  std::string detail;           // why, for failures: for logs, not for replies

  bool ok() const { return status == DnsStatus::answer; }
  // nxdomain or nodata: authoritative "no such record".
  bool not_found() const { return status == DnsStatus::nxdomain || status == DnsStatus::nodata; }
};

using MxResult = DnsResult<std::vector<MxRecord>>;
using AddressResult = DnsResult<std::vector<asio::ip::address>>;
using TextResult = DnsResult<std::vector<std::string>>;  // TXT strings, PTR names

// Contract: every lookup completes with a DnsResult; none throws except on
// cancellation of the calling coroutine (system_error operation_aborted).
// Names are A-labels (IDNA is the caller's job); one trailing dot is allowed.
// Threads and lifetime: see the implementation (UnboundResolver is bound to
// one io_context). Parameters are taken by value: a lookup may outlive the
// caller's temporaries.
class Resolver {
 public:
  virtual ~Resolver() = default;

  // MX records sorted by preference; equal preferences keep the server's
  // order (RFC 5321 5.1 asks the SMTP client to shuffle those).
  virtual asio::awaitable<MxResult> mx(std::string domain) = 0;
  virtual asio::awaitable<AddressResult> a(std::string domain) = 0;
  virtual asio::awaitable<AddressResult> aaaa(std::string domain) = 0;
  // One string per TXT record: its character-strings concatenated with
  // nothing between them (RFC 7208 3.3, RFC 6376 3.6.2.2).
  virtual asio::awaitable<TextResult> txt(std::string domain) = 0;
  // Names of the PTR records of ip (in-addr.arpa / ip6.arpa; an IPv4-mapped
  // IPv6 address is looked up as IPv4), in the form MxRecord::exchange uses.
  virtual asio::awaitable<TextResult> ptr(asio::ip::address ip) = 0;
};

}  // namespace postino::dns
