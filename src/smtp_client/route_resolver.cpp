// Route resolution. See route_resolver.hpp. Texts follow Postfix's wording
// ("Host or domain name not found. Name service error for name=... type=MX")
// so operators recognise them in logs and bounces.
#include "smtp_client/route_resolver.hpp"

#include <algorithm>
#include <charconv>

#include "common/address.hpp"
#include "dns/wire.hpp"

namespace postino::smtp_client {

namespace asio = boost::asio;

namespace {

Error permanent(std::string enhanced, const std::string& text) {
  return make_error(Errc::not_found, enhanced + " " + text);
}
Error temporary(std::string enhanced, const std::string& text) {
  return make_error(Errc::temporary_failure, enhanced + " " + text);
}

std::string name_error(const std::string& name, const char* type, bool again) {
  return "Host or domain name not found. Name service error for name=" + name + " type=" + type +
         (again ? ": Host not found, try again" : ": Host not found");
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value == 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

Result<NextHop> parse_next_hop(std::string_view text) {
  NextHop hop;
  std::string_view host;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return make_error(Errc::invalid_argument, "next hop: missing ']'");
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
    hop.mx_lookup = false;
    if (host.size() > 5 && ascii_lower(host.substr(0, 5)) == "ipv6:") host.remove_prefix(5);  // RFC 5321 4.1.3
  } else {
    const std::size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
      return make_error(Errc::invalid_argument, "next hop: an IPv6 address needs brackets");
    }
    host = text.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':' || !parse_port(rest.substr(1), hop.port)) {
      return make_error(Errc::invalid_argument, "next hop: bad port in '" + std::string(text) + "'");
    }
  }
  if (host.empty()) return make_error(Errc::invalid_argument, "next hop: empty host");
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(std::string(host), ec);
  if (!ec) {
    hop.host = ip.to_string();
    hop.mx_lookup = false;  // an address has no MX
    return hop;
  }
  auto name = parse_domain(host, /*allow_utf8=*/false, /*allow_single_label=*/true);
  if (!name) return make_error(Errc::invalid_argument, "next hop: bad host '" + std::string(host) + "'");
  hop.host = *name;
  return hop;
}

std::optional<NextHop> route_override(const SmtpClientSettings& settings, std::string_view recipient) {
  const std::string lower = ascii_lower(recipient);
  const auto& map = settings.transport_map;
  if (!map.empty()) {
    if (auto it = map.find(lower); it != map.end()) return it->second;
    const std::size_t at = lower.rfind('@');
    std::string domain = at == std::string::npos ? lower : lower.substr(at + 1);
    if (auto it = map.find(domain); it != map.end()) return it->second;
    // ".example.org" matches every subdomain of example.org.
    for (std::size_t dot = domain.find('.'); dot != std::string::npos; dot = domain.find('.', dot + 1)) {
      if (auto it = map.find(domain.substr(dot)); it != map.end()) return it->second;
    }
  }
  return settings.relayhost;
}

std::string destination_key(const SmtpClientSettings& settings, std::string_view recipient) {
  if (auto hop = route_override(settings, recipient)) return hop->str();
  const std::string lower = ascii_lower(recipient);
  const std::size_t at = lower.rfind('@');
  return at == std::string::npos ? lower : lower.substr(at + 1);
}

void order_mx(std::vector<dns::MxRecord>& records, std::mt19937& rng) {
  std::stable_sort(records.begin(), records.end(),
                   [](const dns::MxRecord& a, const dns::MxRecord& b) { return a.preference < b.preference; });
  for (auto first = records.begin(); first != records.end();) {
    auto last = std::find_if(first, records.end(),
                             [&](const dns::MxRecord& r) { return r.preference != first->preference; });
    std::shuffle(first, last, rng);
    first = last;
  }
}

RouteFailure split_status(const Error& error) {
  RouteFailure out;
  out.permanent = error.code != Errc::temporary_failure;
  std::string_view message = error.message;
  const std::size_t space = message.find(' ');
  const std::string_view first = message.substr(0, space);
  const bool looks_enhanced = first.size() >= 5 && (first[0] == '2' || first[0] == '4' || first[0] == '5') &&
                              first[1] == '.' && first.find('.', 2) != std::string_view::npos;
  if (looks_enhanced && space != std::string_view::npos) {
    out.enhanced = std::string(first);
    out.text = std::string(message.substr(space + 1));
  } else {
    out.enhanced = out.permanent ? "5.0.0" : "4.0.0";
    out.text = std::string(message);
  }
  return out;
}

asio::awaitable<Result<std::vector<MxHost>>> resolve_destination(dns::Resolver& resolver, std::string domain,
                                                                 std::optional<NextHop> next_hop,
                                                                 std::uint16_t smtp_port, std::uint32_t seed) {
  const std::uint16_t port = next_hop ? next_hop->port : smtp_port;
  std::vector<dns::MxRecord> records;
  bool implicit = false;
  std::string name = next_hop ? next_hop->host : domain;

  if (next_hop && !next_hop->mx_lookup) {
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(next_hop->host, ec);
    if (!ec) {
      MxHost host;
      host.name = next_hop->host;
      host.port = port;
      host.addresses.push_back(ip);
      co_return std::vector<MxHost>{std::move(host)};
    }
    records.push_back(dns::MxRecord{0, next_hop->host});
    implicit = true;
  } else {
    auto checked = dns::check_query_name(name);
    if (!checked) co_return permanent("5.1.2", "bad destination domain name " + name);
    name = ascii_lower(*checked);
    dns::MxResult mx = co_await resolver.mx(name);
    switch (mx.status) {
      case dns::DnsStatus::answer:
        // RFC 7505 3.2: a null MX means no mail, and no fallback to A/AAAA.
        if (mx.null_mx || dns::is_null_mx(mx.records)) {
          co_return permanent("5.1.10", "Domain " + name + " does not accept mail (nullMX)");
        }
        records = std::move(mx.records);
        break;
      case dns::DnsStatus::nodata:
        // RFC 5321 5.1: no MX records: the domain itself is the implicit MX.
        records.push_back(dns::MxRecord{0, name});
        implicit = true;
        break;
      case dns::DnsStatus::nxdomain:
      case dns::DnsStatus::permanent_error:
        co_return permanent(next_hop ? "5.4.4" : "5.1.2", name_error(name, "MX", false));
      case dns::DnsStatus::temporary_failure:
        co_return temporary("4.4.3", name_error(name, "MX", true));
    }
  }

  std::mt19937 rng(seed);
  order_mx(records, rng);
  std::vector<MxHost> hosts;
  bool any_temporary = false;
  std::string last_failed;
  for (const dns::MxRecord& record : records) {
    if (hosts.size() >= kMaxMxHosts) break;
    auto host_name = dns::check_query_name(record.exchange);
    if (!host_name) continue;  // "." inside a larger set, escaped bytes: unusable, skipped
    MxHost host;
    host.name = ascii_lower(*host_name);
    host.preference = record.preference;
    host.port = port;
    dns::AddressResult v6 = co_await resolver.aaaa(host.name);
    dns::AddressResult v4 = co_await resolver.a(host.name);
    if (v6.ok()) host.addresses.insert(host.addresses.end(), v6.records.begin(), v6.records.end());
    if (v4.ok()) host.addresses.insert(host.addresses.end(), v4.records.begin(), v4.records.end());
    if (v6.status == dns::DnsStatus::temporary_failure || v4.status == dns::DnsStatus::temporary_failure) {
      any_temporary = true;
    }
    if (host.addresses.empty()) {
      last_failed = host.name;
      continue;
    }
    hosts.push_back(std::move(host));
  }
  if (!hosts.empty()) co_return hosts;
  if (any_temporary) co_return temporary("4.4.3", name_error(last_failed.empty() ? name : last_failed, "A", true));
  if (implicit) co_return permanent(next_hop ? "5.4.4" : "5.1.2", name_error(name, "A", false));
  co_return permanent("5.4.4", "all MX hosts of " + name + " have no address (last: " + last_failed + ")");
}

}  // namespace postino::smtp_client
