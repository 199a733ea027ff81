// SEARCH, SORT and THREAD arguments: the search program (RFC 9051 6.4.4 with
// RFC 7162, 5032, 8514, 8474 keys), RETURN options (RFC 4731, 5182), sort
// criteria and thread algorithms (RFC 5256).
#include <array>

#include "imap_proto/command_reader.hpp"

namespace postino::imap::detail {
namespace {

enum class Shape : std::uint8_t { none, text, date, header, keyword, size, interval, objectid };

struct KeyName {
  std::string_view name;
  SearchKeyKind kind;
  Shape shape;
};

constexpr std::array<KeyName, 39> kKeys = {{
    {"ALL", SearchKeyKind::all, Shape::none},
    {"ANSWERED", SearchKeyKind::answered, Shape::none},
    {"DELETED", SearchKeyKind::deleted, Shape::none},
    {"DRAFT", SearchKeyKind::draft, Shape::none},
    {"FLAGGED", SearchKeyKind::flagged, Shape::none},
    {"SEEN", SearchKeyKind::seen, Shape::none},
    {"RECENT", SearchKeyKind::recent, Shape::none},
    {"NEW", SearchKeyKind::new_, Shape::none},
    {"OLD", SearchKeyKind::old, Shape::none},
    {"UNANSWERED", SearchKeyKind::unanswered, Shape::none},
    {"UNDELETED", SearchKeyKind::undeleted, Shape::none},
    {"UNDRAFT", SearchKeyKind::undraft, Shape::none},
    {"UNFLAGGED", SearchKeyKind::unflagged, Shape::none},
    {"UNSEEN", SearchKeyKind::unseen, Shape::none},
    {"SAVEDATESUPPORTED", SearchKeyKind::savedatesupported, Shape::none},
    {"BCC", SearchKeyKind::bcc, Shape::text},
    {"BODY", SearchKeyKind::body, Shape::text},
    {"CC", SearchKeyKind::cc, Shape::text},
    {"FROM", SearchKeyKind::from, Shape::text},
    {"SUBJECT", SearchKeyKind::subject, Shape::text},
    {"TEXT", SearchKeyKind::text, Shape::text},
    {"TO", SearchKeyKind::to, Shape::text},
    {"BEFORE", SearchKeyKind::before, Shape::date},
    {"ON", SearchKeyKind::on, Shape::date},
    {"SINCE", SearchKeyKind::since, Shape::date},
    {"SENTBEFORE", SearchKeyKind::sentbefore, Shape::date},
    {"SENTON", SearchKeyKind::senton, Shape::date},
    {"SENTSINCE", SearchKeyKind::sentsince, Shape::date},
    {"SAVEDBEFORE", SearchKeyKind::savedbefore, Shape::date},
    {"SAVEDON", SearchKeyKind::savedon, Shape::date},
    {"SAVEDSINCE", SearchKeyKind::savedsince, Shape::date},
    {"HEADER", SearchKeyKind::header, Shape::header},
    {"KEYWORD", SearchKeyKind::keyword, Shape::keyword},
    {"UNKEYWORD", SearchKeyKind::unkeyword, Shape::keyword},
    {"LARGER", SearchKeyKind::larger, Shape::size},
    {"SMALLER", SearchKeyKind::smaller, Shape::size},
    {"OLDER", SearchKeyKind::older, Shape::interval},
    {"YOUNGER", SearchKeyKind::younger, Shape::interval},
    {"EMAILID", SearchKeyKind::emailid, Shape::objectid},
}};

// RFC 8474 5: objectid = 1*255(ALPHA / DIGIT / "_" / "-")
bool objectid_ok(std::string_view id) {
  if (id.empty() || id.size() > 255) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

class SearchParser {
 public:
  explicit SearchParser(CommandReader& in) : in_(in) {}

  bool key(SearchKey& out) {
    if (++count_ > in_.limits().max_search_keys)
      return in_.fail_limit(ExceededLimit::search_keys, "too many search keys");
    int c = in_.peek();
    if (c == '(') {
      if (!in_.open_paren()) return false;
      out.kind = SearchKeyKind::and_;
      while (true) {
        SearchKey child;
        if (!key(child)) return false;
        out.children.push_back(std::move(child));
        if (in_.try_char(')')) break;
        if (!in_.expect_sp()) return false;
      }
      in_.leave_paren();
      return true;
    }
    if ((c >= '0' && c <= '9') || c == '*' || c == '$') {
      out.kind = SearchKeyKind::sequence_set;
      return in_.read_sequence_set(out.set, true);
    }
    std::string_view word = in_.atom();
    if (word.empty()) return in_.fail("expected a search key");
    if (iequals(word, "NOT")) {
      out.kind = SearchKeyKind::not_;
      out.children.resize(1);
      return in_.expect_sp() && key(out.children[0]);
    }
    if (iequals(word, "OR")) {
      out.kind = SearchKeyKind::or_;
      out.children.resize(2);
      return in_.expect_sp() && key(out.children[0]) && in_.expect_sp() && key(out.children[1]);
    }
    if (iequals(word, "UID")) {
      out.kind = SearchKeyKind::uid;
      return in_.expect_sp() && in_.read_sequence_set(out.set, true);
    }
    if (iequals(word, "MODSEQ")) return modseq(out);
    if (iequals(word, "THREADID")) {
      out.kind = SearchKeyKind::threadid;
      return objectid(out);
    }
    for (const KeyName& k : kKeys) {
      if (!iequals(word, k.name)) continue;
      out.kind = k.kind;
      switch (k.shape) {
        case Shape::none: return true;
        case Shape::text: return in_.expect_sp() && in_.read_astring(out.text, "search text");
        case Shape::date: return in_.expect_sp() && in_.read_date(out.date);
        case Shape::header:
          return in_.expect_sp() && in_.read_astring(out.header_name, "header field name") && in_.expect_sp() &&
                 in_.read_astring(out.text, "search text");
        case Shape::keyword: return in_.expect_sp() && in_.read_atom(out.text, "a keyword");
        case Shape::size: return in_.expect_sp() && in_.read_number64(out.number, false, "size");
        case Shape::interval: return in_.expect_sp() && in_.read_number64(out.number, true, "interval");
        case Shape::objectid: return objectid(out);
      }
    }
    return in_.fail("unknown search key");
  }

 private:
  bool objectid(SearchKey& out) {
    if (!in_.expect_sp() || !in_.read_atom(out.text, "an object id")) return false;
    return objectid_ok(out.text) || in_.fail("invalid object id");
  }

  // RFC 7162 3.1.5: "MODSEQ" SP [search-modsequence-ext SP] mod-sequence-valzer
  //   search-modsequence-ext = entry-name SP entry-type-req
  bool modseq(SearchKey& out) {
    out.kind = SearchKeyKind::modseq;
    if (!in_.expect_sp()) return false;
    if (in_.peek() == '"') {
      if (!in_.read_string(out.modseq_entry, "entry name") || !in_.expect_sp()) return false;
      if (in_.try_word("PRIV")) {
        out.modseq_entry_type = ModseqEntryType::priv;
      } else if (in_.try_word("SHARED")) {
        out.modseq_entry_type = ModseqEntryType::shared;
      } else if (in_.try_word("ALL")) {
        out.modseq_entry_type = ModseqEntryType::all;
      } else {
        return in_.fail("expected priv, shared or all");
      }
      if (!in_.expect_sp()) return false;
    }
    return in_.read_number64(out.number, false, "mod-sequence");
  }

  CommandReader& in_;
  std::size_t count_ = 0;
};

bool read_charset(CommandReader& in, std::string& out) {
  if (!in.read_astring(out, "charset")) return false;
  out = to_upper(out);
  // We search in UTF-8; US-ASCII is its subset. Other charsets would need
  // the search strings converted, which we do not offer (RFC 9051 6.4.4:
  // answer NO [BADCHARSET]).
  if (out != "UTF-8" && out != "US-ASCII") return in.fail_no("BADCHARSET (US-ASCII UTF-8)", "unsupported charset");
  return true;
}

// RFC 4731 3.1: search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
bool parse_search_return(CommandReader& in, SearchReturn& out) {
  if (!in.expect_sp() || !in.open_paren()) return false;
  if (in.try_char(')')) {
    in.leave_paren();
    out.all = true;  // "RETURN ()" is "RETURN (ALL)"
    return true;
  }
  while (true) {
    if (in.try_word("MIN")) {
      out.min = true;
    } else if (in.try_word("MAX")) {
      out.max = true;
    } else if (in.try_word("ALL")) {
      out.all = true;
    } else if (in.try_word("COUNT")) {
      out.count = true;
    } else if (in.try_word("SAVE")) {
      out.save = true;  // RFC 5182
    } else {
      return in.fail("unknown SEARCH return option");
    }
    if (in.try_char(')')) break;
    if (!in.expect_sp()) return false;
  }
  in.leave_paren();
  return true;
}

}  // namespace

bool parse_search_program(CommandReader& in, SearchKey& out, std::string* charset, bool charset_required) {
  out = SearchKey{};
  out.kind = SearchKeyKind::and_;
  if (charset_required) {
    if (!read_charset(in, *charset) || !in.expect_sp()) return false;
  } else if (in.try_word("CHARSET")) {
    if (!in.expect_sp() || !read_charset(in, *charset) || !in.expect_sp()) return false;
  }
  SearchParser parser(in);
  do {
    SearchKey key;
    if (!parser.key(key)) return false;
    out.children.push_back(std::move(key));
  } while (in.try_sp());
  return true;
}

bool parse_search(CommandReader& in, SearchArgs& out) {
  if (!in.expect_sp()) return false;
  if (in.try_word("RETURN")) {
    SearchReturn returns;
    if (!parse_search_return(in, returns) || !in.expect_sp()) return false;
    out.returns = returns;
  }
  return parse_search_program(in, out.key, &out.charset, false);
}

bool parse_sort(CommandReader& in, SortArgs& out) {
  // RFC 5256: "SORT" SP sort-criteria SP search-criteria
  if (!in.expect_sp() || !in.open_paren()) return false;
  static constexpr std::array<std::pair<std::string_view, SortKey>, 9> kSortKeys = {{
      {"ARRIVAL", SortKey::arrival}, {"CC", SortKey::cc}, {"DATE", SortKey::date},
      {"FROM", SortKey::from}, {"SIZE", SortKey::size}, {"SUBJECT", SortKey::subject},
      {"TO", SortKey::to}, {"DISPLAYFROM", SortKey::displayfrom}, {"DISPLAYTO", SortKey::displayto},
  }};
  while (true) {
    SortCriterion criterion;
    if (in.try_word("REVERSE")) {
      criterion.reverse = true;
      if (!in.expect_sp()) return false;
    }
    std::string_view word = in.atom();
    bool found = false;
    for (const auto& [name, key] : kSortKeys) {
      if (iequals(word, name)) {
        criterion.key = key;
        found = true;
        break;
      }
    }
    if (!found) return in.fail("unknown sort criterion");
    out.criteria.push_back(criterion);
    if (!in.check_items(out.criteria.size())) return false;
    if (in.try_char(')')) break;
    if (!in.expect_sp()) return false;
  }
  in.leave_paren();
  return in.expect_sp() && parse_search_program(in, out.key, &out.charset, true);
}

bool parse_thread(CommandReader& in, ThreadArgs& out) {
  // RFC 5256: "THREAD" SP thread-alg SP search-criteria
  if (!in.expect_sp()) return false;
  if (in.try_word("ORDEREDSUBJECT")) {
    out.algorithm = ThreadAlgorithm::orderedsubject;
  } else if (in.try_word("REFERENCES")) {
    out.algorithm = ThreadAlgorithm::references;
  } else {
    return in.fail("unknown thread algorithm");
  }
  return in.expect_sp() && parse_search_program(in, out.key, &out.charset, true);
}

}  // namespace postino::imap::detail
