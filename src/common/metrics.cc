#include "common/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace leadscan::common {
namespace {

MetricLabels Sorted(const MetricLabels& labels) {
  MetricLabels out = labels;
  std::sort(out.begin(), out.end());
  return out;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatNumber(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// `{a="1",b="2"}` with an optional extra label appended (histogram `le`).
std::string LabelText(const MetricLabels& labels, std::string_view extra_name = {},
                      std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty())
    return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first)
      out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += EscapeLabelValue(value);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first)
      out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

const char* TypeName(Metrics::Type type) {
  switch (type) {
    case Metrics::Type::kCounter:
      return "counter";
    case Metrics::Type::kGauge:
      return "gauge";
    case Metrics::Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

const std::vector<double>& Metrics::DefaultLatencyBuckets() {
  static const std::vector<double> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                               0.5,   1,    2.5,   5,    10};
  return kBuckets;
}

Metrics::Family& Metrics::FamilyLocked(std::string_view name, Type type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    Family family;
    family.type = type;
    if (type == Type::kHistogram)
      family.upper_bounds = DefaultLatencyBuckets();
    it = families_.emplace(std::string(name), std::move(family)).first;
  } else if (it->second.type != type) {
    throw std::logic_error("metric " + std::string(name) + " used as " + TypeName(type) +
                           " but defined as " + TypeName(it->second.type));
  }
  return it->second;
}

void Metrics::DefineCounter(std::string_view name, std::string_view help) {
  std::lock_guard lock(mu_);
  FamilyLocked(name, Type::kCounter).help = help;
}

void Metrics::DefineGauge(std::string_view name, std::string_view help) {
  std::lock_guard lock(mu_);
  FamilyLocked(name, Type::kGauge).help = help;
}

void Metrics::DefineHistogram(std::string_view name, std::string_view help,
                              std::vector<double> upper_bounds) {
  std::sort(upper_bounds.begin(), upper_bounds.end());
  upper_bounds.erase(std::unique(upper_bounds.begin(), upper_bounds.end()), upper_bounds.end());
  std::lock_guard lock(mu_);
  Family& family = FamilyLocked(name, Type::kHistogram);
  family.help = help;
  if (family.series.empty())
    family.upper_bounds = std::move(upper_bounds);
}

void Metrics::Increment(std::string_view name, const MetricLabels& labels, double by) {
  if (by < 0)
    return;  // counters only go up
  std::lock_guard lock(mu_);
  FamilyLocked(name, Type::kCounter).series[Sorted(labels)].value += by;
}

void Metrics::Set(std::string_view name, const MetricLabels& labels, double value) {
  std::lock_guard lock(mu_);
  FamilyLocked(name, Type::kGauge).series[Sorted(labels)].value = value;
}

void Metrics::Add(std::string_view name, const MetricLabels& labels, double delta) {
  std::lock_guard lock(mu_);
  FamilyLocked(name, Type::kGauge).series[Sorted(labels)].value += delta;
}

void Metrics::SetCallback(std::string_view name, const MetricLabels& labels,
                          std::function<double()> read) {
  std::lock_guard lock(mu_);
  FamilyLocked(name, Type::kGauge).series[Sorted(labels)].callback = std::move(read);
}

void Metrics::SetCounterCallback(std::string_view name, const MetricLabels& labels,
                                 std::function<double()> read) {
  std::lock_guard lock(mu_);
  FamilyLocked(name, Type::kCounter).series[Sorted(labels)].callback = std::move(read);
}

void Metrics::Observe(std::string_view name, const MetricLabels& labels, double value) {
  std::lock_guard lock(mu_);
  Family& family = FamilyLocked(name, Type::kHistogram);
  Series& series = family.series[Sorted(labels)];
  if (series.buckets.size() != family.upper_bounds.size()) {
    series.buckets.assign(family.upper_bounds.size(), 0);
  }
  auto it = std::lower_bound(family.upper_bounds.begin(), family.upper_bounds.end(), value);
  if (it != family.upper_bounds.end())
    ++series.buckets[it - family.upper_bounds.begin()];
  series.sum += value;
  ++series.count;
}

double Metrics::Value(std::string_view name, const MetricLabels& labels) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end())
    return 0;
  auto s = it->second.series.find(Sorted(labels));
  if (s == it->second.series.end())
    return 0;
  return s->second.callback ? s->second.callback() : s->second.value;
}

uint64_t Metrics::Count(std::string_view name, const MetricLabels& labels) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end())
    return 0;
  auto s = it->second.series.find(Sorted(labels));
  return s == it->second.series.end() ? 0 : s->second.count;
}

std::string Metrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    if (!family.help.empty()) {
      out += "# HELP " + name + " " + EscapeHelp(family.help) + "\n";
    }
    out += "# TYPE " + name + " " + TypeName(family.type) + "\n";
    for (const auto& [labels, series] : family.series) {
      if (family.type != Type::kHistogram) {
        double v = series.callback ? series.callback() : series.value;
        out += name + LabelText(labels) + " " + FormatNumber(v) + "\n";
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < family.upper_bounds.size(); ++i) {
        if (i < series.buckets.size())
          cumulative += series.buckets[i];
        out += name + "_bucket" + LabelText(labels, "le", FormatNumber(family.upper_bounds[i])) +
               " " + std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + LabelText(labels, "le", "+Inf") + " " +
             std::to_string(series.count) + "\n";
      out += name + "_sum" + LabelText(labels) + " " + FormatNumber(series.sum) + "\n";
      out += name + "_count" + LabelText(labels) + " " + std::to_string(series.count) + "\n";
    }
  }
  return out;
}

}  // namespace leadscan::common
