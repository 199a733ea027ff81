// Tests for smtp_command: every command form, case-insensitivity, every error
// class with its reply code, paths (null, Postmaster, source routes), SMTPUTF8.
#include "smtp_proto/smtp_command.hpp"

#include <gtest/gtest.h>

using namespace postino;
using namespace postino::smtp;

namespace {

SmtpCommand parse_ok(std::string_view line, const ParseOptions& options = {}) {
  auto result = parse_command(line, options);
  EXPECT_TRUE(result.ok()) << "line: " << line << " error: " << (result.ok() ? "" : result.error().text);
  if (!result.ok()) return SmtpCommand{Verb::noop, TextArgs{}};
  return std::move(result).value();
}

void expect_error(std::string_view line, CommandErrorKind kind, std::uint16_t code, std::string_view enhanced,
                  const ParseOptions& options = {}) {
  auto result = parse_command(line, options);
  ASSERT_FALSE(result.ok()) << "line accepted: " << line;
  EXPECT_EQ(result.error().kind, kind) << line << " -> " << command_error_kind_name(result.error().kind);
  EXPECT_EQ(result.error().code, code) << line;
  EXPECT_EQ(result.error().enhanced, enhanced) << line;
  EXPECT_FALSE(result.error().text.empty());
}

}  // namespace

TEST(SmtpCommand, HelloForms) {
  auto c = parse_ok("EHLO mail.example.test");
  EXPECT_EQ(c.verb, Verb::ehlo);
  EXPECT_EQ(c.args_as<HelloArgs>().raw, "mail.example.test");
  EXPECT_EQ(c.args_as<HelloArgs>().form, HeloForm::domain);

  c = parse_ok("helo [192.0.2.1]");
  EXPECT_EQ(c.verb, Verb::helo);
  EXPECT_EQ(c.args_as<HelloArgs>().form, HeloForm::ipv4_literal);
  EXPECT_EQ(c.args_as<HelloArgs>().raw, "[192.0.2.1]");

  c = parse_ok("EHLO [IPv6:2001:db8::1]");
  EXPECT_EQ(c.args_as<HelloArgs>().form, HeloForm::ipv6_literal);
  EXPECT_EQ(parse_ok("EHLO [ipv6:::1]").args_as<HelloArgs>().form, HeloForm::ipv6_literal);
  EXPECT_EQ(parse_ok("EHLO [300.1.1.1]").args_as<HelloArgs>().form, HeloForm::other);
  EXPECT_EQ(parse_ok("EHLO [IPv6:zz]").args_as<HelloArgs>().form, HeloForm::other);
  EXPECT_EQ(parse_ok("EHLO localhost").args_as<HelloArgs>().form, HeloForm::domain);
  EXPECT_EQ(parse_ok("EHLO bad_name!").args_as<HelloArgs>().form, HeloForm::other);
  c = parse_ok("EHLO two words  ");
  EXPECT_EQ(c.args_as<HelloArgs>().raw, "two words");
  EXPECT_EQ(c.args_as<HelloArgs>().form, HeloForm::other);

  expect_error("EHLO", CommandErrorKind::bad_arguments, 501, "5.5.4");
  expect_error("HELO ", CommandErrorKind::bad_arguments, 501, "5.5.4");
}

TEST(SmtpCommand, LhloOnlyInLmtp) {
  ParseOptions lmtp{.lmtp = true};
  auto c = parse_ok("LHLO client.example.test", lmtp);
  EXPECT_EQ(c.verb, Verb::lhlo);
  EXPECT_EQ(c.args_as<HelloArgs>().raw, "client.example.test");
  expect_error("EHLO client.example.test", CommandErrorKind::unknown_command, 500, "5.5.1", lmtp);
  expect_error("HELO client.example.test", CommandErrorKind::unknown_command, 500, "5.5.1", lmtp);
  expect_error("LHLO client.example.test", CommandErrorKind::unknown_command, 500, "5.5.1");
  EXPECT_EQ(parse_ok("MAIL FROM:<a@example.test>", lmtp).verb, Verb::mail);
}

TEST(SmtpCommand, VerbsAreCaseInsensitive) {
  for (const char* line : {"data", "DATA", "Data", "dAtA"}) EXPECT_EQ(parse_ok(line).verb, Verb::data);
  EXPECT_EQ(parse_ok("mail from:<a@example.test>").verb, Verb::mail);
  EXPECT_EQ(parse_ok("Rcpt To:<a@example.test>").verb, Verb::rcpt);
  EXPECT_EQ(parse_ok("StartTLS").verb, Verb::starttls);
  EXPECT_EQ(parse_ok("bdat 10 last").args_as<BdatArgs>().last, true);
}

TEST(SmtpCommand, SimpleCommands) {
  EXPECT_EQ(parse_ok("DATA").verb, Verb::data);
  EXPECT_EQ(parse_ok("RSET").verb, Verb::rset);
  EXPECT_EQ(parse_ok("QUIT").verb, Verb::quit);
  EXPECT_EQ(parse_ok("STARTTLS").verb, Verb::starttls);
  EXPECT_EQ(parse_ok("DATA ").verb, Verb::data);  // trailing space tolerated
  EXPECT_EQ(parse_ok("NOOP").args_as<TextArgs>().text, "");
  EXPECT_EQ(parse_ok("NOOP hello there").args_as<TextArgs>().text, "hello there");
  EXPECT_EQ(parse_ok("HELP").args_as<TextArgs>().text, "");
  EXPECT_EQ(parse_ok("HELP MAIL").args_as<TextArgs>().text, "MAIL");
  auto v = parse_ok("VRFY postmaster");
  EXPECT_EQ(v.verb, Verb::vrfy);
  EXPECT_EQ(v.args_as<TextArgs>().text, "postmaster");
  EXPECT_EQ(parse_ok("EXPN staff").args_as<TextArgs>().text, "staff");

  for (const char* line : {"DATA x", "RSET now", "QUIT please", "STARTTLS x", "VRFY", "EXPN "}) {
    expect_error(line, CommandErrorKind::bad_arguments, 501, "5.5.4");
  }
}

TEST(SmtpCommand, Bdat) {
  auto c = parse_ok("BDAT 1000");
  EXPECT_EQ(c.args_as<BdatArgs>().size_bytes, 1000u);
  EXPECT_FALSE(c.args_as<BdatArgs>().last);
  c = parse_ok("BDAT 0 LAST");
  EXPECT_EQ(c.args_as<BdatArgs>().size_bytes, 0u);
  EXPECT_TRUE(c.args_as<BdatArgs>().last);
  EXPECT_EQ(parse_ok("BDAT 18446744073709551615").args_as<BdatArgs>().size_bytes, UINT64_MAX);
  for (const char* line : {"BDAT", "BDAT x", "BDAT -1", "BDAT 10 FIRST", "BDAT 10 LAST x",
                           "BDAT 18446744073709551616", "BDAT 123456789012345678901"}) {
    expect_error(line, CommandErrorKind::bad_arguments, 501, "5.5.4");
  }
}

TEST(SmtpCommand, Auth) {
  auto c = parse_ok("AUTH plain");
  EXPECT_EQ(c.args_as<AuthArgs>().mechanism, "PLAIN");
  EXPECT_FALSE(c.args_as<AuthArgs>().initial_response);
  c = parse_ok("AUTH PLAIN AHVzZXIAcGFzcw==");
  EXPECT_EQ(*c.args_as<AuthArgs>().initial_response, "AHVzZXIAcGFzcw==");
  EXPECT_EQ(*parse_ok("AUTH EXTERNAL =").args_as<AuthArgs>().initial_response, "=");
  EXPECT_EQ(parse_ok("AUTH SCRAM-SHA-256-PLUS").args_as<AuthArgs>().mechanism, "SCRAM-SHA-256-PLUS");
  expect_error("AUTH", CommandErrorKind::bad_arguments, 501, "5.5.4");
  expect_error("AUTH PL@IN", CommandErrorKind::bad_arguments, 501, "5.5.4");
  expect_error("AUTH ABCDEFGHIJKLMNOPQRSTU", CommandErrorKind::bad_arguments, 501, "5.5.4");  // 21 chars
  expect_error("AUTH PLAIN not*base64", CommandErrorKind::bad_arguments, 501, "5.5.2");
  expect_error("AUTH PLAIN abc", CommandErrorKind::bad_arguments, 501, "5.5.2");
  expect_error("AUTH PLAIN ab=c", CommandErrorKind::bad_arguments, 501, "5.5.2");
  expect_error("AUTH PLAIN AAAA BBBB", CommandErrorKind::bad_arguments, 501, "5.5.2");
}

TEST(SmtpCommand, AuthLineMayBeLongerThanOtherLines) {
  std::string response(8000, 'A');
  EXPECT_TRUE(parse_command("AUTH PLAIN " + response).ok());
  auto too_long = parse_command("AUTH PLAIN " + std::string(kDefaultMaxAuthLineBytes, 'A'));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().kind, CommandErrorKind::line_too_long);
}

TEST(SmtpCommand, UnknownAndMalformedLines) {
  expect_error("FOO", CommandErrorKind::unknown_command, 500, "5.5.1");
  expect_error("MAILFROM:<a@example.test>", CommandErrorKind::unknown_command, 500, "5.5.1");
  expect_error("TURN", CommandErrorKind::unknown_command, 500, "5.5.1");
  expect_error("GET / HTTP/1.1", CommandErrorKind::unknown_command, 500, "5.5.1");
  expect_error("", CommandErrorKind::bad_syntax, 500, "5.5.2");
  expect_error("   ", CommandErrorKind::bad_syntax, 500, "5.5.2");
  expect_error(std::string_view("DATA\0", 5), CommandErrorKind::bad_syntax, 500, "5.5.2");
  expect_error("RSET\rQUIT", CommandErrorKind::bad_syntax, 500, "5.5.2");
  expect_error("RSET\nQUIT", CommandErrorKind::bad_syntax, 500, "5.5.2");
}

TEST(SmtpCommand, LongLines) {
  std::string ok = "NOOP " + std::string(kDefaultMaxLineBytes - 5, 'x');
  ASSERT_EQ(ok.size(), kDefaultMaxLineBytes);
  EXPECT_TRUE(parse_command(ok).ok());
  expect_error(ok + "x", CommandErrorKind::line_too_long, 500, "5.5.2");
  expect_error(std::string(100000, 'A'), CommandErrorKind::line_too_long, 500, "5.5.2");
  ParseOptions tight{.max_line_bytes = 512};
  expect_error("NOOP " + std::string(508, 'x'), CommandErrorKind::line_too_long, 500, "5.5.2", tight);
  EXPECT_EQ(line_too_long_error().code, 500);
  EXPECT_EQ(line_too_long_error().enhanced, "5.5.2");
}

TEST(SmtpCommand, MailPaths) {
  auto c = parse_ok("MAIL FROM:<John.Doe@Example.TEST>");
  const auto& mail = c.args_as<MailArgs>();
  EXPECT_EQ(mail.reverse_path.kind, PathKind::mailbox);
  EXPECT_EQ(mail.reverse_path.address.local, "John.Doe");
  EXPECT_EQ(mail.reverse_path.address.domain, "example.test");
  EXPECT_EQ(mail.params, MailParams{});

  auto null = parse_ok("MAIL FROM:<>");
  EXPECT_EQ(null.args_as<MailArgs>().reverse_path.kind, PathKind::null_path);
  EXPECT_EQ(null.args_as<MailArgs>().reverse_path.str(), "<>");

  // A space after the colon, as Postfix tolerates.
  EXPECT_EQ(parse_ok("MAIL FROM: <a@example.test>").args_as<MailArgs>().reverse_path.address.local, "a");
  EXPECT_EQ(parse_ok("MAIL FROM: <>").args_as<MailArgs>().reverse_path.kind, PathKind::null_path);
  EXPECT_EQ(parse_ok("MAIL  FROM:<a@example.test>  SIZE=10  ").args_as<MailArgs>().params.size_bytes, 10u);

  auto quoted = parse_ok("MAIL FROM:<\"john doe>\"@example.test>");
  EXPECT_EQ(quoted.args_as<MailArgs>().reverse_path.address.local, "john doe>");
  EXPECT_EQ(quoted.args_as<MailArgs>().reverse_path.str(), "<\"john doe>\"@example.test>");

  auto routed = parse_ok("MAIL FROM:<@relay1.test,@relay2.test:user@example.test>");
  EXPECT_EQ(routed.args_as<MailArgs>().reverse_path.address.str(), "user@example.test");
}

TEST(SmtpCommand, MailPathErrors) {
  for (const char* line :
       {"MAIL FROM:", "MAIL FROM:a@example.test", "MAIL FROM:<a@example.test", "MAIL FROM:<a@example.test>x",
        "MAIL FROM:<postmaster>", "MAIL FROM:<a@>", "MAIL FROM:<@example.test>", "MAIL FROM:<a..b@example.test>",
        "MAIL FROM:<a@[192.0.2.1]>", "MAIL FROM:<@relay.test:>", "MAIL FROM:<@relay.test,user@example.test>",
        "MAIL FROM:<@:user@example.test>", "MAIL FROM:<@bad_relay!:user@example.test>", "MAIL FROM:<<>>",
        "MAIL FROM:<\"unterminated@example.test>"}) {
    expect_error(line, CommandErrorKind::bad_sender_address, 501, "5.1.7");
  }
  expect_error("MAIL", CommandErrorKind::bad_arguments, 501, "5.5.4");
  expect_error("MAIL TO:<a@example.test>", CommandErrorKind::bad_arguments, 501, "5.5.4");
  expect_error("MAIL <a@example.test>", CommandErrorKind::bad_arguments, 501, "5.5.4");
}

TEST(SmtpCommand, RcptPaths) {
  auto c = parse_ok("RCPT TO:<user@example.test>");
  EXPECT_EQ(c.args_as<RcptArgs>().forward_path.address.str(), "user@example.test");
  EXPECT_EQ(c.args_as<RcptArgs>().params, RcptParams{});

  for (const char* line : {"RCPT TO:<Postmaster>", "RCPT TO:<postmaster>", "RCPT TO:<POSTMASTER>"}) {
    auto p = parse_ok(line);
    EXPECT_EQ(p.args_as<RcptArgs>().forward_path.kind, PathKind::postmaster) << line;
  }
  EXPECT_EQ(parse_ok("RCPT TO:<PostMaster>").args_as<RcptArgs>().forward_path.str(), "<PostMaster>");
  EXPECT_EQ(parse_ok("RCPT TO:<postmaster@example.test>").args_as<RcptArgs>().forward_path.kind, PathKind::mailbox);
  EXPECT_EQ(parse_ok("RCPT TO: <user@example.test>").args_as<RcptArgs>().forward_path.address.local, "user");
  EXPECT_EQ(parse_ok("RCPT TO:<@hop.test:user@example.test>").args_as<RcptArgs>().forward_path.address.str(),
            "user@example.test");

  for (const char* line : {"RCPT TO:<>", "RCPT TO:user@example.test", "RCPT TO:<user>", "RCPT TO:<user@example>",
                           "RCPT TO:<postmaster2>", "RCPT TO:<a b@example.test>"}) {
    expect_error(line, CommandErrorKind::bad_recipient_address, 501, "5.1.3");
  }
  expect_error("RCPT FROM:<a@example.test>", CommandErrorKind::bad_arguments, 501, "5.5.4");
}

TEST(SmtpCommand, MailParameters) {
  auto c = parse_ok(
      "MAIL FROM:<a@example.test> SIZE=12345 BODY=8BITMIME RET=HDRS ENVID=QQ+2B314159 AUTH=e+3Dmc2@example.test");
  const auto& p = c.args_as<MailArgs>().params;
  EXPECT_EQ(p.size_bytes, 12345u);
  EXPECT_EQ(p.body, BodyType::eight_bit_mime);
  EXPECT_EQ(p.ret, DsnReturn::headers);
  EXPECT_EQ(p.envid, "QQ+314159");
  EXPECT_EQ(p.auth, "e=mc2@example.test");
  EXPECT_FALSE(p.smtputf8);

  auto lower = parse_ok("MAIL FROM:<a@example.test> size=1 body=7bit ret=full auth=<>");
  EXPECT_EQ(lower.args_as<MailArgs>().params.body, BodyType::seven_bit);
  EXPECT_EQ(lower.args_as<MailArgs>().params.ret, DsnReturn::full);
  EXPECT_EQ(lower.args_as<MailArgs>().params.auth, "<>");
  EXPECT_EQ(parse_ok("MAIL FROM:<> BODY=BINARYMIME").args_as<MailArgs>().params.body, BodyType::binary_mime);

  for (const char* line :
       {"MAIL FROM:<> SIZE=", "MAIL FROM:<> SIZE", "MAIL FROM:<> SIZE=12a", "MAIL FROM:<> SIZE=-1",
        "MAIL FROM:<> SIZE=18446744073709551616", "MAIL FROM:<> BODY=9BIT", "MAIL FROM:<> BODY",
        "MAIL FROM:<> RET=ALL", "MAIL FROM:<> ENVID=a+2", "MAIL FROM:<> ENVID=a+2b", "MAIL FROM:<> ENVID=a+00",
        "MAIL FROM:<> SMTPUTF8=yes", "MAIL FROM:<> SIZE=1 SIZE=2", "MAIL FROM:<> size=1 SIZE=1",
        "MAIL FROM:<> AUTH=", "MAIL FROM:<> AUTH=a+ZZ", "MAIL FROM:<> =x", "MAIL FROM:<> -X=1",
        "MAIL FROM:<> SIZE==1", "MAIL FROM:<> SIZE=1=2"}) {
    expect_error(line, CommandErrorKind::bad_arguments, 501, "5.5.4");
  }
  expect_error("MAIL FROM:<> ENVID=" + std::string(101, 'x'), CommandErrorKind::bad_arguments, 501, "5.5.4");
  EXPECT_TRUE(parse_command("MAIL FROM:<> ENVID=" + std::string(100, 'x')).ok());

  std::string many = "MAIL FROM:<>";
  for (int i = 0; i < 17; ++i) many += " X" + std::to_string(i) + "=1";
  expect_error(many, CommandErrorKind::bad_arguments, 501, "5.5.4");
}

TEST(SmtpCommand, UnrecognizedParameters) {
  expect_error("MAIL FROM:<> FOO=BAR", CommandErrorKind::unrecognized_parameter, 555, "5.5.4");
  expect_error("MAIL FROM:<> NOTIFY=NEVER", CommandErrorKind::unrecognized_parameter, 555, "5.5.4");
  expect_error("RCPT TO:<a@example.test> SIZE=1", CommandErrorKind::unrecognized_parameter, 555, "5.5.4");
  expect_error("RCPT TO:<a@example.test> X-FOO", CommandErrorKind::unrecognized_parameter, 555, "5.5.4");

  // Parameters of extensions the server did not advertise (or after HELO).
  ParseOptions helo{.extensions = {false, false, false, false, false, false}};
  expect_error("MAIL FROM:<> SIZE=1", CommandErrorKind::unrecognized_parameter, 555, "5.5.4", helo);
  expect_error("MAIL FROM:<> BODY=8BITMIME", CommandErrorKind::unrecognized_parameter, 555, "5.5.4", helo);
  expect_error("MAIL FROM:<> SMTPUTF8", CommandErrorKind::unrecognized_parameter, 555, "5.5.4", helo);
  expect_error("MAIL FROM:<> RET=FULL", CommandErrorKind::unrecognized_parameter, 555, "5.5.4", helo);
  expect_error("MAIL FROM:<> ENVID=x", CommandErrorKind::unrecognized_parameter, 555, "5.5.4", helo);
  expect_error("MAIL FROM:<> AUTH=<>", CommandErrorKind::unrecognized_parameter, 555, "5.5.4", helo);
  expect_error("RCPT TO:<a@example.test> NOTIFY=NEVER", CommandErrorKind::unrecognized_parameter, 555, "5.5.4",
               helo);
  EXPECT_TRUE(parse_command("MAIL FROM:<a@example.test>", helo).ok());

  ParseOptions no_binary;
  no_binary.extensions.binary_mime = false;
  expect_error("MAIL FROM:<> BODY=BINARYMIME", CommandErrorKind::bad_arguments, 501, "5.5.4", no_binary);
}

TEST(SmtpCommand, RcptDsnParameters) {
  auto c = parse_ok("RCPT TO:<a@example.test> NOTIFY=SUCCESS,failure,DELAY ORCPT=rfc822;a+2Bb@example.test");
  const auto& p = c.args_as<RcptArgs>().params;
  ASSERT_TRUE(p.notify);
  EXPECT_EQ(*p.notify, (DsnNotify{false, true, true, true}));
  ASSERT_TRUE(p.orcpt);
  EXPECT_EQ(p.orcpt->addr_type, "rfc822");
  EXPECT_EQ(p.orcpt->address, "a+b@example.test");
  EXPECT_EQ(*parse_ok("RCPT TO:<a@example.test> NOTIFY=never").args_as<RcptArgs>().params.notify,
            (DsnNotify{true, false, false, false}));
  EXPECT_EQ(parse_ok("RCPT TO:<a@example.test> ORCPT=RFC822;x@y.test").args_as<RcptArgs>().params.orcpt->addr_type,
            "rfc822");

  for (const char* line :
       {"RCPT TO:<a@example.test> NOTIFY=", "RCPT TO:<a@example.test> NOTIFY=NEVER,DELAY",
        "RCPT TO:<a@example.test> NOTIFY=SOMETIMES", "RCPT TO:<a@example.test> NOTIFY=SUCCESS,",
        "RCPT TO:<a@example.test> ORCPT=rfc822", "RCPT TO:<a@example.test> ORCPT=;a@b.test",
        "RCPT TO:<a@example.test> ORCPT=rfc822;", "RCPT TO:<a@example.test> ORCPT=rfc822;a+4",
        "RCPT TO:<a@example.test> ORCPT=rfc_822;a@b.test"}) {
    expect_error(line, CommandErrorKind::bad_arguments, 501, "5.5.4");
  }
  expect_error("RCPT TO:<a@example.test> ORCPT=rfc822;" + std::string(500, 'x'), CommandErrorKind::bad_arguments,
               501, "5.5.4");
}

TEST(SmtpCommand, Smtputf8Gating) {
  // RFC 6531: a non-ASCII address needs MAIL ... SMTPUTF8 (553 5.6.7 otherwise).
  expect_error("MAIL FROM:<andré@example.test>", CommandErrorKind::utf8_not_permitted, 553, "5.6.7");
  expect_error("MAIL FROM:<a@exämple.test>", CommandErrorKind::utf8_not_permitted, 553, "5.6.7");
  auto c = parse_ok("MAIL FROM:<andré@exämple.test> SMTPUTF8");
  EXPECT_TRUE(c.args_as<MailArgs>().params.smtputf8);
  EXPECT_TRUE(c.args_as<MailArgs>().reverse_path.utf8);
  EXPECT_EQ(c.args_as<MailArgs>().reverse_path.address.local, "andré");
  EXPECT_TRUE(parse_ok("MAIL FROM:<a@example.test> smtputf8").args_as<MailArgs>().params.smtputf8);
  EXPECT_FALSE(parse_ok("MAIL FROM:<a@example.test> SMTPUTF8").args_as<MailArgs>().reverse_path.utf8);
  // With SMTPUTF8, malformed UTF-8 is still a syntax error.
  expect_error("MAIL FROM:<a\xff@example.test> SMTPUTF8", CommandErrorKind::bad_sender_address, 501, "5.1.7");

  expect_error("RCPT TO:<josé@example.test>", CommandErrorKind::utf8_not_permitted, 553, "5.6.7");
  ParseOptions utf8{.utf8_transaction = true};
  auto r = parse_ok("RCPT TO:<josé@example.test>", utf8);
  EXPECT_TRUE(r.args_as<RcptArgs>().forward_path.utf8);
  auto orcpt = parse_ok("RCPT TO:<josé@example.test> ORCPT=utf-8;josé@example.test", utf8);
  EXPECT_EQ(orcpt.args_as<RcptArgs>().params.orcpt->address, "josé@example.test");
  expect_error("RCPT TO:<a@example.test> ORCPT=rfc822;josé@example.test", CommandErrorKind::bad_arguments, 501,
               "5.5.4", utf8);
  expect_error("RCPT TO:<a@example.test> ORCPT=utf-8;josé@example.test", CommandErrorKind::bad_arguments, 501,
               "5.5.4");
}

TEST(SmtpCommand, CommandTableAndPipelining) {
  EXPECT_EQ(command_table().size(), 15u);
  for (const auto& info : command_table()) EXPECT_EQ(&command_info(info.verb), &info);
  for (const char* line : {"EHLO a.test", "HELO a.test", "DATA", "QUIT", "NOOP", "STARTTLS", "AUTH PLAIN",
                           "VRFY x", "EXPN x", "BDAT 1 LAST"}) {
    EXPECT_TRUE(ends_pipeline_group(parse_ok(line))) << line;
  }
  for (const char* line : {"MAIL FROM:<>", "RCPT TO:<a@b.test>", "RSET", "BDAT 1", "HELP"}) {
    EXPECT_FALSE(ends_pipeline_group(parse_ok(line))) << line;
  }
  EXPECT_TRUE(ends_pipeline_group(parse_ok("LHLO a.test", {.lmtp = true})));
  EXPECT_EQ(command_info(Verb::starttls).name, "STARTTLS");
  EXPECT_FALSE(command_info(Verb::lhlo).smtp);
  EXPECT_TRUE(command_info(Verb::lhlo).lmtp);
}
