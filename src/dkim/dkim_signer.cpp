// DKIM-Signature generation (RFC 6376 3.5, 5; RFC 8463).
#include "dkim/dkim_signer.hpp"

#include "common/address.hpp"
#include "dkim/dkim_base64.hpp"
#include "dkim/dkim_header_fields.hpp"
#include "dkim/dkim_signing_input.hpp"

namespace postino::dkim {
namespace {

constexpr std::size_t kLineWidth = 76;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

bool valid_tag_text(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    // d=, s= and i= are ASCII without ';', whitespace or controls here.
    if (c <= 32 || c >= 127 || c == ';') return false;
  }
  return true;
}

// Appends tokens to a header, folding ("\r\n ") before a token that would
// pass the line width. `glue` is what joins the token when it fits.
class Folder {
 public:
  explicit Folder(std::string start) : out_(std::move(start)), line_(out_.size()) {}
  void add(std::string_view token, std::string_view glue) {
    if (line_ + glue.size() + token.size() > kLineWidth && line_ > 1) {
      out_ += "\r\n ";
      line_ = 1;
    } else {
      out_ += glue;
      line_ += glue.size();
    }
    out_ += token;
    line_ += token.size();
  }
  std::string& text() { return out_; }

 private:
  std::string out_;
  std::size_t line_;
};

}  // namespace

std::vector<std::string> default_signed_headers() {
  return {"From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID", "In-Reply-To", "References",
          "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-ID", "Content-Description",
          "Content-Disposition", "Resent-Date", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc",
          "Resent-Message-ID", "Sender", "List-Id", "List-Help", "List-Unsubscribe", "List-Unsubscribe-Post",
          "List-Subscribe", "List-Post", "List-Owner", "List-Archive"};
}

Result<DkimSigner> DkimSigner::create(DkimPrivateKey key, std::string domain, std::string selector,
                                      DkimSignerSettings settings) {
  if (!valid_tag_text(domain) || !parse_domain(domain, false, false)) {
    return make_error(Errc::invalid_argument, "DKIM domain is not an ASCII domain name: " + domain);
  }
  if (!valid_tag_text(selector) || !parse_domain(selector, false, true)) {
    return make_error(Errc::invalid_argument, "DKIM selector is not a sequence of DNS labels: " + selector);
  }
  if (!settings.identity.empty() && !valid_tag_text(settings.identity)) {
    return make_error(Errc::invalid_argument, "DKIM identity (i=) is not valid");
  }
  bool signs_from = false;
  for (const auto& name : settings.signed_headers) {
    if (name.empty() || name.find(':') != std::string::npos || !valid_tag_text(name)) {
      return make_error(Errc::invalid_argument, "bad header name in the DKIM header list: " + name);
    }
    if (header_name_equals(name, "From")) signs_from = true;
  }
  if (!signs_from) return make_error(Errc::invalid_argument, "the DKIM header list must include From (RFC 6376 5.4)");
  for (const auto& name : settings.oversigned_headers) {
    if (name.empty() || name.find(':') != std::string::npos || !valid_tag_text(name)) {
      return make_error(Errc::invalid_argument, "bad header name in the DKIM oversigned list: " + name);
    }
  }
  return DkimSigner(std::move(key), lower(domain), lower(selector), std::move(settings));
}

Result<std::string> DkimSigner::signature_header(std::string_view header_block, std::string_view body_hash,
                                                 std::chrono::system_clock::time_point now) const {
  if (header_block.size() > kDkimMaxHeaderBlockBytes) return make_error(Errc::invalid_argument, "header block too large");
  auto fields = split_header_fields(header_block);
  if (!fields) return fields.take_error();

  // h=: every configured name as often as present (bottom-up selection),
  // plus one more for oversigned names.
  std::vector<std::string> h_names;
  bool has_from = false;
  auto count_of = [&](std::string_view name) {
    std::size_t n = 0;
    for (const auto& f : *fields) n += header_name_equals(f.name, name) ? 1 : 0;
    return n;
  };
  auto oversigned = [&](std::string_view name) {
    for (const auto& o : settings_.oversigned_headers) {
      if (header_name_equals(o, name)) return true;
    }
    return false;
  };
  for (const auto& name : settings_.signed_headers) {
    std::size_t n = count_of(name);
    if (header_name_equals(name, "From")) has_from = n > 0;
    if (oversigned(name)) ++n;
    for (std::size_t i = 0; i < n; ++i) h_names.push_back(lower(name));
  }
  for (const auto& name : settings_.oversigned_headers) {
    bool listed = false;
    for (const auto& s : settings_.signed_headers) listed = listed || header_name_equals(s, name);
    if (!listed) {
      for (std::size_t i = 0, n = count_of(name) + 1; i < n; ++i) h_names.push_back(lower(name));
    }
  }
  if (!has_from) return make_error(Errc::invalid_argument, "message has no From: header field");

  Folder folder("DKIM-Signature:");
  folder.add("v=1;", " ");
  folder.add(std::string("a=") + dkim_algorithm_name(key_.algorithm()) + ";", " ");
  folder.add(std::string("c=") + dkim_canonicalization_name(settings_.header_canonicalization) + "/" +
                 dkim_canonicalization_name(settings_.body_canonicalization) + ";",
             " ");
  folder.add("d=" + domain_ + ";", " ");
  folder.add("s=" + selector_ + ";", " ");
  if (!settings_.identity.empty()) folder.add("i=" + settings_.identity + ";", " ");
  auto t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (settings_.add_timestamp) folder.add("t=" + std::to_string(t) + ";", " ");
  if (settings_.expiry) folder.add("x=" + std::to_string(t + settings_.expiry->count()) + ";", " ");
  for (std::size_t i = 0; i < h_names.size(); ++i) {
    std::string token = (i == 0 ? "h=" : "") + h_names[i] + (i + 1 == h_names.size() ? ";" : ":");
    folder.add(token, i == 0 ? " " : "");
  }
  folder.add("bh=" + std::string(body_hash) + ";", " ");
  folder.add("b=", " ");
  std::string& header = folder.text();

  std::string input = detail::signing_input(*fields, h_names, header, settings_.header_canonicalization);
  auto signature = key_.sign(input);
  if (!signature) return signature.take_error();
  std::string b = detail::base64_encode(*signature);
  // The b= value is folded at will: verifiers drop its whitespace.
  std::size_t line = header.size() - header.rfind('\n');
  std::size_t pos = 0;
  while (pos < b.size()) {
    std::size_t room = line < kLineWidth ? kLineWidth - line : 0;
    if (room < 8) {
      header += "\r\n ";
      line = 1;
      continue;
    }
    std::string_view piece = std::string_view(b).substr(pos, room);
    header += piece;
    pos += piece.size();
    line += piece.size();
  }
  header += "\r\n";
  return std::move(header);
}

Result<std::string> DkimSigner::sign_message(std::string_view message, std::chrono::system_clock::time_point now) const {
  std::size_t body_at = find_body_offset(message);
  std::string_view headers = message.substr(0, body_at);
  std::string_view body = body_at == std::string_view::npos ? std::string_view() : message.substr(body_at);
  DkimBodyHasher hasher = body_hasher();
  hasher.update(body);
  return signature_header(headers, hasher.finish_base64(), now);
}

DkimMessageSigner::DkimMessageSigner(const DkimSigner& signer) : signer_(signer), body_(signer.body_hasher()) {}

Status DkimMessageSigner::update(std::string_view chunk) {
  if (in_body_) {
    body_.update(chunk);
    return {};
  }
  std::size_t scan_from = header_block_.size() >= 2 ? header_block_.size() - 2 : 0;
  header_block_ += chunk;
  // The blank line may straddle chunks: rescan from just before the old end,
  // at a line start.
  std::size_t line_start = header_block_.rfind('\n', scan_from == 0 ? 0 : scan_from - 1);
  line_start = (scan_from == 0 || line_start == std::string::npos) ? 0 : line_start + 1;
  std::size_t body_at = std::string::npos;
  std::string_view view(header_block_);
  for (std::size_t pos = line_start; pos < view.size();) {
    std::size_t nl = view.find('\n', pos);
    if (nl == std::string_view::npos) break;
    std::string_view line = view.substr(pos, nl - pos);
    if (line.empty() || line == "\r") {
      body_at = nl + 1;
      break;
    }
    pos = nl + 1;
  }
  if (body_at == std::string::npos) {
    if (header_block_.size() > kDkimMaxHeaderBlockBytes) return make_error(Errc::invalid_argument, "header block too large");
    return {};
  }
  in_body_ = true;
  body_.update(view.substr(body_at));
  header_block_.resize(body_at);
  return {};
}

Result<std::string> DkimMessageSigner::finish(std::chrono::system_clock::time_point now) {
  if (header_block_.size() > kDkimMaxHeaderBlockBytes) return make_error(Errc::invalid_argument, "header block too large");
  return signer_.signature_header(header_block_, body_.finish_base64(), now);
}

}  // namespace postino::dkim
