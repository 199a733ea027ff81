// Modified UTF-7 vectors (RFC 3501 5.1.3 and invalid encodings), UTF-8
// validation, INBOX normalisation, mailbox name rules, LIST patterns.
#include "imap_proto/mailbox_name.hpp"

#include <gtest/gtest.h>

#include "imap_proto/list_pattern.hpp"

namespace postino::imap {
namespace {

struct Vector {
  const char* wire;
  const char* utf8;
};

TEST(ModifiedUtf7, Vectors) {
  const Vector vectors[] = {
      {"INBOX", "INBOX"},
      {"&-", "&"},
      {"A&-B", "A&B"},
      {"&Jjo-!", "\xe2\x98\xba!"},                                 // U+263A
      {"Entw&APw-rfe", "Entw\xc3\xbcrfe"},                         // U+00FC
      {"~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},
      {"&2D3eAQ-", "\xf0\x9f\x98\x81"},                            // U+1F601 as a surrogate pair
      {"&AOQA9gD8-", "\xc3\xa4\xc3\xb6\xc3\xbc"},
      {"Hi &AB8-", "Hi \x1f"},                                     // control chars are encoded
      {"", ""},
  };
  for (const Vector& v : vectors) {
    auto decoded = decode_mutf7(v.wire);
    ASSERT_TRUE(decoded.ok()) << v.wire << ": " << decoded.error().message;
    EXPECT_EQ(*decoded, v.utf8) << v.wire;
    auto encoded = encode_mutf7(v.utf8);
    ASSERT_TRUE(encoded.ok()) << v.wire;
    EXPECT_EQ(*encoded, v.wire);
  }
}

TEST(ModifiedUtf7, InvalidEncodingsRejected) {
  const char* invalid[] = {
      "&Jjo",          // unterminated
      "&Jjo!",         // '!' inside a run
      "&U,BTFw-&ZeVnLIqe-",  // adjacent runs must be one
      "&AGE-",         // 'a' encoded: printable ASCII must be direct
      "&ACY-",         // '&' encoded
      "&Jj-",          // truncated UTF-16 unit (12 bits)
      "&Jjp-",         // non-zero padding bits
      "&JjoA-",        // excess padding character
      "&2D0-",         // lone high surrogate
      "&3gE-",         // lone low surrogate
      "&2D3YPQ-",      // high surrogate followed by a high surrogate
      "&Jj/-",         // '/' is not in the modified alphabet
      "&-&",           // trailing '&'
      "\xc3\xa4",      // 8-bit
      "a\tb",          // control character
      "&=-",
  };
  for (const char* wire : invalid) EXPECT_FALSE(decode_mutf7(wire).ok()) << wire;
}

TEST(ModifiedUtf7, EncodeRejectsInvalidUtf8) {
  EXPECT_FALSE(encode_mutf7("\xff").ok());
  EXPECT_FALSE(encode_mutf7("\xc0\x80").ok());          // overlong NUL
  EXPECT_FALSE(encode_mutf7("\xed\xa0\x80").ok());      // surrogate
  EXPECT_FALSE(encode_mutf7("\xf4\x90\x80\x80").ok());  // > U+10FFFF
  EXPECT_FALSE(encode_mutf7("\xe2\x98").ok());          // truncated
  EXPECT_TRUE(is_valid_utf8("Entw\xc3\xbcrfe"));
  EXPECT_FALSE(is_valid_utf8("\x80"));
}

TEST(MailboxName, NormalizeInbox) {
  EXPECT_EQ(normalize_inbox("inbox"), "INBOX");
  EXPECT_EQ(normalize_inbox("InBoX/Sent"), "INBOX/Sent");
  EXPECT_EQ(normalize_inbox("inboxes"), "inboxes");
  EXPECT_EQ(normalize_inbox("Archive/inbox"), "Archive/inbox");
  EXPECT_EQ(normalize_inbox(""), "");
}

TEST(MailboxName, Validation) {
  EXPECT_TRUE(validate_mailbox_name("Archive/2024/Q1").ok());
  EXPECT_TRUE(validate_mailbox_name("Entw\xc3\xbcrfe").ok());
  EXPECT_TRUE(validate_mailbox_name("a.b..c").ok());
  for (std::string_view bad : {"", "/Archive", "Archive/", "a//b", "a/../b", "..", "a/.", "a\x01" "b", "a\x7f",
                               "a\xc2\x85" "b", "a*b", "a%", "\xff"}) {
    EXPECT_FALSE(validate_mailbox_name(bad).ok()) << bad;
  }
  MailboxNameLimits limits;
  limits.max_bytes = 5;
  limits.max_levels = 2;
  EXPECT_TRUE(validate_mailbox_name("a/b", limits).ok());
  EXPECT_FALSE(validate_mailbox_name("abcdef", limits).ok());
  EXPECT_FALSE(validate_mailbox_name("a/b/c", limits).ok());
}

TEST(ListPattern, Matching) {
  EXPECT_TRUE(list_pattern_matches("*", "INBOX"));
  EXPECT_TRUE(list_pattern_matches("*", "a/b/c"));
  EXPECT_TRUE(list_pattern_matches("%", "Archive"));
  EXPECT_FALSE(list_pattern_matches("%", "Archive/2024"));
  EXPECT_TRUE(list_pattern_matches("Archive/%", "Archive/2024"));
  EXPECT_FALSE(list_pattern_matches("Archive/%", "Archive/2024/Q1"));
  EXPECT_TRUE(list_pattern_matches("Archive/*", "Archive/2024/Q1"));
  EXPECT_FALSE(list_pattern_matches("Archive/*", "Archive"));
  EXPECT_TRUE(list_pattern_matches("Arch*", "Archive"));
  EXPECT_TRUE(list_pattern_matches("A%e", "Archive"));
  EXPECT_TRUE(list_pattern_matches("%/%", "a/b"));
  EXPECT_FALSE(list_pattern_matches("%/%", "a/b/c"));
  EXPECT_TRUE(list_pattern_matches("*/c", "a/b/c"));
  EXPECT_TRUE(list_pattern_matches("", ""));
  EXPECT_FALSE(list_pattern_matches("", "a"));
  EXPECT_FALSE(list_pattern_matches("archive", "Archive"));  // case-sensitive except INBOX
  // INBOX is case-insensitive.
  EXPECT_TRUE(list_pattern_matches("inbox", "INBOX"));
  EXPECT_TRUE(list_pattern_matches("Inb*", "INBOX"));
  EXPECT_TRUE(list_pattern_matches("inbox/%", "INBOX/Sent"));
  EXPECT_FALSE(list_pattern_matches("inbox/sent", "INBOX/Sent"));
  EXPECT_TRUE(list_pattern_matches("\xe2\x98\xba%", "\xe2\x98\xba!"));
}

TEST(ListPattern, ManyWildcardsStayCheap) {
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "*a";
  std::string name(500, 'a');
  name += 'b';
  EXPECT_FALSE(list_pattern_matches(pattern + "c", name));  // would be exponential with naive backtracking
  EXPECT_TRUE(list_pattern_matches(pattern + "*", name));
}

TEST(ListPattern, ChildrenAndReference) {
  EXPECT_TRUE(list_pattern_may_match_children("Archive/%", "Archive"));
  EXPECT_FALSE(list_pattern_may_match_children("%", "Archive"));
  EXPECT_TRUE(list_pattern_may_match_children("*", "Archive"));
  EXPECT_FALSE(list_pattern_may_match_children("Other/*", "Archive"));
  EXPECT_TRUE(list_pattern_may_match_children("inbox/%", "INBOX"));
  EXPECT_EQ(list_join_reference("", "*"), "*");
  EXPECT_EQ(list_join_reference("Archive/", "%"), "Archive/%");
  EXPECT_EQ(list_join_reference("Archive", "/%"), "Archive/%");
  EXPECT_EQ(list_join_reference("Archive/", "/%"), "Archive/%");
  EXPECT_EQ(list_join_reference("Arch", "ive*"), "Archive*");
}

}  // namespace
}  // namespace postino::imap
