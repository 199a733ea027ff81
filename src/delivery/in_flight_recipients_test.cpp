// InFlightRecipients: the queue runner's guard against starting a remote
// delivery twice when a job finishes while a read of due recipients runs.
#include "delivery/in_flight_recipients.hpp"

#include <gtest/gtest.h>

using namespace postino;

namespace {
constexpr RecipientRowId kA{7};
constexpr RecipientRowId kB{8};
}  // namespace

TEST(InFlightRecipients, TracksRunningRecipients) {
  InFlightRecipients set;
  EXPECT_TRUE(set.empty());
  set.add(kA);
  EXPECT_TRUE(set.contains(kA));
  EXPECT_FALSE(set.contains(kB));
  set.remove(kA);
  EXPECT_FALSE(set.contains(kA));
  EXPECT_TRUE(set.empty());
}

// The duplicate seen in bench/submission_relay: the read began while kA's
// job ran, the job recorded "delivered" and left the set, then the read
// returned kA as still pending. The reader must still skip it.
TEST(InFlightRecipients, ReadOpenWhileAJobFinishesSkipsItsRecipients) {
  InFlightRecipients set;
  set.add(kA);
  set.add(kB);
  set.begin_read();
  set.remove(kA);
  auto skipped = set.end_read();
  EXPECT_FALSE(set.contains(kA));
  EXPECT_EQ(skipped, std::set<RecipientRowId>{kA});
  EXPECT_TRUE(set.contains(kB));  // still running: contains() covers it
}

TEST(InFlightRecipients, FinishedBeforeTheReadBeganIsNotSkipped) {
  InFlightRecipients set;
  set.add(kA);
  set.remove(kA);  // recorded before the read: the read cannot list it
  set.begin_read();
  EXPECT_TRUE(set.end_read().empty());
  set.begin_read();  // nor a later read
  EXPECT_TRUE(set.end_read().empty());
}

TEST(InFlightRecipients, OverlappingReadsKeepRemovalsUntilTheLastEnds) {
  InFlightRecipients set;
  set.add(kA);
  set.begin_read();
  set.begin_read();
  set.remove(kA);
  EXPECT_EQ(set.end_read(), std::set<RecipientRowId>{kA});
  EXPECT_EQ(set.end_read(), std::set<RecipientRowId>{kA});
  set.begin_read();
  EXPECT_TRUE(set.end_read().empty());
}
