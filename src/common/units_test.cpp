#include "common/units.hpp"

#include <gtest/gtest.h>

using namespace postino;
using namespace std::chrono_literals;

TEST(Units, Sizes) {
  EXPECT_EQ(*parse_size_bytes("500M"), 500ull << 20);
  EXPECT_EQ(*parse_size_bytes("10G"), 10ull << 30);
  EXPECT_EQ(*parse_size_bytes("25MB"), 25ull << 20);
  EXPECT_EQ(*parse_size_bytes("1024"), 1024u);
  EXPECT_EQ(*parse_size_bytes("3 KiB"), 3072u);
  EXPECT_FALSE(parse_size_bytes("ten").ok());
  EXPECT_FALSE(parse_size_bytes("5X").ok());
  EXPECT_FALSE(parse_size_bytes("-5M").ok());
  EXPECT_FALSE(parse_size_bytes("99999999999T").ok());
  EXPECT_EQ(format_size_bytes(500ull << 20), "500M");
  EXPECT_EQ(format_size_bytes(1000), "1000");
}

TEST(Units, Durations) {
  EXPECT_EQ(*parse_duration("30s"), 30s);
  EXPECT_EQ(*parse_duration("5m"), 5min);
  EXPECT_EQ(*parse_duration("4h"), 4h);
  EXPECT_EQ(*parse_duration("5d"), 120h);
  EXPECT_EQ(*parse_duration("250ms"), 250ms);
  EXPECT_EQ(*parse_duration("10"), 10s);
  EXPECT_FALSE(parse_duration("soon").ok());
  EXPECT_FALSE(parse_duration("5w").ok());
  EXPECT_EQ(format_duration(5min), "5m");
}
