// run_search with the store's text index against the scan it replaces: a
// corpus with encoded words in many charsets, 8-bit and UTF-16 bodies, HTML
// (entities, scripts, comments), attachments, nested messages, broken
// boundaries, folding, case-folding traps (ß, final sigma, dotted I,
// ligatures, the Kelvin sign) is stored three times: indexed, unindexed
// (every message scanned) and alternating; every BODY/TEXT search (fixed
// strings, random substrings of each message's text, compound programs)
// must give the same sequence numbers in all three. Also: an indexed BODY
// search opens no message at all.
#include "imap/search_matcher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <random>

#include "mime/header_prefix.hpp"
#include "mime/search_text.hpp"
#include "mime/structure_parser.hpp"
#include "store/metadata_store.hpp"
#include "store/object_ids.hpp"
#include "store/test_temp_dir.hpp"

namespace postino::imap {
namespace {

// Generated once (encodings by Python's codecs), then kept as is.
const std::vector<std::string>& corpus() {
  static const std::vector<std::string> messages{
      std::string("From: Alice <alice@example.org>\r\n"
      "To: bob@example.test\r\n"
      "Subject: Quarterly Report\r\n"
      "Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n"
      "\r\n"
      "The budget for Q3 is attached.\r\n"
      "Regards, Alice\r\n"
      "", 170),
      std::string("From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.de>\r\n"
      "Subject: =?utf-8?B?U3RyYcOfZSB1bmQgR3LDvMOfZQ==?=\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "Die Stra=C3=9Fe ist gro=C3=9F. STRASSE in Gro=C3=9Fbuchstaben.\r\n"
      "", 268),
      std::string("From: Zo\xc3\xa9 <zoe@example.fr>\r\n"
      "Subject: =?iso-8859-1?Q?Caf=E9_cr=E8me?=\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: 8bit\r\n"
      "\r\n"
      "Le caf\xe9 est tr\xe8s chaud, dit Zo\xe9.\r\n"
      "", 205),
      std::string("From: ivan@example.ru\r\n"
      "Subject: =?koi8-r?B?8NLJ18XUIMnaIO3P08vX2Q==?=\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=koi8-r\r\n"
      "Content-Transfer-Encoding: 8bit\r\n"
      "\r\n"
      "\xf7\xd3\xd4\xd2\xc5\xde\xc1 \xd7 \xf0\xf1\xf4\xee\xe9\xe3\xf5 \xd7 \xed\xcf\xd3\xcb\xd7\xc5.\r\n"
      "", 196),
      std::string("From: shop@example.com\r\n"
      "Subject: Your receipt\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=windows-1252\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "Total: 20=80 =97 =93thank you=94 for shopping.\r\n"
      "", 209),
      std::string("From: tanaka@example.jp\r\n"
      "Subject: =?iso-2022-jp?B?GyRCMnE1RCRONUQ7dk8/GyhC?=\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=iso-2022-jp\r\n"
      "Content-Transfer-Encoding: 7bit\r\n"
      "\r\n"
      "\x1b$BL@F|$N2q5D$O==;~$+$i$G$9!#\x1b(B\r\n"
      "", 213),
      std::string("From: news@example.com\r\n"
      "Subject: Newsletter\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/html; charset=utf-8\r\n"
      "\r\n"
      "<html><head><style>p { color: red }</style></head><body><p>Hello&nbsp;<b>World</b> &amp; friends &#233;t&eacute;</p><script>var secret=\"hiddenscript\";</script><!-- hiddencomment --></body></html>\r\n"
      "", 303),
      std::string("From: carol@example.org\r\n"
      "Subject: Alternatives\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/alternative; boundary=\"alt-1\"\r\n"
      "\r\n"
      "--alt-1\r\n"
      "Content-Type: text/plain; charset=us-ascii\r\n"
      "\r\n"
      "Plain version of the agenda\r\n"
      "--alt-1\r\n"
      "Content-Type: text/html; charset=us-ascii\r\n"
      "\r\n"
      "<p>HTML <i>version</i> of the agenda</p>\r\n"
      "--alt-1--\r\n"
      "", 315),
      std::string("From: dave@example.org\r\n"
      "Subject: CV attached\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=mix\r\n"
      "\r\n"
      "--mix\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "Please find my r\xc3\xa9sum\xc3\xa9 attached.\r\n"
      "--mix\r\n"
      "Content-Type: application/pdf; name=\"cv.pdf\"\r\n"
      "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      "JVBERi0xLjQgYmluYXJ5IHNlY3JldHBkZndvcmQgAAECJVBERi0xLjQgYmluYXJ5IHNlY3JldHBk\r\n"
      "ZndvcmQgAAECJVBERi0xLjQgYmluYXJ5IHNlY3JldHBkZndvcmQgAAECJVBERi0xLjQgYmluYXJ5\r\n"
      "IHNlY3JldHBkZndvcmQgAAECJVBERi0xLjQgYmluYXJ5IHNlY3JldHBkZndvcmQgAAEC\r\n"
      "--mix\r\n"
      "Content-Type: text/plain\r\n"
      "Content-Disposition: attachment; filename=notes.txt\r\n"
      "\r\n"
      "attachmentonlyword in notes\r\n"
      "--mix--\r\n"
      "", 696),
      std::string("From: frank@example.org\r\n"
      "Subject: Fwd: inner\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=outer\r\n"
      "\r\n"
      "--outer\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "See the forwarded message.\r\n"
      "--outer\r\n"
      "Content-Type: message/rfc822\r\n"
      "\r\n"
      "From: eve@example.net\r\n"
      "Subject: =?utf-8?Q?=C3=9Cn=C3=AFc=C3=B6d=C3=A9_inside?=\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      "Rm9yd2FyZGVkIGJvZHkgd2l0aCBuZXN0ZWR0b2tlbiBhbmQgw5xuw69jw7Zkw6kuDQo=\r\n"
      "\r\n"
      "--outer--\r\n"
      "", 480),
      std::string("From: greek@example.gr\r\n"
      "Subject: =?iso-8859-7?B?07rT1dbP0yDKwckgz8TV09PF1dM=?=\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n"
      "\r\n"
      "\xce\xbf \xcf\x83\xce\xaf\xcf\x83\xcf\x85\xcf\x86\xce\xbf\xcf\x82 \xce\xba\xce\xb1\xce\xb9 \xce\xbf \xce\xbf\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xb5\xcf\x85\xcf\x82. \xce\xa3\xce\x8a\xce\xa3\xce\xa5\xce\xa6\xce\x9f\xce\xa3.\r\n"
      "", 238),
      std::string("From: tr@example.tr\r\n"
      "Subject: \xc4\xb0stanbul trip\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "Trip to \xc4\xb0STANBUL and I\xc4\x9f" "d\xc4\xb1r; \xef\xac\x81nal o\xef\xac\x83" "ce; 5 K (Kelvin).\r\n"
      "", 169),
      std::string("From: fold@example.org\r\n"
      "Subject: =?UTF-8?Q?Hello_?=\r\n"
      " =?UTF-8?Q?Wor?=\r\n"
      " =?UTF-8?Q?ld?= and more\r\n"
      "X-Long: first part\r\n"
      "\x09second part\r\n"
      "\r\n"
      "short\r\n"
      "", 140),
      std::string("From: broken@example.org\r\n"
      "Subject: broken boundary\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=NOPE\r\n"
      "\r\n"
      "--OTHER\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "lostpart text\r\n"
      "--OTHER--\r\n"
      "", 182),
      std::string("From: raw8bit@example.org\r\n"
      "Subject: Gr\xc3\xbc\xc3\x9f" "e roh\r\n"
      "From: Jos\xc3\xa9 \xc3\x9cnicode <jose@example.es>\r\n"
      "\r\n"
      "Raw 8-bit body: na\xc3\xafve caf\xc3\xa9.\r\n"
      "", 122),
      std::string("From: lf@example.org\n"
      "Subject: bare LF message\n"
      "\n"
      "line one\n"
      "line two with LFonly\n"
      "", 77),
      std::string("From: nobody@example.org\r\n"
      "Subject: no body at all", 49),
      std::string("From: punct@example.org\r\n"
      "Subject: \"quoted\" (parens) AND OR NEAR\r\n"
      "\r\n"
      "say \"hi\" * a AND b {body}: x^2 - y\r\n"
      "", 103),
      std::string("From: emoji@example.org\r\n"
      "Subject: =?utf-8?B?UGFydHkg8J+YgCB0b25pZ2h0?=\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "Bring \xf0\x9f\x8e\x89 and \xf0\x9f\x98\x80!\r\n"
      "", 137),
      std::string("From: latin@example.org\r\n"
      "Subject: =?windows-1252?Q?=8Cuvre_=93compl=E8te=94?=\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-16\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      "//5VAFQARgAtADEANgAgAGUAbgBjAG8AZABlAGQAIABiAG8AZAB5ADoAIABTAXUAdgByAGUAIABj\r\n"
      "AG8AbQBwAGwA6AB0AGUADQAKAA==\r\n"
      "", 285),
  };
  return messages;
}

// A long message with one rare word in the middle.
std::string long_message() {
  std::string m = "From: long@example.org\r\nSubject: long one\r\n\r\n";
  for (int i = 0; i < 300; ++i) {
    if (i == 150) m += "UNIQUEMIDDLETOKEN here\r\n";
    m += "Line " + std::to_string(i) + " of the long message with filler words.\r\n";
  }
  return m;
}

// Counts blob opens: how many messages a search read.
class CountingBlobStore final : public BlobStore {
 public:
  explicit CountingBlobStore(BlobStore& inner) : inner_(inner) {}
  Result<std::unique_ptr<BlobWriter>> create() override { return inner_.create(); }
  Result<std::unique_ptr<BlobReader>> open(const BlobId& id) override {
    ++opens;
    return inner_.open(id);
  }
  bool exists(const BlobId& id) override { return inner_.exists(id); }
  Status remove(const BlobId& id) override { return inner_.remove(id); }
  Result<bool> remove_if_older(const BlobId& id, std::chrono::seconds min_age) override {
    return inner_.remove_if_older(id, min_age);
  }
  Result<std::vector<BlobId>> list() override { return inner_.list(); }
  int opens = 0;

 private:
  BlobStore& inner_;
};

SearchKey text_key(SearchKeyKind kind, std::string text) {
  SearchKey key;
  key.kind = kind;
  key.text = std::move(text);
  return key;
}

SearchKey node(SearchKeyKind kind, std::vector<SearchKey> children) {
  SearchKey key;
  key.kind = kind;
  key.children = std::move(children);
  return key;
}

// Code-point boundaries of valid UTF-8.
std::vector<std::size_t> starts_of(const std::string& text) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(text.size());
  return starts;
}

class SearchIndexTest : public ::testing::Test {
 protected:
  enum class Stored { indexed, plain, alternating };

  void SetUp() override {
    StoreSettings settings;
    settings.data_dir = dir_.path();
    auto metadata = open_metadata_store(settings);
    ASSERT_TRUE(metadata.ok()) << metadata.error().message;
    metadata_ = std::move(*metadata);
    auto blobs = open_blob_store(settings);
    ASSERT_TRUE(blobs.ok()) << blobs.error().message;
    blobs_ = std::move(*blobs);
    counting_ = std::make_unique<CountingBlobStore>(*blobs_);
    ASSERT_TRUE(metadata_->directory().add_domain("example.test").ok());
    auto account = metadata_->directory().add_account(NewAccount{"bob@example.test", "{hash}"});
    ASSERT_TRUE(account.ok());
    account_ = account->id;
    messages_ = corpus();
    messages_.push_back(long_message());
    for (auto [stored, name] : {std::pair{Stored::indexed, "Indexed"}, std::pair{Stored::plain, "Plain"},
                                std::pair{Stored::alternating, "Alternating"}}) {
      for (std::size_t i = 0; i < messages_.size(); ++i) {
        const bool indexed = stored == Stored::indexed || (stored == Stored::alternating && i % 2 == 0);
        mailboxes_[static_cast<int>(stored)] = deliver(messages_[i], name, i % 3 != 0, indexed);
      }
    }
    // The store indexes the text later (the node's background indexer):
    // here until caught up.
    for (;;) {
      auto indexed = metadata_->mailboxes().index_pending_text(50);
      ASSERT_TRUE(indexed.ok()) << indexed.error().message;
      if (*indexed == 0) break;
    }
  }

  // Stores one message as local delivery (with_prefix: Return-Path and
  // Delivered-To before the blob) or APPEND does, with or without its
  // search text.
  MailboxId deliver(const std::string& message, const std::string& mailbox, bool with_prefix, bool indexed) {
    auto blob = blobs_->put(message);
    EXPECT_TRUE(blob.ok());
    const mime::MessageStructure structure = mime::StructureParser::parse(message);
    Delivery d;
    d.account = account_;
    d.mailbox = mailbox;
    d.blob = *blob;
    d.internal_date = 1790000000;
    if (with_prefix) d.header_prefix = "Return-Path: <list@example.org>\r\nDelivered-To: bob@example.test\r\n";
    d.mime_structure = mime::with_header_prefix(structure, d.header_prefix).serialize();
    if (indexed) {
      const auto header_end = std::min<std::size_t>(structure.root.body_offset, message.size());
      d.search_header = mime::header_search_text(d.header_prefix + message.substr(0, header_end));
      d.search_body = std::make_shared<const std::string>(mime::body_search_text(message, structure));
    }
    auto outcomes = metadata_->mailboxes().deliver({d});
    EXPECT_TRUE(outcomes.at(0).ok()) << outcomes[0].error().message;
    return outcomes[0].ok() ? outcomes[0]->mailbox : MailboxId{};
  }

  std::vector<std::uint32_t> search(Stored stored, const SearchKey& program) {
    SearchInput input;
    for (std::uint32_t seq = 1; seq <= messages_.size(); ++seq) {
      input.messages.push_back(SearchInput::Message{seq, ViewMessage{Uid{seq}, 1, {}, false}, false});
    }
    input.exists = static_cast<std::uint32_t>(messages_.size());
    input.last_uid = Uid{input.exists};
    input.now = std::chrono::sys_seconds(std::chrono::seconds(1800000000));
    input.account = account_;
    auto found = run_search(metadata_->mailboxes(), *counting_, mailboxes_[static_cast<int>(stored)], program, input);
    EXPECT_TRUE(found.ok()) << found.error().message;
    return found.ok() ? *found : std::vector<std::uint32_t>{};
  }

  void expect_same(const SearchKey& program, const std::string& what) {
    const auto scanned = search(Stored::plain, program);
    EXPECT_EQ(search(Stored::indexed, program), scanned) << what;
    EXPECT_EQ(search(Stored::alternating, program), scanned) << what;
  }

  postino::testing::TempDir dir_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<CountingBlobStore> counting_;
  AccountId account_{};
  std::vector<std::string> messages_;
  MailboxId mailboxes_[3]{};
};

TEST_F(SearchIndexTest, FixedStringsGiveTheScansAnswer) {
  const std::vector<std::string> needles{
      "budget", "BUDGET", "Straße", "STRASSE", "strasse", "grüße", "GRÜSSE", "café crème", "CAFÉ", "très chaud",
      "Привет", "пятницу", "москв", "20€", "“thank you”", "thank", "会議", "十時", "hello world", "world & friends",
      "été", "&eacute;", "hiddenscript", "hiddencomment", "color: red", "agenda", "version of", "résumé",
      "secretpdfword", "JVBERi0x", "attachmentonlyword", "nestedtoken", "ünïcödé", "ÜNÏCÖDÉ", "σίσυφος",
      "ΣΊΣΥΦΟΣ", "σισυφοσ", "οδυσσευς", "istanbul", "i̇stanbul", "İSTANBUL", "final", "office", "5 k",
      "hello world and", "first part second", "lostpart", "naïve", "josé", "uniquemiddletoken",
      "line 150 of", "lfonly", "line one line", "no body", "\"quoted\"", "and or near", "* a and b",
      "{body}:", "x^2", "😀", "party 😀", "œuvre", "complète", "bob@example.test", "delivered-to: bob",
      "example.test subject", "list@example.org> delivered", "return-path", "example.org to: bob", "mon, 2 nov",
      "zzzznotthere", "ab", "é", "",
  };
  for (const std::string& needle : needles) {
    expect_same(text_key(SearchKeyKind::body, needle), "BODY " + needle);
    expect_same(text_key(SearchKeyKind::text, needle), "TEXT " + needle);
  }
  // Sanity: the corpus answers what it was built to answer.
  EXPECT_EQ(search(Stored::plain, text_key(SearchKeyKind::body, "STRASSE")), (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(search(Stored::indexed, text_key(SearchKeyKind::body, "attachmentonlyword")),
            std::vector<std::uint32_t>{});
  EXPECT_EQ(search(Stored::indexed, text_key(SearchKeyKind::text, "nestedtoken")), (std::vector<std::uint32_t>{10}));
}

TEST_F(SearchIndexTest, RandomSubstringsOfEveryMessageGiveTheScansAnswer) {
  std::mt19937 random(20261125);
  int checked = 0;
  for (const std::string& message : messages_) {
    const mime::MessageStructure structure = mime::StructureParser::parse(message);
    const mime::SearchText text = mime::message_search_text(message, structure);
    for (const std::string* source : {&text.header, &text.body}) {
      const std::vector<std::size_t> starts = starts_of(*source);
      if (starts.size() < 5) continue;
      for (int n = 0; n < 6; ++n) {
        const std::size_t first = random() % (starts.size() - 4);
        const std::size_t length = 3 + random() % 10;
        const std::size_t last = std::min(first + length, starts.size() - 1);
        std::string needle = source->substr(starts[first], starts[last] - starts[first]);
        if (n % 2 == 1) {
          for (char& c : needle) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        expect_same(text_key(SearchKeyKind::body, needle), "BODY " + needle);
        expect_same(text_key(SearchKeyKind::text, needle), "TEXT " + needle);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 200);
}

TEST_F(SearchIndexTest, CompoundProgramsMixIndexAnswersWithOtherKeys) {
  const std::vector<SearchKey> programs{
      node(SearchKeyKind::or_, {text_key(SearchKeyKind::body, "budget"), text_key(SearchKeyKind::text, "straße")}),
      node(SearchKeyKind::not_, {text_key(SearchKeyKind::body, "the")}),
      node(SearchKeyKind::and_, {text_key(SearchKeyKind::text, "example"), text_key(SearchKeyKind::subject, "re")}),
      node(SearchKeyKind::and_, {text_key(SearchKeyKind::body, "ab"), text_key(SearchKeyKind::body, "agenda")}),
      node(SearchKeyKind::or_, {text_key(SearchKeyKind::from, "alice"), node(SearchKeyKind::not_, {
                                    text_key(SearchKeyKind::text, "example.org")})}),
      node(SearchKeyKind::and_, {text_key(SearchKeyKind::body, "line"), text_key(SearchKeyKind::body, "line")}),
  };
  for (std::size_t i = 0; i < programs.size(); ++i) expect_same(programs[i], "program " + std::to_string(i));
}

TEST_F(SearchIndexTest, AnIndexedBodySearchReadsNoMessage) {
  counting_->opens = 0;
  EXPECT_EQ(search(Stored::indexed, text_key(SearchKeyKind::body, "budget")), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(search(Stored::indexed, text_key(SearchKeyKind::text, "quarterly")), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(counting_->opens, 0);
  // Unindexed messages are read (here every other one), short strings too.
  (void)search(Stored::alternating, text_key(SearchKeyKind::body, "budget"));
  EXPECT_EQ(counting_->opens, static_cast<int>(messages_.size() / 2));
  counting_->opens = 0;
  (void)search(Stored::indexed, text_key(SearchKeyKind::body, "bu"));
  EXPECT_EQ(counting_->opens, static_cast<int>(messages_.size()));
}

// RFC 8474 6: SEARCH EMAILID matches the messages with exactly that id,
// computed from their records (no message is opened); the id of the same
// bytes in another account, a changed case (ids are case-sensitive) and
// THREADID (NIL for every message here) match nothing.
TEST_F(SearchIndexTest, EmailIdAndThreadIdKeys) {
  const MailboxId plain = mailboxes_[static_cast<int>(Stored::plain)];
  auto records = metadata_->mailboxes().list_messages(plain);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), messages_.size());
  std::vector<std::string> ids;
  for (const MessageRecord& r : *records) ids.push_back(email_object_id(account_, r.blob, r.header_prefix));
  counting_->opens = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::vector<std::uint32_t> expected;
    for (std::size_t j = 0; j < ids.size(); ++j) {
      if (ids[j] == ids[i]) expected.push_back(static_cast<std::uint32_t>(j) + 1);
    }
    EXPECT_EQ(search(Stored::plain, text_key(SearchKeyKind::emailid, ids[i])), expected) << i;
    std::vector<std::uint32_t> others;
    for (std::uint32_t seq = 1; seq <= ids.size(); ++seq) {
      if (std::find(expected.begin(), expected.end(), seq) == expected.end()) others.push_back(seq);
    }
    EXPECT_EQ(search(Stored::plain, node(SearchKeyKind::not_, {text_key(SearchKeyKind::emailid, ids[i])})), others);
  }
  EXPECT_EQ(counting_->opens, 0);
  const MessageRecord& first = records->front();
  const std::string elsewhere =
      email_object_id(AccountId{static_cast<std::int64_t>(account_) + 1}, first.blob, first.header_prefix);
  EXPECT_TRUE(search(Stored::plain, text_key(SearchKeyKind::emailid, elsewhere)).empty());
  std::string lowered = ids.front();
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lowered != ids.front()) {
    EXPECT_TRUE(search(Stored::plain, text_key(SearchKeyKind::emailid, lowered)).empty());
  }
  EXPECT_TRUE(search(Stored::plain, text_key(SearchKeyKind::threadid, "T1")).empty());
}

}  // namespace
}  // namespace postino::imap
