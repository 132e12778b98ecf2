#include "jobs/completion_batcher.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace leadscan::jobs {

CompletionBatcher::CompletionBatcher(store::Store& store, size_t max_batch)
    : store_(store), max_batch_(std::max<size_t>(1, max_batch)) {}

CompletionBatcher::Stats CompletionBatcher::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void CompletionBatcher::Committed(const Pending& p,
                                  const common::Result<store::ItemUpdate>& result) {
  if (p.on_committed != nullptr && *p.on_committed && result.ok())
    (*p.on_committed)(result.value());
}

common::Result<store::ItemUpdate> CompletionBatcher::Complete(
    const store::ItemCompletion& completion, const OnCommitted& on_committed) {
  Pending mine{&completion, &on_committed, std::nullopt};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&mine);
  while (!mine.result && !mine.alone) {
    if (!writing_) {
      // Nobody is writing: this thread writes what is queued (its own completion among it),
      // then hands the next batch to whichever waiter sees the queue first.
      writing_ = true;
      std::vector<Pending*> batch;
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      lock.unlock();
      try {
        WriteBatch(batch);
      } catch (...) {
        // The others of the batch must not wait forever: they write on their own.
        lock.lock();
        for (Pending* p : batch) {
          if (p != &mine && !p->result)
            p->alone = true;
        }
        writing_ = false;
        done_cv_.notify_all();
        throw;
      }
      lock.lock();
      writing_ = false;
      done_cv_.notify_all();
      continue;
    }
    done_cv_.wait(lock);
  }
  if (mine.alone) {
    lock.unlock();
    auto result = store_.CompleteItem(completion);
    if (result.ok() && on_committed)
      on_committed(result.value());
    lock.lock();
    ++stats_.transactions;
    ++stats_.completions;
    return result;
  }
  return std::move(*mine.result);
}

void CompletionBatcher::WriteBatch(const std::vector<Pending*>& batch) {
  if (batch.size() == 1) {
    auto result = store_.CompleteItem(*batch.front()->completion);
    Committed(*batch.front(), result);
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.transactions;
    ++stats_.completions;
    batch.front()->result = std::move(result);
    return;
  }
  std::vector<store::ItemCompletion> completions;
  completions.reserve(batch.size());
  for (const Pending* p : batch)
    completions.push_back(*p->completion);
  auto results = store_.CompleteItems(completions);
  if (results.ok() && results->size() == batch.size()) {
    // In the batch's order, before any waiter sees its result (a waiter returns only then, so
    // its entry is alive here).
    for (size_t i = 0; i < batch.size(); ++i)
      Committed(*batch[i], (*results)[i]);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!results.ok() || results->size() != batch.size()) {
    for (Pending* p : batch)
      p->alone = true;
    return;
  }
  ++stats_.transactions;
  stats_.completions += static_cast<int64_t>(batch.size());
  for (size_t i = 0; i < batch.size(); ++i)
    batch[i]->result = std::move((*results)[i]);
}

}  // namespace leadscan::jobs
