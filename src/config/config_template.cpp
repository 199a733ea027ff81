// The self-documenting postino.toml written by `postino init`.
#include <fmt/format.h>

#include "config/config.hpp"

namespace postino {

std::string render_initial_config(const InitialConfig& initial) {
  std::string out = fmt::format(R"(# Postino configuration, written by `postino init`.
# Relative paths are relative to this file's folder. Drop-in files in
# conf.d/*.toml next to this file override settings key by key.
# `postino config check --config FILE` validates without starting.

[server]
hostname = "{hostname}"
data_dir = "."
pid_file = "postino.pid"
# io_threads = 0          # 0: one per core
# blocking_threads = 16   # SQLite, fsync, directory lookups
# password_threads = 2    # password verification (yescrypt), apart from store work

[log]
level = "info"            # debug, info, warn, error
target = "stderr"         # stderr, syslog (facility mail)
format = "text"           # text, json

[tls]
certificate = "tls/cert.pem"
key = "tls/key.pem"
# [[tls.sni]]
# hostname = "mail.other.example"
# certificate = "tls/other.pem"
# key = "tls/other.key"

[limits]
max_connections = 10000
max_connections_per_ip = 100
tls_handshake_timeout = "30s"
proxy_header_timeout = "10s"
shutdown_grace = "30s"

[proxy_protocol]
# Load balancers allowed to send a PROXY protocol header (CIDR).
trusted = []

[storage]
metadata = "sqlite"
blob_compression = "zstd" # none, zstd
zstd_level = 3
gc_interval = "1h"        # collect unreferenced message blobs this often
gc_min_age = "1h"         # ... once they are at least this old

[directory]
backend = "internal"
password_scheme = "yescrypt"  # yescrypt, argon2id
default_quota = "500M"

[smtp]
max_message_size = "25M"
max_recipients = 1000
max_line_length = 2048
max_errors = 10
max_hops = 50
reject_bare_newlines = true      # as Postfix smtpd_forbid_bare_newline
over_quota_is_permanent = false  # 452 4.2.2 (retry) or 552 5.2.2
greet_pause = "0s"               # watch for clients talking before the greeting
check_sender_domain = true       # refuse senders whose domain has no MX/A/AAAA
command_timeout = "5m"
data_timeout = "3m"

[submission]
# Per user, in one-hour windows shared by every node (0 = unlimited);
# `postino user set-limits` overrides them for one account.
messages_per_hour = 200
recipients_per_hour = 1000
max_auth_failures = 3            # per connection, then 421 and disconnect
max_header_size = "256K"         # held to check From: and add Message-ID/Date
add_missing_headers = true       # Message-ID, Date (and From) when missing
# Per-domain defaults between the global ones above and an account's own:
# [submission.domain_limits."students.example.org"]
# messages_per_hour = 50

[imap]
max_line_length = 65536
max_command_size = "1M"          # all lines and non-APPEND literals of one command
max_append_size = "25M"          # APPENDLIMIT
literal_plus = true              # RFC 7888: LITERAL+ (any size); false: LITERAL- (up to 4096 bytes)
max_bad_commands = 20
max_auth_failures = 3            # per connection
max_connections_per_user = 50
login_timeout = "1m"
command_timeout = "30m"          # RFC 9051 5.4: at least 30 minutes
idle_timeout = "31m"             # RFC 2177: clients re-IDLE every 29 minutes

[pop3]
max_line_length = 8192           # RFC 5034: AUTH lines up to 8192 octets
max_bad_commands = 10
max_auth_failures = 3            # per connection
login_timeout = "1m"
command_timeout = "10m"          # RFC 1939 3: autologout after at least 10 minutes

[dns]
forwarders = []                  # e.g. ["127.0.0.1@53"]; empty: /etc/resolv.conf
timeout = "10s"
# dnssec = true
# trust_anchor_file = "/usr/share/dns/root.key"

[queue]
retry_schedule = ["5m", "10m", "20m", "40m", "1h"]  # the last step repeats
max_lifetime = "5d"              # then bounce (DSN, Action: failed)
delay_warning_after = "4h"       # one delay DSN per message; "0s": none
bounce_size_limit = "50K"        # RET=FULL returns bigger messages as headers only
max_alias_depth = 20
poll_interval = "1m"             # how soon `postino queue flush` is noticed
# batch_messages = 64
# max_messages_in_flight = 1000  # messages with remote deliveries running
# test_clock_offset_file = ""    # tests only: seconds added to the queue clock

# Outbound SMTP (mail to other domains, forwarded aliases, bounces).
# DKIM keys: `postino dkim generate DOMAIN SELECTOR` (files under data_dir/dkim).
[outbound]
# helo_name = ""                 # default: server.hostname
tls_policy = "may"               # none, may, encrypt, verify
# tls_ca_file = ""               # for verify; default: the system's CAs
# relayhost = "[smtp.example.net]:587"   # everything not in transport_map
# relay_auth_user = ""
# relay_auth_password_file = ""  # first line is the password
# relay_auth_allow_plaintext = false
max_connections_per_destination = 20
max_recipients_per_transaction = 50
connection_cache_idle = "5s"
max_messages_per_connection = 100
connect_timeout = "30s"
greeting_timeout = "5m"
helo_timeout = "5m"
mail_timeout = "5m"
rcpt_timeout = "5m"
data_init_timeout = "2m"
data_block_timeout = "3m"
data_done_timeout = "10m"

[outbound.tls_policies]
# "example.org" = "verify"

[outbound.transport_map]
# "example.org" = "[mail.example.org]:2525"   # brackets: no MX lookup
# ".example.org" = "relay.example.org"         # subdomains
# "user@example.net" = "[192.0.2.10]"

)",
                                fmt::arg("hostname", initial.hostname));
  for (const auto& listener : standard_listeners()) {
    const char* tls = listener.tls == TlsMode::implicit ? "implicit" : listener.tls == TlsMode::starttls ? "starttls" : "none";
    out += fmt::format("[listeners.{}]\naddress = \"{}\"\nport = {}\ntls = \"{}\"\n\n", listener.name,
                       initial.listen_address, listener.port + initial.port_offset, tls);
  }
  return out;
}

}  // namespace postino
