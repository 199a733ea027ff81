// TlsContexts: the server's OpenSSL 3 contexts built from TlsSettings: a
// default certificate plus one per SNI hostname (exact or "*.domain").
// Security: TLS 1.2 minimum, server cipher preference, no compression
// (CRIME), no renegotiation. Immutable once built; a reload builds a new one
// and live sessions keep theirs (shared_ptr<const TlsContexts>).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "runtime/runtime_settings.hpp"

namespace boost::asio::ssl {
class context;
}

namespace postino::runtime {

class TlsContexts {
  struct Key {};  // only load() constructs

 public:
  // Reads every certificate and key; an error names the file and carries
  // OpenSSL's reason. Blocking file I/O: call at startup or on the blocking
  // pool during reload.
  static Result<std::shared_ptr<const TlsContexts>> load(const TlsSettings& settings);

  explicit TlsContexts(Key);
  ~TlsContexts();
  TlsContexts(const TlsContexts&) = delete;
  TlsContexts& operator=(const TlsContexts&) = delete;

  // The context handshakes start with; its servername callback switches the
  // connection to the SNI match. Non-const because OpenSSL's SSL_new takes a
  // mutable SSL_CTX; the context itself is never modified after load().
  boost::asio::ssl::context& default_context() const { return *default_; }
  // Exact name first, then "*.parent" for one leading label; nullptr: use
  // the default. Case-insensitive; a trailing dot is ignored.
  boost::asio::ssl::context* select(std::string_view server_name) const;
  std::size_t sni_count() const { return sni_.size(); }

 private:
  std::unique_ptr<boost::asio::ssl::context> default_;
  std::vector<std::unique_ptr<boost::asio::ssl::context>> sni_;
  std::unordered_map<std::string, std::size_t> exact_;     // "mail.example.org" -> sni_ index
  std::unordered_map<std::string, std::size_t> wildcard_;  // "example.org" for "*.example.org"
};

}  // namespace postino::runtime
