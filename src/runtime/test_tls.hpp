// Test helpers: self-signed certificates generated with OpenSSL (EC P-256),
// written as PEM into a per-test temporary directory, and a coroutine runner.
#pragma once

#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace postino::runtime::test {

struct TestCert {
  std::string cert_file;
  std::string key_file;
};

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Self-signed certificate with subject CN=common_name and the given DNS SANs.
TestCert make_cert(const TempDir& dir, const std::string& common_name, const std::vector<std::string>& dns_names);

// Runs a coroutine to completion on a private io_context; rethrows.
template <class T>
T run(boost::asio::awaitable<T> task) {
  boost::asio::io_context ctx;
  auto future = boost::asio::co_spawn(ctx, std::move(task), boost::asio::use_future);
  ctx.run();
  return future.get();
}

// Throws (coroutines cannot use gtest's ASSERT_*, which returns).
void require(bool condition, const std::string& what);

}  // namespace postino::runtime::test
