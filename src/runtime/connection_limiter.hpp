// ConnectionLimiter: caps on concurrent connections, in total and per client
// (LimitSettings). A Slot is held for the life of a session and releases its
// count when destroyed. Thread-safe: sessions on every io_context share it.
// Security: an IPv6 client is counted per /64 (one subscriber's LAN), since
// a single host can pick any address in its /64 to evade a per-/128 cap.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

#include "runtime/runtime_settings.hpp"

namespace postino::runtime {

class ConnectionLimiter {
 public:
  enum class Refusal { none, total, per_ip };

  // A counted place; when refused() it counts nothing and the protocol sends
  // its busy reply (SMTP 421 4.7.0, IMAP * BYE, POP3 -ERR [SYS/TEMP]).
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

    bool refused() const { return refusal_ != Refusal::none; }
    Refusal refusal() const { return refusal_; }

   private:
    friend class ConnectionLimiter;
    using Key = std::array<std::uint8_t, 17>;  // family + 16 address bytes
    void release();
    ConnectionLimiter* owner_ = nullptr;  // null: nothing counted
    Key key_{};
    Refusal refusal_ = Refusal::none;
  };

  // Caps of 0 mean "no limit".
  explicit ConnectionLimiter(const LimitSettings& settings);
  // The limiter must outlive every Slot it handed out.
  ~ConnectionLimiter() = default;
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  Slot acquire(const boost::asio::ip::address& client);
  // New caps apply to new connections; live ones keep their slot (reload).
  void update(const LimitSettings& settings);

  std::size_t total() const;
  std::size_t count_for(const boost::asio::ip::address& client) const;

 private:
  struct KeyHash {
    std::size_t operator()(const Slot::Key& key) const noexcept;
  };
  static Slot::Key key_of(const boost::asio::ip::address& client);
  void release(const Slot::Key& key);

  mutable std::mutex mutex_;
  std::uint32_t max_total_;
  std::uint32_t max_per_ip_;
  std::size_t total_ = 0;
  std::unordered_map<Slot::Key, std::uint32_t, KeyHash> per_ip_;
};

const char* refusal_name(ConnectionLimiter::Refusal refusal);

}  // namespace postino::runtime
