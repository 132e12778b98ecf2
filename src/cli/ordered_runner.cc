#include "cli/ordered_runner.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace leadscan::cli {

OrderedRunner::OrderedRunner(size_t count, Order order, EmitFn emit)
    : slots_(count), order_(order), emit_(std::move(emit)) {}

bool OrderedRunner::Run(int threads, const WorkFn& work) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  const size_t n = std::min<size_t>(static_cast<size_t>(std::max(1, threads)), slots_.size());
  for (size_t t = 0; t < n; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < slots_.size(); i = next++) {
        auto [json, failed] = work(i);
        Finish(i, std::move(json), failed);
      }
    });
  }
  for (auto& t : pool)
    t.join();
  return any_failed_;
}

void OrderedRunner::Finish(size_t i, nlohmann::json json, bool failed) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failed)
    any_failed_ = true;
  if (order_ == Order::kDone) {
    emit_(i, json, failed);
    return;
  }
  slots_[i].emplace(std::move(json), failed);
  while (emitted_ < slots_.size() && slots_[emitted_]) {
    emit_(emitted_, slots_[emitted_]->first, slots_[emitted_]->second);
    slots_[emitted_].reset();  // emitted: free the JSON
    ++emitted_;
  }
}

}  // namespace leadscan::cli
