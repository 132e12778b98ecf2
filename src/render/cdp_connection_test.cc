#include "render/cdp_connection.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>

namespace leadscan::render {
namespace {

// A browser that died leaves its end of our pipe closed. Writing to it must fail the call,
// not end the process: SIGPIPE keeps its default action here, as in any process that never
// changed it.
TEST(CdpConnectionTest, WritingToABrowserThatIsGoneFailsTheCallNotTheProcess) {
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  struct sigaction before = {};
  ASSERT_EQ(sigaction(SIGPIPE, &dfl, &before), 0);
  int to_browser[2];
  int from_browser[2];
  ASSERT_EQ(pipe(to_browser), 0);
  ASSERT_EQ(pipe(from_browser), 0);
  close(to_browser[0]);  // the browser's reading end: gone
  {
    CdpConnection cdp(to_browser[1], from_browser[0], 1 << 20, nullptr);
    auto sent = cdp.Send("Browser.getVersion", CdpConnection::Json::object());
    EXPECT_FALSE(sent.ok());
    EXPECT_EQ(sent.error_code(), "renderer_crashed");
    EXPECT_FALSE(cdp.alive());
    auto called = cdp.Call("Browser.getVersion", CdpConnection::Json::object(), "",
                           std::chrono::milliseconds(1000));
    ASSERT_FALSE(called.ok());
    EXPECT_EQ(called.status().error_code(), "renderer_crashed");
    close(from_browser[1]);  // lets the reader thread end
  }
  close(to_browser[1]);  // the connection does not own the browser's pipes
  close(from_browser[0]);
  // No SIGPIPE was left pending for the process either.
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
  sigaction(SIGPIPE, &before, nullptr);
}

}  // namespace
}  // namespace leadscan::render
