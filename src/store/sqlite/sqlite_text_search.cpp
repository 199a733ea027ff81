// SqliteMailboxStore::search_text: SEARCH BODY/TEXT through the FTS5 index.
#include "store/sqlite/sqlite_mailbox_store.hpp"

namespace postino::sqlite {

Result<TextSearchResult> SqliteMailboxStore::search_text(MailboxId, std::span<const Uid>, TextSearchScope,
                                                         const std::string&) {
  return make_error(Errc::unsupported, "no text index yet");
}

}  // namespace postino::sqlite
