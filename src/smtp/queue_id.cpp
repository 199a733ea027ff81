// Queue id generation.
#include "smtp/queue_id.hpp"

#include <openssl/rand.h>

#include <atomic>
#include <chrono>
#include <cstdio>

namespace postino {
namespace {

std::uint32_t random_seed() {
  std::uint32_t seed = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed);
  return seed;
}

std::atomic<std::uint32_t> g_counter{random_seed()};

}  // namespace

std::string new_queue_id() {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  std::uint32_t count = g_counter.fetch_add(1, std::memory_order_relaxed);
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%011llX%05X",
                static_cast<unsigned long long>(micros) & 0xFFFFFFFFFFFull, count & 0xFFFFFu);
  return buffer;
}

}  // namespace postino
