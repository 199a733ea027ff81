// Tests for RFC 5256 base subjects, SORT order, both THREAD algorithms and
// RFC 5322 date parsing.
#include "imap/sort_thread.hpp"

#include <gtest/gtest.h>

using namespace postino::imap;

TEST(BaseSubject, StripsReplyForwardBlobsAndTrailers) {
  EXPECT_EQ(base_subject("Re: hello"), "hello");
  EXPECT_EQ(base_subject("RE: Re: re: hello"), "hello");
  EXPECT_EQ(base_subject("Fwd: hello (fwd)"), "hello");
  EXPECT_EQ(base_subject("[list] Re: hello"), "hello");
  EXPECT_EQ(base_subject("Re [list]: hello"), "hello");
  EXPECT_EQ(base_subject("[fwd: Re: hello]"), "hello");
  EXPECT_EQ(base_subject("  many    spaces\there  "), "many spaces here");
  EXPECT_EQ(base_subject("[only a blob]"), "[only a blob]");
  EXPECT_EQ(base_subject("Reply to this"), "Reply to this");
  EXPECT_EQ(base_subject(""), "");
}

namespace {
SortFacts facts(std::uint32_t n, std::string subject, std::int64_t date, std::string id = "",
                std::vector<std::string> refs = {}) {
  SortFacts f;
  f.number = n;
  f.seq = n;
  f.base_subject = base_subject(subject);
  f.sent_date = date;
  f.internal_date = 100 - date;
  f.size = n * 10;
  f.message_id = std::move(id);
  f.references = std::move(refs);
  return f;
}
}  // namespace

TEST(Sort, CriteriaWithReverseAndSequenceTieBreak) {
  std::vector<SortFacts> m{facts(1, "b", 30), facts(2, "a", 20), facts(3, "b", 10), facts(4, "a", 20)};
  EXPECT_EQ(sort_messages(m, {{SortKey::subject, false}}), (std::vector<std::uint32_t>{2, 4, 1, 3}));
  EXPECT_EQ(sort_messages(m, {{SortKey::subject, false}, {SortKey::date, true}}),
            (std::vector<std::uint32_t>{2, 4, 1, 3}));
  EXPECT_EQ(sort_messages(m, {{SortKey::date, false}}), (std::vector<std::uint32_t>{3, 2, 4, 1}));
  EXPECT_EQ(sort_messages(m, {{SortKey::arrival, false}}), (std::vector<std::uint32_t>{1, 2, 4, 3}));
  EXPECT_EQ(sort_messages(m, {{SortKey::size, true}}), (std::vector<std::uint32_t>{4, 3, 2, 1}));
}

TEST(Thread, OrderedSubjectGroupsBySubjectInDateOrder) {
  std::vector<SortFacts> m{facts(1, "hello", 10), facts(2, "Re: hello", 20), facts(3, "other", 5),
                           facts(4, "Re: hello", 30)};
  EXPECT_EQ(thread_messages(m, ThreadAlgorithm::orderedsubject), "(3)(1 (2)(4))");
}

TEST(Thread, ReferencesBuildsTreesAndMergesSubjects) {
  std::vector<SortFacts> m{
      facts(1, "root", 10, "a@x"),
      facts(2, "Re: root", 20, "b@x", {"a@x"}),
      facts(3, "Re: root", 30, "c@x", {"a@x", "b@x"}),
      facts(4, "Re: root", 25, "d@x", {"a@x"}),
      facts(5, "lonely", 5, "e@x"),
      facts(6, "Re: root", 40, "f@x", {"missing@x"}),  // parent unknown: joined by subject
  };
  EXPECT_EQ(thread_messages(m, ThreadAlgorithm::references), "(5)(1 (2 3)(4)(6))");
}

TEST(Thread, ReferenceLoopsAreBroken) {
  std::vector<SortFacts> m{facts(1, "a", 10, "a@x", {"b@x"}), facts(2, "b", 20, "b@x", {"a@x"})};
  std::string out = thread_messages(m, ThreadAlgorithm::references);
  EXPECT_TRUE(out == "(1 2)" || out == "(2 1)") << out;
}

TEST(Rfc5322Date, ParsesZonesAndOptionalParts) {
  std::int64_t t = 0;
  ASSERT_TRUE(parse_rfc5322_date("Wed, 25 Nov 2026 10:00:00 +0000", t));
  EXPECT_EQ(t, 1795600800);
  ASSERT_TRUE(parse_rfc5322_date("25 Nov 2026 11:00:00 +0100", t));
  EXPECT_EQ(t, 1795600800);
  ASSERT_TRUE(parse_rfc5322_date("Wed, 25 Nov 2026 05:00 EST", t));
  EXPECT_EQ(t, 1795600800);
  EXPECT_FALSE(parse_rfc5322_date("yesterday", t));
  EXPECT_FALSE(parse_rfc5322_date("31 Feb 2026 10:00:00 +0000", t));
}
