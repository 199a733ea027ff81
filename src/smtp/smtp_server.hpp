// SmtpServer: the ConnectionHandler of the mx (SMTP, RFC 5321), lmtp
// (RFC 2033) and submission (RFC 6409 on 587, RFC 8314 on 465; AUTH per
// RFC 4954) listeners. Each connection runs one SmtpSession. It holds only
// the services a session needs; there is no god context.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/connection.hpp"
#include "smtp/smtp_settings.hpp"
#include "smtp/submission_settings.hpp"

namespace postino {

class BlobStore;
class Directory;
class LocalDelivery;
class MailboxStore;
class QueueStore;
class RateLimitStore;
namespace runtime {
class AuthThrottle;
class BlockingPool;
}
namespace dns {
class ResolverPool;
}

struct SmtpServices {
  runtime::BlockingPool& blocking;
  Directory& directory;
  BlobStore& blobs;
  QueueStore& queue;
  MailboxStore& mailboxes;             // quota usage for RCPT checks
  LocalDelivery& local_delivery;       // LMTP delivers at once
  std::function<void()> queue_wakeup;  // tells the queue runner new mail arrived
  dns::ResolverPool* resolvers = nullptr;  // sender domain checks; null: none
  // Submission only (required there): failed logins shared with IMAP/POP3,
  // sending counters shared by every submission node, and the key of the
  // SCRAM fake salts (directory/secret_key_file.hpp).
  runtime::AuthThrottle* auth_throttle = nullptr;
  runtime::BlockingPool* passwords = nullptr;  // password verification; null: the blocking pool
  RateLimitStore* rate_limits = nullptr;
  std::string scram_fake_salt_secret;
};

// mx: inbound from the Internet (port 25). lmtp: from a trusted MTA,
// delivered at once. submission: authenticated users' outgoing mail (587
// with STARTTLS, 465 with implicit TLS): AUTH under TLS only, sender
// identity, rate limits, then the queue.
enum class SmtpMode { mx, lmtp, submission };

class SmtpServer : public runtime::ConnectionHandler {
 public:
  SmtpServer(SmtpMode mode, std::string hostname, SmtpSettings settings, SmtpServices services,
             SubmissionSettings submission = {});
  boost::asio::awaitable<void> serve(runtime::Connection& conn) override;

 private:
  SmtpMode mode_;
  std::string hostname_;
  SmtpSettings settings_;
  SubmissionSettings submission_;
  SmtpServices services_;
};

}  // namespace postino
