// Metrics: a small Prometheus registry of counters, gauges and histograms with labels, rendered
// in the text exposition format (version 0.0.4) for /metrics. main owns one Metrics and hands
// it to services by reference. Thread-safe: any thread may update or render at any time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace leadscan::common {

// Label names and values, e.g. {{"route", "/api/leads"}, {"status", "200"}}. Order does not
// matter: series are keyed by the sorted labels.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  // Seconds buckets suited to HTTP latencies (5 ms .. 10 s).
  static const std::vector<double>& DefaultLatencyBuckets();

  // Declares a family with its help text. Declaring again with the same type is a no-op;
  // a different type is a programming error (throws std::logic_error at start-up).
  void DefineCounter(std::string_view name, std::string_view help);

  void DefineGauge(std::string_view name, std::string_view help);

  void DefineHistogram(std::string_view name, std::string_view help,
                       std::vector<double> upper_bounds = DefaultLatencyBuckets());

  // Counter += by (by >= 0). An undeclared name is declared as a counter with empty help.
  void Increment(std::string_view name, const MetricLabels& labels = {}, double by = 1);

  // Gauge = value / gauge += delta. An undeclared name is declared as a gauge.
  void Set(std::string_view name, const MetricLabels& labels, double value);

  void Add(std::string_view name, const MetricLabels& labels, double delta);

  // A gauge series whose value is read by calling `read` at render time (e.g. queue sizes).
  // `read` runs under the registry lock: it must not call back into this Metrics.
  void SetCallback(std::string_view name, const MetricLabels& labels, std::function<double()> read);

  // A counter series whose value is read by calling `read` at render time: for counts another
  // object keeps (they must never go down). Same rules for `read` as SetCallback.
  void SetCounterCallback(std::string_view name, const MetricLabels& labels,
                          std::function<double()> read);

  // Records one observation. An undeclared name is declared with the default buckets.
  void Observe(std::string_view name, const MetricLabels& labels, double value);

  // Current value of a counter or gauge series (0 when absent); for tests and status pages.
  double Value(std::string_view name, const MetricLabels& labels = {}) const;

  // Number of observations of a histogram series (0 when absent).
  uint64_t Count(std::string_view name, const MetricLabels& labels = {}) const;

  // The whole registry in Prometheus text format, families sorted by name.
  std::string Render() const;

 private:
  struct Series {
    double value = 0;                  // counter / gauge
    std::function<double()> callback;  // gauge read at render time
    std::vector<uint64_t> buckets;     // histogram: cumulative at render, per-bucket here
    double sum = 0;
    uint64_t count = 0;
  };

  struct Family {
    Type type = Type::kCounter;
    std::string help;
    std::vector<double> upper_bounds;  // histograms only
    std::map<MetricLabels, Series> series;
  };

  Family& FamilyLocked(std::string_view name, Type type);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace leadscan::common
