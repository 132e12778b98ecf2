#include "common/metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace leadscan::common {
namespace {

TEST(MetricsTest, CountersRenderWithHelpTypeAndSortedLabels) {
  Metrics m;
  m.DefineCounter("http_requests_total", "Requests served.");
  m.Increment("http_requests_total", {{"status", "200"}, {"route", "/api/leads"}});
  m.Increment("http_requests_total", {{"route", "/api/leads"}, {"status", "200"}}, 2);
  std::string text = m.Render();
  EXPECT_NE(text.find("# HELP http_requests_total Requests served.\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("http_requests_total{route=\"/api/leads\",status=\"200\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(m.Value("http_requests_total", {{"status", "200"}, {"route", "/api/leads"}}), 3);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Metrics m;
  m.Set("g", {{"path", "a\"b\\c\nd"}}, 1.5);
  EXPECT_NE(m.Render().find("g{path=\"a\\\"b\\\\c\\nd\"} 1.5\n"), std::string::npos) << m.Render();
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Metrics m;
  m.DefineHistogram("lat_seconds", "Latency.", {0.1, 1});
  m.Observe("lat_seconds", {}, 0.05);
  m.Observe("lat_seconds", {}, 0.5);
  m.Observe("lat_seconds", {}, 5);
  std::string text = m.Render();
  EXPECT_NE(text.find("# TYPE lat_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.10000000000000001\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_sum 5.5499999999999998\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count 3\n"), std::string::npos);
  EXPECT_EQ(m.Count("lat_seconds"), 3u);
}

TEST(MetricsTest, GaugesSetAddAndCallbacks) {
  Metrics m;
  m.Set("queue", {}, 4);
  m.Add("queue", {}, -1);
  EXPECT_EQ(m.Value("queue"), 3);
  int depth = 7;
  m.SetCallback("depth", {}, [&] { return static_cast<double>(depth); });
  depth = 9;
  EXPECT_NE(m.Render().find("depth 9\n"), std::string::npos);
}

TEST(MetricsTest, CounterCallbacksRenderAsCounters) {
  Metrics m;
  m.DefineCounter("pages_total", "Pages");
  int64_t pages = 2;
  m.SetCounterCallback("pages_total", {{"outcome", "ok"}}, [&] { return double(pages); });
  pages = 5;
  const std::string text = m.Render();
  EXPECT_NE(text.find("# TYPE pages_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("pages_total{outcome=\"ok\"} 5\n"), std::string::npos) << text;
  EXPECT_EQ(m.Value("pages_total", {{"outcome", "ok"}}), 5);
  EXPECT_THROW(m.SetCallback("pages_total", {}, [] { return 1.0; }), std::logic_error);
}

TEST(MetricsTest, UsingANameAsAnotherTypeThrows) {
  Metrics m;
  m.DefineCounter("x", "");
  EXPECT_THROW(m.Set("x", {}, 1), std::logic_error);
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        m.Increment("c", {{"t", "x"}});
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(m.Value("c", {{"t", "x"}}), 4000);
}

}  // namespace
}  // namespace leadscan::common
