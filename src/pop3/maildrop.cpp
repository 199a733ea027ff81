#include "pop3/maildrop.hpp"

namespace postino::pop3 {

Maildrop::Maildrop(MailboxId mailbox, std::uint32_t uid_validity, std::vector<MessageRecord> messages)
    : mailbox_(mailbox),
      uid_validity_(uid_validity),
      messages_(std::move(messages)),
      deleted_(messages_.size(), false),
      retrieved_(messages_.size(), false) {}

Maildrop::Lookup Maildrop::lookup(std::uint32_t number) const {
  if (number == 0 || number > messages_.size()) return Lookup::no_such_message;
  if (deleted_[number - 1]) return Lookup::deleted;
  return Lookup::ok;
}

std::uint32_t Maildrop::live_count() const {
  std::uint32_t n = 0;
  for (bool d : deleted_) n += d ? 0 : 1;
  return n;
}

std::uint64_t Maildrop::live_bytes() const {
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    if (!deleted_[i]) bytes += messages_[i].size_bytes;
  }
  return bytes;
}

std::string Maildrop::unique_id(std::uint32_t number) const {
  return std::to_string(uid_validity_) + "." + std::to_string(static_cast<std::uint32_t>(message(number).uid));
}

std::vector<Uid> Maildrop::deleted_uids() const {
  std::vector<Uid> uids;
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    if (deleted_[i]) uids.push_back(messages_[i].uid);
  }
  return uids;
}

std::vector<Uid> Maildrop::retrieved_kept_uids() const {
  std::vector<Uid> uids;
  for (std::size_t i = 0; i < messages_.size(); ++i) {
    if (retrieved_[i] && !deleted_[i]) uids.push_back(messages_[i].uid);
  }
  return uids;
}

std::uint32_t Maildrop::deleted_count() const { return size() - live_count(); }

}  // namespace postino::pop3
