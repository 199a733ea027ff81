// SearchKey helpers: names for logs and tests, MODSEQ detection.
#include "imap_proto/search_key.hpp"

namespace postino::imap {

bool uses_modseq(const SearchKey& key) {
  if (key.kind == SearchKeyKind::modseq) return true;
  for (const SearchKey& child : key.children) {
    if (uses_modseq(child)) return true;
  }
  return false;
}

const char* search_key_name(SearchKeyKind kind) {
  switch (kind) {
    case SearchKeyKind::and_: return "AND";
    case SearchKeyKind::or_: return "OR";
    case SearchKeyKind::not_: return "NOT";
    case SearchKeyKind::sequence_set: return "SEQUENCE-SET";
    case SearchKeyKind::uid: return "UID";
    case SearchKeyKind::all: return "ALL";
    case SearchKeyKind::answered: return "ANSWERED";
    case SearchKeyKind::deleted: return "DELETED";
    case SearchKeyKind::draft: return "DRAFT";
    case SearchKeyKind::flagged: return "FLAGGED";
    case SearchKeyKind::seen: return "SEEN";
    case SearchKeyKind::recent: return "RECENT";
    case SearchKeyKind::new_: return "NEW";
    case SearchKeyKind::old: return "OLD";
    case SearchKeyKind::unanswered: return "UNANSWERED";
    case SearchKeyKind::undeleted: return "UNDELETED";
    case SearchKeyKind::undraft: return "UNDRAFT";
    case SearchKeyKind::unflagged: return "UNFLAGGED";
    case SearchKeyKind::unseen: return "UNSEEN";
    case SearchKeyKind::savedatesupported: return "SAVEDATESUPPORTED";
    case SearchKeyKind::bcc: return "BCC";
    case SearchKeyKind::body: return "BODY";
    case SearchKeyKind::cc: return "CC";
    case SearchKeyKind::from: return "FROM";
    case SearchKeyKind::subject: return "SUBJECT";
    case SearchKeyKind::text: return "TEXT";
    case SearchKeyKind::to: return "TO";
    case SearchKeyKind::header: return "HEADER";
    case SearchKeyKind::keyword: return "KEYWORD";
    case SearchKeyKind::unkeyword: return "UNKEYWORD";
    case SearchKeyKind::emailid: return "EMAILID";
    case SearchKeyKind::threadid: return "THREADID";
    case SearchKeyKind::before: return "BEFORE";
    case SearchKeyKind::on: return "ON";
    case SearchKeyKind::since: return "SINCE";
    case SearchKeyKind::sentbefore: return "SENTBEFORE";
    case SearchKeyKind::senton: return "SENTON";
    case SearchKeyKind::sentsince: return "SENTSINCE";
    case SearchKeyKind::savedbefore: return "SAVEDBEFORE";
    case SearchKeyKind::savedon: return "SAVEDON";
    case SearchKeyKind::savedsince: return "SAVEDSINCE";
    case SearchKeyKind::larger: return "LARGER";
    case SearchKeyKind::smaller: return "SMALLER";
    case SearchKeyKind::older: return "OLDER";
    case SearchKeyKind::younger: return "YOUNGER";
    case SearchKeyKind::modseq: return "MODSEQ";
  }
  return "?";
}

}  // namespace postino::imap
