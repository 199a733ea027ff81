// Tests for Stream + LineReader over a real loopback TCP pair: CRLF and bare
// LF, long lines discarded through LF, pipelined bytes, read_exact for
// literals, deadlines, EOF, and the stop signal between commands.
#include "runtime/line_reader.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>
#include <thread>

#include "runtime/stop_signal.hpp"
#include "runtime/stream.hpp"
#include "runtime/test_tls.hpp"

using namespace postino::runtime;
using namespace std::chrono_literals;
using boost::asio::ip::tcp;
namespace asio = boost::asio;

namespace {

struct Pair {
  asio::io_context ctx;
  tcp::socket client{ctx};
  std::unique_ptr<Stream> stream;
  StopSignal stop{ctx.get_executor()};

  Pair() {
    tcp::acceptor acceptor(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    stream = std::make_unique<Stream>(acceptor.accept(), StreamOptions{nullptr, 1s, &stop});
  }
  void send(std::string_view data) { asio::write(client, asio::buffer(data.data(), data.size())); }

  template <class T>
  T run(asio::awaitable<T> task) {
    auto future = asio::co_spawn(ctx, std::move(task), asio::use_future);
    ctx.restart();
    ctx.run();
    return future.get();
  }
};

asio::awaitable<std::vector<Line>> read_lines(LineReader* reader, int n) {
  std::vector<Line> out;
  for (int i = 0; i < n; ++i) out.push_back(co_await reader->read_line(2s));
  co_return out;
}

asio::awaitable<Line> read_one(LineReader* reader, std::chrono::milliseconds timeout) {
  co_return co_await reader->read_line(timeout);
}

asio::awaitable<Line> read_cmd(LineReader* reader, std::chrono::milliseconds timeout) {
  co_return co_await reader->read_command(timeout);
}

asio::awaitable<std::string> exact(LineReader* reader, std::size_t n) { co_return co_await reader->read_exact(n, 5s); }

asio::awaitable<std::string> up_to(LineReader* reader, std::size_t n) { co_return co_await reader->read_up_to(n, 2s); }

asio::awaitable<bool> wait_input(LineReader* reader, std::chrono::milliseconds timeout) {
  co_return co_await reader->wait_for_input(timeout);
}

asio::awaitable<void> stop_after(StopSignal* stop, std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(delay);
  co_await timer.async_wait(asio::use_awaitable);
  stop->request();
}

boost::system::error_code error_of(std::function<void()> f) {
  try {
    f();
  } catch (const boost::system::system_error& e) {
    return e.code();
  }
  return {};
}

}  // namespace

TEST(LineReader, CrlfAndBareLf) {
  Pair p;
  LineReader reader(*p.stream);
  p.send("HELO a.example\r\nNOOP\nQUIT\r\n\r\n");
  auto lines = p.run(read_lines(&reader, 4));
  EXPECT_EQ(lines[0].text, "HELO a.example");
  EXPECT_TRUE(lines[0].crlf);
  EXPECT_EQ(lines[1].text, "NOOP");
  EXPECT_FALSE(lines[1].crlf);
  EXPECT_EQ(lines[2].text, "QUIT");
  EXPECT_EQ(lines[3].text, "");
  EXPECT_TRUE(lines[3].crlf);
  EXPECT_FALSE(reader.has_buffered());
}

TEST(LineReader, LimitCountsTheLineEnding) {
  Pair p;
  LineReader reader(*p.stream, 16);
  p.send(std::string(14, 'a') + "\r\n" + std::string(15, 'b') + "\r\n" + std::string(15, 'c') + "\n");
  auto lines = p.run(read_lines(&reader, 3));
  EXPECT_EQ(lines[0].status, LineStatus::ok);
  EXPECT_EQ(lines[0].text.size(), 14u);
  EXPECT_EQ(lines[1].status, LineStatus::too_long);
  EXPECT_TRUE(lines[1].text.empty());
  EXPECT_EQ(lines[2].status, LineStatus::ok);  // 15 + LF = 16
}

TEST(LineReader, LongLineIsDiscardedThroughLf) {
  Pair p;
  LineReader reader(*p.stream, 64);
  // Far more than the buffer: the reader must drop it chunk by chunk.
  p.send(std::string(100000, 'x'));
  p.send("\r\nNEXT\r\n");
  auto lines = p.run(read_lines(&reader, 2));
  EXPECT_EQ(lines[0].status, LineStatus::too_long);
  EXPECT_EQ(lines[1].status, LineStatus::ok);
  EXPECT_EQ(lines[1].text, "NEXT");
}

TEST(LineReader, BufferShrinksAfterALongLine) {
  Pair p;
  LineReader reader(*p.stream, 65536);
  p.send(std::string(20000, 'x') + "\r\n");
  auto long_line = p.run(read_one(&reader, 2s));
  EXPECT_EQ(long_line.text.size(), 20000u);
  EXPECT_GT(reader.buffer_bytes(), 20000u);
  p.send("NEXT\r\n");
  auto next = p.run(read_one(&reader, 2s));
  EXPECT_EQ(next.text, "NEXT");
  EXPECT_EQ(reader.buffer_bytes(), 4096u);
}

TEST(LineReader, PipelinedBytesAreReportedAndDiscardable) {
  Pair p;
  LineReader reader(*p.stream);
  p.send("STARTTLS\r\nMAIL FROM:<evil@example>\r\n");
  auto first = p.run(read_one(&reader, 2s));
  EXPECT_EQ(first.text, "STARTTLS");
  EXPECT_TRUE(reader.has_buffered());
  EXPECT_EQ(reader.buffered_bytes(), std::string("MAIL FROM:<evil@example>\r\n").size());
  EXPECT_EQ(reader.discard_buffered(), std::string("MAIL FROM:<evil@example>\r\n").size());
  EXPECT_FALSE(reader.has_buffered());
}

// The end of DATA and a pipelined QUIT arrive in one read: the bytes after
// the terminator go back and read as the next command.
TEST(LineReader, UnreadPutsBytesBackInFront) {
  Pair p;
  LineReader reader(*p.stream);
  p.send("body\r\n.\r\nQUIT\r\nNOOP\r\n");
  std::string chunk = p.run(up_to(&reader, 4096));
  while (chunk.find("NOOP\r\n") == std::string::npos) chunk += p.run(up_to(&reader, 4096));
  const std::size_t end = chunk.find(".\r\n") + 3;
  reader.unread(std::string_view(chunk).substr(end));
  EXPECT_TRUE(reader.has_buffered());
  EXPECT_EQ(p.run(read_one(&reader, 2s)).text, "QUIT");
  EXPECT_EQ(p.run(read_one(&reader, 2s)).text, "NOOP");
  reader.unread("RSET\r\n");  // into a drained buffer too
  EXPECT_EQ(p.run(read_one(&reader, 2s)).text, "RSET");
}

TEST(LineReader, ReadExactForLiteralsKeepsWhatFollows) {
  Pair p;
  LineReader reader(*p.stream);
  p.send("A1 APPEND INBOX {5}\r\nhello rest\r\n");
  EXPECT_EQ(p.run(read_one(&reader, 2s)).text, "A1 APPEND INBOX {5}");
  EXPECT_EQ(p.run(exact(&reader, 5)), "hello");
  EXPECT_EQ(p.run(read_one(&reader, 2s)).text, " rest");
}

TEST(LineReader, ReadExactLargeAndReadUpTo) {
  Pair p;
  LineReader reader(*p.stream);
  std::string big(300000, 'z');
  big[12345] = 'q';
  std::thread writer([&] {
    p.send("BDAT 300000 LAST\r\n");
    p.send(big);
    p.send("abcdef");
  });
  EXPECT_EQ(p.run(read_one(&reader, 2s)).text, "BDAT 300000 LAST");
  const std::string got = p.run(exact(&reader, big.size()));
  writer.join();
  EXPECT_EQ(got, big);
  std::string rest = p.run(up_to(&reader, 4));
  EXPECT_GE(rest.size(), 1u);
  EXPECT_LE(rest.size(), 4u);
  while (rest.size() < 6) rest += p.run(up_to(&reader, 6 - rest.size()));
  EXPECT_EQ(rest, "abcdef");
}

TEST(LineReader, TimeoutThrowsTimedOut) {
  Pair p;
  LineReader reader(*p.stream);
  p.send("PARTIAL");  // no LF ever comes
  auto ec = error_of([&] { p.run(read_one(&reader, 50ms)); });
  EXPECT_EQ(ec, asio::error::timed_out);
}

TEST(LineReader, WaitForInputDetectsEarlyTalker) {
  Pair p;
  LineReader reader(*p.stream);
  EXPECT_FALSE(p.run(wait_input(&reader, 30ms)));  // a polite client waits for the greeting
  p.send("EHLO too.early\r\n");
  EXPECT_TRUE(p.run(wait_input(&reader, 2s)));
  EXPECT_TRUE(reader.has_buffered());
  EXPECT_EQ(p.run(read_one(&reader, 2s)).text, "EHLO too.early");
}

TEST(LineReader, EofThrows) {
  Pair p;
  LineReader reader(*p.stream);
  p.send("HALF");
  p.client.close();
  auto ec = error_of([&] { p.run(read_one(&reader, 2s)); });
  EXPECT_EQ(ec, asio::error::eof);
}

TEST(LineReader, StopInterruptsOnlyBetweenCommands) {
  Pair p;
  LineReader reader(*p.stream);
  p.send("NOOP\r\nRSET\r\nNOO");
  EXPECT_EQ(p.run(read_cmd(&reader, 2s)).text, "NOOP");  // reads all three parts at once
  ASSERT_TRUE(reader.has_buffered());
  p.stop.request();
  // A complete pipelined command is still returned...
  EXPECT_EQ(p.run(read_cmd(&reader, 2s)).text, "RSET");
  // ...and a partial one is waited for, not cut off.
  auto ec = error_of([&] { p.run(read_cmd(&reader, 50ms)); });
  EXPECT_EQ(ec, asio::error::timed_out);
}

TEST(LineReader, StopEndsAnIdleWait) {
  Pair p;
  LineReader reader(*p.stream);
  auto stopper = asio::co_spawn(p.ctx, stop_after(&p.stop, 20ms), asio::use_future);
  EXPECT_EQ(p.run(read_cmd(&reader, 5s)).status, LineStatus::stopping);
  stopper.get();
  // read_line ignores the stop.
  p.send("DATA LINE\r\n");
  EXPECT_EQ(p.run(read_one(&reader, 2s)).text, "DATA LINE");
}
