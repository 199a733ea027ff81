// IMAP commands: a complete CommandText -> a typed Command (tag, UID prefix,
// command kind, arguments as a variant of one struct per argument shape), or
// a ParseError carrying the BAD/NO reply. Also the command table (name,
// states where allowed, UID form) for the session's dispatcher.
// RFC 9051 6 and 9 (formal syntax); extensions: RFC 2971 ID, 3502
// MULTIAPPEND, 3516 BINARY, 4731 ESEARCH, 4959 SASL-IR, 4978 COMPRESS, 5032
// WITHIN, 5161 ENABLE, 5182 SEARCHRES, 5256 SORT/THREAD, 5258 LIST-EXTENDED,
// 5819 LIST-STATUS, 6154 SPECIAL-USE, 6851 MOVE, 6855 UTF8, 7162
// CONDSTORE/QRESYNC, 8474 OBJECTID, 8514 SAVEDATE, 9208 QUOTA.
// Security: input is untrusted; every count, length and nesting depth is
// bounded by ParseLimits; no exception or assert is reachable from input.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "imap_proto/command_text.hpp"
#include "imap_proto/fetch_attribute.hpp"
#include "imap_proto/imap_date.hpp"
#include "imap_proto/parse_error.hpp"
#include "imap_proto/search_key.hpp"
#include "imap_proto/sequence_set.hpp"

namespace postino::imap {

enum class CommandKind : std::uint8_t {
  capability, noop, logout,                                   // any state
  starttls, authenticate, login,                              // not authenticated
  enable, select, examine, create, delete_, rename, subscribe, unsubscribe,
  list, lsub, namespace_, status, append, idle,               // authenticated
  check, close, unselect, expunge, search, sort, thread, fetch, store, copy, move,  // selected
  getquota, getquotaroot, setquota,                           // authenticated (RFC 9208)
  id,                                                         // any state (RFC 2971)
  compress,                                                   // authenticated (RFC 4978)
};

// Connection states of RFC 9051 3, as bits for CommandInfo::states.
enum class SessionState : std::uint8_t {
  not_authenticated = 1,
  authenticated = 2,
  selected = 4,
  logout = 8,
};

// One row of the command table.
struct CommandInfo {
  CommandKind kind;
  std::string_view name;   // upper case, as on the wire
  std::uint8_t states;     // bitwise OR of SessionState values where allowed
  bool uid_form;           // "UID <name>" exists (COPY MOVE FETCH SEARCH STORE EXPUNGE SORT THREAD)
};

std::span<const CommandInfo> command_table();
const CommandInfo& command_info(CommandKind kind);
inline bool allowed_in(const CommandInfo& info, SessionState state) {
  return (info.states & static_cast<std::uint8_t>(state)) != 0;
}

// ---- Argument shapes (one per variant alternative) ----

// CAPABILITY NOOP LOGOUT STARTTLS NAMESPACE IDLE CHECK CLOSE UNSELECT,
// and EXPUNGE without UID.
struct NoArgs {
  friend bool operator==(const NoArgs&, const NoArgs&) = default;
};

struct AuthenticateArgs {
  std::string mechanism;                        // upper-cased auth-type
  std::optional<std::string> initial_response;  // RFC 4959: base64 as sent; "=" means empty
};

struct LoginArgs {
  std::string username;  // astring, as sent (literal or quoted allowed)
  std::string password;
};

struct EnableArgs {
  std::vector<std::string> capabilities;  // upper-cased ("CONDSTORE", "UTF8=ACCEPT", ...)
};

// RFC 7162 3.2.5.2 (QRESYNC select parameter).
struct QresyncParams {
  std::uint32_t uidvalidity = 0;
  std::uint64_t modseq = 0;                         // last known mod-sequence-value
  std::optional<SequenceSet> known_uids;            // no "$" and no "*"
  std::optional<SequenceSet> known_sequence_set;    // seq-match-data: sequence numbers
  std::optional<SequenceSet> known_uid_set;         // seq-match-data: matching UIDs
};

struct SelectArgs {  // SELECT, EXAMINE
  std::string mailbox;          // UTF-8, INBOX normalised
  bool condstore = false;       // (CONDSTORE) parameter, RFC 7162 3.1.8
  std::optional<QresyncParams> qresync;  // (QRESYNC (...)); only when QRESYNC was enabled
};

struct CreateArgs {
  std::string mailbox;                   // UTF-8, INBOX normalised
  std::vector<std::string> special_use;  // RFC 6154 USE (\Drafts ...): "\Drafts", as sent but flag-cased
};

struct MailboxArgs {  // DELETE SUBSCRIBE UNSUBSCRIBE GETQUOTAROOT
  std::string mailbox;  // UTF-8, INBOX normalised
};

struct RenameArgs {
  std::string from;  // UTF-8, INBOX normalised
  std::string to;
};

// STATUS data items (RFC 9051 6.3.11; RFC 7162 HIGHESTMODSEQ; RFC 7889
// APPENDLIMIT; RFC 8474 MAILBOXID).
enum class StatusItem : std::uint8_t {
  messages, uidnext, uidvalidity, unseen, deleted, size, recent, highestmodseq, appendlimit, mailboxid,
};
const char* status_item_name(StatusItem item);  // "MESSAGES", ...

struct ListArgs {  // LIST and LSUB
  // RFC 5258 selection options.
  struct Selection {
    bool subscribed = false;
    bool remote = false;
    bool recursive_match = false;
    bool special_use = false;  // RFC 6154
    friend bool operator==(const Selection&, const Selection&) = default;
  };
  // RFC 5258 return options.
  struct Return {
    bool subscribed = false;
    bool children = false;
    bool special_use = false;                       // RFC 6154
    std::optional<std::vector<StatusItem>> status;  // RFC 5819 STATUS (items)
    friend bool operator==(const Return&, const Return&) = default;
  };
  bool extended = false;  // any selection/return option or a parenthesised pattern list was used
  Selection selection;
  std::string reference;              // UTF-8 (decoded like a mailbox name, not INBOX-normalised)
  std::vector<std::string> patterns;  // UTF-8; one or more (LSUB: exactly one)
  Return returns;
};

struct StatusArgs {
  std::string mailbox;             // UTF-8, INBOX normalised
  std::vector<StatusItem> items;   // at least one, in the client's order
};

struct AppendMessage {
  std::vector<std::string> flags;           // flag-cased ("\Seen", keywords as sent)
  std::optional<DateTime> internal_date;
  bool binary = false;                      // sent as ~{N} (RFC 3516): may contain NUL
  bool utf8 = false;                        // inside UTF8 (...) (RFC 6855 4)
  std::size_t literal_index = 0;            // CommandText segment holding the bytes
  std::string_view data;                    // view of that segment: valid while the
                                            // CommandText lives and is not modified
};

struct AppendArgs {
  std::string mailbox;                  // UTF-8, INBOX normalised
  std::vector<AppendMessage> messages;  // one, or several with MULTIAPPEND (RFC 3502)
};

// RFC 4731 ESEARCH / RFC 5182 SEARCHRES result options.
struct SearchReturn {
  bool min = false, max = false, all = false, count = false, save = false;
  // "RETURN ()" means ALL (RFC 4731 3.1); set by the parser accordingly.
  friend bool operator==(const SearchReturn&, const SearchReturn&) = default;
};

struct SearchArgs {
  std::optional<SearchReturn> returns;  // present: RETURN was given (ESEARCH reply)
  std::string charset;                  // upper-cased; "" when none given
  SearchKey key;                        // kind and_ of the top-level keys
};

// RFC 5256 sort criteria.
enum class SortKey : std::uint8_t { arrival, cc, date, from, size, subject, to, displayfrom, displayto };
struct SortCriterion {
  SortKey key = SortKey::arrival;
  bool reverse = false;
  friend bool operator==(const SortCriterion&, const SortCriterion&) = default;
};

struct SortArgs {
  std::vector<SortCriterion> criteria;  // at least one
  std::string charset;                  // upper-cased, required by the grammar
  SearchKey key;                        // and_ of the search keys
};

enum class ThreadAlgorithm : std::uint8_t { orderedsubject, references };
struct ThreadArgs {
  ThreadAlgorithm algorithm = ThreadAlgorithm::references;
  std::string charset;
  SearchKey key;
};

struct FetchArgs {
  SequenceSet set;
  std::vector<FetchAttribute> attributes;    // in request order, macros expanded; for UID
                                             // FETCH the server adds UID itself (RFC 9051 6.4.9)
  std::optional<std::uint64_t> changedsince; // RFC 7162 3.1.4.1 CHANGEDSINCE
  bool vanished = false;                     // RFC 7162 3.2.6 (UID FETCH, QRESYNC enabled,
                                             // requires CHANGEDSINCE: checked by the parser)
};

enum class StoreMode : std::uint8_t { replace, add, remove };
struct StoreArgs {
  SequenceSet set;
  std::optional<std::uint64_t> unchangedsince;  // RFC 7162 3.1.3
  StoreMode mode = StoreMode::replace;
  bool silent = false;
  std::vector<std::string> flags;  // flag-cased; "\Recent" and "\*" rejected
};

struct CopyArgs {  // COPY, MOVE
  SequenceSet set;
  std::string mailbox;  // UTF-8, INBOX normalised
};

struct ExpungeArgs {  // UID EXPUNGE (RFC 4315 / RFC 9051)
  SequenceSet uids;
};

struct GetQuotaArgs {
  std::string quota_root;  // astring as sent
};

struct SetQuotaArgs {
  std::string quota_root;
  std::vector<std::pair<std::string, std::uint64_t>> limits;  // resource (upper-cased), limit
};

struct IdArgs {  // RFC 2971: NIL -> empty list
  std::vector<std::pair<std::string, std::optional<std::string>>> fields;
};

struct CompressArgs {
  std::string mechanism;  // upper-cased ("DEFLATE")
};

using CommandArgs = std::variant<NoArgs, AuthenticateArgs, LoginArgs, EnableArgs, SelectArgs, CreateArgs,
                                 MailboxArgs, RenameArgs, ListArgs, StatusArgs, AppendArgs, SearchArgs, SortArgs,
                                 ThreadArgs, FetchArgs, StoreArgs, CopyArgs, ExpungeArgs, GetQuotaArgs,
                                 SetQuotaArgs, IdArgs, CompressArgs>;

struct Command {
  std::string tag;
  CommandKind kind = CommandKind::noop;
  bool uid = false;  // "UID COPY/MOVE/FETCH/SEARCH/STORE/EXPUNGE/SORT/THREAD"
  CommandArgs args;

  template <class T>
  const T& args_as() const {
    const T* p = std::get_if<T>(&args);
    assert(p != nullptr && "args type does not match command kind");
    return *p;
  }
  template <class T>
  T& args_as() {
    T* p = std::get_if<T>(&args);
    assert(p != nullptr && "args type does not match command kind");
    return *p;
  }
};

// Bounds on one command. Exceeding one gives a BAD ParseError whose `limit`
// names it (and whose code is "LIMIT" for counts, "TOOBIG" for sizes).
struct ParseLimits {
  std::size_t max_nesting = 32;              // parenthesis depth (search keys, fetch, lists)
  std::size_t max_search_keys = 1000;        // keys in one search program (every node counts)
  std::size_t max_sequence_ranges = 16384;   // ranges in one sequence-set
  std::size_t max_string_bytes = 65536;      // one atom, quoted string or literal argument
                                             // (APPEND message literals excepted)
  std::size_t max_command_bytes = 1u << 20;  // all segments except APPEND message literals
  std::size_t max_list_items = 1000;         // flags, fetch items, patterns, status items,
                                             // ENABLE capabilities, sort criteria, APPEND messages
};

// Session facts the grammar depends on.
struct ParseContext {
  // IMAP4rev2 or UTF8=ACCEPT enabled: mailbox names on the wire are UTF-8
  // (RFC 9051 5.1, RFC 6855 3); otherwise they are modified UTF-7 and decoded.
  bool utf8_mailboxes = false;
  // QRESYNC enabled (RFC 7162 3.2.3): SELECT (QRESYNC ...) and UID FETCH
  // (VANISHED) are allowed; otherwise they are BAD.
  bool qresync_enabled = false;
};

// Parses one complete command. Command names, keywords and search keys are
// case-insensitive. Errors:
//   no valid tag                                   -> BAD, tag ""
//   unknown command, wrong arguments, bad literal  -> BAD
//   literal size not matching its announcement     -> BAD
//   a ParseLimits bound                            -> BAD, limit set
//   SEARCH/SORT/THREAD charset not US-ASCII/UTF-8  -> NO [BADCHARSET (US-ASCII UTF-8)]
//   mailbox name not valid modified UTF-7 / UTF-8  -> NO [CANNOT]
// The parser never checks the session state (the dispatcher's job with
// command_info()).
ParseResult<Command> parse_command(const CommandText& text, const ParseLimits& limits = {},
                                   ParseContext context = {});

}  // namespace postino::imap
