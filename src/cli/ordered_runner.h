// OrderedRunner: runs N independent jobs on a few threads and hands each job's JSON to an
// emit callback, either in input order (a job as soon as it and all before it are done) or as
// each finishes. Used by `analyze` and `batch`. One Run() per object; Run() blocks.
#pragma once

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

namespace leadscan::cli {

class OrderedRunner {
 public:
  enum class Order { kInput, kDone };

  // `emit(i, json, failed)` runs under the runner's lock, once per job, in the chosen order.
  using EmitFn = std::function<void(size_t index, const nlohmann::json& json, bool failed)>;

  // `work(i)` returns the JSON for job i and whether it failed; it runs on a worker thread. A
  // job that throws becomes a failed row {"error": {"code": "internal_error", ...}}; an emit
  // that throws loses that row's output (said on stderr) and makes Run() return true.
  using WorkFn = std::function<std::pair<nlohmann::json, bool>(size_t index)>;

  OrderedRunner(size_t count, Order order, EmitFn emit);

  // Runs every job on min(threads, count) threads. Returns true when some job failed.
  bool Run(int threads, const WorkFn& work);

 private:
  void Finish(size_t i, nlohmann::json json, bool failed);
  void Emit(size_t i, const nlohmann::json& json, bool failed);  // under mu_

  std::mutex mu_;
  std::vector<std::optional<std::pair<nlohmann::json, bool>>> slots_;
  size_t emitted_ = 0;  // kInput: jobs before this index have been emitted
  bool any_failed_ = false;
  Order order_;
  EmitFn emit_;
};

}  // namespace leadscan::cli
