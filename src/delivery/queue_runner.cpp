// The queue runner: one pass takes the due recipients, routes them (local
// domains -> LocalDelivery in one batch; other domains -> one remote job per
// message, its destinations in parallel through the OutboundDeliverer),
// and records each outcome with the DSNs it calls for in one queue
// transaction. Log lines follow Postfix's agents: "ID: to=<r>, relay=...,
// delay=.., dsn=.., status=sent (...)", "ID: sender non-delivery
// notification: NEWID", "ID: removed".
#include "delivery/queue_runner.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <exception>
#include <fstream>
#include <map>
#include <optional>

#include "common/address.hpp"
#include "common/log.hpp"
#include "delivery/delivery_decision.hpp"
#include "delivery/dsn_message.hpp"
#include "delivery/local_delivery.hpp"
#include "delivery/queued_message_source.hpp"
#include "directory/directory.hpp"
#include "dkim/dkim_key_store.hpp"
#include "runtime/blocking_pool.hpp"
#include "runtime/task_group.hpp"
#include "smtp_client/outbound_deliverer.hpp"
#include "smtp_client/route_resolver.hpp"

namespace postino {

namespace asio = boost::asio;

// One message's attempted recipients with their outcomes (and, from local
// delivery, the alias targets at other domains each one forwards to).
struct QueueRunner::MessageResults {
  QueueMessage message;
  std::vector<AttemptOutcome> outcomes;             // per message.recipients
  std::vector<std::vector<std::string>> forward_to; // per recipient; may be shorter
};

// One message's remote recipients, grouped by destination.
struct QueueRunner::RemoteJob {
  QueueMessage message;
  std::vector<std::vector<std::size_t>> groups;  // recipient indexes per destination
  std::vector<AttemptOutcome> outcomes;
  std::string dkim_header;
  std::shared_ptr<const std::string> content;  // the whole message when small (PrepareJob)
  std::size_t remaining = 0;
  std::unique_ptr<asio::steady_timer> done;
};

namespace {

constexpr std::size_t kReadChunkBytes = 64 * 1024;
constexpr std::size_t kMaxReturnedHeaderBytes = 256 * 1024;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Test clock: whole seconds in a file; absent, unreadable or negative: 0.
std::int64_t read_clock_offset(const std::string& path) {
  if (path.empty()) return 0;
  std::ifstream in(path);
  long long value = 0;
  if (!(in >> value) || value < 0) return 0;
  return value;
}

struct DueBatch {
  std::int64_t clock_offset = 0;
  Result<std::vector<QueueMessage>> messages = std::vector<QueueMessage>();
};

// Jobs for the blocking pool hold only pointers and trivially destructible
// values: GCC 12 destroys some by-value coroutine parameters twice (a job
// owning a std::string crashed), and the caller outlives the job anyway.
struct DueJob {
  QueueStore* queue;
  std::size_t limit;
  const std::string* clock_file;
  DueBatch operator()() const {
    DueBatch out;
    out.clock_offset = read_clock_offset(*clock_file);
    out.messages = queue->due(unix_now() + out.clock_offset, limit);
    return out;
  }
};

struct SweepJob {
  QueueStore* queue;
  void operator()() const {
    auto removed = queue->remove_all_done();
    if (!removed) {
      log::error("queue_sweep_failed", {{"error", removed.error().message}});
      return;
    }
    for (const auto& id : *removed) log::line(log::Level::info, "postino/qmgr", id + ": removed");
  }
};

struct NextDueJob {
  QueueStore* queue;
  Result<std::optional<std::int64_t>> operator()() const { return queue->next_due(); }
};

enum class Route : std::uint8_t { local, remote, unavailable };

// Local or remote, by the recipient's domain (one directory lookup per
// domain and pass). An address without a domain goes to local delivery,
// which refuses it with the right code.
struct ClassifyJob {
  Directory* directory;
  const std::vector<QueueMessage>* messages;
  std::vector<std::vector<Route>> operator()() const {
    std::map<std::string, Route> by_domain;
    std::vector<std::vector<Route>> out;
    for (const auto& message : *messages) {
      std::vector<Route> routes;
      for (const auto& r : message.recipients) {
        const std::string domain = recipient_domain(r.address);
        if (domain.empty()) {
          routes.push_back(Route::local);
          continue;
        }
        auto it = by_domain.find(domain);
        if (it == by_domain.end()) {
          auto local = directory->is_local_domain(domain);
          Route route = !local ? Route::unavailable : (*local ? Route::local : Route::remote);
          if (!local) log::warn("queue_route_lookup_failed", {{"domain", domain}, {"error", local.error().message}});
          it = by_domain.emplace(domain, route).first;
        }
        routes.push_back(it->second);
      }
      out.push_back(std::move(routes));
    }
    return out;
  }
};

struct LocalBatchJob {
  LocalDelivery* local;
  const std::vector<DeliveryRequest>* requests;
  std::vector<std::vector<RecipientOutcome>> operator()() const { return local->deliver_many(*requests); }
};

AttemptOutcome deferred_outcome(std::string status, std::string text) {
  AttemptOutcome o;
  o.kind = AttemptOutcome::Kind::deferred;
  o.status = std::move(status);
  o.text = std::move(text);
  o.relay = "none";
  o.diagnostic = "X-Postino; " + o.text;
  return o;
}

AttemptOutcome from_local(const RecipientOutcome& r) {
  AttemptOutcome o;
  o.kind = r.status == DeliveryStatus::delivered ? AttemptOutcome::Kind::delivered
           : r.status == DeliveryStatus::failed  ? AttemptOutcome::Kind::failed
                                                 : AttemptOutcome::Kind::deferred;
  o.code = r.code;
  o.status = r.enhanced;
  o.text = r.reply();
  o.relay = "local";
  o.diagnostic = "smtp; " + r.reply();
  return o;
}

AttemptOutcome from_remote(const smtp_client::RecipientOutcome& r) {
  AttemptOutcome o;
  o.kind = r.kind == smtp_client::OutcomeKind::delivered ? AttemptOutcome::Kind::delivered
           : r.kind == smtp_client::OutcomeKind::failed  ? AttemptOutcome::Kind::failed
                                                         : AttemptOutcome::Kind::deferred;
  o.code = r.code;
  o.status = r.enhanced;
  o.text = r.text;
  o.relay = r.relay.empty() ? "none" : r.relay;
  o.diagnostic = r.reply.empty() ? "X-Postino; " + r.text : "smtp; " + r.reply;
  o.relayed = true;
  o.dsn_passed = r.dsn_passed;
  return o;
}

std::optional<smtp::DsnNotify> notify_of(std::uint8_t bits) {
  if (bits == 0) return std::nullopt;
  smtp::DsnNotify n;
  n.never = (bits & kNotifyNever) != 0;
  n.success = (bits & kNotifySuccess) != 0;
  n.failure = (bits & kNotifyFailure) != 0;
  n.delay = (bits & kNotifyDelay) != 0;
  return n;
}

smtp_client::OutboundEnvelope envelope_of(const QueueMessage& message, const std::vector<std::size_t>& indexes) {
  smtp_client::OutboundEnvelope e;
  e.sender = message.sender;
  for (std::size_t i : indexes) {
    const QueueRecipient& r = message.recipients[i];
    e.recipients.push_back(smtp_client::OutboundRecipient{r.address, notify_of(r.notify), r.orcpt});
  }
  e.body = message.body_type == "8BITMIME"     ? smtp::BodyType::eight_bit_mime
           : message.body_type == "BINARYMIME" ? smtp::BodyType::binary_mime
           : message.body_type == "7BIT"       ? smtp::BodyType::seven_bit
                                               : smtp::BodyType::unspecified;
  e.smtputf8 = message.smtputf8;
  e.ret = message.ret == "FULL" ? smtp::DsnReturn::full
          : message.ret == "HDRS" ? smtp::DsnReturn::headers
                                  : smtp::DsnReturn::unspecified;
  e.envid = message.envid;
  return e;
}

bool has_blank_line(const std::string& head) {
  return head.rfind("\r\n", 0) == 0 || head.rfind("\n", 0) == 0 || head.find("\r\n\r\n") != std::string::npos ||
         head.find("\n\n") != std::string::npos;
}

// The domain of the first address in the From: field of a header block, or "".
std::string from_domain(std::string_view header) {
  std::string value;
  bool in_from = false;
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find('\n', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view line = header.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      if (in_from) value += std::string(line);
      continue;
    }
    if (in_from) break;
    if (line.size() > 5 && ascii_lower(line.substr(0, 5)) == "from:") {
      in_from = true;
      value = std::string(line.substr(5));
    }
  }
  std::string_view address = value;
  if (const auto lt = address.find('<'); lt != std::string_view::npos) {
    const auto gt = address.find('>', lt);
    address = address.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1);
  }
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string_view domain = address.substr(at + 1);
  const auto stop = domain.find_first_of(" \t>,;()");
  return ascii_lower(domain.substr(0, stop));
}

// What a remote job reads before sending: the DKIM-Signature field (empty
// when unsigned) and, for a message small enough to hold, its whole content,
// shared by the sources of every destination so that signing and sending
// read (and decompress) the blob once.
struct PreparedMessage {
  Result<std::string> signature = std::string();
  std::shared_ptr<const std::string> content;  // null: too large, sources read the blob
};

// Messages up to this size are read once into memory per delivery attempt.
constexpr std::uint64_t kSharedContentBytes = 1024 * 1024;

// The signer for the message's From: domain (DMARC alignment), else for its
// envelope sender's domain; null when neither domain has a key.
Result<std::shared_ptr<const dkim::DkimSigner>> signer_for_message(dkim::DkimKeyStore& keys, std::string_view head,
                                                                   const std::string& sender) {
  for (const std::string& domain : {from_domain(head), recipient_domain(sender)}) {
    if (domain.empty()) continue;
    auto found = keys.signer_for(domain);
    if (!found) return found.take_error();
    if (*found) return *found;
  }
  return std::shared_ptr<const dkim::DkimSigner>();
}

// Reads the queued message (whole if small, else streamed) and signs it when
// a key store is given.
struct PrepareJob {
  BlobStore* blobs;
  dkim::DkimKeyStore* keys;  // null: no signing
  BlobId blob;
  const std::string* sender;

  PreparedMessage operator()() const {
    PreparedMessage out;
    auto reader = blobs->open(blob);
    if (!reader) {
      // The destinations' own reads report it (deferred); not a signing problem.
      return out;
    }
    const std::uint64_t size = (*reader)->size_bytes();
    if (size <= kSharedContentBytes) {
      auto content = (*reader)->read(0, static_cast<std::size_t>(size));
      if (!content || content->size() != size) {
        // The destinations read the blob themselves; say why it is unsigned.
        if (keys != nullptr) {
          out.signature = content ? make_error(Errc::corrupt_data, "queued message shorter than recorded")
                                  : content.take_error();
        }
        return out;
      }
      out.content = std::make_shared<const std::string>(std::move(*content));
      if (keys != nullptr) out.signature = sign(*out.content);
      return out;
    }
    if (keys != nullptr) out.signature = sign_streamed(**reader, size);
    return out;
  }

  Result<std::string> sign(const std::string& content) const {
    auto signer = signer_for_message(*keys, content, *sender);
    if (!signer) return signer.take_error();
    if (!*signer) return std::string();
    dkim::DkimMessageSigner message(**signer);
    if (auto s = message.update(content); !s) return s.take_error();
    return message.finish();
  }

  Result<std::string> sign_streamed(BlobReader& reader, std::uint64_t size) const {
    std::string head;
    std::uint64_t offset = 0;
    while (offset < size && !has_blank_line(head) && head.size() < dkim::kDkimMaxHeaderBlockBytes) {
      auto chunk = reader.read(offset, kReadChunkBytes);
      if (!chunk) return chunk.take_error();
      if (chunk->empty()) break;
      offset += chunk->size();
      head += *chunk;
    }
    auto signer = signer_for_message(*keys, head, *sender);
    if (!signer) return signer.take_error();
    if (!*signer) return std::string();
    dkim::DkimMessageSigner message(**signer);
    if (auto s = message.update(head); !s) return s.take_error();
    while (offset < size) {
      auto chunk = reader.read(offset, kReadChunkBytes);
      if (!chunk) return chunk.take_error();
      if (chunk->empty()) break;
      offset += chunk->size();
      if (auto s = message.update(*chunk); !s) return s.take_error();
    }
    return message.finish();
  }
};

struct OpenSourceJob {
  BlobStore* blobs;
  runtime::BlockingPool* blocking;
  BlobId blob;
  const std::string* prefix;
  Result<std::unique_ptr<QueuedMessageSource>> operator()() const {
    return QueuedMessageSource::open(*blobs, blob, *blocking, *prefix);
  }
};

// A DSN to build: the report, the original it is about, the notice record.
struct NoticeRequest {
  DsnReport report;
  BlobInfo original;
  QueueNotice notice;   // message.id and about/delay filled; the rest built here
  bool to_postmaster = false;
  std::string log_kind;  // "sender non-delivery notification", ...
  std::string original_id;
};

// Builds each DSN (reading the original's header or whole content), stores
// it as a blob and fills its queue entry; nullopt when it cannot or must
// not be sent (no postmaster for a double bounce).
struct NoticeJob {
  BlobStore* blobs;
  Directory* directory;
  std::vector<NoticeRequest>* requests;
  std::vector<bool> operator()() const {
    std::vector<bool> ok;
    for (NoticeRequest& request : *requests) ok.push_back(build(request));
    return ok;
  }

  bool build(NoticeRequest& request) const {
    if (request.to_postmaster) {
      auto resolved = directory->resolve(request.report.to);
      const bool exists = resolved && (resolved->kind == RecipientKind::account || resolved->kind == RecipientKind::alias);
      if (!exists) {
        log::warn("double_bounce_dropped", {{"queue_id", request.original_id}, {"postmaster", request.report.to}});
        return false;
      }
    }
    auto reader = blobs->open(request.original.id);
    if (!reader) {
      log::error("dsn_original_unreadable", {{"queue_id", request.original_id}, {"error", reader.error().message}});
      return false;
    }
    const std::uint64_t size = (*reader)->size_bytes();
    std::string content;
    const bool full = request.report.return_full && size <= request.report.return_limit_bytes;
    std::uint64_t offset = 0;
    while (offset < size && (full || (!has_blank_line(content) && content.size() < kMaxReturnedHeaderBytes))) {
      auto chunk = (*reader)->read(offset, kReadChunkBytes);
      if (!chunk || chunk->empty()) break;
      offset += chunk->size();
      content += *chunk;
    }
    DsnMessage dsn = render_dsn(request.report, content, size);
    auto blob = blobs->put(dsn.bytes);
    if (!blob) {
      log::error("dsn_store_failed", {{"queue_id", request.original_id}, {"error", blob.error().message}});
      return false;
    }
    QueueMessage& m = request.notice.message;
    m.sender = "";
    m.blob = *blob;
    m.arrived_at = request.report.now;
    m.client_address = "127.0.0.1";
    m.client_helo = request.report.reporting_mta;
    m.protocol = "local";
    m.body_type = dsn.eight_bit ? "8BITMIME" : "7BIT";
    m.recipients = {QueueRecipient{.address = request.report.to}};
    return true;
  }
};

struct RecordJob {
  QueueStore* queue;
  const QueueBatch* batch;
  Result<QueueBatchResult> operator()() const { return queue->record(*batch); }
};

}  // namespace

QueueRunner::QueueRunner(asio::any_io_executor executor, QueueRunnerServices services, QueueRunnerSettings settings)
    : executor_(executor),
      services_(std::move(services)),
      settings_(std::move(settings)),
      timer_(executor),
      remote_tasks_(std::make_unique<runtime::TaskGroup>(executor)) {}

QueueRunner::~QueueRunner() = default;

std::chrono::seconds QueueRunner::retry_delay(const QueueRunnerSettings& settings, std::uint32_t attempts) {
  if (settings.retry_schedule.empty()) return std::chrono::minutes(5);
  std::size_t index = attempts == 0 ? 0 : attempts - 1;
  if (index >= settings.retry_schedule.size()) index = settings.retry_schedule.size() - 1;
  return settings.retry_schedule[index];
}

std::int64_t QueueRunner::now() const { return unix_now() + clock_offset_.load(std::memory_order_relaxed); }

void QueueRunner::wake() {
  woken_.store(true, std::memory_order_release);
  asio::post(executor_, [this] { timer_.cancel(); });
}

void QueueRunner::stop() {
  stopping_.store(true, std::memory_order_release);
  asio::post(executor_, [this] { timer_.cancel(); });
}

asio::awaitable<std::size_t> QueueRunner::deliver_due() {
  runtime::BlockingPool& blocking = services_.blocking;
  // Ask for enough messages that those with every due recipient already in
  // flight cannot crowd out the rest.
  in_flight_.begin_read();
  DueBatch due = co_await blocking.run(
      DueJob{&services_.queue, settings_.batch_messages + jobs_in_flight_, &settings_.clock_offset_file});
  // Jobs that recorded their outcome while the read ran may be listed as
  // pending all the same: skip them as if still in flight.
  const std::set<RecipientRowId> finished_meanwhile = in_flight_.end_read();
  clock_offset_.store(due.clock_offset, std::memory_order_relaxed);
  if (!due.messages) {
    log::error("queue_read_failed", {{"error", due.messages.error().message}});
    co_return 0;
  }
  std::vector<QueueMessage> messages;
  for (auto& message : *due.messages) {
    std::erase_if(message.recipients, [&](const QueueRecipient& r) {
      return in_flight_.contains(r.id) || finished_meanwhile.count(r.id) != 0;
    });
    if (message.recipients.empty()) continue;
    messages.push_back(std::move(message));
    if (messages.size() >= settings_.batch_messages) break;
  }
  if (messages.empty() || stopping_.load(std::memory_order_acquire)) co_return 0;

  auto routes = co_await blocking.run(ClassifyJob{&services_.directory, &messages});
  std::vector<MessageResults> local_results;
  std::vector<DeliveryRequest> requests;
  std::vector<std::pair<std::size_t, std::vector<std::size_t>>> request_slots;  // results index, recipient indexes
  std::vector<std::shared_ptr<RemoteJob>> jobs;
  for (std::size_t m = 0; m < messages.size(); ++m) {
    const QueueMessage& message = messages[m];
    MessageResults results;
    results.message = message;
    results.message.recipients.clear();
    DeliveryRequest request;
    request.queue_id = message.id;
    request.sender = message.sender;
    request.blob = message.blob;
    request.arrived_at = message.arrived_at;
    request.forward_external = true;
    std::vector<std::size_t> slots;
    auto job = std::make_shared<RemoteJob>();
    job->message = message;
    job->message.recipients.clear();
    for (std::size_t i = 0; i < message.recipients.size(); ++i) {
      const QueueRecipient& r = message.recipients[i];
      switch (routes[m][i]) {
        case Route::local:
          slots.push_back(results.message.recipients.size());
          results.message.recipients.push_back(r);
          results.outcomes.emplace_back();
          request.recipients.push_back(r.address);
          break;
        case Route::unavailable:
          results.message.recipients.push_back(r);
          results.outcomes.push_back(deferred_outcome("4.3.0", "temporary directory failure"));
          break;
        case Route::remote:
          if (services_.outbound != nullptr) {
            job->message.recipients.push_back(r);
          } else {
            results.message.recipients.push_back(r);
            results.outcomes.push_back(deferred_outcome("4.4.0", "no outbound delivery on this node"));
          }
          break;
      }
    }
    if (!request.recipients.empty()) {
      request_slots.emplace_back(local_results.size(), std::move(slots));
      requests.push_back(std::move(request));
    }
    if (!results.message.recipients.empty()) local_results.push_back(std::move(results));
    if (!job->message.recipients.empty()) jobs.push_back(std::move(job));
  }

  // Remote jobs run on their own; their recipients are in flight until
  // their outcomes are recorded.
  for (auto& job : jobs) {
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < job->message.recipients.size(); ++i) {
      const std::string key =
          smtp_client::destination_key(services_.outbound->settings(), job->message.recipients[i].address);
      auto it = std::find(keys.begin(), keys.end(), key);
      if (it == keys.end()) {
        keys.push_back(key);
        job->groups.emplace_back();
        it = std::prev(keys.end());
      }
      job->groups[static_cast<std::size_t>(it - keys.begin())].push_back(i);
      in_flight_.add(job->message.recipients[i].id);
    }
    job->outcomes.assign(job->message.recipients.size(), deferred_outcome("4.3.0", "delivery interrupted"));
    ++jobs_in_flight_;
    remote_tasks_->spawn(deliver_remote(job));
  }

  if (!requests.empty()) {
    auto outcomes = co_await blocking.run(LocalBatchJob{&services_.local, &requests});
    for (std::size_t q = 0; q < requests.size(); ++q) {
      MessageResults& results = local_results[request_slots[q].first];
      const auto& slots = request_slots[q].second;
      results.forward_to.resize(results.outcomes.size());
      for (std::size_t k = 0; k < slots.size() && k < outcomes[q].size(); ++k) {
        results.outcomes[slots[k]] = from_local(outcomes[q][k]);
        results.forward_to[slots[k]] = outcomes[q][k].external;
      }
    }
  }
  if (!local_results.empty()) co_await finish(std::move(local_results), "postino/local");
  co_return messages.size();
}

asio::awaitable<void> QueueRunner::deliver_remote(std::shared_ptr<RemoteJob> job) {
  try {
    {
      PreparedMessage prepared = co_await services_.blocking.run(
          PrepareJob{&services_.blobs, services_.dkim, job->message.blob.id, &job->message.sender});
      if (prepared.signature) {
        job->dkim_header = std::move(*prepared.signature);
      } else {
        // Sent unsigned rather than held: a missing From: or an unreadable
        // key is not the recipient's problem.
        log::warn("dkim_sign_failed",
                  {{"queue_id", job->message.id}, {"error", prepared.signature.error().message}});
      }
      job->content = std::move(prepared.content);
    }
    job->done = std::make_unique<asio::steady_timer>(executor_, asio::steady_timer::time_point::max());
    job->remaining = job->groups.size();
    for (std::size_t g = 0; g < job->groups.size(); ++g) remote_tasks_->spawn(deliver_destination(job, g));
    while (job->remaining > 0) {
      boost::system::error_code ec;
      co_await job->done->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none) break;
    }
    if (job->remaining == 0) {
      MessageResults results{job->message, job->outcomes, {}};
      std::vector<MessageResults> all;
      all.push_back(std::move(results));
      co_await finish(std::move(all), "postino/smtp");
    }
  } catch (const std::exception& e) {
    // Stopping: the recipients stay pending and are retried after restart.
    log::info("remote_delivery_interrupted", {{"queue_id", job->message.id}, {"reason", e.what()}});
  }
  for (const auto& r : job->message.recipients) in_flight_.remove(r.id);
  --jobs_in_flight_;
  if (!stopping_.load(std::memory_order_acquire)) wake();
}

asio::awaitable<void> QueueRunner::deliver_destination(std::shared_ptr<RemoteJob> job, std::size_t group) {
  try {
    const std::vector<std::size_t>& indexes = job->groups[group];
    Result<std::unique_ptr<QueuedMessageSource>> source = std::unique_ptr<QueuedMessageSource>();
    if (job->content) {
      source = std::make_unique<QueuedMessageSource>(job->content, job->dkim_header);
    } else {
      source = co_await services_.blocking.run(
          OpenSourceJob{&services_.blobs, &services_.blocking, job->message.blob.id, &job->dkim_header});
    }
    if (!source) {
      for (std::size_t i : indexes) {
        job->outcomes[i] = deferred_outcome("4.3.0", "cannot read the queued message: " + source.error().message);
      }
    } else {
      auto outcomes = co_await services_.outbound->deliver(envelope_of(job->message, indexes), **source);
      for (std::size_t k = 0; k < indexes.size() && k < outcomes.size(); ++k) {
        job->outcomes[indexes[k]] = from_remote(outcomes[k]);
      }
    }
  } catch (const std::exception& e) {
    log::info("remote_delivery_interrupted", {{"queue_id", job->message.id}, {"reason", e.what()}});
  }
  if (--job->remaining == 0 && job->done) job->done->cancel();
}

namespace {
template <class Results>
bool forwards_to_others(const Results& results, std::size_t i) {
  return i < results.forward_to.size() && !results.forward_to[i].empty();
}
}  // namespace

asio::awaitable<void> QueueRunner::finish(std::vector<MessageResults> all, const char* component) {
  const std::int64_t now = this->now();
  QueueBatch batch;
  std::vector<std::string> lines;
  std::vector<NoticeRequest> notices;
  bool forwarded = false;

  auto add_notice = [&](const QueueMessage& message, std::vector<DsnRecipient> recipients,
                        std::vector<RecipientRowId> about, const std::string& to, bool to_postmaster,
                        const char* kind, bool delay) {
    NoticeRequest n;
    n.report.reporting_mta = services_.hostname;
    n.report.to = to;
    n.report.queue_id = message.id;
    n.report.envid = message.envid;
    n.report.arrived_at = message.arrived_at;
    n.report.now = now;
    n.report.recipients = std::move(recipients);
    n.report.return_full = message.ret == "FULL";
    n.report.return_limit_bytes = settings_.bounce_size_limit_bytes;
    n.original = message.blob;
    n.notice.message.id = services_.new_queue_id();
    n.notice.about = std::move(about);
    n.notice.delay_warning = delay;
    n.notice.about_message = message.id;
    n.to_postmaster = to_postmaster;
    n.log_kind = kind;
    n.original_id = message.id;
    notices.push_back(std::move(n));
  };

  for (const MessageResults& results : all) {
    const QueueMessage& message = results.message;
    const std::int64_t expires_at = message.arrived_at + settings_.max_queue_lifetime.count();
    const bool warn = delay_warning_due(settings_, message, now);
    std::vector<DsnRecipient> failed, delayed, succeeded;
    std::vector<RecipientRowId> failed_ids, delayed_ids, succeeded_ids;
    bool postmaster_failed = false;
    for (std::size_t i = 0; i < message.recipients.size(); ++i) {
      const QueueRecipient& r = message.recipients[i];
      const AttemptOutcome& o = results.outcomes[i];
      const Decision d = decide(settings_, message, r, o, now);
      RecipientUpdate u = make_update(r, o, d);
      if (i < results.forward_to.size() && d.state == RecipientState::delivered) {
        for (const auto& target : results.forward_to[i]) {
          // Forwarding keeps the envelope sender (no SRS); the alias is the
          // original recipient of the new one (RFC 3461 ORCPT).
          u.forward.push_back(QueueRecipient{
              .address = target, .orcpt = r.orcpt.empty() ? "rfc822;" + r.address : r.orcpt, .notify = r.notify});
          forwarded = true;
        }
      }
      lines.push_back(delivery_log_line(message, r, o, d, now));
      batch.updates.push_back(std::move(u));
      if (d.dsn == DsnAction::failed) {
        if (message.sender.empty()) {
          // A bounce that cannot be delivered: to the postmaster once
          // (Postfix's double bounce), never back to the null sender.
          if (ascii_lower(r.address) == ascii_lower(services_.postmaster)) postmaster_failed = true;
          failed.push_back(dsn_recipient(r, o, DsnAction::failed, now, expires_at));
          failed_ids.push_back(r.id);
        } else if (dsn_wanted(r.notify, DsnAction::failed)) {
          failed.push_back(dsn_recipient(r, o, DsnAction::failed, now, expires_at));
          failed_ids.push_back(r.id);
        }
      } else if (forwards_to_others(results, i)) {
        // RFC 3461 6.2.7.3: an alias that forwards passes NOTIFY on; the
        // forwarded recipients' outcomes are the ones reported.
      } else if (d.dsn && !message.sender.empty() && dsn_wanted(r.notify, *d.dsn)) {
        succeeded.push_back(dsn_recipient(r, o, *d.dsn, now, expires_at));
        succeeded_ids.push_back(r.id);
      } else if (d.state == RecipientState::pending && warn && !message.sender.empty() &&
                 dsn_wanted(r.notify, DsnAction::delayed)) {
        delayed.push_back(dsn_recipient(r, o, DsnAction::delayed, now, expires_at));
        delayed_ids.push_back(r.id);
      }
    }
    if (!failed.empty()) {
      if (!message.sender.empty()) {
        add_notice(message, std::move(failed), std::move(failed_ids), message.sender, false,
                   "sender non-delivery notification", false);
      } else if (services_.postmaster.empty() || postmaster_failed) {
        log::warn("double_bounce_dropped", {{"queue_id", message.id},
                                            {"reason", services_.postmaster.empty() ? "no postmaster address"
                                                                                    : "the postmaster is unreachable"}});
      } else {
        add_notice(message, std::move(failed), std::move(failed_ids), services_.postmaster, true,
                   "postmaster non-delivery notification", false);
      }
    }
    if (!succeeded.empty()) {
      add_notice(message, std::move(succeeded), std::move(succeeded_ids), message.sender, false,
                 "sender delivery status notification", false);
    }
    if (!delayed.empty()) {
      add_notice(message, std::move(delayed), std::move(delayed_ids), message.sender, false,
                 "sender delay notification", true);
    }
  }

  if (!notices.empty()) {
    auto built = co_await services_.blocking.run(NoticeJob{&services_.blobs, &services_.directory, &notices});
    for (std::size_t n = 0; n < notices.size(); ++n) {
      if (built[n]) {
        batch.notices.push_back(notices[n].notice);
        continue;
      }
      if (notices[n].to_postmaster || notices[n].notice.delay_warning ||
          notices[n].log_kind == "sender delivery status notification") {
        continue;  // dropped (logged by the job)
      }
      // A bounce we could not write: keep its recipients queued, so the
      // sender hears of the failure on a later attempt instead of never.
      for (RecipientUpdate& u : batch.updates) {
        const auto& about = notices[n].notice.about;
        if (std::find(about.begin(), about.end(), u.recipient) == about.end()) continue;
        u.state = RecipientState::pending;
        u.next_attempt_at = now + retry_delay(settings_, 1).count();
      }
    }
  }

  auto recorded = co_await services_.blocking.run(RecordJob{&services_.queue, &batch});
  if (!recorded) {
    // Nothing recorded: the recipients stay pending and are retried; the
    // delivery keys keep local copies from repeating.
    log::error("queue_update_failed", {{"error", recorded.error().message}});
    co_return;
  }
  for (const auto& line : lines) log::line(log::Level::info, component, line);
  for (const auto& id : recorded->enqueued) {
    for (const auto& n : notices) {
      if (n.notice.message.id != id) continue;
      log::line(log::Level::info, "postino/bounce", n.original_id + ": " + n.log_kind + ": " + id);
      log::line(log::Level::info, "postino/qmgr", id + ": from=<>, size=" +
                                                      std::to_string(n.notice.message.blob.size_bytes) +
                                                      ", nrcpt=1 (queue active)");
    }
  }
  for (const auto& id : recorded->removed) log::line(log::Level::info, "postino/qmgr", id + ": removed");
  if (forwarded || !recorded->enqueued.empty()) wake();
}

asio::awaitable<void> QueueRunner::run() {
  log::info("queue_runner_started", {{"outbound", services_.outbound != nullptr}});
  while (!stopping_.load(std::memory_order_acquire)) {
    woken_.store(false, std::memory_order_release);
    std::size_t taken = 0;
    if (jobs_in_flight_ < settings_.max_messages_in_flight) taken = co_await deliver_due();
    if (taken >= settings_.batch_messages) continue;  // more may be due
    if (woken_.load(std::memory_order_acquire)) continue;
    // Idle: remove messages finished before a crash cut their removal short
    // (record() removes finished messages in its own transaction, so only a
    // crash leaves any): at start, then at most once per poll interval, not
    // after every pass (at low load that was one more queue transaction and
    // two thread hand-offs per message).
    if (const auto steady = std::chrono::steady_clock::now();
        !swept_once_ || steady - last_sweep_ >= settings_.poll_interval) {
      co_await services_.blocking.run(SweepJob{&services_.queue});
      swept_once_ = true;
      last_sweep_ = steady;
    }
    auto next = co_await services_.blocking.run(NextDueJob{&services_.queue});
    auto wait = settings_.poll_interval;
    if (next && next->has_value()) {
      const auto until = std::chrono::seconds(std::max<std::int64_t>(0, **next - now()));
      // Due now but in flight: the job's completion wakes us.
      if (until.count() == 0 && in_flight_.empty() && jobs_in_flight_ < settings_.max_messages_in_flight) continue;
      if (until.count() > 0) wait = std::min(until, settings_.poll_interval);
    }
    // A wake() or stop() during the lookups above already ran its cancel
    // (on this executor, while we were suspended): check before waiting.
    // Between here and async_wait nothing suspends, so a later cancel hits.
    if (stopping_.load(std::memory_order_acquire)) break;
    if (woken_.load(std::memory_order_acquire)) continue;
    timer_.expires_after(wait);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  // Remote deliveries in flight are cut short; their recipients stay
  // pending and are retried after the restart.
  remote_tasks_->cancel_all();
  co_await remote_tasks_->wait_until_empty(std::chrono::steady_clock::now() + std::chrono::seconds(30));
  if (services_.outbound != nullptr) co_await services_.outbound->shutdown();
  log::info("queue_runner_stopped");
}

}  // namespace postino
