// imap_load: the IMAP load generator of bench/imap_load. Many concurrent
// IMAP clients over implicit TLS (RFC 8314) run an imaptest-like cycle
// (SELECT, FETCH FLAGS, FETCH BODY.PEEK[], STORE, APPEND, STORE \Deleted,
// EXPUNGE; optionally LOGIN/LOGOUT with a new connection per cycle) and the
// tool prints ops/s and per-command latencies as JSON. It also fills one
// mailbox fast (MULTIAPPEND, RFC 3502, with LITERAL+, RFC 7888), times
// SELECT and FETCH 1:* (FLAGS), and holds thousands of idle authenticated
// sessions for memory measurements.
// A benchmark tool, not part of the server: server lines and literals are
// bounded, certificates are not verified (private test instances).
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxLineBytes = 64u << 20;     // one logical response line, literals included
constexpr std::size_t kMaxLiteralBytes = 64u << 20;

// ---- options ---------------------------------------------------------------
struct Options {
  std::string mode;  // load, fill, select-fetch, idle
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string user_format = "bench%d@example.test";  // %d: client index (load) or index % users (idle)
  std::string user;                                   // fill, select-fetch
  std::string password;
  int clients = 20;
  double duration_s = 20;
  bool login_per_cycle = false;
  int mailbox_size = 20;        // load: messages kept in each INBOX
  std::size_t message_bytes = 2048;
  int threads = 1;
  // fill
  long messages = 100000;
  int batch = 100;
  // select-fetch
  int repeat = 3;
  // idle
  int connections = 1000;
  int users = 1;
  int concurrency = 64;
  std::size_t long_command_bytes = 0;  // idle: one SEARCH this long after SELECT
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "imap_load: " << why << "\n"
            << "usage: imap_load load|fill|select-fetch|idle --port P --password PW [options]\n"
               "  load:  --clients N --duration S [--login-per-cycle] [--mailbox-size K] [--message-bytes B]\n"
               "         [--user-format bench%d@example.test] [--threads T]\n"
               "  fill:  --user U --messages M [--clients C] [--batch B]\n"
               "  select-fetch: --user U [--repeat R]\n"
               "  idle:  --connections N --users U [--concurrency C] [--long-command-bytes B]\n"
               "         (holds them until stdin closes; B: one SEARCH SUBJECT command line that long first)\n";
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  if (argc < 2) usage("no mode");
  Options o;
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string key = argv[i];
    if (key == "--login-per-cycle") {
      o.login_per_cycle = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value for " + key);
    std::string v = argv[++i];
    if (key == "--host") o.host = v;
    else if (key == "--port") o.port = static_cast<std::uint16_t>(std::stoi(v));
    else if (key == "--user-format") o.user_format = v;
    else if (key == "--user") o.user = v;
    else if (key == "--password") o.password = v;
    else if (key == "--clients") o.clients = std::stoi(v);
    else if (key == "--duration") o.duration_s = std::stod(v);
    else if (key == "--mailbox-size") o.mailbox_size = std::stoi(v);
    else if (key == "--message-bytes") o.message_bytes = std::stoul(v);
    else if (key == "--threads") o.threads = std::stoi(v);
    else if (key == "--messages") o.messages = std::stol(v);
    else if (key == "--batch") o.batch = std::stoi(v);
    else if (key == "--repeat") o.repeat = std::stoi(v);
    else if (key == "--connections") o.connections = std::stoi(v);
    else if (key == "--users") o.users = std::stoi(v);
    else if (key == "--concurrency") o.concurrency = std::stoi(v);
    else if (key == "--long-command-bytes") o.long_command_bytes = std::stoul(v);
    else usage("unknown option " + key);
  }
  if (o.port == 0) usage("--port is required");
  if (o.clients < 1 || o.threads < 1 || o.batch < 1 || o.users < 1 || o.concurrency < 1) usage("counts must be >= 1");
  return o;
}

std::string user_name(const std::string& format, int index) {
  std::string out = format;
  auto at = out.find("%d");
  if (at != std::string::npos) out.replace(at, 2, std::to_string(index));
  return out;
}

// IMAP quoted string (RFC 9051 4.3); the bench's names and passwords are ASCII.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A small text/plain message, unique per id (so that no store can share one
// copy between messages), about body_bytes long.
std::string make_message(std::uint64_t id, std::size_t body_bytes) {
  static const std::uint64_t run_nonce =
      static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  std::string m;
  m.reserve(body_bytes + 400);
  m += "From: Load Generator <load@remote.example>\r\n";
  m += "To: <bench@example.test>\r\n";
  m += "Subject: imap_load message " + std::to_string(id) + "\r\n";
  m += "Date: Wed, 25 Nov 2026 10:00:00 +0000\r\n";
  m += "Message-ID: <" + std::to_string(id) + "." + std::to_string(run_nonce) + "@imap-load.example>\r\n";
  m += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
  static const char kLine[] = "The quick brown fox jumps over the lazy dog while the load generator counts.";
  std::size_t body = 0;
  while (body < body_bytes) {
    m += kLine;
    m += "\r\n";
    body += sizeof(kLine) + 1;
  }
  return m;
}

std::string append_command(const std::vector<std::string>& messages, std::string_view flags) {
  std::string c = "APPEND INBOX";
  for (const auto& m : messages) {
    if (!flags.empty()) {
      c += " (";
      c += flags;
      c += ")";
    }
    c += " {" + std::to_string(m.size()) + "+}\r\n";
    c += m;
  }
  return c;
}

// ---- one IMAP connection -----------------------------------------------------
struct Reply {
  std::string status;  // OK, NO, BAD
  std::string line;    // the tagged line
};

class Connection {
 public:
  Connection(const asio::any_io_executor& ex, ssl::context& ctx) : stream_(ex, ctx) {}

  awaitable<void> connect(tcp::endpoint endpoint) {
    co_await stream_.next_layer().async_connect(endpoint, use_awaitable);
    stream_.next_layer().set_option(tcp::no_delay(true));
    co_await stream_.async_handshake(ssl::stream_base::client, use_awaitable);
    std::string greeting = co_await read_line();
    if (greeting.rfind("* OK", 0) != 0) throw std::runtime_error("greeting: " + greeting.substr(0, 200));
  }

  // Sends "<tag> text\r\n" and reads everything up to the tagged reply.
  awaitable<Reply> command(std::string text) {
    std::string tag = "a" + std::to_string(++tag_counter_);
    std::string wire = tag + " " + text + "\r\n";
    co_await asio::async_write(stream_, asio::buffer(wire), use_awaitable);
    fetch_responses_ = 0;
    for (;;) {
      std::string line = co_await read_line();
      if (line.size() > tag.size() && line.compare(0, tag.size(), tag) == 0 && line[tag.size()] == ' ') {
        Reply r;
        auto sp = line.find(' ', tag.size() + 1);
        r.status = line.substr(tag.size() + 1, sp == std::string::npos ? std::string::npos : sp - tag.size() - 1);
        r.line = std::move(line);
        co_return r;
      }
      if (line.rfind("* ", 0) == 0) untagged(line);
      // "+ " continuations do not come: every literal is LITERAL+.
    }
  }

  std::uint32_t exists() const { return exists_; }
  std::uint64_t fetch_responses() const { return fetch_responses_; }
  void close() {
    boost::system::error_code ignored;
    stream_.next_layer().close(ignored);
  }

 private:
  void untagged(std::string_view line) {
    // "* <n> EXISTS", "* <n> EXPUNGE", "* <n> FETCH (...)"
    std::size_t i = 2;
    std::uint64_t n = 0;
    bool digits = false;
    while (i < line.size() && line[i] >= '0' && line[i] <= '9') {
      n = n * 10 + static_cast<std::uint64_t>(line[i] - '0');
      ++i;
      digits = true;
    }
    if (!digits || i >= line.size() || line[i] != ' ') return;
    std::string_view word = line.substr(i + 1);
    if (word.rfind("EXISTS", 0) == 0) {
      exists_ = static_cast<std::uint32_t>(n);
    } else if (word.rfind("EXPUNGE", 0) == 0) {
      if (exists_ > 0) --exists_;
    } else if (word.rfind("FETCH", 0) == 0) {
      ++fetch_responses_;
    }
  }

  // Makes at least `want` unread bytes available.
  awaitable<void> fill(std::size_t want) {
    while (buf_.size() - pos_ < want) {
      if (pos_ > 0 && pos_ >= buf_.size() / 2) {
        buf_.erase(0, pos_);
        scan_ = scan_ > pos_ ? scan_ - pos_ : 0;
        pos_ = 0;
      }
      std::size_t old = buf_.size();
      buf_.resize(old + 65536);
      std::size_t n = co_await stream_.async_read_some(asio::buffer(buf_.data() + old, 65536), use_awaitable);
      buf_.resize(old + n);
    }
  }

  // One physical line without its CRLF.
  awaitable<std::string> read_physical_line() {
    for (;;) {
      auto at = buf_.find("\r\n", std::max(scan_, pos_));
      if (at != std::string::npos) {
        std::string line = buf_.substr(pos_, at - pos_);
        pos_ = at + 2;
        scan_ = pos_;
        co_return line;
      }
      if (buf_.size() - pos_ > kMaxLineBytes) throw std::runtime_error("server line too long");
      scan_ = buf_.size() > 0 ? buf_.size() - 1 : 0;
      co_await fill(buf_.size() - pos_ + 1);
    }
  }

  // One logical response line: literals ("{n}\r\n" + n octets) are kept inline.
  awaitable<std::string> read_line() {
    std::string line = co_await read_physical_line();
    for (;;) {
      if (line.empty() || line.back() != '}') co_return line;
      auto open = line.rfind('{');
      if (open == std::string::npos) co_return line;
      std::string_view digits(line.data() + open + 1, line.size() - open - 2);
      if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
      if (digits.empty() || digits.size() > 10 ||
          !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        co_return line;
      }
      std::size_t n = std::stoull(std::string(digits));
      if (n > kMaxLiteralBytes || line.size() + n > kMaxLineBytes) throw std::runtime_error("literal too large");
      co_await fill(n);
      line.append(buf_, pos_, n);
      pos_ += n;
      scan_ = pos_;
      std::string rest = co_await read_physical_line();
      line += rest;
    }
  }

  ssl::stream<tcp::socket> stream_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t scan_ = 0;
  std::uint64_t tag_counter_ = 0;
  std::uint32_t exists_ = 0;
  std::uint64_t fetch_responses_ = 0;
};

// ---- statistics ----------------------------------------------------------------
enum Cmd { kLogin, kSelect, kFetchFlags, kFetchBody, kStore, kAppend, kStoreDeleted, kExpunge, kLogout, kCmdCount };
const char* const kCmdNames[kCmdCount] = {"LOGIN",  "SELECT",        "FETCH_FLAGS", "FETCH_BODY", "STORE",
                                          "APPEND", "STORE_DELETED", "EXPUNGE",     "LOGOUT"};

struct ClientStats {
  std::array<std::vector<float>, kCmdCount> latency_ms;
  std::uint64_t cycles = 0;
  std::uint64_t no_replies = 0;
  std::uint64_t connection_errors = 0;
  std::string first_error;
};

void note_error(ClientStats& st, const std::string& what) {
  if (st.first_error.empty()) st.first_error = what;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\u%04x", c);
      out += hex;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

double percentile(std::vector<float>& v, double p) {
  if (v.empty()) return 0;
  std::size_t k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// ---- load mode -------------------------------------------------------------------
struct LoadRun {
  const Options& options;
  ssl::context& tls;
  tcp::endpoint endpoint;
  Clock::time_point start{};
  Clock::time_point deadline{};
  std::vector<std::unique_ptr<Connection>> sessions;  // persistent mode: logged in before the clock starts
  std::vector<ClientStats> stats;
};

// One timed command: its latency counts if it completed before the deadline.
awaitable<Reply> timed(LoadRun& run, Connection& c, ClientStats& st, Cmd cmd, std::string text) {
  auto t0 = Clock::now();
  Reply r = co_await c.command(std::move(text));
  auto t1 = Clock::now();
  if (t1 <= run.deadline && t0 >= run.start) {
    st.latency_ms[cmd].push_back(std::chrono::duration<float, std::milli>(t1 - t0).count());
  }
  if (r.status != "OK") {
    ++st.no_replies;
    note_error(st, r.line.substr(0, 300));
  }
  co_return r;
}

awaitable<void> login(LoadRun& run, Connection& c, ClientStats& st, int index, bool count) {
  std::string text = "LOGIN " + quoted(user_name(run.options.user_format, index)) + " " + quoted(run.options.password);
  Reply r;
  if (count) {
    r = co_await timed(run, c, st, kLogin, std::move(text));
  } else {
    r = co_await c.command(std::move(text));
  }
  if (r.status != "OK") throw std::runtime_error("LOGIN failed: " + r.line);
}

// Brings INBOX to exactly mailbox_size messages (before the clock starts).
awaitable<void> prepare_mailbox(LoadRun& run, Connection& c, int index) {
  Reply r = co_await c.command("SELECT INBOX");
  if (r.status != "OK") throw std::runtime_error("SELECT failed: " + r.line);
  auto target = static_cast<std::uint32_t>(run.options.mailbox_size);
  std::uint64_t id = (static_cast<std::uint64_t>(index) << 40) | (1ull << 39);
  while (c.exists() < target) {
    std::vector<std::string> batch;
    for (std::uint32_t k = c.exists(); k < target && batch.size() < 100; ++k) {
      batch.push_back(make_message(id++, run.options.message_bytes));
    }
    r = co_await c.command(append_command(batch, ""));
    if (r.status != "OK") throw std::runtime_error("APPEND failed: " + r.line);
    r = co_await c.command("NOOP");
  }
  if (c.exists() > target) {
    r = co_await c.command("STORE 1:" + std::to_string(c.exists() - target) + " +FLAGS.SILENT (\\Deleted)");
    r = co_await c.command("EXPUNGE");
  }
}

// The imaptest-like cycle: 7 commands, INBOX stays at mailbox_size messages.
awaitable<void> cycle(LoadRun& run, Connection& c, ClientStats& st, std::minstd_rand& rng, std::uint64_t& next_id) {
  co_await timed(run, c, st, kSelect, "SELECT INBOX");
  std::uint32_t n = c.exists();
  if (n > 0) {
    co_await timed(run, c, st, kFetchFlags, "FETCH 1:* (FLAGS)");
    std::uint32_t body = std::uniform_int_distribution<std::uint32_t>(1, n)(rng);
    co_await timed(run, c, st, kFetchBody, "FETCH " + std::to_string(body) + " (UID RFC822.SIZE BODY.PEEK[])");
    std::uint32_t flag = std::uniform_int_distribution<std::uint32_t>(1, n)(rng);
    const char* change = (rng() & 1) ? " +FLAGS (\\Seen \\Flagged)" : " -FLAGS (\\Flagged)";
    co_await timed(run, c, st, kStore, "STORE " + std::to_string(flag) + change);
  }
  std::vector<std::string> one{make_message(next_id++, run.options.message_bytes)};
  co_await timed(run, c, st, kAppend, append_command(one, ""));
  auto target = static_cast<std::uint32_t>(run.options.mailbox_size);
  if (c.exists() > target) {
    co_await timed(run, c, st, kStoreDeleted,
                   "STORE 1:" + std::to_string(c.exists() - target) + " +FLAGS.SILENT (\\Deleted)");
    co_await timed(run, c, st, kExpunge, "EXPUNGE");
  }
}

awaitable<void> open_session(LoadRun& run, int index, bool keep) {
  auto c = std::make_unique<Connection>(co_await asio::this_coro::executor, run.tls);
  co_await c->connect(run.endpoint);
  co_await login(run, *c, run.stats[static_cast<std::size_t>(index)], index, false);
  co_await prepare_mailbox(run, *c, index);
  if (keep) {
    run.sessions[static_cast<std::size_t>(index)] = std::move(c);
  } else {
    co_await c->command("LOGOUT");
    c->close();
  }
}

awaitable<void> client_loop(LoadRun& run, int index) {
  ClientStats& st = run.stats[static_cast<std::size_t>(index)];
  std::minstd_rand rng(static_cast<unsigned>(index) * 7919u + 17u);
  std::uint64_t next_id = static_cast<std::uint64_t>(index) << 40;
  std::unique_ptr<Connection> c = std::move(run.sessions[static_cast<std::size_t>(index)]);
  auto executor = co_await asio::this_coro::executor;
  while (Clock::now() < run.deadline) {
    try {
      if (!c) {
        auto fresh = std::make_unique<Connection>(executor, run.tls);
        co_await fresh->connect(run.endpoint);
        c = std::move(fresh);
        co_await login(run, *c, st, index, true);
      }
      co_await cycle(run, *c, st, rng, next_id);
      if (run.options.login_per_cycle) {
        co_await timed(run, *c, st, kLogout, "LOGOUT");
        c->close();
        c.reset();
      }
      if (Clock::now() <= run.deadline) ++st.cycles;
    } catch (const std::exception& e) {
      ++st.connection_errors;
      note_error(st, std::string("connection: ") + e.what());
      if (c) c->close();
      c.reset();
    }
  }
  if (c) {
    try {
      co_await c->command("LOGOUT");
    } catch (const std::exception&) {
    }
    c->close();
  }
}

void run_io(asio::io_context& io, int threads) {
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  io.restart();
}

void rethrow_first(std::vector<std::exception_ptr>& errors) {
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

int mode_load(const Options& o, ssl::context& tls, tcp::endpoint endpoint) {
  asio::io_context io(o.threads);
  LoadRun run{o, tls, endpoint};
  run.sessions.resize(static_cast<std::size_t>(o.clients));
  run.stats.resize(static_cast<std::size_t>(o.clients));
  run.start = Clock::now() + std::chrono::hours(24);  // nothing is timed during setup
  run.deadline = run.start;

  // Setup: every client logs in and brings its INBOX to mailbox_size.
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(o.clients));
  for (int i = 0; i < o.clients; ++i) {
    asio::co_spawn(io, open_session(run, i, !o.login_per_cycle),
                   [&errors, i](std::exception_ptr e) { errors[static_cast<std::size_t>(i)] = e; });
  }
  run_io(io, o.threads);
  rethrow_first(errors);

  run.start = Clock::now();
  run.deadline = run.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_s));
  double cpu0 = cpu_seconds();
  for (int i = 0; i < o.clients; ++i) {
    asio::co_spawn(io, client_loop(run, i),
                   [&errors, i](std::exception_ptr e) { errors[static_cast<std::size_t>(i)] = e; });
  }
  run_io(io, o.threads);
  double cpu = cpu_seconds() - cpu0;
  rethrow_first(errors);
  double wall = std::chrono::duration<double>(run.deadline - run.start).count();

  std::ostringstream out;
  std::uint64_t ops = 0, cycles = 0, no = 0, conn_errors = 0;
  std::string first_error;
  std::array<std::vector<float>, kCmdCount> all;
  for (auto& st : run.stats) {
    for (int k = 0; k < kCmdCount; ++k) {
      ops += st.latency_ms[k].size();
      all[k].insert(all[k].end(), st.latency_ms[k].begin(), st.latency_ms[k].end());
    }
    cycles += st.cycles;
    no += st.no_replies;
    conn_errors += st.connection_errors;
    if (first_error.empty()) first_error = st.first_error;
  }
  out.setf(std::ios::fixed);
  out.precision(3);
  out << "{\"mode\": \"" << (o.login_per_cycle ? "login_per_cycle" : "persistent") << "\", \"clients\": " << o.clients
      << ", \"seconds\": " << wall << ", \"ops\": " << ops << ", \"ops_per_sec\": " << static_cast<double>(ops) / wall
      << ", \"cycles\": " << cycles << ", \"cycles_per_sec\": " << static_cast<double>(cycles) / wall
      << ", \"no_or_bad_replies\": " << no << ", \"connection_errors\": " << conn_errors
      << ", \"first_error\": " << json_string(first_error) << ", \"generator_cpu_seconds\": " << cpu
      << ", \"generator_cpu_share\": " << cpu / wall << ", \"threads\": " << o.threads << ", \"commands\": {";
  bool first = true;
  for (int k = 0; k < kCmdCount; ++k) {
    if (all[k].empty()) continue;
    double sum = 0;
    for (float v : all[k]) sum += v;
    out << (first ? "" : ", ") << "\"" << kCmdNames[k] << "\": {\"count\": " << all[k].size()
        << ", \"mean_ms\": " << sum / static_cast<double>(all[k].size()) << ", \"p50_ms\": " << percentile(all[k], 0.5)
        << ", \"p99_ms\": " << percentile(all[k], 0.99) << "}";
    first = false;
  }
  out << "}}\n";
  std::cout << out.str() << std::flush;
  return 0;
}

// ---- fill mode ----------------------------------------------------------------------
struct FillRun {
  const Options& options;
  ssl::context& tls;
  tcp::endpoint endpoint;
  long next = 0;  // messages handed out (single-threaded io_context)
  std::uint64_t appended = 0;
};

awaitable<void> fill_client(FillRun& run, int index) {
  Connection c(co_await asio::this_coro::executor, run.tls);
  co_await c.connect(run.endpoint);
  Reply r = co_await c.command("LOGIN " + quoted(run.options.user) + " " + quoted(run.options.password));
  if (r.status != "OK") throw std::runtime_error("LOGIN failed: " + r.line);
  while (run.next < run.options.messages) {
    long take = std::min<long>(run.options.batch, run.options.messages - run.next);
    long first = run.next;
    run.next += take;
    std::vector<std::string> batch;
    for (long k = 0; k < take; ++k) {
      batch.push_back(make_message((static_cast<std::uint64_t>(index + 1) << 40) | static_cast<std::uint64_t>(first + k),
                                   run.options.message_bytes));
    }
    r = co_await c.command(append_command(batch, ""));
    if (r.status != "OK") throw std::runtime_error("APPEND failed: " + r.line.substr(0, 300));
    run.appended += static_cast<std::uint64_t>(take);
  }
  co_await c.command("LOGOUT");
  c.close();
}

int mode_fill(const Options& o, ssl::context& tls, tcp::endpoint endpoint) {
  if (o.user.empty()) usage("fill needs --user");
  asio::io_context io(1);
  FillRun run{o, tls, endpoint};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(o.clients));
  auto t0 = Clock::now();
  for (int i = 0; i < o.clients; ++i) {
    asio::co_spawn(io, fill_client(run, i), [&errors, i](std::exception_ptr e) { errors[static_cast<std::size_t>(i)] = e; });
  }
  run_io(io, 1);
  rethrow_first(errors);
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::cout << "{\"appended\": " << run.appended << ", \"seconds\": " << s
            << ", \"messages_per_sec\": " << static_cast<double>(run.appended) / s << "}\n"
            << std::flush;
  return 0;
}

// ---- select-fetch mode ------------------------------------------------------------------
struct SelectFetchRun {
  const Options& options;
  ssl::context& tls;
  tcp::endpoint endpoint;
  std::ostringstream json;
};

awaitable<void> select_fetch(SelectFetchRun& run) {
  for (int i = 0; i < run.options.repeat; ++i) {
    Connection c(co_await asio::this_coro::executor, run.tls);
    co_await c.connect(run.endpoint);
    Reply r = co_await c.command("LOGIN " + quoted(run.options.user) + " " + quoted(run.options.password));
    if (r.status != "OK") throw std::runtime_error("LOGIN failed: " + r.line);
    auto t0 = Clock::now();
    r = co_await c.command("SELECT INBOX");
    auto t1 = Clock::now();
    if (r.status != "OK") throw std::runtime_error("SELECT failed: " + r.line);
    r = co_await c.command("FETCH 1:* (FLAGS)");
    auto t2 = Clock::now();
    if (r.status != "OK") throw std::runtime_error("FETCH failed: " + r.line);
    auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
    run.json << (i == 0 ? "" : ", ") << "{\"exists\": " << c.exists() << ", \"fetched\": " << c.fetch_responses()
             << ", \"select_ms\": " << ms(t1 - t0) << ", \"fetch_ms\": " << ms(t2 - t1)
             << ", \"total_ms\": " << ms(t2 - t0) << "}";
    co_await c.command("LOGOUT");
    c.close();
  }
}

int mode_select_fetch(const Options& o, ssl::context& tls, tcp::endpoint endpoint) {
  if (o.user.empty()) usage("select-fetch needs --user");
  asio::io_context io(1);
  SelectFetchRun run{o, tls, endpoint, {}};
  run.json.setf(std::ios::fixed);
  run.json.precision(2);
  std::exception_ptr error;
  asio::co_spawn(io, select_fetch(run), [&error](std::exception_ptr e) { error = e; });
  io.run();
  if (error) std::rethrow_exception(error);
  std::cout << "{\"runs\": [" << run.json.str() << "]}\n" << std::flush;
  return 0;
}

// ---- idle mode -------------------------------------------------------------------------------
struct IdleRun {
  const Options& options;
  ssl::context& tls;
  tcp::endpoint endpoint;
  int next = 0;
  int opened = 0;
  int failed = 0;
  std::string first_error;
  std::vector<std::unique_ptr<Connection>> held;
};

awaitable<void> idle_opener(IdleRun& run) {
  auto executor = co_await asio::this_coro::executor;
  while (run.next < run.options.connections) {
    int index = run.next++;
    auto c = std::make_unique<Connection>(executor, run.tls);
    try {
      co_await c->connect(run.endpoint);
      std::string user = user_name(run.options.user_format, index % run.options.users);
      Reply r = co_await c->command("LOGIN " + quoted(user) + " " + quoted(run.options.password));
      if (r.status != "OK") throw std::runtime_error("LOGIN: " + r.line);
      r = co_await c->command("SELECT INBOX");
      if (r.status != "OK") throw std::runtime_error("SELECT: " + r.line);
      if (run.options.long_command_bytes > 0) {
        // A long (valid) command line, as some clients send long UID sets:
        // shows whether the server keeps the grown input buffer afterwards.
        std::string search = "SEARCH SUBJECT \"" + std::string(run.options.long_command_bytes, 'x') + "\"";
        r = co_await c->command(std::move(search));
        if (r.status != "OK") throw std::runtime_error("SEARCH: " + r.line.substr(0, 200));
      }
      run.held.push_back(std::move(c));
      ++run.opened;
    } catch (const std::exception& e) {
      ++run.failed;
      if (run.first_error.empty()) run.first_error = e.what();
    }
  }
}

int mode_idle(const Options& o, ssl::context& tls, tcp::endpoint endpoint) {
  asio::io_context io(1);
  IdleRun run{o, tls, endpoint};
  run.held.reserve(static_cast<std::size_t>(o.connections));
  auto t0 = Clock::now();
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(o.concurrency));
  for (int i = 0; i < o.concurrency; ++i) {
    asio::co_spawn(io, idle_opener(run), [&errors, i](std::exception_ptr e) { errors[static_cast<std::size_t>(i)] = e; });
  }
  run_io(io, 1);
  rethrow_first(errors);
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::cout << "{\"opened\": " << run.opened << ", \"failed\": " << run.failed << ", \"seconds\": " << s
            << ", \"first_error\": " << json_string(run.first_error) << "}\n"
            << std::flush;
  // Hold the sessions until the caller closes our stdin.
  std::string ignored;
  while (std::getline(std::cin, ignored)) {
  }
  for (auto& c : run.held) c->close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  raise_fd_limit();
  try {
    ssl::context tls(ssl::context::tls_client);
    tls.set_verify_mode(ssl::verify_none);  // private test instances with self-signed certificates
    asio::io_context resolver_io;
    tcp::resolver resolver(resolver_io);
    tcp::endpoint endpoint = *resolver.resolve(o.host, std::to_string(o.port)).begin();
    if (o.mode == "load") return mode_load(o, tls, endpoint);
    if (o.mode == "fill") return mode_fill(o, tls, endpoint);
    if (o.mode == "select-fetch") return mode_select_fetch(o, tls, endpoint);
    if (o.mode == "idle") return mode_idle(o, tls, endpoint);
    usage("unknown mode " + o.mode);
  } catch (const std::exception& e) {
    std::cerr << "imap_load: " << e.what() << "\n";
    return 1;
  }
}
