// The serving node: builds the services from a Config snapshot, opens every
// enabled listener, announces readiness, then waits for signals. Stop order:
// listeners stop accepting and drain (shutdown_grace), then the I/O threads
// end, then stores close.
#include "server/node.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>

#include "config/config.hpp"
#include "runtime/cidr.hpp"
#include "runtime/connection_limiter.hpp"
#include "runtime/io_pool.hpp"
#include "runtime/listener.hpp"
#include "runtime/signals.hpp"
#include "runtime/snapshot.hpp"
#include "runtime/tls_context.hpp"
#include "delivery/local_delivery.hpp"
#include "delivery/queue_runner.hpp"
#include "dkim/dkim_key_store.hpp"
#include "smtp/queue_id.hpp"
#include "smtp_client/outbound_deliverer.hpp"
#include "directory/internal_directory.hpp"
#include "directory/secret_key_file.hpp"
#include "imap/imap_server.hpp"
#include "pop3/pop3_server.hpp"
#include "runtime/auth_throttle.hpp"
#include "runtime/change_notifier.hpp"
#include "store/notifying_mailbox_store.hpp"
#include "dns/resolver_pool.hpp"
#include "runtime/blocking_pool.hpp"
#include "server/unavailable_handler.hpp"
#include "smtp/smtp_server.hpp"
#include "store/blob_gc.hpp"
#include "store/metadata_store.hpp"

namespace postino {
namespace {

namespace asio = boost::asio;

void print_diagnostics(const std::vector<ConfigDiagnostic>& diagnostics) {
  for (const auto& d : diagnostics) std::cerr << d.str() << "\n";
}

bool needs_tls(const Config& config) {
  for (const auto& l : config.listeners) {
    if (l.tls != TlsMode::none) return true;
  }
  return false;
}

class PidFile {
 public:
  explicit PidFile(std::string path) : path_(std::move(path)) {}
  ~PidFile() {
    if (written_) ::unlink(path_.c_str());
  }
  Status write() {
    if (path_.empty()) return {};
    std::string text = std::to_string(::getpid()) + "\n";
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      if (fd >= 0) ::close(fd);
      return make_error(Errc::io_error, "cannot write pid file " + path_);
    }
    ::close(fd);
    written_ = true;
    return {};
  }

 private:
  std::string path_;
  bool written_ = false;
};

class Node {
 public:
  explicit Node(std::shared_ptr<const Config> config)
      : config_(std::move(config)),
        io_(config_->runtime.io_threads),
        blocking_(config_->runtime.blocking_threads),
        passwords_(config_->runtime.password_threads),
        limiter_(config_->limits) {}

  int run() {
    const Config& config = *config_;
    log::info("server_starting", {{"config", config.file.string()}, {"hostname", config.server.hostname},
                                  {"io_threads", config.runtime.io_threads}});
    if (auto s = open_storage(); !s) return fail(s.error());
    // Created on first start when `postino init` did not (older data dirs).
    auto fake_salt_key = load_or_create_secret_key(scram_fake_salt_key_path(config.storage.data_dir));
    if (!fake_salt_key) return fail(fake_salt_key.error());
    scram_fake_salt_secret_ = std::move(*fake_salt_key);
    if (needs_tls(config)) {
      auto tls = runtime::TlsContexts::load(config.tls);
      if (!tls) return fail(tls.error());
      tls_.set(std::move(*tls));
    }
    auto trusted = runtime::CidrList::parse(config.proxy_protocol.trusted_networks);
    if (!trusted) return fail(make_error(Errc::invalid_argument, "proxy_protocol.trusted: " + trusted.error().message));

    auto resolvers = dns::ResolverPool::create(io_, config.dns);
    if (!resolvers) return fail(resolvers.take_error());
    resolvers_ = std::move(*resolvers);
    // The outbound agent lives on io_context 0 with the queue runner.
    auto outbound = smtp_client::OutboundDeliverer::create(config.outbound, resolvers_->for_executor(io_.executor(0)));
    if (!outbound) return fail(outbound.error());
    outbound_ = std::move(*outbound);
    build_roles();
    for (const auto& settings : config.listeners) {
      runtime::ListenerServices services{io_, limiter_, tls_, config.limits, *trusted};
      auto listener = std::make_unique<runtime::Listener>(settings, handler_for(settings.protocol), services);
      if (auto s = listener->open(); !s) return fail(s.error());
      listeners_.push_back(std::move(listener));
    }
    io_.start();
    auto runner_done = asio::co_spawn(io_.context(0), runner_->run(), asio::use_future);
    auto gc_done = asio::co_spawn(io_.context(0), collect_garbage_periodically(), asio::use_future);
    auto index_done = asio::co_spawn(io_.context(0), index_text_in_background(), asio::use_future);
    for (auto& listener : listeners_) {
      listener->start();
      log::info("listener_started", {{"listener", listener->settings().name},
                                     {"address", listener->settings().address},
                                     {"port", static_cast<unsigned>(listener->port())}});
    }
    PidFile pid_file(config.server.pid_file);
    if (auto s = pid_file.write(); !s) log::warn("pid_file_failed", {{"error", s.error().message}});

    asio::io_context control;
    runtime::Signals signals(control.get_executor());
    // Readiness for scripts: every listener is accepting from here on.
    std::cout << "ready" << std::endl;
    log::info("server_ready", {{"listeners", static_cast<std::uint64_t>(listeners_.size())}});

    auto done = asio::co_spawn(control, control_loop(signals), asio::use_future);
    control.run();
    done.get();
    runner_->stop();
    runner_done.get();
    asio::post(io_.context(0), [this] { gc_timer_->cancel(); });
    gc_done.get();
    asio::post(io_.context(0), [this] {
      text_index_stopping_ = true;
      if (text_index_timer_) text_index_timer_->cancel();
    });
    index_done.get();
    io_.stop();
    io_.join();
    blocking_.join();  // jobs still running touch the stores: finish them first
    passwords_.join();
    listeners_.clear();
    log::info("server_stopped");
    return 0;
  }

 private:
  Status open_storage() {
    auto blobs = open_blob_store(config_->storage);
    if (!blobs) return blobs.take_error();
    blobs_ = std::move(*blobs);
    auto metadata = open_metadata_store(config_->storage);
    if (!metadata) return metadata.take_error();
    metadata_ = std::move(*metadata);
    auto queue = open_queue_store(config_->storage);
    if (!queue) return queue.take_error();
    queue_ = std::move(*queue);
    return {};
  }

  // The services each role needs, built once; handlers get only theirs.
  void build_roles() {
    const Config& config = *config_;
    directory_ = std::make_unique<InternalDirectory>(metadata_->directory(), config.directory);
    // Every write to a mailbox wakes the sessions watching it (IMAP IDLE).
    mailboxes_ = std::make_unique<NotifyingMailboxStore>(
        metadata_->mailboxes(), [this](MailboxId id) {
          changes_.notify(static_cast<std::int64_t>(id));
          wake_text_indexer();
        });
    local_delivery_ = std::make_unique<LocalDelivery>(*directory_, *mailboxes_, config.delivery, blobs_.get());
    dkim_keys_ = std::make_unique<dkim::DkimKeyStore>(std::filesystem::path(config.storage.data_dir) / dkim::kDkimKeyFolder);
    QueueRunnerServices runner_services{blocking_, *queue_,          *local_delivery_,        *directory_,
                                        *blobs_,   outbound_.get(),  dkim_keys_.get(),        &new_queue_id,
                                        config.server.hostname,      postmaster_address()};
    runner_ = std::make_unique<QueueRunner>(io_.executor(0), std::move(runner_services), config.queue);
    SmtpServices services{blocking_, *directory_, *blobs_, *queue_, *mailboxes_, *local_delivery_,
                          std::bind(&QueueRunner::wake, runner_.get()), resolvers_.get()};
    smtp_ = std::make_unique<SmtpServer>(SmtpMode::mx, config.server.hostname, config.smtp, services);
    lmtp_ = std::make_unique<SmtpServer>(SmtpMode::lmtp, config.server.hostname, config.smtp, services);
    SmtpServices submission_services = services;
    submission_services.auth_throttle = &auth_throttle_;
    submission_services.passwords = &passwords_;
    submission_services.rate_limits = &metadata_->rate_limits();
    submission_services.scram_fake_salt_secret = scram_fake_salt_secret_;
    submission_ = std::make_unique<SmtpServer>(SmtpMode::submission, config.server.hostname, config.smtp,
                                               std::move(submission_services), config.submission);
    ImapServices imap_services{blocking_, passwords_, *directory_, *blobs_, *mailboxes_, changes_, auth_throttle_};
    imap_ = std::make_unique<ImapServer>(config.server.hostname, config.imap, imap_services);
    Pop3Services pop3_services{blocking_, passwords_, *directory_, *blobs_, *mailboxes_, auth_throttle_};
    pop3_ = std::make_unique<Pop3Server>(config.server.hostname, config.pop3, pop3_services);
    unavailable_ = std::make_unique<UnavailableHandler>(config.server.hostname);
  }

  // Where a bounce that cannot be delivered goes (Postfix's double bounce):
  // postmaster@ the first local domain, or nowhere.
  std::string postmaster_address() {
    auto domains = metadata_->directory().list_domains();
    if (!domains || domains->empty()) return {};
    return "postmaster@" + domains->front().name;
  }

  runtime::ConnectionHandler& handler_for(Protocol protocol) {
    switch (protocol) {
      case Protocol::smtp: return *smtp_;
      case Protocol::lmtp: return *lmtp_;
      case Protocol::submission: return *submission_;
      case Protocol::imap: return *imap_;
      case Protocol::pop3: return *pop3_;
      default: return *unavailable_;
    }
  }

  struct GcJob {
    MetadataStore* metadata;
    BlobStore* blobs;
    QueueStore* queue;
    std::chrono::seconds min_age;
    Result<GcReport> operator()() const {
      // The queue's blobs first: anything enqueued later is younger than min_age.
      auto live = queue->referenced_blobs();
      if (!live) return live.take_error();
      return collect_garbage(*metadata, *blobs, min_age, *live);
    }
  };

  asio::awaitable<void> collect_garbage_periodically() {
    gc_timer_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
    for (;;) {
      gc_timer_->expires_after(config_->storage.gc_interval);
      boost::system::error_code ec;
      co_await gc_timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;  // cancelled: stopping
      auto min_age = std::chrono::duration_cast<std::chrono::seconds>(config_->storage.gc_min_age);
      auto report = co_await blocking_.run(GcJob{metadata_.get(), blobs_.get(), queue_.get(), min_age});
      if (!report) {
        log::error("blob_gc_failed", {{"error", report.error().message}});
        continue;
      }
      log::info("blob_gc", {{"unreferenced_removed", report->unreferenced_removed},
                            {"orphans_removed", report->orphans_removed},
                            {"kept_recent", report->kept_recent},
                            {"kept_live", report->kept_live}});
    }
  }

  // Background text indexing (decision 0004): delivery, APPEND and COPY
  // leave the search text pending (SEARCH scans those messages meanwhile);
  // this indexes it in small batches once mailbox writes have paused for
  // kTextIndexQuiet, and under unbroken load one batch per
  // kTextIndexMaxDelay, so indexing does not take the writer and the CPU
  // from delivery (bench/smtp_inbound, 100 KB messages). Like Dovecot, which
  // by default indexes only when a search needs it, the index may lag while
  // mail streams in. Runs on io_context 0.
  static constexpr std::size_t kTextIndexBatch = 50;
  static constexpr std::chrono::seconds kTextIndexQuiet{2};
  static constexpr std::chrono::seconds kTextIndexMaxDelay{60};

  struct TextIndexJob {
    MailboxStore* mailboxes;
    Result<std::size_t> operator()() const { return mailboxes->index_pending_text(kTextIndexBatch); }
  };

  // From any thread (the store's callers): notes that mail is being written.
  void wake_text_indexer() { text_index_wake_.store(true, std::memory_order_relaxed); }

  asio::awaitable<void> index_text_in_background() {
    text_index_timer_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
    auto last_batch = std::chrono::steady_clock::now();
    while (!text_index_stopping_) {
      const bool writes_seen = text_index_wake_.exchange(false);
      const auto now = std::chrono::steady_clock::now();
      if (!writes_seen || now - last_batch >= kTextIndexMaxDelay) {
        auto indexed = co_await blocking_.run(TextIndexJob{mailboxes_.get()});
        last_batch = std::chrono::steady_clock::now();
        if (!indexed) log::error("text_index_failed", {{"error", indexed.error().message}});
        // More to do and still quiet: the next batch at once.
        if (indexed && *indexed > 0 && !text_index_wake_.load(std::memory_order_relaxed)) continue;
      }
      if (text_index_stopping_) break;
      text_index_timer_->expires_after(kTextIndexQuiet);
      boost::system::error_code ec;
      co_await text_index_timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::awaitable<void> control_loop(runtime::Signals& signals) {
    co_await signals.run(std::bind(&Node::reload, this));
    log::info("server_stopping", {{"grace", std::to_string(config_->limits.shutdown_grace.count()) + "ms"}});
    std::vector<runtime::Listener*> listeners;
    for (auto& l : listeners_) listeners.push_back(l.get());
    co_await runtime::stop_listeners(listeners, config_->limits.shutdown_grace);
  }

  // SIGHUP: a new config snapshot and new TLS contexts for new sessions.
  // Listener addresses and storage paths need a restart.
  asio::awaitable<void> reload() {
    auto load = load_config(config_->file);
    if (!load.config) {
      for (const auto& d : load.diagnostics) log::error("config_reload_failed", {{"problem", d.str()}});
      co_return;
    }
    std::shared_ptr<const runtime::TlsContexts> tls;
    if (needs_tls(*load.config)) {
      auto loaded = runtime::TlsContexts::load(load.config->tls);
      if (!loaded) {
        log::error("config_reload_failed", {{"problem", loaded.error().message}});
        co_return;
      }
      tls = std::move(*loaded);
    }
    if (load.config->listeners.size() != config_->listeners.size()) {
      log::warn("config_reload_partial", {{"reason", "listener changes take effect at restart"}});
    }
    tls_.set(std::move(tls));
    limiter_.update(load.config->limits);
    log::configure(load.config->log);
    config_ = std::move(load.config);
    log::info("config_reloaded", {{"config", config_->file.string()},
                                  {"sni_certificates", static_cast<std::uint64_t>(tls_.get() ? tls_.get()->sni_count() : 0)}});
  }

  int fail(const Error& error) {
    log::error("server_start_failed", {{"error", error.message}});
    std::cerr << "postino: " << error.message << "\n";
    return 1;
  }

  std::shared_ptr<const Config> config_;
  runtime::IoPool io_;
  runtime::BlockingPool blocking_;
  runtime::BlockingPool passwords_;  // password verification only (IMAP, POP3, submission)
  runtime::ConnectionLimiter limiter_;
  runtime::Snapshot<runtime::TlsContexts> tls_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<QueueStore> queue_;
  std::unique_ptr<dns::ResolverPool> resolvers_;
  std::unique_ptr<Directory> directory_;
  runtime::ChangeNotifier changes_;
  runtime::AuthThrottle auth_throttle_;
  std::unique_ptr<MailboxStore> mailboxes_;
  std::unique_ptr<LocalDelivery> local_delivery_;
  std::unique_ptr<smtp_client::OutboundDeliverer> outbound_;
  std::unique_ptr<dkim::DkimKeyStore> dkim_keys_;
  std::unique_ptr<QueueRunner> runner_;
  std::unique_ptr<SmtpServer> smtp_;
  std::unique_ptr<SmtpServer> lmtp_;
  std::unique_ptr<SmtpServer> submission_;
  std::string scram_fake_salt_secret_;
  std::unique_ptr<ImapServer> imap_;
  std::unique_ptr<Pop3Server> pop3_;
  std::unique_ptr<UnavailableHandler> unavailable_;
  std::vector<std::unique_ptr<runtime::Listener>> listeners_;
  std::unique_ptr<asio::steady_timer> gc_timer_;  // on io_context 0
  std::unique_ptr<asio::steady_timer> text_index_timer_;  // on io_context 0
  bool text_index_stopping_ = false;                      // on io_context 0
  std::atomic<bool> text_index_wake_{false};
};

}  // namespace

int serve(const std::filesystem::path& config_file) {
  auto load = load_config(config_file);
  if (!load.config) {
    print_diagnostics(load.diagnostics);
    return 1;
  }
  log::configure(load.config->log);
  // glibc hands freed heap back to the kernel once 128 KiB sit free at the
  // top; the SQLite writer frees that much many times a second, and every
  // trim costs a cross-CPU TLB flush. Keeping up to 64 MiB cut 10-20% of
  // CPU per accepted message in bench/smtp_inbound (see bench/README.md).
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  Node node(load.config);
  return node.run();
}

}  // namespace postino
