// DNS wire-format decoding: hand-written because these few formats are
// simple and libunbound exposes no public rdata parser (sldns is internal).
// Every read checks the remaining length first; failures are values.
#include "dns/wire.hpp"

#include <algorithm>
#include <array>

namespace postino::dns {
namespace {

Error corrupt(std::string message) { return make_error(Errc::corrupt_data, std::move(message)); }

// RFC 1035 5.1: characters with a meaning in master files are escaped.
bool needs_escape(std::uint8_t c) {
  if (c < 0x21 || c > 0x7e) return true;
  switch (c) {
    case '.': case '\\': case '"': case '(': case ')': case ';': case '@': case '$':
      return true;
    default:
      return false;
  }
}

void append_label_byte(std::string& out, std::uint8_t c) {
  if (c >= 'A' && c <= 'Z') {
    out.push_back(static_cast<char>(c - 'A' + 'a'));
  } else if (needs_escape(c)) {
    out.push_back('\\');
    out.push_back(static_cast<char>('0' + c / 100));
    out.push_back(static_cast<char>('0' + c / 10 % 10));
    out.push_back(static_cast<char>('0' + c % 10));
  } else {
    out.push_back(static_cast<char>(c));
  }
}

}  // namespace

Result<std::string> decode_name(Rdata data, std::size_t& offset) {
  std::string out;
  std::size_t pos = offset;
  std::size_t wire_bytes = 0;
  for (;;) {
    if (pos >= data.size()) return corrupt("name truncated");
    const std::uint8_t length = data[pos];
    if ((length & 0xc0) == 0xc0) return corrupt("compression pointer in record data");
    if ((length & 0xc0) != 0) return corrupt("unsupported label type");  // RFC 6891 6.2
    wire_bytes += 1u + length;
    if (wire_bytes > kMaxNameWireBytes) return corrupt("name longer than 255 bytes");
    ++pos;
    if (length == 0) break;
    if (data.size() - pos < length) return corrupt("label truncated");
    if (!out.empty()) out.push_back('.');
    for (std::size_t i = 0; i < length; ++i) append_label_byte(out, data[pos + i]);
    pos += length;
  }
  offset = pos;
  if (out.empty()) return std::string(1, '.');  // the root
  return out;
}

Result<MxRecord> parse_mx(Rdata rdata) {
  if (rdata.size() < 3) return corrupt("MX record shorter than 3 bytes");
  MxRecord record;
  record.preference = static_cast<std::uint16_t>(rdata[0] << 8 | rdata[1]);
  std::size_t offset = 2;
  Result<std::string> name = decode_name(rdata, offset);
  if (!name) return name.take_error();
  if (offset != rdata.size()) return corrupt("bytes after MX exchange name");
  record.exchange = std::move(*name);
  return record;
}

Result<std::string> parse_txt(Rdata rdata) {
  // RFC 1035 3.3.14 requires one string at least; an empty record is read
  // as "" rather than failing the whole answer (an SPF or DMARC check then
  // skips it like any non-matching record).
  std::string out;
  std::size_t pos = 0;
  while (pos < rdata.size()) {
    const std::size_t length = rdata[pos++];
    if (rdata.size() - pos < length) return corrupt("TXT character-string truncated");
    out.append(reinterpret_cast<const char*>(rdata.data() + pos), length);
    pos += length;
  }
  return out;
}

Result<std::string> parse_ptr(Rdata rdata) {
  std::size_t offset = 0;
  Result<std::string> name = decode_name(rdata, offset);
  if (!name) return name;
  if (offset != rdata.size()) return corrupt("bytes after PTR name");
  return name;
}

Result<asio::ip::address> parse_a(Rdata rdata) {
  if (rdata.size() != 4) return corrupt("A record is not 4 bytes");
  asio::ip::address_v4::bytes_type bytes;
  std::copy(rdata.begin(), rdata.end(), bytes.begin());
  return asio::ip::address(asio::ip::address_v4(bytes));
}

Result<asio::ip::address> parse_aaaa(Rdata rdata) {
  if (rdata.size() != 16) return corrupt("AAAA record is not 16 bytes");
  asio::ip::address_v6::bytes_type bytes;
  std::copy(rdata.begin(), rdata.end(), bytes.begin());
  return asio::ip::address(asio::ip::address_v6(bytes));
}

void sort_mx(std::vector<MxRecord>& records) {
  std::stable_sort(records.begin(), records.end(),
                   [](const MxRecord& x, const MxRecord& y) { return x.preference < y.preference; });
}

bool is_null_mx(const std::vector<MxRecord>& records) {
  return records.size() == 1 && records[0].preference == 0 && records[0].exchange == ".";
}

Result<std::string> check_query_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return make_error(Errc::invalid_argument, "empty domain name");
  // 253 presentation bytes + trailing dot + root label = 255 wire bytes.
  if (name.size() > kMaxNameWireBytes - 2) return make_error(Errc::invalid_argument, "domain name too long");
  std::size_t label_bytes = 0;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (label_bytes == 0) return make_error(Errc::invalid_argument, "empty label in domain name");
      label_bytes = 0;
      continue;
    }
    if (c < 0x21 || c > 0x7e || c == '\\') {
      return make_error(Errc::invalid_argument, "domain name has a byte outside printable ASCII or a backslash");
    }
    if (++label_bytes > kMaxLabelBytes) return make_error(Errc::invalid_argument, "label longer than 63 bytes");
  }
  return std::string(name);
}

std::string reverse_name(const asio::ip::address& ip) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  asio::ip::address_v4 v4;
  bool is_v4 = ip.is_v4();
  if (is_v4) {
    v4 = ip.to_v4();
  } else if (ip.to_v6().is_v4_mapped()) {
    v4 = asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6());
    is_v4 = true;
  }
  if (is_v4) {
    const auto bytes = v4.to_bytes();
    for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
      out += std::to_string(*it);
      out += '.';
    }
    out += "in-addr.arpa";
    return out;
  }
  const auto bytes = ip.to_v6().to_bytes();
  for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
    out += kHex[*it & 0x0f];
    out += '.';
    out += kHex[*it >> 4];
    out += '.';
  }
  out += "ip6.arpa";
  return out;
}

}  // namespace postino::dns
