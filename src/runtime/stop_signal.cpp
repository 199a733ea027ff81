// StopSignal: timer_ is set to expire never; cancel() is the broadcast.
#include "runtime/stop_signal.hpp"

namespace postino::runtime {

StopSignal::StopSignal(asio::any_io_executor executor) : timer_(std::move(executor)) {
  timer_.expires_at(asio::steady_timer::time_point::max());
}

void StopSignal::request() {
  requested_.store(true, std::memory_order_release);
  timer_.cancel();
}

}  // namespace postino::runtime
