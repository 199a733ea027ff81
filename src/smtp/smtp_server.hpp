// SmtpServer: the ConnectionHandler of the mx (SMTP, RFC 5321) and lmtp
// (RFC 2033) listeners. Each connection runs one SmtpSession. It holds only
// the services a session needs; there is no god context.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/connection.hpp"
#include "smtp/smtp_settings.hpp"

namespace postino {

class BlobStore;
class Directory;
class LocalDelivery;
class MailboxStore;
class QueueStore;
namespace runtime {
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
};

enum class SmtpMode { mx, lmtp };

class SmtpServer : public runtime::ConnectionHandler {
 public:
  SmtpServer(SmtpMode mode, std::string hostname, SmtpSettings settings, SmtpServices services);
  boost::asio::awaitable<void> serve(runtime::Connection& conn) override;

 private:
  SmtpMode mode_;
  std::string hostname_;
  SmtpSettings settings_;
  SmtpServices services_;
};

}  // namespace postino
