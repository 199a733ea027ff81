#include "common/log.hpp"

#include <gtest/gtest.h>

using namespace postino::log;

TEST(Log, TextQuotesOnlyWhenNeeded) {
  EXPECT_EQ(format_text("smtp_connect", {{"session", "a1b2"}, {"client", "mx.example [192.0.2.1]"}, {"n", 3}}),
            "smtp_connect session=a1b2 client=\"mx.example [192.0.2.1]\" n=3");
  EXPECT_EQ(format_text("x", {{"msg", "line\r\nbreak"}}), "x msg=\"line\\r\\nbreak\"");
}

TEST(Log, Json) {
  EXPECT_EQ(format_json("login", {{"user", "a\"b"}, {"ok", true}, {"n", 2}}),
            "{\"event\":\"login\",\"user\":\"a\\\"b\",\"ok\":true,\"n\":2}");
}
