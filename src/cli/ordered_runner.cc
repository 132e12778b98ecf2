#include "cli/ordered_runner.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <iostream>
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
        // No exception leaves the thread: a job that throws is a failed row of its own.
        std::pair<nlohmann::json, bool> out;
        try {
          out = work(i);
        } catch (const std::exception& e) {
          out = {nlohmann::json{{"error",
                                 {{"code", "internal_error"},
                                  {"message", std::string("the row's analysis threw: ") + e.what()},
                                  {"retryable", false}}}},
                 true};
        }
        Finish(i, std::move(out.first), out.second);
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
    Emit(i, json, failed);
    return;
  }
  slots_[i].emplace(std::move(json), failed);
  while (emitted_ < slots_.size() && slots_[emitted_]) {
    Emit(emitted_, slots_[emitted_]->first, slots_[emitted_]->second);
    slots_[emitted_].reset();  // emitted: free the JSON
    ++emitted_;
  }
}

void OrderedRunner::Emit(size_t i, const nlohmann::json& json, bool failed) {
  try {
    emit_(i, json, failed);
  } catch (const std::exception& e) {
    // The row's output is lost: say so, count the run as failed, and go on with the others.
    any_failed_ = true;
    std::cerr << "leadscan: the result of row " << i << " could not be written: " << e.what()
              << "\n";
  }
}

}  // namespace leadscan::cli
