// ImapServer: the ConnectionHandler of the imap (143, STARTTLS) and imaps
// (993, implicit TLS) listeners. Each connection runs one ImapSession; the
// server holds only the services sessions share.
#pragma once

#include <memory>
#include <string>

#include "imap/imap_settings.hpp"
#include "runtime/connection.hpp"

namespace postino {

class BlobStore;
class Directory;
class MailboxStore;
namespace runtime {
class AuthThrottle;
class BlockingPool;
class ChangeNotifier;
}  // namespace runtime

namespace imap {
class UserConnections;
}

struct ImapServices {
  runtime::BlockingPool& blocking;
  // Password verification (yescrypt: ~0.1 CPU-second each) runs here, a
  // small pool of its own, so a burst of logins never queues the store
  // work of logged-in sessions behind it on `blocking`.
  runtime::BlockingPool& passwords;
  Directory& directory;
  BlobStore& blobs;
  MailboxStore& mailboxes;            // a NotifyingMailboxStore, so writes wake watchers
  runtime::ChangeNotifier& changes;   // keyed by mailbox id
  runtime::AuthThrottle& auth_throttle;
};

class ImapServer : public runtime::ConnectionHandler {
 public:
  ImapServer(std::string hostname, ImapSettings settings, ImapServices services);
  ~ImapServer() override;
  boost::asio::awaitable<void> serve(runtime::Connection& conn) override;

 private:
  std::string hostname_;
  ImapSettings settings_;
  ImapServices services_;
  std::unique_ptr<imap::UserConnections> user_connections_;
};

}  // namespace postino
