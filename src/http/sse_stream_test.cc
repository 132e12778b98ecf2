#include "http/sse_stream.h"

#include <gtest/gtest.h>

namespace leadscan::http {
namespace {

TEST(SseStreamTest, FramesHaveIdEventAndOneDataLinePerLine) {
  SseStream s({});
  int wakes = 0;
  s.SetWaker([&] { ++wakes; });
  EXPECT_TRUE(s.Send("progress", "line1\nline2", "7"));
  EXPECT_TRUE(s.Comment("hi"));
  std::string out;
  EXPECT_TRUE(s.TakeFrames(&out));
  EXPECT_EQ(out, "id: 7\nevent: progress\ndata: line1\ndata: line2\n\n: hi\n\n");
  EXPECT_EQ(wakes, 2);
  EXPECT_FALSE(s.TakeFrames(&out));
}

TEST(SseStreamTest, NewlinesInEventAndIdAreStripped) {
  SseStream s({});
  EXPECT_TRUE(s.Send("a\nb", "x", "1\r\n2"));
  std::string out;
  ASSERT_TRUE(s.TakeFrames(&out));
  EXPECT_EQ(out, "id: 12\nevent: ab\ndata: x\n\n");
}

TEST(SseStreamTest, OverflowClosesByDefault) {
  SseStream s({2, SseStream::Overflow::kClose});
  int closes = 0;
  s.OnClose([&] { ++closes; });
  EXPECT_TRUE(s.Send("", "1"));
  EXPECT_TRUE(s.Send("", "2"));
  EXPECT_FALSE(s.Send("", "3"));
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(closes, 1);
  EXPECT_FALSE(s.Send("", "4"));
  s.Close();
  EXPECT_EQ(closes, 1);
  bool late = false;
  s.OnClose([&] { late = true; });
  EXPECT_TRUE(late);
}

TEST(SseStreamTest, OverflowCanDropOldest) {
  SseStream s({2, SseStream::Overflow::kDropOldest});
  EXPECT_TRUE(s.Send("", "1"));
  EXPECT_TRUE(s.Send("", "2"));
  EXPECT_TRUE(s.Send("", "3"));
  EXPECT_EQ(s.dropped(), 1u);
  std::string out;
  ASSERT_TRUE(s.TakeFrames(&out));
  EXPECT_EQ(out, "data: 2\n\ndata: 3\n\n");
}

}  // namespace
}  // namespace leadscan::http
