#include "imap/sequence_resolution.hpp"

#include <algorithm>

#include "imap/imap_session.hpp"

namespace postino::imap {

std::vector<std::uint32_t> resolve_set(ImapSession& session, const SequenceSet& set, bool uid_mode) {
  SelectedMailbox& view = *session.selected();
  if (!set.is_saved_result()) return view.resolve(set, uid_mode);
  std::vector<std::uint32_t> seqs;
  for (Uid uid : session.saved_search()) {
    if (auto seq = view.seq_of(uid)) seqs.push_back(*seq);
  }
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

}  // namespace postino::imap
