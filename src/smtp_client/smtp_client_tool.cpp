// smtp_client_tool: drives the outbound agent from the command line for the
// integration tests (and for an operator's manual test): sends one file to
// the given recipients through an OutboundDeliverer, with a given DNS
// forwarder and next hop, and prints one JSON object per message with the
// per-recipient outcomes, then one with the deliverer's counters.
// The integrator may fold this into `postino` subcommands.
#include <CLI/CLI.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <future>
#include <iostream>

#include "common/log.hpp"
#include "common/units.hpp"
#include "dns/unbound_resolver.hpp"
#include "runtime/blocking_pool.hpp"
#include "smtp_client/outbound_deliverer.hpp"
#include "smtp_client/route_resolver.hpp"

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace postino;
using namespace postino::smtp_client;

json::object outcome_json(const RecipientOutcome& o) {
  json::object j;
  j["recipient"] = o.recipient;
  j["status"] = outcome_kind_name(o.kind);
  j["code"] = o.code;
  j["enhanced"] = o.enhanced;
  j["text"] = o.text;
  j["relay"] = o.relay;
  j["tls"] = o.tls;
  return j;
}

// One task: `repeat` deliveries of its own copy of the message.
asio::awaitable<int> deliver_task(OutboundDeliverer& deliverer, OutboundEnvelope envelope, MessageSource& message,
                                  int task, int repeat) {
  for (int i = 0; i < repeat; ++i) {
    std::vector<RecipientOutcome> outcomes = co_await deliverer.deliver(envelope, message);
    json::array list;
    for (const auto& o : outcomes) list.push_back(outcome_json(o));
    json::object line;
    line["task"] = task;
    line["message"] = i + 1;
    line["outcomes"] = std::move(list);
    std::cout << json::serialize(line) << std::endl;
  }
  co_return 0;
}

asio::awaitable<int> finish(OutboundDeliverer& deliverer) {
  co_await deliverer.shutdown();
  const DelivererStats stats = deliverer.stats();
  json::object line;
  line["connections_opened"] = stats.connections_opened;
  line["connections_reused"] = stats.connections_reused;
  line["transactions"] = stats.transactions;
  std::cout << json::serialize(json::object{{"stats", line}}) << std::endl;
  co_return 0;
}

bool set_duration(const std::string& text, std::chrono::milliseconds& out) {
  if (text.empty()) return true;
  auto parsed = parse_duration(text);
  if (!parsed) return false;
  out = *parsed;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Send a message with Postino's outbound SMTP client; prints outcomes as JSON", "smtp_client_tool"};
  std::string dns_forwarder, message_path, sender, next_hop, tls_policy = "may", ca_file, helo = "client.postino.test";
  std::string auth, body, ret, envid, notify, timeout_all, timeout_connect;
  std::vector<std::string> recipients, transports, domain_tls;
  int repeat = 1;
  int parallel = 1;
  std::size_t max_per_destination = 20;
  int port = 25;
  bool smtputf8 = false, no_pipelining = false, no_chunking = false, auth_plaintext = false, verbose = false;
  std::size_t cache_idle_ms = 5000;
  app.add_option("--dns", dns_forwarder, "DNS forwarder ip@port (default: /etc/resolv.conf)");
  app.add_option("--message", message_path, "message file (CRLF lines)")->required();
  app.add_option("--from", sender, "envelope sender (empty: <>)");
  app.add_option("--to", recipients, "recipient (repeat)")->required();
  app.add_option("--relayhost", next_hop, "relayhost next hop: [host]:port or host:port");
  app.add_option("--transport", transports, "transport map entry KEY=NEXTHOP (repeat)");
  app.add_option("--port", port, "port of MX hosts");
  app.add_option("--tls-policy", tls_policy, "none | may | encrypt | verify");
  app.add_option("--domain-tls", domain_tls, "per destination policy KEY=POLICY (repeat)");
  app.add_option("--ca-file", ca_file, "CA bundle for --tls-policy verify");
  app.add_option("--helo", helo, "EHLO name");
  app.add_option("--auth", auth, "USER:PASSWORD for the relayhost");
  app.add_flag("--auth-plaintext", auth_plaintext, "allow AUTH without TLS");
  app.add_option("--body", body, "BODY of the original MAIL FROM: 7bit | 8bitmime");
  app.add_flag("--smtputf8", smtputf8, "the message needs SMTPUTF8");
  app.add_option("--ret", ret, "DSN RET: full | hdrs");
  app.add_option("--envid", envid, "DSN ENVID");
  app.add_option("--notify", notify, "DSN NOTIFY for every recipient, e.g. success,failure");
  app.add_option("--repeat", repeat, "send the message this many times (connection reuse)");
  app.add_option("--parallel", parallel, "deliveries running at once, each --repeat times");
  app.add_option("--max-per-destination", max_per_destination, "connections in use at once per destination");
  app.add_option("--timeout", timeout_all, "every reply timeout, e.g. 2s");
  app.add_option("--connect-timeout", timeout_connect, "connect timeout, e.g. 2s");
  app.add_option("--cache-idle-ms", cache_idle_ms, "how long an idle connection is cached");
  app.add_flag("--no-pipelining", no_pipelining, "never pipeline");
  app.add_flag("--no-chunking", no_chunking, "never use BDAT");
  app.add_flag("-v,--verbose", verbose, "debug logs on stderr");
  CLI11_PARSE(app, argc, argv);

  log::Settings log_settings;
  log_settings.level = verbose ? log::Level::debug : log::Level::warn;
  log::configure(log_settings, "smtp_client_tool");

  SmtpClientSettings settings;
  settings.helo_name = helo;
  settings.smtp_port = static_cast<std::uint16_t>(port);
  settings.tls_ca_file = ca_file;
  settings.use_pipelining = !no_pipelining;
  settings.use_chunking = !no_chunking;
  settings.connection_cache_idle = std::chrono::milliseconds(cache_idle_ms);
  settings.max_connections_per_destination = max_per_destination;
  if (!parse_tls_policy(tls_policy, settings.tls_policy)) {
    std::cerr << "bad --tls-policy " << tls_policy << "\n";
    return 2;
  }
  std::chrono::milliseconds all{0};
  if (!set_duration(timeout_all, all) || !set_duration(timeout_connect, settings.timeouts.connect)) {
    std::cerr << "bad timeout\n";
    return 2;
  }
  if (all.count() > 0) {
    auto& t = settings.timeouts;
    t.greeting = t.helo = t.tls_handshake = t.mail = t.rcpt = t.data_init = t.data_block = t.data_done = all;
  }
  if (!next_hop.empty()) {
    auto hop = parse_next_hop(next_hop);
    if (!hop) {
      std::cerr << hop.error().message << "\n";
      return 2;
    }
    settings.relayhost = *hop;
  }
  for (const std::string& entry : transports) {
    const auto eq = entry.find('=');
    auto hop = parse_next_hop(eq == std::string::npos ? "" : entry.substr(eq + 1));
    if (!hop) {
      std::cerr << "bad --transport " << entry << "\n";
      return 2;
    }
    settings.transport_map[entry.substr(0, eq)] = *hop;
  }
  for (const std::string& entry : domain_tls) {
    const auto eq = entry.find('=');
    TlsPolicy policy{};
    if (eq == std::string::npos || !parse_tls_policy(entry.substr(eq + 1), policy)) {
      std::cerr << "bad --domain-tls " << entry << "\n";
      return 2;
    }
    settings.domain_tls_policy[entry.substr(0, eq)] = policy;
  }
  if (!auth.empty()) {
    const auto colon = auth.find(':');
    settings.relay_auth_user = auth.substr(0, colon);
    settings.relay_auth_password = colon == std::string::npos ? "" : auth.substr(colon + 1);
    settings.relay_auth_allow_plaintext = auth_plaintext;
  }

  OutboundEnvelope envelope;
  envelope.sender = sender;
  envelope.smtputf8 = smtputf8;
  envelope.envid = envid;
  if (body == "8bitmime") envelope.body = smtp::BodyType::eight_bit_mime;
  if (body == "7bit") envelope.body = smtp::BodyType::seven_bit;
  if (ret == "full") envelope.ret = smtp::DsnReturn::full;
  if (ret == "hdrs") envelope.ret = smtp::DsnReturn::headers;
  for (const std::string& r : recipients) {
    OutboundRecipient rcpt;
    rcpt.address = r;
    if (!notify.empty()) {
      smtp::DsnNotify n;
      n.never = notify.find("never") != std::string::npos;
      n.success = notify.find("success") != std::string::npos;
      n.failure = notify.find("failure") != std::string::npos;
      n.delay = notify.find("delay") != std::string::npos;
      rcpt.notify = n;
    }
    rcpt.orcpt = "rfc822;" + r;
    envelope.recipients.push_back(std::move(rcpt));
  }

  asio::io_context io;
  dns::DnsSettings dns_settings;
  if (!dns_forwarder.empty()) dns_settings.forwarders.push_back(dns_forwarder);
  dns_settings.timeout = std::chrono::seconds(5);
  auto resolver = dns::UnboundResolver::create(io, dns_settings);
  if (!resolver) {
    std::cerr << "resolver: " << resolver.error().message << "\n";
    return 1;
  }
  runtime::BlockingPool blocking(1);
  std::vector<std::unique_ptr<FileMessageSource>> sources;
  for (int task = 0; task < std::max(parallel, 1); ++task) {
    auto message = FileMessageSource::open(message_path, blocking);
    if (!message) {
      std::cerr << message.error().message << "\n";
      return 1;
    }
    sources.push_back(std::move(*message));
  }
  auto deliverer = OutboundDeliverer::create(settings, **resolver);
  if (!deliverer) {
    std::cerr << deliverer.error().message << "\n";
    return 1;
  }
  std::vector<std::future<int>> tasks;
  for (std::size_t task = 0; task < sources.size(); ++task) {
    tasks.push_back(asio::co_spawn(io, deliver_task(**deliverer, envelope, *sources[task], static_cast<int>(task) + 1,
                                                    repeat),
                                   asio::use_future));
  }
  io.run();
  for (auto& task : tasks) task.get();
  auto done = asio::co_spawn(io, finish(**deliverer), asio::use_future);
  io.restart();
  io.run();
  return done.get();
}
