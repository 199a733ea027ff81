#include "imap/search_matcher.hpp"

#include <strings.h>

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "imap/message_access.hpp"
#include "imap/sort_thread.hpp"
#include "mime/address_list.hpp"
#include "mime/charset.hpp"
#include "mime/header_fields.hpp"
#include "mime/search_text.hpp"
#include "store/object_ids.hpp"

namespace postino::imap {
namespace {

using std::chrono::year_month_day;

year_month_day day_of(std::int64_t unix_seconds) {
  return year_month_day(std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds(std::chrono::seconds(unix_seconds))));
}

// The date part of an RFC 5322 Date: "[Mon, ]25 Nov 2026 14:03:00 +0000"
// (RFC 9051 6.4.4: SENT* compare dates, disregarding time and zone).
std::optional<year_month_day> header_date(const std::string& value) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  std::string v = value;
  if (auto comma = v.find(','); comma != std::string::npos) v = v.substr(comma + 1);
  unsigned day = 0;
  char month[4] = {0};
  int year = 0;
  if (std::sscanf(v.c_str(), " %u %3s %d", &day, month, &year) != 3) return std::nullopt;
  for (unsigned m = 0; m < 12; ++m) {
    if (::strcasecmp(month, kMonths[m]) == 0) {
      if (year < 100) year += year < 50 ? 2000 : 1900;  // RFC 5322 4.3 obsolete years
      year_month_day ymd{std::chrono::year(year), std::chrono::month(m + 1), std::chrono::day(day)};
      if (!ymd.ok()) return std::nullopt;
      return ymd;
    }
  }
  return std::nullopt;
}

// What a message's keys may need, loaded once each.
class MessageData {
 public:
  MessageData(BlobStore& blobs, const MessageRecord& record) : blobs_(blobs), record_(record) {}
  const MessageRecord& record() const { return record_; }

  Result<const std::string*> header() {
    if (!header_) {
      auto structure = this->structure();
      if (!structure) return structure.take_error();
      auto content = MessageContent::open(blobs_, record_);
      if (!content) return content.take_error();
      auto bytes = content->read(0, (*structure)->root.body_offset);
      if (!bytes) return bytes.take_error();
      header_ = std::move(*bytes);
    }
    return &*header_;
  }
  Result<const std::string*> body_text() {
    if (!body_) {
      auto structure = this->structure();
      if (!structure) return structure.take_error();
      auto content = MessageContent::open(blobs_, record_);
      if (!content) return content.take_error();
      auto bytes = content->read_all();
      if (!bytes) return bytes.take_error();
      body_ = mime::body_search_text(*bytes, **structure);
    }
    return &*body_;
  }
  // Decoded, case-mapped values of every field with this name.
  Result<std::vector<std::string>> fields(std::string_view name) {
    auto header = this->header();
    if (!header) return header.take_error();
    std::vector<std::string> values;
    for (const auto& field : mime::split_header_fields(**header)) {
      if (field.name.size() == name.size() && ::strncasecmp(field.name.data(), name.data(), name.size()) == 0) {
        values.push_back(casemap(mime::decode_header_value(mime::unfold(field.value))));
      }
    }
    return values;
  }
  // Unfolded, undecoded values of every field with this name.
  Result<std::vector<std::string>> raw(std::string_view name) {
    auto header = this->header();
    if (!header) return header.take_error();
    std::vector<std::string> values;
    for (const auto& field : mime::split_header_fields(**header)) {
      if (field.name.size() == name.size() && ::strncasecmp(field.name.data(), name.data(), name.size()) == 0) {
        values.push_back(mime::unfold(field.value));
      }
    }
    return values;
  }
  Result<std::string> whole_header_text() {
    auto header = this->header();
    if (!header) return header.take_error();
    return mime::header_search_text(**header);
  }

 private:
  Result<const mime::MessageStructure*> structure() {
    if (!structure_) {
      auto parsed = structure_of(blobs_, record_);
      if (!parsed) return parsed.take_error();
      structure_.emplace(std::move(*parsed));
    }
    return &*structure_;
  }

  BlobStore& blobs_;
  const MessageRecord& record_;
  std::optional<mime::MessageStructure> structure_;
  std::optional<std::string> header_;
  std::optional<std::string> body_;
};

// The text index's answers for the BODY and TEXT keys of one SEARCH: one
// store query per distinct (key, string), made before the per-message loop.
// An answer is trusted as it is: the store matches the exact substring
// (trigram candidates, then instr()) on text computed by the same
// functions as the scan below (mime/search_text.hpp, at delivery and
// APPEND), with the needle folded the same way, so for an indexed message
// it equals what the scan would find. Messages the index has no text for,
// and strings too short for trigrams, are scanned.
class TextIndexAnswers {
 public:
  Status prepare(MailboxStore& store, MailboxId mailbox, const std::vector<Uid>& uids, const SearchKey& key) {
    if (key.kind == SearchKeyKind::body || key.kind == SearchKeyKind::text) {
      const TextSearchScope scope = key.kind == SearchKeyKind::body ? TextSearchScope::body : TextSearchScope::text;
      auto query = std::make_tuple(scope, casemap(key.text));
      auto known = index_of_query_.find(query);
      if (known != index_of_query_.end()) {
        index_of_key_[&key] = known->second;
        return {};
      }
      auto found = store.search_text(mailbox, uids, scope, std::get<1>(query));
      if (!found) {
        if (found.error().code == Errc::unsupported) return {};  // the scan answers this key
        return found.take_error();
      }
      index_of_query_[query] = results_.size();
      index_of_key_[&key] = results_.size();
      results_.push_back(std::move(*found));
      return {};
    }
    for (const SearchKey& child : key.children) {
      if (auto s = prepare(store, mailbox, uids, child); !s) return s;
    }
    return {};
  }

  // The index's answer for this key and message; nullopt: scan it.
  std::optional<bool> answer(const SearchKey& key, Uid uid) const {
    auto it = index_of_key_.find(&key);
    if (it == index_of_key_.end()) return std::nullopt;
    const TextSearchResult& result = results_[it->second];
    if (std::binary_search(result.not_indexed.begin(), result.not_indexed.end(), uid)) return std::nullopt;
    return std::binary_search(result.matched.begin(), result.matched.end(), uid);
  }

  // Whether evaluating `key` may read a message's bytes (header or body)
  // given these answers.
  bool reads_content(const SearchKey& key) const {
    switch (key.kind) {
      case SearchKeyKind::and_:
      case SearchKeyKind::or_:
      case SearchKeyKind::not_:
        return std::any_of(key.children.begin(), key.children.end(),
                           [&](const SearchKey& child) { return reads_content(child); });
      case SearchKeyKind::body:
      case SearchKeyKind::text: {
        auto it = index_of_key_.find(&key);
        return it == index_of_key_.end() || !results_[it->second].not_indexed.empty();
      }
      case SearchKeyKind::bcc:
      case SearchKeyKind::cc:
      case SearchKeyKind::from:
      case SearchKeyKind::to:
      case SearchKeyKind::subject:
      case SearchKeyKind::header:
      case SearchKeyKind::sentbefore:
      case SearchKeyKind::senton:
      case SearchKeyKind::sentsince: return true;
      default: return false;
    }
  }

 private:
  std::vector<TextSearchResult> results_;
  std::map<std::tuple<TextSearchScope, std::string>, std::size_t> index_of_query_;
  std::map<const SearchKey*, std::size_t> index_of_key_;
};

bool has_flag(const ViewMessage& m, std::string_view flag) {
  return std::any_of(m.flags.begin(), m.flags.end(), [&](const std::string& f) {
    return f.size() == flag.size() && ::strncasecmp(f.data(), flag.data(), flag.size()) == 0;
  });
}

class Matcher {
 public:
  Matcher(const SearchInput& input, const SearchInput::Message& message, MessageData& data,
          const TextIndexAnswers& index)
      : input_(input), message_(message), data_(data), index_(index) {}

  Result<bool> matches(const SearchKey& key) {
    const ViewMessage& m = message_.view;
    const MessageRecord& r = data_.record();
    switch (key.kind) {
      case SearchKeyKind::and_:
        for (const auto& child : key.children) {
          auto ok = matches(child);
          if (!ok || !*ok) return ok;
        }
        return true;
      case SearchKeyKind::or_: {
        for (const auto& child : key.children) {
          auto ok = matches(child);
          if (!ok || *ok) return ok;
        }
        return false;
      }
      case SearchKeyKind::not_: {
        auto ok = matches(key.children.front());
        if (!ok) return ok;
        return !*ok;
      }
      case SearchKeyKind::sequence_set:
        if (key.set.is_saved_result()) return in_saved(m.uid);
        return key.set.contains(message_.seq, input_.exists);
      case SearchKeyKind::uid:
        if (key.set.is_saved_result()) return in_saved(m.uid);
        return key.set.contains(static_cast<std::uint32_t>(m.uid), static_cast<std::uint32_t>(input_.last_uid));
      case SearchKeyKind::all: return true;
      case SearchKeyKind::answered: return has_flag(m, "\\Answered");
      case SearchKeyKind::deleted: return has_flag(m, "\\Deleted");
      case SearchKeyKind::draft: return has_flag(m, "\\Draft");
      case SearchKeyKind::flagged: return has_flag(m, "\\Flagged");
      case SearchKeyKind::seen: return has_flag(m, "\\Seen");
      case SearchKeyKind::unanswered: return !has_flag(m, "\\Answered");
      case SearchKeyKind::undeleted: return !has_flag(m, "\\Deleted");
      case SearchKeyKind::undraft: return !has_flag(m, "\\Draft");
      case SearchKeyKind::unflagged: return !has_flag(m, "\\Flagged");
      case SearchKeyKind::unseen: return !has_flag(m, "\\Seen");
      case SearchKeyKind::recent: return message_.recent;
      case SearchKeyKind::new_: return message_.recent && !has_flag(m, "\\Seen");
      case SearchKeyKind::old: return !message_.recent;
      case SearchKeyKind::keyword: return has_flag(m, key.text);
      case SearchKeyKind::unkeyword: return !has_flag(m, key.text);
      case SearchKeyKind::savedatesupported: return true;
      // RFC 8474 6: EMAILID matches the message's id exactly (ids are case
      // sensitive); THREADID is NIL for every message, so matches none.
      case SearchKeyKind::emailid: return email_object_id(input_.account, r.blob, r.header_prefix) == key.text;
      case SearchKeyKind::threadid: return false;
      case SearchKeyKind::before: return day_of(r.internal_date) < key.date;
      case SearchKeyKind::on: return day_of(r.internal_date) == key.date;
      case SearchKeyKind::since: return day_of(r.internal_date) >= key.date;
      case SearchKeyKind::savedbefore: return r.save_date != 0 && day_of(r.save_date) < key.date;
      case SearchKeyKind::savedon: return r.save_date != 0 && day_of(r.save_date) == key.date;
      case SearchKeyKind::savedsince: return r.save_date != 0 && day_of(r.save_date) >= key.date;
      case SearchKeyKind::larger: return r.size_bytes > key.number;
      case SearchKeyKind::smaller: return r.size_bytes < key.number;
      case SearchKeyKind::older:
        return input_.now.time_since_epoch().count() - r.internal_date >= static_cast<std::int64_t>(key.number);
      case SearchKeyKind::younger:
        return input_.now.time_since_epoch().count() - r.internal_date <= static_cast<std::int64_t>(key.number);
      case SearchKeyKind::modseq: return m.modseq >= key.number;
      case SearchKeyKind::sentbefore:
      case SearchKeyKind::senton:
      case SearchKeyKind::sentsince: return sent_date(key);
      case SearchKeyKind::bcc: return field_contains("Bcc", key.text);
      case SearchKeyKind::cc: return field_contains("Cc", key.text);
      case SearchKeyKind::from: return field_contains("From", key.text);
      case SearchKeyKind::to: return field_contains("To", key.text);
      case SearchKeyKind::subject: return field_contains("Subject", key.text);
      case SearchKeyKind::header: return field_contains(key.header_name, key.text);
      case SearchKeyKind::body: {
        if (auto indexed = index_.answer(key, m.uid)) return *indexed;
        auto body = data_.body_text();
        if (!body) return body.take_error();
        return (*body)->find(casemap(key.text)) != std::string::npos;
      }
      case SearchKeyKind::text: {
        if (auto indexed = index_.answer(key, m.uid)) return *indexed;
        auto header = data_.whole_header_text();
        if (!header) return header.take_error();
        std::string needle = casemap(key.text);
        if (header->find(needle) != std::string::npos) return true;
        auto body = data_.body_text();
        if (!body) return body.take_error();
        return (*body)->find(needle) != std::string::npos;
      }
    }
    return false;
  }

 private:
  bool in_saved(Uid uid) const {
    return std::find(input_.saved.begin(), input_.saved.end(), uid) != input_.saved.end();
  }

  Result<bool> field_contains(std::string_view name, const std::string& text) {
    auto values = data_.fields(name);
    if (!values) return values.take_error();
    if (text.empty()) return !values->empty();  // RFC 9051 6.4.4: HEADER name ""
    std::string needle = casemap(text);
    return std::any_of(values->begin(), values->end(),
                       [&](const std::string& v) { return v.find(needle) != std::string::npos; });
  }

  Result<bool> sent_date(const SearchKey& key) {
    auto values = data_.fields("Date");
    if (!values) return values.take_error();
    std::optional<year_month_day> date = values->empty() ? std::nullopt : header_date(values->front());
    // Without a usable Date: the internal date stands in (as Dovecot does).
    year_month_day day = date ? *date : day_of(data_.record().internal_date);
    if (key.kind == SearchKeyKind::sentbefore) return day < key.date;
    if (key.kind == SearchKeyKind::senton) return day == key.date;
    return day >= key.date;
  }

  const SearchInput& input_;
  const SearchInput::Message& message_;
  MessageData& data_;
  const TextIndexAnswers& index_;
};

}  // namespace

std::string casemap(const std::string& utf8) { return mime::casefold(utf8); }

bool contains_casemapped(const std::string& haystack, const std::string& needle) {
  return casemap(haystack).find(casemap(needle)) != std::string::npos;
}

Result<std::vector<std::uint32_t>> run_search(MailboxStore& store, BlobStore& blobs, MailboxId mailbox,
                                              const SearchKey& program, const SearchInput& input) {
  std::vector<Uid> uids;
  uids.reserve(input.messages.size());
  for (const auto& m : input.messages) uids.push_back(m.view.uid);
  TextIndexAnswers index;
  if (auto s = index.prepare(store, mailbox, uids, program); !s) return s.take_error();
  // The structures are read only when some message's bytes may be read.
  auto records = store.read_messages(mailbox, uids, index.reads_content(program));
  if (!records) return records.take_error();
  std::vector<std::uint32_t> matched;
  std::size_t r = 0;
  for (const auto& m : input.messages) {
    while (r < records->size() && (*records)[r].uid < m.view.uid) ++r;
    if (r >= records->size() || (*records)[r].uid != m.view.uid) continue;
    MessageData data(blobs, (*records)[r]);
    Matcher matcher(input, m, data, index);
    auto ok = matcher.matches(program);
    if (!ok) return ok.take_error();
    if (*ok) matched.push_back(m.seq);
  }
  return matched;
}

}  // namespace postino::imap

namespace postino::imap {
namespace {

// RFC 5256 2.3 / RFC 5957: the first address's mailbox (local part and
// domain), or its display name for DISPLAY*.
void first_address(const std::vector<std::string>& values, std::string& mailbox, std::string* display) {
  for (const auto& value : values) {
    for (const auto& a : mime::parse_address_list(value)) {
      if (!a.host) continue;  // group markers
      mailbox = casemap(a.mailbox.value_or("") + "@" + *a.host);
      if (display != nullptr) {
        *display = a.name ? casemap(mime::decode_header_value(*a.name)) : mailbox;
      }
      return;
    }
  }
  if (display != nullptr) display->clear();
}

std::vector<std::string> message_ids(const std::string& value) {
  std::vector<std::string> ids;
  for (std::size_t pos = 0; (pos = value.find('<', pos)) != std::string::npos;) {
    auto end = value.find('>', pos);
    if (end == std::string::npos) break;
    ids.push_back(value.substr(pos + 1, end - pos - 1));
    pos = end + 1;
  }
  return ids;
}

// Raw (not decoded) values of a field: address and id parsing need them.
Result<std::vector<std::string>> raw_fields(MessageData& data, std::string_view name);

}  // namespace

Result<std::vector<SortFacts>> read_sort_facts(MailboxStore& store, BlobStore& blobs, MailboxId mailbox,
                                               const std::vector<SearchInput::Message>& messages,
                                               const std::vector<std::uint32_t>& numbers) {
  std::vector<Uid> uids;
  for (const auto& m : messages) uids.push_back(m.view.uid);
  auto records = store.read_messages(mailbox, uids, true);
  if (!records) return records.take_error();
  std::vector<SortFacts> facts;
  std::size_t r = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    while (r < records->size() && (*records)[r].uid < m.view.uid) ++r;
    if (r >= records->size() || (*records)[r].uid != m.view.uid) continue;
    const MessageRecord& record = (*records)[r];
    MessageData data(blobs, record);
    SortFacts f;
    f.number = numbers[i];
    f.seq = m.seq;
    f.internal_date = record.internal_date;
    f.size = record.size_bytes;
    auto subject = data.fields("Subject");
    if (!subject) return subject.take_error();
    f.base_subject = subject->empty() ? std::string() : base_subject(subject->front());
    auto date = raw_fields(data, "Date");
    if (!date) return date.take_error();
    f.sent_date = record.internal_date;
    if (!date->empty()) (void)parse_rfc5322_date(mime::unfold(date->front()), f.sent_date);
    for (auto [name, target, display] : {std::tuple{"From", &f.from, &f.display_from},
                                         std::tuple{"To", &f.to, &f.display_to},
                                         std::tuple{"Cc", &f.cc, static_cast<std::string*>(nullptr)}}) {
      auto values = raw_fields(data, name);
      if (!values) return values.take_error();
      first_address(*values, *target, display);
    }
    auto id = raw_fields(data, "Message-ID");
    if (!id) return id.take_error();
    if (!id->empty()) {
      auto ids = message_ids(id->front());
      if (!ids.empty()) f.message_id = ids.front();
    }
    auto references = raw_fields(data, "References");
    if (!references) return references.take_error();
    if (!references->empty()) f.references = message_ids(references->front());
    if (f.references.empty()) {
      auto reply_to = raw_fields(data, "In-Reply-To");
      if (!reply_to) return reply_to.take_error();
      if (!reply_to->empty()) {
        auto ids = message_ids(reply_to->front());
        if (!ids.empty()) f.references.push_back(ids.front());
      }
    }
    facts.push_back(std::move(f));
  }
  return facts;
}

namespace {

Result<std::vector<std::string>> raw_fields(MessageData& data, std::string_view name) { return data.raw(name); }

}  // namespace
}  // namespace postino::imap
