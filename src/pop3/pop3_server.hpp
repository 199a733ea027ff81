// Pop3Server: the ConnectionHandler of the pop3 (110, STLS) and pop3s (995,
// implicit TLS) listeners. Each connection runs one Pop3Session; the server
// holds only the services sessions share, and the maildrop locks that keep a
// second POP3 session out of an account's INBOX (RFC 1939 8: exclusive
// access to the maildrop).
#pragma once

#include <memory>
#include <string>

#include "pop3/pop3_settings.hpp"
#include "runtime/connection.hpp"

namespace postino {

class BlobStore;
class Directory;
class MailboxStore;
namespace runtime {
class AuthThrottle;
class BlockingPool;
}  // namespace runtime

namespace pop3 {
class MaildropLocks;
}

struct Pop3Services {
  runtime::BlockingPool& blocking;
  runtime::BlockingPool& passwords;  // password verification only, apart from store work
  Directory& directory;
  BlobStore& blobs;
  MailboxStore& mailboxes;  // a NotifyingMailboxStore, so QUIT's expunge wakes IMAP IDLE
  runtime::AuthThrottle& auth_throttle;
};

class Pop3Server : public runtime::ConnectionHandler {
 public:
  Pop3Server(std::string hostname, Pop3Settings settings, Pop3Services services);
  ~Pop3Server() override;
  boost::asio::awaitable<void> serve(runtime::Connection& conn) override;

 private:
  std::string hostname_;
  Pop3Settings settings_;
  Pop3Services services_;
  std::unique_ptr<pop3::MaildropLocks> locks_;
};

}  // namespace postino
