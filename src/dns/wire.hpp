// DNS wire-format decoding of the record data libunbound hands back (RFC 1035
// 3.1 names, 3.3.9 MX, 3.3.12 PTR, 3.3.14 TXT, 3.4.1 A; RFC 3596 AAAA), and
// the checks and reverse names (RFC 1035 3.5, RFC 3596 2.5) for query names.
// Security: rdata is untrusted; every read is bounds-checked, nothing asserts.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "common/result.hpp"
#include "dns/resolver.hpp"

namespace postino::dns {

using Rdata = std::span<const std::uint8_t>;

inline constexpr std::size_t kMaxNameWireBytes = 255;  // RFC 1035 2.3.4
inline constexpr std::size_t kMaxLabelBytes = 63;

// Decodes the uncompressed name starting at data[offset] and advances offset
// past it. Presentation form as MxRecord::exchange describes. Fails
// (corrupt_data) on truncation, compression pointers (RFC 3597 4: none in
// these types' rdata as libunbound returns it), extended label types and
// names over 255 bytes.
Result<std::string> decode_name(Rdata data, std::size_t& offset);

// Each parser requires the record to use exactly all of rdata.
Result<MxRecord> parse_mx(Rdata rdata);
Result<std::string> parse_txt(Rdata rdata);  // character-strings concatenated
Result<std::string> parse_ptr(Rdata rdata);
Result<asio::ip::address> parse_a(Rdata rdata);
Result<asio::ip::address> parse_aaaa(Rdata rdata);

// Sorts by preference, keeping the order of equal ones.
void sort_mx(std::vector<MxRecord>& records);
// RFC 7505 3: a single MX record, preference 0, exchange ".".
bool is_null_mx(const std::vector<MxRecord>& records);

// Checks a name to be queried (from a peer, a header, an SPF macro) and
// returns it without its trailing dot. invalid_argument unless: 1 to 253
// bytes, labels of 1 to 63 bytes, printable US-ASCII only and no backslash
// (libunbound would read one as an escape).
Result<std::string> check_query_name(std::string_view name);

// "4.3.2.1.in-addr.arpa" / nibble form under "ip6.arpa"; IPv4-mapped IPv6
// addresses map to in-addr.arpa.
std::string reverse_name(const asio::ip::address& ip);

}  // namespace postino::dns
