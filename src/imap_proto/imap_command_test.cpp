// parse_command: RFC 9051 section 6 examples and the extension RFCs'
// examples (7162, 4731, 5258, 5256, 3502, 6855, 2971, 9208), limits, and
// malformed input.
#include "imap_proto/imap_command.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace postino::imap {
namespace {

// Segments alternate: line, literal, line, ...
CommandText text_of(std::initializer_list<std::string> segments) {
  CommandText text;
  bool line = true;
  for (const std::string& s : segments) {
    if (line) {
      text.add_line(s);
    } else {
      text.add_literal(s);
    }
    line = !line;
  }
  return text;
}

ParseContext qresync_context() {
  ParseContext context;
  context.qresync_enabled = true;
  return context;
}

Command parse_ok(std::initializer_list<std::string> segments, ParseContext context = {}, ParseLimits limits = {}) {
  CommandText text = text_of(segments);
  auto result = parse_command(text, limits, context);
  EXPECT_TRUE(result.ok()) << *segments.begin() << " -> " << (result.ok() ? "" : result.error().message);
  if (!result.ok()) return Command{};
  return std::move(result).value();
}

ParseError parse_error(std::initializer_list<std::string> segments, ParseContext context = {},
                       ParseLimits limits = {}) {
  CommandText text = text_of(segments);
  auto result = parse_command(text, limits, context);
  EXPECT_FALSE(result.ok()) << *segments.begin();
  if (result.ok()) return ParseError{};
  return result.error();
}

// ---- Tag, name, simple commands ----

TEST(ImapCommand, SimpleCommandsAndTags) {
  struct Case {
    const char* line;
    CommandKind kind;
  } cases[] = {
      {"abcd CAPABILITY", CommandKind::capability}, {"a002 NOOP", CommandKind::noop},
      {"A023 LOGOUT", CommandKind::logout},         {"a001 STARTTLS", CommandKind::starttls},
      {"A001 NAMESPACE", CommandKind::namespace_},  {"a001 IDLE", CommandKind::idle},
      {"FXXZ CHECK", CommandKind::check},           {"A341 CLOSE", CommandKind::close},
      {"A342 UNSELECT", CommandKind::unselect},     {"A202 EXPUNGE", CommandKind::expunge},
      {"x.1 noop", CommandKind::noop},              {"a]b Capability", CommandKind::capability},
  };
  for (const Case& c : cases) {
    Command command = parse_ok({c.line});
    EXPECT_EQ(command.kind, c.kind) << c.line;
    EXPECT_FALSE(command.uid);
    EXPECT_TRUE(std::holds_alternative<NoArgs>(command.args)) << c.line;
  }
  EXPECT_EQ(parse_ok({"x.1 noop"}).tag, "x.1");
}

TEST(ImapCommand, BadTagsAndNames) {
  ParseError e = parse_error({"+tag NOOP"});
  EXPECT_TRUE(e.bad);
  EXPECT_EQ(e.tag, "");
  EXPECT_EQ(parse_error({""}).tag, "");
  EXPECT_EQ(parse_error({"NOOP"}).tag, "");  // no space after the tag
  EXPECT_EQ(parse_error({"a*b NOOP"}).tag, "");
  e = parse_error({"a1 FROB"});
  EXPECT_EQ(e.tag, "a1");
  EXPECT_TRUE(e.bad);
  EXPECT_EQ(e.message, "unknown command");
  EXPECT_EQ(parse_error({"a1 UID NOOP"}).message, "unknown UID command");
  EXPECT_TRUE(parse_error({"a1 NOOP extra"}).bad);
  EXPECT_TRUE(parse_error({"a1 NOOP "}).bad);
  EXPECT_TRUE(parse_error({"a1  NOOP"}).bad);
  EXPECT_TRUE(parse_error({"a1 EXPUNGE 1:2"}).bad);
}

TEST(ImapCommand, NulCrLfInLineAreBad) {
  EXPECT_TRUE(parse_error({std::string("a1 NOOP\0", 8)}).bad);
  EXPECT_TRUE(parse_error({std::string("a1 LOGIN a\0b c", 14)}).bad);
  EXPECT_TRUE(parse_error({"a1 LOGIN a\rb c"}).bad);
  EXPECT_EQ(parse_error({"a1 LOGIN a\nb c"}).tag, "a1");
}

TEST(ImapCommand, TheCommandTable) {
  for (const CommandInfo& info : command_table()) EXPECT_EQ(&command_info(info.kind), &info);
  EXPECT_TRUE(allowed_in(command_info(CommandKind::login), SessionState::not_authenticated));
  EXPECT_FALSE(allowed_in(command_info(CommandKind::login), SessionState::authenticated));
  EXPECT_TRUE(allowed_in(command_info(CommandKind::fetch), SessionState::selected));
  EXPECT_FALSE(allowed_in(command_info(CommandKind::fetch), SessionState::authenticated));
  EXPECT_TRUE(allowed_in(command_info(CommandKind::select), SessionState::selected));
  EXPECT_TRUE(command_info(CommandKind::move).uid_form);
  EXPECT_FALSE(command_info(CommandKind::select).uid_form);
}

// ---- Not authenticated ----

TEST(ImapCommand, Login) {
  Command c = parse_ok({"a001 LOGIN SMITH SESAME"});
  EXPECT_EQ(c.kind, CommandKind::login);
  EXPECT_EQ(c.args_as<LoginArgs>().username, "SMITH");
  EXPECT_EQ(c.args_as<LoginArgs>().password, "SESAME");
  c = parse_ok({"a1 LOGIN \"fred \\\"x\\\\\" {11}", "fred foobar", ""});
  EXPECT_EQ(c.args_as<LoginArgs>().username, "fred \"x\\");
  EXPECT_EQ(c.args_as<LoginArgs>().password, "fred foobar");
  c = parse_ok({"a1 LOGIN {4+}", "user", " {3}", "p\xc3\xa4", ""});
  EXPECT_EQ(c.args_as<LoginArgs>().password, "p\xc3\xa4");
}

TEST(ImapCommand, LoginErrors) {
  EXPECT_TRUE(parse_error({"a1 LOGIN user"}).bad);
  EXPECT_TRUE(parse_error({"a1 LOGIN user \"unterminated"}).bad);
  EXPECT_TRUE(parse_error({"a1 LOGIN user \"bad\\escape\""}).bad);
  EXPECT_TRUE(parse_error({"a1 LOGIN user pass(word"}).bad);
  // Literal with NUL, literal8 outside APPEND.
  EXPECT_TRUE(parse_error({"a1 LOGIN {3}", std::string("a\0b", 3), " x"}).bad);
  EXPECT_TRUE(parse_error({"a1 LOGIN ~{3}", "abc", " x"}).bad);
}

TEST(ImapCommand, Authenticate) {
  Command c = parse_ok({"A001 AUTHENTICATE gssapi"});
  EXPECT_EQ(c.args_as<AuthenticateArgs>().mechanism, "GSSAPI");
  EXPECT_FALSE(c.args_as<AuthenticateArgs>().initial_response);
  // RFC 4959 example.
  c = parse_ok({"a01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q="});
  EXPECT_EQ(*c.args_as<AuthenticateArgs>().initial_response, "dGVzdAB0ZXN0AHRlc3Q=");
  c = parse_ok({"a01 AUTHENTICATE EXTERNAL ="});
  EXPECT_EQ(*c.args_as<AuthenticateArgs>().initial_response, "=");
  EXPECT_TRUE(parse_error({"a01 AUTHENTICATE PLAIN dGVz!"}).bad);
  EXPECT_TRUE(parse_error({"a01 AUTHENTICATE PLAIN abc"}).bad);
  EXPECT_TRUE(parse_error({"a01 AUTHENTICATE PLAIN a==="}).bad);
  EXPECT_TRUE(parse_error({"a01 AUTHENTICATE"}).bad);
}

TEST(ImapCommand, IdAndCompressAndEnable) {
  Command c = parse_ok({"a023 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" NIL)"});
  const auto& fields = c.args_as<IdArgs>().fields;
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].first, "name");
  EXPECT_EQ(*fields[1].second, "19.34");
  EXPECT_FALSE(fields[2].second);
  EXPECT_TRUE(parse_ok({"a023 ID NIL"}).args_as<IdArgs>().fields.empty());
  EXPECT_TRUE(parse_ok({"a023 ID ()"}).args_as<IdArgs>().fields.empty());
  EXPECT_TRUE(parse_error({"a023 ID (\"name\")"}).bad);
  EXPECT_TRUE(parse_error({"a023 ID (\"" + std::string(31, 'x') + "\" NIL)"}).bad);
  std::string many = "a ID (";
  for (int i = 0; i < 31; ++i) many += "\"k" + std::to_string(i) + "\" NIL ";
  many.back() = ')';
  EXPECT_TRUE(parse_error({many}).bad);

  c = parse_ok({"a COMPRESS deflate"});
  EXPECT_EQ(c.args_as<CompressArgs>().mechanism, "DEFLATE");
  c = parse_ok({"t2 ENABLE CONDSTORE qresync UTF8=ACCEPT"});
  EXPECT_EQ(c.args_as<EnableArgs>().capabilities,
            (std::vector<std::string>{"CONDSTORE", "QRESYNC", "UTF8=ACCEPT"}));
  EXPECT_TRUE(parse_error({"t2 ENABLE"}).bad);
}

// ---- Authenticated ----

TEST(ImapCommand, SelectExamine) {
  Command c = parse_ok({"A142 SELECT INBOX"});
  EXPECT_EQ(c.args_as<SelectArgs>().mailbox, "INBOX");
  c = parse_ok({"A142 SELECT inbox"});
  EXPECT_EQ(c.args_as<SelectArgs>().mailbox, "INBOX");
  c = parse_ok({"A932 EXAMINE blurdybloop"});
  EXPECT_EQ(c.kind, CommandKind::examine);
  EXPECT_EQ(c.args_as<SelectArgs>().mailbox, "blurdybloop");
  // RFC 7162 3.1.8
  c = parse_ok({"a SELECT INBOX (CONDSTORE)"});
  EXPECT_TRUE(c.args_as<SelectArgs>().condstore);
  EXPECT_FALSE(c.args_as<SelectArgs>().qresync);
  EXPECT_TRUE(parse_error({"a SELECT INBOX (FOO)"}).bad);
  EXPECT_TRUE(parse_error({"a SELECT INBOX (CONDSTORE"}).bad);
}

TEST(ImapCommand, SelectQresyncRfc7162Examples) {
  // RFC 7162 3.2.5.2 example.
  Command c = parse_ok({"A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))"},
                       qresync_context());
  const auto& q = *c.args_as<SelectArgs>().qresync;
  EXPECT_EQ(q.uidvalidity, 67890007u);
  EXPECT_EQ(q.modseq, 20050715194045000ull);
  EXPECT_EQ(q.known_uids->str(), "41,43:211,214:541");
  EXPECT_FALSE(q.known_sequence_set);
  c = parse_ok({"B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 "
                "15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))"},
               qresync_context());
  const auto& q2 = *c.args_as<SelectArgs>().qresync;
  EXPECT_EQ(q2.known_uids->str(), "1:29997");
  EXPECT_EQ(q2.known_sequence_set->str(), "5000,7500,9000,9990:9999");
  EXPECT_EQ(q2.known_uid_set->ranges().size(), 13u);
  c = parse_ok({"a SELECT INBOX (QRESYNC (1 0 (1,2 3,4)))"}, qresync_context());
  EXPECT_FALSE(c.args_as<SelectArgs>().qresync->known_uids);
  EXPECT_EQ(c.args_as<SelectArgs>().qresync->known_uid_set->str(), "3,4");
  c = parse_ok({"a SELECT INBOX (CONDSTORE QRESYNC (1 5))"}, qresync_context());
  EXPECT_TRUE(c.args_as<SelectArgs>().condstore);
  // Without ENABLE QRESYNC: BAD (RFC 7162 3.2.5).
  EXPECT_TRUE(parse_error({"A02 SELECT INBOX (QRESYNC (67890007 20050715194045000))"}).bad);
  EXPECT_TRUE(parse_error({"a SELECT INBOX (QRESYNC (0 5))"}, qresync_context()).bad);
  EXPECT_TRUE(parse_error({"a SELECT INBOX (QRESYNC (1 5 1:*))"}, qresync_context()).bad);
  EXPECT_TRUE(parse_error({"a SELECT INBOX (QRESYNC (1 5 $))"}, qresync_context()).bad);
  EXPECT_TRUE(parse_error({"a SELECT INBOX (QRESYNC (1))"}, qresync_context()).bad);
  EXPECT_TRUE(parse_error({"a SELECT INBOX (QRESYNC (1 2) QRESYNC (1 2))"}, qresync_context()).bad);
}

TEST(ImapCommand, MailboxCommands) {
  Command c = parse_ok({"A003 CREATE owatagusiam/"});
  EXPECT_EQ(c.args_as<CreateArgs>().mailbox, "owatagusiam/");
  c = parse_ok({"t1 CREATE \"Important Messages\" (USE (\\important \\Flagged))"});
  EXPECT_EQ(c.args_as<CreateArgs>().mailbox, "Important Messages");
  EXPECT_EQ(c.args_as<CreateArgs>().special_use, (std::vector<std::string>{"\\important", "\\Flagged"}));
  EXPECT_TRUE(parse_error({"t1 CREATE x (USE (Drafts))"}).bad);
  EXPECT_TRUE(parse_error({"t1 CREATE x (FOO (\\Drafts))"}).bad);

  c = parse_ok({"A683 DELETE blurdybloop"});
  EXPECT_EQ(c.kind, CommandKind::delete_);
  EXPECT_EQ(c.args_as<MailboxArgs>().mailbox, "blurdybloop");
  c = parse_ok({"A683 RENAME blurdybloop sarasoop"});
  EXPECT_EQ(c.args_as<RenameArgs>().from, "blurdybloop");
  EXPECT_EQ(c.args_as<RenameArgs>().to, "sarasoop");
  c = parse_ok({"A002 SUBSCRIBE #news.comp.mail.mime"});
  EXPECT_EQ(c.args_as<MailboxArgs>().mailbox, "#news.comp.mail.mime");
  c = parse_ok({"A002 UNSUBSCRIBE \"#news.comp.mail.mime\""});
  EXPECT_EQ(c.kind, CommandKind::unsubscribe);
  c = parse_ok({"a GETQUOTAROOT inbox"});
  EXPECT_EQ(c.args_as<MailboxArgs>().mailbox, "INBOX");
  c = parse_ok({"a GETQUOTA \"\""});
  EXPECT_EQ(c.args_as<GetQuotaArgs>().quota_root, "");
  c = parse_ok({"S0000 SETQUOTA \"#user/alice\" (STORAGE 510 message 1000)"});
  const auto& limits = c.args_as<SetQuotaArgs>().limits;
  ASSERT_EQ(limits.size(), 2u);
  EXPECT_EQ(limits[1].first, "MESSAGE");
  EXPECT_EQ(limits[1].second, 1000u);
  EXPECT_TRUE(parse_ok({"a SETQUOTA \"\" ()"}).args_as<SetQuotaArgs>().limits.empty());
  EXPECT_TRUE(parse_error({"a SETQUOTA \"\" (STORAGE)"}).bad);
}

TEST(ImapCommand, MailboxNamesAreDecoded) {
  // RFC 3501 5.1.3 example: modified UTF-7 on the wire, UTF-8 inside.
  Command c = parse_ok({"a SELECT \"~peter/mail/&U,BTFw-/&ZeVnLIqe-\""});
  EXPECT_EQ(c.args_as<SelectArgs>().mailbox, "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
  c = parse_ok({"a SELECT Entw&APw-rfe"});
  EXPECT_EQ(c.args_as<SelectArgs>().mailbox, "Entw\xc3\xbc" "rfe");
  c = parse_ok({"a SELECT inbox/Sub"});
  EXPECT_EQ(c.args_as<SelectArgs>().mailbox, "INBOX/Sub");
  ParseError e = parse_error({"a SELECT &Jjo!"});
  EXPECT_FALSE(e.bad);
  EXPECT_EQ(e.code, "CANNOT");
  EXPECT_FALSE(parse_error({"a SELECT \"Entw\xc3\xbcrfe\""}).bad);  // 8-bit without UTF8=ACCEPT
  // With UTF8=ACCEPT / IMAP4rev2: UTF-8 names, '&' is literal.
  ParseContext utf8;
  utf8.utf8_mailboxes = true;
  c = parse_ok({"a SELECT \"Entw\xc3\xbcrfe\""}, utf8);
  EXPECT_EQ(c.args_as<SelectArgs>().mailbox, "Entw\xc3\xbcrfe");
  c = parse_ok({"a SELECT A&B"}, utf8);
  EXPECT_EQ(c.args_as<SelectArgs>().mailbox, "A&B");
  EXPECT_FALSE(parse_error({"a SELECT \"\xff\""}, utf8).bad);
  // Unquoted UTF-8 names (Python's imaplib after ENABLE UTF8=ACCEPT): taken
  // in UTF-8 mode only.
  c = parse_ok({"a STATUS Caf\xc3\xa9 (MESSAGES)"}, utf8);
  EXPECT_EQ(c.args_as<StatusArgs>().mailbox, "Caf\xc3\xa9");
  c = parse_ok({"a LIST \"\" Caf\xc3\xa9*"}, utf8);
  EXPECT_EQ(c.args_as<ListArgs>().patterns[0], "Caf\xc3\xa9*");
  c = parse_ok({"a SELECT inbox"}, utf8);
  EXPECT_EQ(c.args_as<SelectArgs>().mailbox, "INBOX");
  EXPECT_TRUE(parse_error({"a STATUS Caf\xc3\xa9 (MESSAGES)"}).bad);
  EXPECT_FALSE(parse_error({"a SELECT Caf\xff"}, utf8).bad);  // NO [CANNOT]: not UTF-8
  EXPECT_TRUE(parse_error({"a SELECT (x)"}, utf8).bad);
}

TEST(ImapCommand, ListBasic) {
  Command c = parse_ok({"A101 LIST \"\" \"\""});
  const auto& l = c.args_as<ListArgs>();
  EXPECT_FALSE(l.extended);
  EXPECT_EQ(l.reference, "");
  EXPECT_EQ(l.patterns, (std::vector<std::string>{""}));
  c = parse_ok({"A102 LIST #news.comp.mail.misc \"\""});
  EXPECT_EQ(c.args_as<ListArgs>().reference, "#news.comp.mail.misc");
  c = parse_ok({"A103 LIST /usr/staff/jones \"\""});
  EXPECT_EQ(c.args_as<ListArgs>().reference, "/usr/staff/jones");
  c = parse_ok({"A202 LIST ~/Mail/ %"});
  EXPECT_EQ(c.args_as<ListArgs>().patterns[0], "%");
  c = parse_ok({"a LIST \"\" *"});
  EXPECT_EQ(c.args_as<ListArgs>().patterns[0], "*");
  c = parse_ok({"a LIST \"\" INBOX/%]x"});
  EXPECT_EQ(c.args_as<ListArgs>().patterns[0], "INBOX/%]x");
  c = parse_ok({"A002 LSUB \"#news.\" \"comp.mail.*\""});
  EXPECT_EQ(c.kind, CommandKind::lsub);
  EXPECT_EQ(c.args_as<ListArgs>().patterns[0], "comp.mail.*");
  EXPECT_TRUE(c.args_as<ListArgs>().selection.subscribed);
  EXPECT_TRUE(parse_error({"a LIST \"\""}).bad);
  EXPECT_TRUE(parse_error({"a LSUB \"\" (a b)"}).bad);
}

TEST(ImapCommand, ListExtendedRfc5258Examples) {
  Command c = parse_ok({"A01 LIST (SUBSCRIBED) \"\" \"*\""});
  EXPECT_TRUE(c.args_as<ListArgs>().extended);
  EXPECT_TRUE(c.args_as<ListArgs>().selection.subscribed);
  c = parse_ok({"A02 LIST (SUBSCRIBED REMOTE) \"\" \"*\" RETURN (CHILDREN)"});
  EXPECT_TRUE(c.args_as<ListArgs>().selection.remote);
  EXPECT_TRUE(c.args_as<ListArgs>().returns.children);
  c = parse_ok({"A03 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN)"});
  EXPECT_TRUE(c.args_as<ListArgs>().selection.recursive_match);
  c = parse_ok({"A04 LIST () \"\" (\"INBOX\" \"Drafts\" \"Sent/%\")"});
  EXPECT_EQ(c.args_as<ListArgs>().patterns, (std::vector<std::string>{"INBOX", "Drafts", "Sent/%"}));
  EXPECT_TRUE(c.args_as<ListArgs>().extended);
  c = parse_ok({"A05 LIST \"\" % RETURN (SUBSCRIBED)"});
  EXPECT_TRUE(c.args_as<ListArgs>().returns.subscribed);
  EXPECT_EQ(c.args_as<ListArgs>().selection, ListArgs::Selection{});
  // RFC 6154 and RFC 5819.
  c = parse_ok({"t1 LIST (SPECIAL-USE) \"\" \"*\""});
  EXPECT_TRUE(c.args_as<ListArgs>().selection.special_use);
  c = parse_ok({"t2 LIST \"\" \"%\" RETURN (SPECIAL-USE)"});
  EXPECT_TRUE(c.args_as<ListArgs>().returns.special_use);
  c = parse_ok({"A01 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))"});
  EXPECT_EQ(*c.args_as<ListArgs>().returns.status,
            (std::vector<StatusItem>{StatusItem::messages, StatusItem::unseen}));
  // RFC 5258 3.1: RECURSIVEMATCH alone is BAD; unknown options are BAD.
  EXPECT_TRUE(parse_error({"A05 LIST (RECURSIVEMATCH) \"\" *"}).bad);
  EXPECT_TRUE(parse_error({"A05 LIST (REMOTE RECURSIVEMATCH) \"\" *"}).bad);
  EXPECT_TRUE(parse_error({"A05 LIST (FOO) \"\" *"}).bad);
  EXPECT_TRUE(parse_error({"A05 LIST \"\" * RETURN (FOO)"}).bad);
  EXPECT_TRUE(parse_error({"A05 LIST \"\" * RETURN (STATUS (FOO))"}).bad);
  EXPECT_TRUE(parse_error({"A05 LIST \"\" * FOO (CHILDREN)"}).bad);
  EXPECT_TRUE(parse_error({"A05 LIST \"\" ()"}).bad);
}

TEST(ImapCommand, Status) {
  Command c = parse_ok({"A042 STATUS blurdybloop (UIDNEXT MESSAGES)"});
  EXPECT_EQ(c.args_as<StatusArgs>().items, (std::vector<StatusItem>{StatusItem::uidnext, StatusItem::messages}));
  c = parse_ok({"a STATUS INBOX (messages uidnext uidvalidity unseen deleted size recent highestmodseq appendlimit)"});
  EXPECT_EQ(c.args_as<StatusArgs>().items.size(), 9u);
  EXPECT_STREQ(status_item_name(c.args_as<StatusArgs>().items[8]), "APPENDLIMIT");
  // RFC 8474 4.3 (example: "STATUS foo (MAILBOXID)").
  c = parse_ok({"a STATUS foo (MAILBOXID)"});
  EXPECT_EQ(c.args_as<StatusArgs>().items, (std::vector<StatusItem>{StatusItem::mailboxid}));
  EXPECT_STREQ(status_item_name(StatusItem::mailboxid), "MAILBOXID");
  EXPECT_TRUE(parse_error({"a STATUS INBOX ()"}).bad);
  EXPECT_TRUE(parse_error({"a STATUS INBOX (MESSAGES FOO)"}).bad);
  EXPECT_TRUE(parse_error({"a STATUS INBOX MESSAGES"}).bad);
}

TEST(ImapCommand, AppendRfc9051Example) {
  std::string message =
      "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nFrom: Fred Foobar <foobar@Blurdybloop.example>\r\n"
      "Subject: afternoon meeting\r\n\r\nHello Joe, do you think we can meet at 3:30 tomorrow?\r\n";
  std::string first = "A003 APPEND saved-messages (\\Seen) {" + std::to_string(message.size()) + "}";
  CommandText text;
  text.add_line(first);
  text.add_literal(message);
  text.add_line("");
  auto result = parse_command(text);
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto& append = result->args_as<AppendArgs>();
  EXPECT_EQ(append.mailbox, "saved-messages");
  ASSERT_EQ(append.messages.size(), 1u);
  EXPECT_EQ(append.messages[0].flags, (std::vector<std::string>{"\\Seen"}));
  EXPECT_FALSE(append.messages[0].internal_date);
  EXPECT_EQ(append.messages[0].data, message);
  EXPECT_EQ(append.messages[0].literal_index, 1u);
  // The view points into the CommandText: no copy.
  EXPECT_EQ(append.messages[0].data.data(), text.segments()[1].bytes.data());
  EXPECT_EQ(text.take_literal(1), message);
}

TEST(ImapCommand, AppendWithDateAndMultiappend) {
  // RFC 3502 example shape: two messages, flags and date-time on the first.
  Command c = parse_ok({"A003 APPEND saved-messages (\\Seen \\flagged $Forwarded) \"7-Feb-1994 21:52:25 -0800\" {5}",
                        "hello", " {3+}", "abc", ""});
  const auto& append = c.args_as<AppendArgs>();
  ASSERT_EQ(append.messages.size(), 2u);
  EXPECT_EQ(append.messages[0].flags, (std::vector<std::string>{"\\Seen", "\\Flagged", "$Forwarded"}));
  ASSERT_TRUE(append.messages[0].internal_date);
  EXPECT_EQ(format_date_time(*append.messages[0].internal_date), "07-Feb-1994 21:52:25 -0800");
  EXPECT_EQ(append.messages[1].data, "abc");
  EXPECT_TRUE(append.messages[1].flags.empty());
  c = parse_ok({"a APPEND INBOX \" 7-Feb-1994 21:52:25 +0000\" {1}", "x", ""});
  EXPECT_TRUE(c.args_as<AppendArgs>().messages[0].internal_date);
  c = parse_ok({"a APPEND INBOX () {1}", "x", ""});
  EXPECT_TRUE(c.args_as<AppendArgs>().messages[0].flags.empty());
}

TEST(ImapCommand, AppendBinaryAndUtf8) {
  // RFC 3516 literal8 may carry NUL.
  Command c = parse_ok({"a APPEND INBOX ~{3}", std::string("a\0b", 3), ""});
  EXPECT_TRUE(c.args_as<AppendArgs>().messages[0].binary);
  EXPECT_EQ(c.args_as<AppendArgs>().messages[0].data.size(), 3u);
  // RFC 6855 4.
  c = parse_ok({"a APPEND INBOX (\\Seen) UTF8 (~{4}", "h\xc3\xa9y", ")"});
  EXPECT_TRUE(c.args_as<AppendArgs>().messages[0].utf8);
  EXPECT_EQ(c.args_as<AppendArgs>().messages[0].data, "h\xc3\xa9y");
  EXPECT_TRUE(parse_error({"a APPEND INBOX UTF8 ({4}", "abcd", ")"}).bad);
  EXPECT_TRUE(parse_error({"a APPEND INBOX {3}", std::string("a\0b", 3), ""}).bad);
}

TEST(ImapCommand, AppendErrors) {
  EXPECT_TRUE(parse_error({"a APPEND INBOX"}).bad);
  EXPECT_TRUE(parse_error({"a APPEND INBOX (\\Seen)"}).bad);
  EXPECT_TRUE(parse_error({"a APPEND INBOX \"x\""}).bad);
  EXPECT_TRUE(parse_error({"a APPEND INBOX (\\Recent) {1}", "x", ""}).bad);
  EXPECT_TRUE(parse_error({"a APPEND INBOX (\\*) {1}", "x", ""}).bad);
  EXPECT_TRUE(parse_error({"a APPEND INBOX \"30-Feb-1994 21:52:25 -0800\" {1}", "x", ""}).bad);
  EXPECT_TRUE(parse_error({"a APPEND INBOX \"7-Feb-1994 21:52:25\" {1}", "x", ""}).bad);
  EXPECT_TRUE(parse_error({"a APPEND INBOX {1}", "x", " junk"}).bad);
  // Literal size and announcement disagree; literal without announcement.
  EXPECT_TRUE(parse_error({"a APPEND INBOX {5}", "abc", ""}).bad);
  EXPECT_TRUE(parse_error({"a APPEND INBOX x", "abc", ""}).bad);
  // Announcement at the end with no literal following.
  EXPECT_TRUE(parse_error({"a APPEND INBOX {5}"}).bad);
}

// ---- Selected: SEARCH ----

TEST(ImapCommand, SearchRfc9051Examples) {
  Command c = parse_ok({"A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\""});
  const auto& s = c.args_as<SearchArgs>();
  ASSERT_TRUE(s.returns);
  EXPECT_TRUE(s.returns->min && s.returns->count && !s.returns->max && !s.returns->all);
  ASSERT_EQ(s.key.kind, SearchKeyKind::and_);
  ASSERT_EQ(s.key.children.size(), 3u);
  EXPECT_EQ(s.key.children[0].kind, SearchKeyKind::flagged);
  EXPECT_EQ(s.key.children[1].kind, SearchKeyKind::since);
  EXPECT_EQ(s.key.children[1].date, std::chrono::year_month_day(std::chrono::year{1994}, std::chrono::February,
                                                                 std::chrono::day{1}));
  EXPECT_EQ(s.key.children[2].kind, SearchKeyKind::not_);
  EXPECT_EQ(s.key.children[2].children[0].kind, SearchKeyKind::from);
  EXPECT_EQ(s.key.children[2].children[0].text, "Smith");

  c = parse_ok({"A283 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\""});
  EXPECT_TRUE(c.args_as<SearchArgs>().returns->all);
  c = parse_ok({"A284 SEARCH TEXT \"string not in mailbox\""});
  EXPECT_FALSE(c.args_as<SearchArgs>().returns);
  EXPECT_EQ(c.args_as<SearchArgs>().key.children[0].kind, SearchKeyKind::text);
  c = parse_ok({"A285 SEARCH CHARSET UTF-8 TEXT {12}", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", ""});
  EXPECT_EQ(c.args_as<SearchArgs>().charset, "UTF-8");
  EXPECT_EQ(c.args_as<SearchArgs>().key.children[0].text.size(), 12u);
  ParseError e = parse_error({"A286 SEARCH CHARSET BIG5 FROM \"Smith\""});
  EXPECT_FALSE(e.bad);
  EXPECT_EQ(e.code, "BADCHARSET (US-ASCII UTF-8)");
  EXPECT_EQ(e.tag, "A286");
  c = parse_ok({"A287 search charset us-ascii ALL"});
  EXPECT_EQ(c.args_as<SearchArgs>().charset, "US-ASCII");
}

TEST(ImapCommand, SearchEveryKey) {
  Command c = parse_ok(
      {"a SEARCH ALL ANSWERED BCC x BEFORE 1-Jan-2000 BODY y CC z DELETED DRAFT FLAGGED FROM f "
       "HEADER X-Foo bar KEYWORD $Junk LARGER 100 NEW NOT SEEN OLD ON \"01-Feb-2001\" OR 1 2 RECENT SEEN "
       "SENTBEFORE 1-Jan-2000 SENTON 1-Jan-2000 SENTSINCE 1-Jan-2000 SINCE 1-Jan-2000 SMALLER 5 SUBJECT s "
       "TEXT t TO u UID 1:* UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $Seen UNSEEN 2,4:6 $ "
       "(SEEN FLAGGED) MODSEQ 620162338 OLDER 3600 YOUNGER 60 SAVEDBEFORE 1-Jan-2020 SAVEDON 1-Jan-2020 "
       "SAVEDSINCE 1-Jan-2020 SAVEDATESUPPORTED EMAILID M6d99ac3275bb4e THREADID T64b478a75b7ea9"});
  const auto& keys = c.args_as<SearchArgs>().key.children;
  std::vector<std::string> names;
  for (const SearchKey& k : keys) names.push_back(search_key_name(k.kind));
  EXPECT_EQ(names, (std::vector<std::string>{
                       "ALL", "ANSWERED", "BCC", "BEFORE", "BODY", "CC", "DELETED", "DRAFT", "FLAGGED", "FROM",
                       "HEADER", "KEYWORD", "LARGER", "NEW", "NOT", "OLD", "ON", "OR", "RECENT", "SEEN",
                       "SENTBEFORE", "SENTON", "SENTSINCE", "SINCE", "SMALLER", "SUBJECT", "TEXT", "TO", "UID",
                       "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNKEYWORD", "UNSEEN", "SEQUENCE-SET",
                       "SEQUENCE-SET", "AND", "MODSEQ", "OLDER", "YOUNGER", "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE",
                       "SAVEDATESUPPORTED", "EMAILID", "THREADID"}));
  EXPECT_EQ(keys[10].header_name, "X-Foo");
  EXPECT_EQ(keys[10].text, "bar");
  EXPECT_EQ(keys[11].text, "$Junk");
  EXPECT_EQ(keys[12].number, 100u);
  EXPECT_EQ(keys[17].children[0].set.str(), "1");
  EXPECT_EQ(keys[28].set.str(), "1:*");
  EXPECT_EQ(keys[35].set.str(), "2,4:6");
  EXPECT_TRUE(keys[36].set.is_saved_result());
  EXPECT_EQ(keys[37].children.size(), 2u);
  EXPECT_EQ(keys[38].number, 620162338u);
  EXPECT_EQ(keys[39].number, 3600u);
  EXPECT_EQ(keys[45].text, "M6d99ac3275bb4e");
  EXPECT_TRUE(uses_modseq(c.args_as<SearchArgs>().key));
}

TEST(ImapCommand, SearchModseqRfc7162Example) {
  Command c = parse_ok({"a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338"});
  const SearchKey& k = c.args_as<SearchArgs>().key.children[0];
  EXPECT_EQ(k.kind, SearchKeyKind::modseq);
  EXPECT_EQ(k.modseq_entry, "/flags/\\draft");
  EXPECT_EQ(k.modseq_entry_type, ModseqEntryType::all);
  EXPECT_EQ(k.number, 620162338u);
  c = parse_ok({"t SEARCH OR NOT MODSEQ 720162338 LARGER 50000"});
  EXPECT_TRUE(uses_modseq(c.args_as<SearchArgs>().key));
  EXPECT_TRUE(parse_error({"a SEARCH MODSEQ \"/flags/x\" other 5"}).bad);
  EXPECT_FALSE(uses_modseq(parse_ok({"a SEARCH ALL"}).args_as<SearchArgs>().key));
}

TEST(ImapCommand, SearchResRfc5182Examples) {
  Command c = parse_ok({"A282 SEARCH RETURN (SAVE) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\""});
  EXPECT_TRUE(c.args_as<SearchArgs>().returns->save);
  c = parse_ok({"A283 SEARCH RETURN (SAVE MIN) UNDELETED"});
  EXPECT_TRUE(c.args_as<SearchArgs>().returns->save && c.args_as<SearchArgs>().returns->min);
  c = parse_ok({"A284 UID SEARCH RETURN (MAX) $ SEEN"});
  EXPECT_TRUE(c.uid);
  EXPECT_TRUE(c.args_as<SearchArgs>().key.children[0].set.is_saved_result());
  c = parse_ok({"A285 UID SEARCH UID $ SMALLER 4096"});
  EXPECT_TRUE(c.args_as<SearchArgs>().key.children[0].set.is_saved_result());
  EXPECT_TRUE(parse_error({"a SEARCH RETURN (FOO) ALL"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH RETURN ALL"}).bad);
}

TEST(ImapCommand, SearchErrors) {
  EXPECT_TRUE(parse_error({"a SEARCH"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH FOO"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH (SEEN"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH SEEN)"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH ()"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH NOT"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH OR SEEN"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH SINCE 32-Jan-2000"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH SINCE 1-Foo-2000"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH SINCE 1-Jan-20"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH SINCE 29-Feb-2001"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH LARGER 99999999999999999999999"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH LARGER -1"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH OLDER 0"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH UID 0"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH 4294967296"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH EMAILID bad!id"}).bad);
  EXPECT_TRUE(parse_error({"a SEARCH ALL  SEEN"}).bad);
  EXPECT_TRUE(parse_ok({"a SEARCH SINCE 29-Feb-2000"}).tag == "a");
}

TEST(ImapCommand, SortAndThreadRfc5256Examples) {
  Command c = parse_ok({"A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994"});
  const auto& s = c.args_as<SortArgs>();
  EXPECT_EQ(s.criteria, (std::vector<SortCriterion>{{SortKey::subject, false}}));
  EXPECT_EQ(s.charset, "UTF-8");
  EXPECT_EQ(s.key.children[0].kind, SearchKeyKind::since);
  c = parse_ok({"A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL"});
  EXPECT_EQ(c.args_as<SortArgs>().criteria,
            (std::vector<SortCriterion>{{SortKey::subject, false}, {SortKey::date, true}}));
  c = parse_ok({"A284 SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\""});
  EXPECT_EQ(c.args_as<SortArgs>().key.children[0].text, "not in mailbox");
  c = parse_ok({"a UID SORT (ARRIVAL CC FROM SIZE TO DISPLAYFROM DISPLAYTO) utf-8 UNSEEN"});
  EXPECT_TRUE(c.uid);
  EXPECT_EQ(c.args_as<SortArgs>().criteria.size(), 7u);
  EXPECT_TRUE(parse_error({"a SORT () UTF-8 ALL"}).bad);
  EXPECT_TRUE(parse_error({"a SORT (SUBJECT)"}).bad);
  EXPECT_EQ(parse_error({"a SORT (SUBJECT) ALL"}).code, "BADCHARSET (US-ASCII UTF-8)");  // charset is required
  EXPECT_TRUE(parse_error({"a SORT (FOO) UTF-8 ALL"}).bad);
  EXPECT_TRUE(parse_error({"a SORT (REVERSE) UTF-8 ALL"}).bad);
  EXPECT_FALSE(parse_error({"a SORT (DATE) KOI8-R ALL"}).bad);

  c = parse_ok({"A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000"});
  EXPECT_EQ(c.args_as<ThreadArgs>().algorithm, ThreadAlgorithm::orderedsubject);
  c = parse_ok({"A284 THREAD ORDEREDSUBJECT US-ASCII TEXT \"gewp\""});
  EXPECT_EQ(c.args_as<ThreadArgs>().charset, "US-ASCII");
  c = parse_ok({"A285 UID THREAD REFERENCES US-ASCII ALL"});
  EXPECT_EQ(c.args_as<ThreadArgs>().algorithm, ThreadAlgorithm::references);
  EXPECT_TRUE(parse_error({"a THREAD FOO UTF-8 ALL"}).bad);
}

// ---- FETCH ----

std::vector<std::string> names_of(const FetchArgs& f) {
  std::vector<std::string> names;
  for (const FetchAttribute& a : f.attributes) names.push_back(fetch_response_name(a));
  return names;
}

TEST(ImapCommand, FetchRfc9051Examples) {
  Command c = parse_ok({"A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])"});
  const auto& f = c.args_as<FetchArgs>();
  EXPECT_EQ(f.set.str(), "2:4");
  EXPECT_EQ(names_of(f), (std::vector<std::string>{"FLAGS", "BODY[HEADER.FIELDS (DATE FROM)]"}));
  EXPECT_EQ(f.attributes[1].section.fields, (std::vector<std::string>{"DATE", "FROM"}));
  EXPECT_TRUE(sets_seen(f.attributes[1]));
  Command mixed = parse_ok({"a FETCH 1 BODY[header.fields (Date from)]"});
  EXPECT_EQ(fetch_response_name(mixed.args_as<FetchArgs>().attributes[0]), "BODY[HEADER.FIELDS (Date from)]");
  c = parse_ok({"a FETCH 1 body.peek[1.2.mime]<0.1024>"});
  const FetchAttribute& a = c.args_as<FetchArgs>().attributes[0];
  EXPECT_EQ(a.item, FetchItem::body_section);
  EXPECT_TRUE(a.peek);
  EXPECT_FALSE(sets_seen(a));
  EXPECT_EQ(a.section.part, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(a.section.text, BodySection::Text::mime);
  EXPECT_EQ(a.partial, (Partial{0, 1024}));
  EXPECT_EQ(fetch_response_name(a), "BODY[1.2.MIME]<0>");
}

TEST(ImapCommand, FetchMacros) {
  EXPECT_EQ(names_of(parse_ok({"a FETCH 1 ALL"}).args_as<FetchArgs>()),
            (std::vector<std::string>{"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"}));
  EXPECT_EQ(names_of(parse_ok({"a FETCH 1 fast"}).args_as<FetchArgs>()),
            (std::vector<std::string>{"FLAGS", "INTERNALDATE", "RFC822.SIZE"}));
  EXPECT_EQ(names_of(parse_ok({"a FETCH 1:* FULL"}).args_as<FetchArgs>()),
            (std::vector<std::string>{"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"}));
  EXPECT_TRUE(parse_error({"a FETCH 1 (ALL)"}).bad);  // macros only alone
  EXPECT_TRUE(parse_error({"a FETCH 1 (FAST FLAGS)"}).bad);
}

TEST(ImapCommand, FetchEveryAttribute) {
  Command c = parse_ok(
      {"a UID FETCH 1:* (ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT BODY "
       "BODYSTRUCTURE UID MODSEQ SAVEDATE EMAILID THREADID BODY[] BODY[TEXT]<10.20> BODY[1] BODY[1.2.3] "
       "BODY[3.HEADER] BODY[2.TEXT] BODY.PEEK[HEADER.FIELDS.NOT (Received \"X-Spam\")] BINARY[] "
       "BINARY.PEEK[1.2]<0.100> BINARY.SIZE[1] BINARY.SIZE[])"});
  EXPECT_TRUE(c.uid);
  EXPECT_EQ(names_of(c.args_as<FetchArgs>()),
            (std::vector<std::string>{"ENVELOPE", "FLAGS", "INTERNALDATE", "RFC822", "RFC822.HEADER",
                                      "RFC822.SIZE", "RFC822.TEXT", "BODY", "BODYSTRUCTURE", "UID", "MODSEQ",
                                      "SAVEDATE", "EMAILID", "THREADID", "BODY[]", "BODY[TEXT]<10>", "BODY[1]",
                                      "BODY[1.2.3]", "BODY[3.HEADER]", "BODY[2.TEXT]",
                                      "BODY[HEADER.FIELDS.NOT (Received X-Spam)]", "BINARY[]", "BINARY[1.2]<0>",
                                      "BINARY.SIZE[1]", "BINARY.SIZE[]"}));
  const auto& attrs = c.args_as<FetchArgs>().attributes;
  EXPECT_TRUE(sets_seen(attrs[3]));   // RFC822
  EXPECT_FALSE(sets_seen(attrs[4]));  // RFC822.HEADER
  EXPECT_TRUE(sets_seen(attrs[6]));   // RFC822.TEXT
  EXPECT_TRUE(sets_seen(attrs[21]));  // BINARY[]
  EXPECT_FALSE(sets_seen(attrs[22])); // BINARY.PEEK
  EXPECT_EQ(attrs[22].partial, (Partial{0, 100}));
}

TEST(ImapCommand, FetchErrors) {
  EXPECT_TRUE(parse_error({"a FETCH 1"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 FOO"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 ()"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 (FLAGS"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 BODY[MIME]"}).bad);  // MIME needs a part
  EXPECT_TRUE(parse_error({"a FETCH 1 BODY[0]"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 BODY[1."}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 BODY[HEADER.FIELDS]"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 BODY[HEADER.FIELDS ()]"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 BODY[FOO]"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 BODY[]<0>"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 BODY[]<0.0>"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 BODY[TEXT"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 BINARY[TEXT]"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 BINARY.SIZE[1]<0.1>"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 0 FLAGS"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1: FLAGS"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH a FLAGS"}).bad);
  EXPECT_TRUE(parse_error({"a FETCH 1 FLAGS (FOO)"}).bad);
}

TEST(ImapCommand, FetchCondstoreAndQresyncRfc7162Examples) {
  Command c = parse_ok({"s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)"});
  EXPECT_EQ(c.args_as<FetchArgs>().changedsince, 12345u);
  EXPECT_FALSE(c.args_as<FetchArgs>().vanished);
  c = parse_ok({"s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)"}, qresync_context());
  EXPECT_TRUE(c.args_as<FetchArgs>().vanished);
  c = parse_ok({"a FETCH 1:* FLAGS (CHANGEDSINCE 0)"});
  EXPECT_EQ(c.args_as<FetchArgs>().changedsince, 0u);
  // VANISHED: UID FETCH only, QRESYNC enabled, with CHANGEDSINCE.
  EXPECT_TRUE(parse_error({"s100 FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)"}, qresync_context()).bad);
  EXPECT_TRUE(parse_error({"s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)"}).bad);
  EXPECT_TRUE(parse_error({"s100 UID FETCH 300:500 (FLAGS) (VANISHED)"}, qresync_context()).bad);
}

// ---- STORE, COPY, MOVE, EXPUNGE ----

TEST(ImapCommand, Store) {
  Command c = parse_ok({"A003 STORE 2:4 +FLAGS (\\Deleted)"});
  const auto& s = c.args_as<StoreArgs>();
  EXPECT_EQ(s.mode, StoreMode::add);
  EXPECT_FALSE(s.silent);
  EXPECT_EQ(s.flags, (std::vector<std::string>{"\\Deleted"}));
  c = parse_ok({"a STORE 1 -FLAGS.SILENT \\seen $Forwarded"});
  EXPECT_EQ(c.args_as<StoreArgs>().mode, StoreMode::remove);
  EXPECT_TRUE(c.args_as<StoreArgs>().silent);
  EXPECT_EQ(c.args_as<StoreArgs>().flags, (std::vector<std::string>{"\\Seen", "$Forwarded"}));
  c = parse_ok({"a UID STORE 1:* FLAGS ()"});
  EXPECT_EQ(c.args_as<StoreArgs>().mode, StoreMode::replace);
  EXPECT_TRUE(c.args_as<StoreArgs>().flags.empty());
  // RFC 7162 3.1.3 example.
  c = parse_ok({"d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)"});
  EXPECT_EQ(c.args_as<StoreArgs>().unchangedsince, 320162338u);
  EXPECT_EQ(c.args_as<StoreArgs>().set.str(), "7,5,9");
  EXPECT_TRUE(parse_error({"a STORE 1 FLAGS"}).bad);
  EXPECT_TRUE(parse_error({"a STORE 1 +FLAG (\\Seen)"}).bad);
  EXPECT_TRUE(parse_error({"a STORE 1 FLAGS (\\Recent)"}).bad);
  EXPECT_TRUE(parse_error({"a STORE 1 FLAGS (\\*)"}).bad);
  EXPECT_TRUE(parse_error({"a STORE 1 (FOO 1) FLAGS (\\Seen)"}).bad);
  EXPECT_TRUE(parse_error({"a STORE 1 *FLAGS (\\Seen)"}).bad);
}

TEST(ImapCommand, CopyMoveExpunge) {
  Command c = parse_ok({"A003 COPY 2:4 MEETING"});
  EXPECT_EQ(c.args_as<CopyArgs>().set.str(), "2:4");
  EXPECT_EQ(c.args_as<CopyArgs>().mailbox, "MEETING");
  c = parse_ok({"a UID MOVE 42:69 foo"});
  EXPECT_EQ(c.kind, CommandKind::move);
  EXPECT_TRUE(c.uid);
  c = parse_ok({"a MOVE $ Trash"});
  EXPECT_TRUE(c.args_as<CopyArgs>().set.is_saved_result());
  c = parse_ok({"A003 UID EXPUNGE 3000:3002"});
  EXPECT_EQ(c.kind, CommandKind::expunge);
  EXPECT_EQ(c.args_as<ExpungeArgs>().uids.str(), "3000:3002");
  EXPECT_TRUE(parse_error({"a UID EXPUNGE"}).bad);
  EXPECT_TRUE(parse_error({"a COPY 1"}).bad);
}

// ---- Limits ----

TEST(ImapCommand, NestingLimit) {
  ParseLimits limits;
  limits.max_nesting = 3;
  parse_ok({"a SEARCH (((SEEN)))"}, {}, limits);
  ParseError e = parse_error({"a SEARCH ((((SEEN))))"}, {}, limits);
  EXPECT_TRUE(e.bad);
  EXPECT_EQ(e.limit, ExceededLimit::nesting);
  EXPECT_EQ(e.code, "LIMIT");
  // Deep nesting at the default limit.
  std::string deep = "a SEARCH " + std::string(100000, '(');
  EXPECT_EQ(parse_error({deep}).limit, ExceededLimit::nesting);
}

TEST(ImapCommand, SearchKeyLimit) {
  ParseLimits limits;
  limits.max_search_keys = 10;
  std::string line = "a SEARCH";
  for (int i = 0; i < 10; ++i) line += " SEEN";
  parse_ok({line}, {}, limits);
  EXPECT_EQ(parse_error({line + " SEEN"}, {}, limits).limit, ExceededLimit::search_keys);
  // NOT NOT NOT ... counts every node, bounding recursion.
  std::string nots = "a SEARCH";
  for (int i = 0; i < 5000; ++i) nots += " NOT";
  EXPECT_EQ(parse_error({nots + " SEEN"}).limit, ExceededLimit::search_keys);
}

TEST(ImapCommand, SequenceRangeLimit) {
  ParseLimits limits;
  limits.max_sequence_ranges = 3;
  parse_ok({"a FETCH 1,2,3 FLAGS"}, {}, limits);
  ParseError e = parse_error({"a FETCH 1,2,3,4 FLAGS"}, {}, limits);
  EXPECT_EQ(e.limit, ExceededLimit::sequence_ranges);
  EXPECT_EQ(e.tag, "a");
}

TEST(ImapCommand, StringAndCommandLimits) {
  ParseLimits limits;
  limits.max_string_bytes = 8;
  parse_ok({"a LOGIN 12345678 \"12345678\""}, {}, limits);
  EXPECT_EQ(parse_error({"a LOGIN 123456789 x"}, {}, limits).limit, ExceededLimit::string_bytes);
  EXPECT_EQ(parse_error({"a LOGIN \"123456789\" x"}, {}, limits).limit, ExceededLimit::string_bytes);
  ParseError e = parse_error({"a LOGIN {9}", "123456789", " x"}, {}, limits);
  EXPECT_EQ(e.limit, ExceededLimit::string_bytes);
  EXPECT_EQ(e.code, "TOOBIG");
  // APPEND message literals are not strings.
  parse_ok({"a APPEND INBOX {20}", std::string(20, 'm'), ""}, {}, limits);

  ParseLimits total;
  total.max_command_bytes = 40;
  parse_ok({"a APPEND INBOX {100}", std::string(100, 'm'), ""}, {}, total);
  EXPECT_EQ(parse_error({"a LOGIN {30}", std::string(30, 'u'), " {30}", std::string(30, 'p'), ""}, {}, total).limit,
            ExceededLimit::command_bytes);
  EXPECT_EQ(parse_error({"a SEARCH " + std::string(40, '1')}, {}, total).limit, ExceededLimit::command_bytes);
}

TEST(ImapCommand, ListItemLimit) {
  ParseLimits limits;
  limits.max_list_items = 2;
  parse_ok({"a STORE 1 FLAGS (a b)"}, {}, limits);
  EXPECT_EQ(parse_error({"a STORE 1 FLAGS (a b c)"}, {}, limits).limit, ExceededLimit::list_items);
  EXPECT_EQ(parse_error({"a STORE 1 FLAGS a b c"}, {}, limits).limit, ExceededLimit::list_items);
  EXPECT_EQ(parse_error({"a FETCH 1 (FLAGS UID ENVELOPE)"}, {}, limits).limit, ExceededLimit::list_items);
  EXPECT_EQ(parse_error({"a ENABLE A B C"}, {}, limits).limit, ExceededLimit::list_items);
  EXPECT_EQ(parse_error({"a APPEND x {1}", "a", " {1}", "b", " {1}", "c", ""}, {}, limits).limit,
            ExceededLimit::list_items);
}

TEST(ImapCommand, MalformedFraming) {
  // Segments must alternate line / literal and end with a line.
  CommandText text;
  text.add_line("a LOGIN {1}");
  text.add_literal("x");
  auto result = parse_command(text);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().bad);
  CommandText empty;
  EXPECT_FALSE(parse_command(empty).ok());
  // Announcement garbage is not a literal.
  EXPECT_TRUE(parse_error({"a LOGIN {x}"}).bad);
  EXPECT_TRUE(parse_error({"a LOGIN {1}x", "y", ""}).bad);
  EXPECT_TRUE(parse_error({"a LOGIN {99999999999999999999999}"}).bad);
  EXPECT_TRUE(parse_error({"a LOGIN a {-1}"}).bad);
}

}  // namespace
}  // namespace postino::imap
