// FETCH rendering from the session's view (append_view_fetch) against the
// record path (render_fetch) for every combination of view items and
// implied UID/MODSEQ/\Recent: the same bytes, and no blob is opened. Also
// EMAILID (a digest of the record's blob and prefix) and THREADID NIL.
#include "imap/fetch_response.hpp"

#include <gtest/gtest.h>

#include "store/object_ids.hpp"

namespace postino::imap {
namespace {

// Fails the test on any use: view items must not touch message bytes.
class UnusedBlobStore final : public BlobStore {
 public:
  Result<std::unique_ptr<BlobWriter>> create() override { return used(); }
  Result<std::unique_ptr<BlobReader>> open(const BlobId&) override { return used(); }
  bool exists(const BlobId&) override {
    ++uses;
    return false;
  }
  Status remove(const BlobId&) override { return used(); }
  Result<bool> remove_if_older(const BlobId&, std::chrono::seconds) override { return used(); }
  Result<std::vector<BlobId>> list() override { return used(); }
  int uses = 0;

 private:
  Error used() {
    ++uses;
    return make_error(Errc::io_error, "blob store used");
  }
};

FetchAttribute item(FetchItem which) { return FetchAttribute{which, false, {}, std::nullopt}; }

TEST(FetchResponse, ViewRenderingEqualsRecordRendering) {
  UnusedBlobStore blobs;
  const std::vector<std::vector<FetchAttribute>> requests{
      {item(FetchItem::flags)},
      {item(FetchItem::uid), item(FetchItem::flags)},
      {item(FetchItem::flags), item(FetchItem::uid), item(FetchItem::modseq)},
      {item(FetchItem::modseq)},
      {item(FetchItem::threadid), item(FetchItem::flags)},
  };
  const std::vector<std::vector<std::string>> flag_sets{{}, {"\\Seen"}, {"\\Seen", "\\Flagged", "$Work"}};
  int compared = 0;
  for (const auto& attributes : requests) {
    for (const auto& flags : flag_sets) {
      for (bool recent : {false, true}) {
        for (bool include_uid : {false, true}) {
          for (bool include_modseq : {false, true}) {
            ViewMessage m{Uid{42}, 977, flags, false};
            FetchFacts facts;
            facts.seq = 7;
            facts.flags = flags;
            if (recent) facts.flags.emplace_back("\\Recent");
            facts.modseq = m.modseq;
            facts.include_uid = include_uid;
            facts.include_modseq = include_modseq;
            MessageRecord record;
            record.uid = m.uid;
            auto pieces = render_fetch(blobs, record, facts, attributes);
            ASSERT_TRUE(pieces.ok());
            ASSERT_EQ(pieces->size(), 1u);
            std::string view_text;
            append_view_fetch(view_text, 7, m, recent, facts, attributes);
            EXPECT_EQ(view_text, pieces->front().text);
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_EQ(compared, 5 * 3 * 2 * 2 * 2);
  EXPECT_EQ(blobs.uses, 0);
  std::string out;
  append_view_fetch(out, 3, ViewMessage{Uid{9}, 5, {"\\Seen"}, false}, true, FetchFacts{}, {item(FetchItem::flags)});
  EXPECT_EQ(out, "* 3 FETCH (FLAGS (\\Seen \\Recent))\r\n");
}

TEST(FetchResponse, ViewOnlyItems) {
  EXPECT_TRUE(view_only(FetchItem::uid));
  EXPECT_TRUE(view_only(FetchItem::flags));
  EXPECT_TRUE(view_only(FetchItem::modseq));
  EXPECT_TRUE(view_only(FetchItem::threadid));
  EXPECT_FALSE(view_only(FetchItem::emailid));
  EXPECT_FALSE(view_only(FetchItem::rfc822_size));
  EXPECT_FALSE(needs_record({item(FetchItem::uid), item(FetchItem::flags), item(FetchItem::threadid)}));
  EXPECT_TRUE(needs_record({item(FetchItem::flags), item(FetchItem::emailid)}));
}

TEST(FetchResponse, EmailIdIsTheRecordsDigestAndThreadIdIsNil) {
  UnusedBlobStore blobs;
  MessageRecord record;
  record.uid = Uid{5};
  record.blob.sha256.fill(0xab);
  record.header_prefix = "Delivered-To: bob@example.test\r\n";
  FetchFacts facts;
  facts.seq = 2;
  facts.account = AccountId{11};
  auto pieces = render_fetch(blobs, record, facts, {item(FetchItem::emailid), item(FetchItem::threadid)});
  ASSERT_TRUE(pieces.ok());
  const std::string id = email_object_id(AccountId{11}, record.blob, record.header_prefix);
  EXPECT_EQ(pieces->front().text, "* 2 FETCH (EMAILID (" + id + ") THREADID NIL)\r\n");
  EXPECT_EQ(blobs.uses, 0);
}

}  // namespace
}  // namespace postino::imap
