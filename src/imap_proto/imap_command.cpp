// Command parsing: tag, UID prefix and command name, then one small function
// per command's arguments. SEARCH/SORT/THREAD live in search_parser.cpp,
// FETCH/STORE in fetch_parser.cpp; tokens in command_reader.cpp.
#include "imap_proto/imap_command.hpp"

#include <array>

#include "imap_proto/command_reader.hpp"

namespace postino::imap {
namespace {

using detail::CommandReader;
using detail::iequals;
using detail::to_upper;

constexpr std::uint8_t kAny = static_cast<std::uint8_t>(SessionState::not_authenticated) |
                              static_cast<std::uint8_t>(SessionState::authenticated) |
                              static_cast<std::uint8_t>(SessionState::selected);
constexpr std::uint8_t kNotAuth = static_cast<std::uint8_t>(SessionState::not_authenticated);
constexpr std::uint8_t kAuth = static_cast<std::uint8_t>(SessionState::authenticated) |
                               static_cast<std::uint8_t>(SessionState::selected);
constexpr std::uint8_t kSelected = static_cast<std::uint8_t>(SessionState::selected);

constexpr std::array<CommandInfo, 36> kCommands = {{
    {CommandKind::capability, "CAPABILITY", kAny, false},
    {CommandKind::noop, "NOOP", kAny, false},
    {CommandKind::logout, "LOGOUT", kAny, false},
    {CommandKind::starttls, "STARTTLS", kNotAuth, false},
    {CommandKind::authenticate, "AUTHENTICATE", kNotAuth, false},
    {CommandKind::login, "LOGIN", kNotAuth, false},
    {CommandKind::enable, "ENABLE", kAuth, false},
    {CommandKind::select, "SELECT", kAuth, false},
    {CommandKind::examine, "EXAMINE", kAuth, false},
    {CommandKind::create, "CREATE", kAuth, false},
    {CommandKind::delete_, "DELETE", kAuth, false},
    {CommandKind::rename, "RENAME", kAuth, false},
    {CommandKind::subscribe, "SUBSCRIBE", kAuth, false},
    {CommandKind::unsubscribe, "UNSUBSCRIBE", kAuth, false},
    {CommandKind::list, "LIST", kAuth, false},
    {CommandKind::lsub, "LSUB", kAuth, false},
    {CommandKind::namespace_, "NAMESPACE", kAuth, false},
    {CommandKind::status, "STATUS", kAuth, false},
    {CommandKind::append, "APPEND", kAuth, false},
    {CommandKind::idle, "IDLE", kAuth, false},
    {CommandKind::check, "CHECK", kSelected, false},
    {CommandKind::close, "CLOSE", kSelected, false},
    {CommandKind::unselect, "UNSELECT", kSelected, false},
    {CommandKind::expunge, "EXPUNGE", kSelected, true},
    {CommandKind::search, "SEARCH", kSelected, true},
    {CommandKind::sort, "SORT", kSelected, true},
    {CommandKind::thread, "THREAD", kSelected, true},
    {CommandKind::fetch, "FETCH", kSelected, true},
    {CommandKind::store, "STORE", kSelected, true},
    {CommandKind::copy, "COPY", kSelected, true},
    {CommandKind::move, "MOVE", kSelected, true},
    {CommandKind::getquota, "GETQUOTA", kAuth, false},
    {CommandKind::getquotaroot, "GETQUOTAROOT", kAuth, false},
    {CommandKind::setquota, "SETQUOTA", kAuth, false},
    {CommandKind::id, "ID", kAny, false},
    {CommandKind::compress, "COMPRESS", kAuth, false},
}};

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// ---- One function per argument shape ----

bool parse_authenticate(CommandReader& in, AuthenticateArgs& out) {
  if (!in.expect_sp() || !in.read_atom(out.mechanism, "an authentication mechanism")) return false;
  out.mechanism = to_upper(out.mechanism);
  if (!in.try_sp()) return true;
  // RFC 4959: initial-response = base64 / "="
  std::string response;
  if (!in.read_atom(response, "an initial response")) return false;
  if (response != "=") {
    std::size_t i = 0;
    while (i < response.size() && is_base64_char(response[i])) ++i;
    std::size_t pad = response.size() - i;
    if (pad > 2 || response.find_first_not_of('=', i) != std::string::npos || response.size() % 4 != 0)
      return in.fail("initial response is not base64");
  }
  out.initial_response = std::move(response);
  return true;
}

bool parse_login(CommandReader& in, LoginArgs& out) {
  return in.expect_sp() && in.read_astring(out.username, "user name") && in.expect_sp() &&
         in.read_astring(out.password, "password");
}

bool parse_enable(CommandReader& in, EnableArgs& out) {
  if (!in.expect_sp()) return false;
  do {
    std::string capability;
    if (!in.read_atom(capability, "a capability")) return false;
    out.capabilities.push_back(to_upper(capability));
    if (!in.check_items(out.capabilities.size())) return false;
  } while (in.try_sp());
  return true;
}

bool parse_qresync(CommandReader& in, QresyncParams& out) {
  // RFC 7162 3.2.5.2: "(" uidvalidity SP mod-sequence-value [SP known-uids]
  //                   [SP seq-match-data] ")"
  if (!in.open_paren()) return false;
  if (!in.read_number(out.uidvalidity, true, "UIDVALIDITY") || !in.expect_sp() ||
      !in.read_number64(out.modseq, false, "mod-sequence"))
    return false;
  if (in.try_sp()) {
    if (in.peek() != '(') {
      SequenceSet known;
      if (!in.read_sequence_set(known, false)) return false;
      if (known.uses_star()) return in.fail("'*' is not allowed in known-uids");
      out.known_uids = std::move(known);
      if (!in.try_sp()) return in.close_paren();
    }
    if (!in.open_paren()) return false;
    SequenceSet seqs, uids;
    if (!in.read_sequence_set(seqs, false) || !in.expect_sp() || !in.read_sequence_set(uids, false)) return false;
    if (seqs.uses_star() || uids.uses_star()) return in.fail("'*' is not allowed in seq-match-data");
    if (!in.close_paren()) return false;
    out.known_sequence_set = std::move(seqs);
    out.known_uid_set = std::move(uids);
  }
  return in.close_paren();
}

bool parse_select(CommandReader& in, SelectArgs& out) {
  if (!in.expect_sp() || !in.read_mailbox(out.mailbox)) return false;
  if (!in.try_sp()) return true;
  if (!in.open_paren()) return false;
  if (in.try_char(')')) {
    in.leave_paren();
    return true;
  }
  while (true) {
    if (in.try_word("CONDSTORE")) {
      out.condstore = true;
    } else if (in.try_word("QRESYNC")) {
      if (!in.context().qresync_enabled) return in.fail("QRESYNC was not enabled");
      if (out.qresync) return in.fail("QRESYNC given twice");
      QresyncParams params;
      if (!in.expect_sp() || !parse_qresync(in, params)) return false;
      out.qresync = std::move(params);
    } else {
      return in.fail("unknown SELECT parameter");
    }
    if (in.try_char(')')) break;
    if (!in.expect_sp()) return false;
  }
  in.leave_paren();
  return true;
}

bool parse_create(CommandReader& in, CreateArgs& out) {
  if (!in.expect_sp() || !in.read_mailbox(out.mailbox)) return false;
  if (!in.try_sp()) return true;
  // RFC 4466 create-params; RFC 6154 5.3: "USE" SP "(" [use-attr *(SP use-attr)] ")"
  if (!in.open_paren()) return false;
  while (true) {
    if (!in.try_word("USE")) return in.fail("unknown CREATE parameter");
    if (!in.expect_sp() || !in.read_flag_list(out.special_use, false)) return false;
    for (const std::string& attribute : out.special_use) {
      if (attribute.empty() || attribute[0] != '\\') return in.fail("special-use attributes start with '\\'");
    }
    if (in.try_char(')')) break;
    if (!in.expect_sp()) return false;
  }
  in.leave_paren();
  return true;
}

bool parse_mailbox_only(CommandReader& in, MailboxArgs& out) { return in.expect_sp() && in.read_mailbox(out.mailbox); }

bool parse_rename(CommandReader& in, RenameArgs& out) {
  return in.expect_sp() && in.read_mailbox(out.from) && in.expect_sp() && in.read_mailbox(out.to);
}

bool parse_status_item(CommandReader& in, StatusItem& out) {
  static constexpr std::array<std::pair<std::string_view, StatusItem>, 10> kItems = {{
      {"MESSAGES", StatusItem::messages},
      {"UIDNEXT", StatusItem::uidnext},
      {"UIDVALIDITY", StatusItem::uidvalidity},
      {"UNSEEN", StatusItem::unseen},
      {"DELETED", StatusItem::deleted},
      {"SIZE", StatusItem::size},
      {"RECENT", StatusItem::recent},
      {"HIGHESTMODSEQ", StatusItem::highestmodseq},
      {"APPENDLIMIT", StatusItem::appendlimit},
      {"MAILBOXID", StatusItem::mailboxid},
  }};
  for (const auto& [name, item] : kItems) {
    if (in.try_word(name)) {
      out = item;
      return true;
    }
  }
  return in.fail("unknown STATUS item");
}

bool parse_status_items(CommandReader& in, std::vector<StatusItem>& out) {
  if (!in.open_paren()) return false;
  while (true) {
    StatusItem item;
    if (!parse_status_item(in, item)) return false;
    out.push_back(item);
    if (!in.check_items(out.size())) return false;
    if (in.try_char(')')) break;
    if (!in.expect_sp()) return false;
  }
  in.leave_paren();
  return true;
}

bool parse_status(CommandReader& in, StatusArgs& out) {
  return in.expect_sp() && in.read_mailbox(out.mailbox) && in.expect_sp() && parse_status_items(in, out.items);
}

bool parse_list_select(CommandReader& in, ListArgs& out) {
  // RFC 5258 6: list-select-opts = "(" [list-select-opt *(SP list-select-opt)] ")"
  if (!in.open_paren()) return false;
  bool other = false;
  bool recursive = false;
  if (!in.try_char(')')) {
    while (true) {
      if (in.try_word("SUBSCRIBED")) {
        out.selection.subscribed = other = true;
      } else if (in.try_word("REMOTE")) {
        out.selection.remote = true;  // a modifier only (RFC 5258 3.1)
      } else if (in.try_word("RECURSIVEMATCH")) {
        out.selection.recursive_match = recursive = true;
      } else if (in.try_word("SPECIAL-USE")) {
        out.selection.special_use = other = true;
      } else {
        return in.fail("unknown LIST selection option");
      }
      if (in.try_char(')')) break;
      if (!in.expect_sp()) return false;
    }
  }
  in.leave_paren();
  // RFC 5258 3.1: RECURSIVEMATCH alone (or with only REMOTE) is BAD.
  if (recursive && !other) return in.fail("RECURSIVEMATCH needs another selection option");
  return true;
}

bool parse_list_return(CommandReader& in, ListArgs& out) {
  if (!in.open_paren()) return false;
  if (!in.try_char(')')) {
    while (true) {
      if (in.try_word("SUBSCRIBED")) {
        out.returns.subscribed = true;
      } else if (in.try_word("CHILDREN")) {
        out.returns.children = true;
      } else if (in.try_word("SPECIAL-USE")) {
        out.returns.special_use = true;
      } else if (in.try_word("STATUS")) {
        if (out.returns.status) return in.fail("STATUS given twice");
        std::vector<StatusItem> items;
        if (!in.expect_sp() || !parse_status_items(in, items)) return false;
        out.returns.status = std::move(items);
      } else {
        return in.fail("unknown LIST return option");
      }
      if (in.try_char(')')) break;
      if (!in.expect_sp()) return false;
    }
  }
  in.leave_paren();
  return true;
}

bool parse_list(CommandReader& in, ListArgs& out) {
  if (!in.expect_sp()) return false;
  if (in.peek() == '(') {
    out.extended = true;
    if (!parse_list_select(in, out) || !in.expect_sp()) return false;
  }
  if (!in.read_mailbox(out.reference, false) || !in.expect_sp()) return false;
  if (in.peek() == '(') {
    out.extended = true;
    if (!in.open_paren()) return false;
    while (true) {
      std::string pattern;
      if (!in.read_list_mailbox(pattern)) return false;
      out.patterns.push_back(std::move(pattern));
      if (!in.check_items(out.patterns.size())) return false;
      if (in.try_char(')')) break;
      if (!in.expect_sp()) return false;
    }
    in.leave_paren();
  } else {
    std::string pattern;
    if (!in.read_list_mailbox(pattern)) return false;
    out.patterns.push_back(std::move(pattern));
  }
  if (in.try_sp()) {
    if (!in.try_word("RETURN")) return in.fail("expected RETURN");
    out.extended = true;
    if (!in.expect_sp() || !parse_list_return(in, out)) return false;
  }
  return true;
}

bool parse_lsub(CommandReader& in, ListArgs& out) {
  std::string pattern;
  if (!in.expect_sp() || !in.read_mailbox(out.reference, false) || !in.expect_sp() || !in.read_list_mailbox(pattern))
    return false;
  out.patterns.push_back(std::move(pattern));
  out.selection.subscribed = true;
  return true;
}

bool parse_append(CommandReader& in, AppendArgs& out) {
  if (!in.expect_sp() || !in.read_mailbox(out.mailbox)) return false;
  // RFC 3502: 1*(SP [flag-list SP] [date-time SP] append-data)
  do {
    if (!in.expect_sp()) return false;
    AppendMessage message;
    if (in.peek() == '(') {
      if (!in.read_flag_list(message.flags, false) || !in.expect_sp()) return false;
    }
    if (in.peek() == '"') {
      std::string text;
      if (!in.read_string(text, "date-time")) return false;
      auto date = parse_date_time(text);
      if (!date) return in.fail("invalid date-time");
      message.internal_date = *date;
      if (!in.expect_sp()) return false;
    }
    if (in.try_word("UTF8")) {
      // RFC 6855 4: "UTF8" SP "(" literal8 ")"
      if (!in.expect_sp() || !in.open_paren() || !in.read_message_literal(message, true)) return false;
      if (!message.binary) return in.fail("UTF8 data must be a literal8");
      message.utf8 = true;
      if (!in.close_paren()) return false;
    } else if (!in.read_message_literal(message, true)) {
      return false;
    }
    out.messages.push_back(std::move(message));
    if (!in.check_items(out.messages.size())) return false;
  } while (!in.at_end());
  return true;
}

bool parse_copy(CommandReader& in, CopyArgs& out) {
  return in.expect_sp() && in.read_sequence_set(out.set, true) && in.expect_sp() && in.read_mailbox(out.mailbox);
}

bool parse_uid_expunge(CommandReader& in, ExpungeArgs& out) {
  return in.expect_sp() && in.read_sequence_set(out.uids, true);
}

bool parse_getquota(CommandReader& in, GetQuotaArgs& out) {
  return in.expect_sp() && in.read_astring(out.quota_root, "quota root");
}

bool parse_setquota(CommandReader& in, SetQuotaArgs& out) {
  if (!in.expect_sp() || !in.read_astring(out.quota_root, "quota root") || !in.expect_sp() || !in.open_paren())
    return false;
  if (!in.try_char(')')) {
    while (true) {
      std::string resource;
      std::uint64_t limit = 0;
      if (!in.read_atom(resource, "a resource name") || !in.expect_sp() ||
          !in.read_number64(limit, false, "resource limit"))
        return false;
      out.limits.emplace_back(to_upper(resource), limit);
      if (!in.check_items(out.limits.size())) return false;
      if (in.try_char(')')) break;
      if (!in.expect_sp()) return false;
    }
  }
  in.leave_paren();
  return true;
}

bool parse_id(CommandReader& in, IdArgs& out) {
  if (!in.expect_sp()) return false;
  if (in.try_word("NIL")) return true;
  if (!in.open_paren()) return false;
  if (!in.try_char(')')) {
    while (true) {
      std::string field;
      std::optional<std::string> value;
      if (!in.read_string(field, "ID field") || !in.expect_sp() || !in.read_nstring(value, "ID value")) return false;
      // RFC 2971 3.3: at most 30 pairs, fields of 30 octets, values of 1024.
      if (field.size() > 30) return in.fail("ID field name longer than 30 octets");
      if (value && value->size() > 1024) return in.fail("ID value longer than 1024 octets");
      out.fields.emplace_back(std::move(field), std::move(value));
      if (out.fields.size() > 30) return in.fail("more than 30 ID fields");
      if (in.try_char(')')) break;
      if (!in.expect_sp()) return false;
    }
  }
  in.leave_paren();
  return true;
}

bool parse_compress(CommandReader& in, CompressArgs& out) {
  if (!in.expect_sp() || !in.read_atom(out.mechanism, "a compression mechanism")) return false;
  out.mechanism = to_upper(out.mechanism);
  return true;
}

template <class Args, class Parser>
bool parse_into(CommandReader& in, Command& command, Parser parser) {
  Args args;
  if (!parser(in, args)) return false;
  command.args = std::move(args);
  return true;
}

bool parse_arguments(CommandReader& in, Command& command) {
  switch (command.kind) {
    case CommandKind::capability:
    case CommandKind::noop:
    case CommandKind::logout:
    case CommandKind::starttls:
    case CommandKind::namespace_:
    case CommandKind::idle:
    case CommandKind::check:
    case CommandKind::close:
    case CommandKind::unselect:
      command.args = NoArgs{};
      return true;
    case CommandKind::expunge:
      if (!command.uid) {
        command.args = NoArgs{};
        return true;
      }
      return parse_into<ExpungeArgs>(in, command, parse_uid_expunge);
    case CommandKind::authenticate: return parse_into<AuthenticateArgs>(in, command, parse_authenticate);
    case CommandKind::login: return parse_into<LoginArgs>(in, command, parse_login);
    case CommandKind::enable: return parse_into<EnableArgs>(in, command, parse_enable);
    case CommandKind::select:
    case CommandKind::examine: return parse_into<SelectArgs>(in, command, parse_select);
    case CommandKind::create: return parse_into<CreateArgs>(in, command, parse_create);
    case CommandKind::delete_:
    case CommandKind::subscribe:
    case CommandKind::unsubscribe:
    case CommandKind::getquotaroot: return parse_into<MailboxArgs>(in, command, parse_mailbox_only);
    case CommandKind::rename: return parse_into<RenameArgs>(in, command, parse_rename);
    case CommandKind::list: return parse_into<ListArgs>(in, command, parse_list);
    case CommandKind::lsub: return parse_into<ListArgs>(in, command, parse_lsub);
    case CommandKind::status: return parse_into<StatusArgs>(in, command, parse_status);
    case CommandKind::append: return parse_into<AppendArgs>(in, command, parse_append);
    case CommandKind::search: return parse_into<SearchArgs>(in, command, detail::parse_search);
    case CommandKind::sort: return parse_into<SortArgs>(in, command, detail::parse_sort);
    case CommandKind::thread: return parse_into<ThreadArgs>(in, command, detail::parse_thread);
    case CommandKind::fetch: {
      bool uid = command.uid;
      return parse_into<FetchArgs>(in, command, [uid](CommandReader& r, FetchArgs& a) {
        return detail::parse_fetch(r, uid, a);
      });
    }
    case CommandKind::store: return parse_into<StoreArgs>(in, command, detail::parse_store);
    case CommandKind::copy:
    case CommandKind::move: return parse_into<CopyArgs>(in, command, parse_copy);
    case CommandKind::getquota: return parse_into<GetQuotaArgs>(in, command, parse_getquota);
    case CommandKind::setquota: return parse_into<SetQuotaArgs>(in, command, parse_setquota);
    case CommandKind::id: return parse_into<IdArgs>(in, command, parse_id);
    case CommandKind::compress: return parse_into<CompressArgs>(in, command, parse_compress);
  }
  return in.fail("unknown command");
}

const CommandInfo* find_command(std::string_view name) {
  for (const CommandInfo& info : kCommands) {
    if (iequals(info.name, name)) return &info;
  }
  return nullptr;
}

}  // namespace

std::span<const CommandInfo> command_table() { return kCommands; }

const CommandInfo& command_info(CommandKind kind) {
  for (const CommandInfo& info : kCommands) {
    if (info.kind == kind) return info;
  }
  assert(false && "every CommandKind has a table row");
  return kCommands[0];
}

const char* status_item_name(StatusItem item) {
  switch (item) {
    case StatusItem::messages: return "MESSAGES";
    case StatusItem::uidnext: return "UIDNEXT";
    case StatusItem::uidvalidity: return "UIDVALIDITY";
    case StatusItem::unseen: return "UNSEEN";
    case StatusItem::deleted: return "DELETED";
    case StatusItem::size: return "SIZE";
    case StatusItem::recent: return "RECENT";
    case StatusItem::highestmodseq: return "HIGHESTMODSEQ";
    case StatusItem::appendlimit: return "APPENDLIMIT";
    case StatusItem::mailboxid: return "MAILBOXID";
  }
  return "?";
}

const char* exceeded_limit_name(ExceededLimit limit) {
  switch (limit) {
    case ExceededLimit::none: return "none";
    case ExceededLimit::nesting: return "nesting";
    case ExceededLimit::search_keys: return "search_keys";
    case ExceededLimit::sequence_ranges: return "sequence_ranges";
    case ExceededLimit::string_bytes: return "string_bytes";
    case ExceededLimit::command_bytes: return "command_bytes";
    case ExceededLimit::list_items: return "list_items";
  }
  return "?";
}

ParseResult<Command> parse_command(const CommandText& text, const ParseLimits& limits, ParseContext context) {
  CommandReader in(text, limits, context);
  Command command;
  std::string_view tag = in.tag();
  if (tag.empty() || in.peek() != ' ') {
    in.fail("missing or invalid tag");
    return in.take_error("");
  }
  if (tag.size() > limits.max_string_bytes) {
    in.fail_limit(ExceededLimit::string_bytes, "tag too long");
    return in.take_error("");
  }
  command.tag.assign(tag);
  if (!in.check_framing()) return in.take_error(command.tag);
  in.expect_sp();
  std::string_view name = in.atom();
  if (iequals(name, "UID")) {
    command.uid = true;
    if (!in.expect_sp()) return in.take_error(command.tag);
    name = in.atom();
  }
  const CommandInfo* info = find_command(name);
  if (info == nullptr || (command.uid && !info->uid_form)) {
    in.fail(command.uid ? "unknown UID command" : "unknown command");
    return in.take_error(command.tag);
  }
  command.kind = info->kind;
  if (!parse_arguments(in, command)) return in.take_error(command.tag);
  if (!in.at_end()) {
    in.fail("unexpected characters after the arguments");
    return in.take_error(command.tag);
  }
  return command;
}

}  // namespace postino::imap
