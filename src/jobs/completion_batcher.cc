#include "jobs/completion_batcher.h"

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

namespace leadscan::jobs {

CompletionBatcher::CompletionBatcher(store::Store& store, size_t max_batch,
                                     std::chrono::milliseconds gather_window)
    : store_(store), max_batch_(std::max<size_t>(1, max_batch)), gather_window_(gather_window) {}

void CompletionBatcher::Announce(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  announced_ += n;
}

void CompletionBatcher::Withdraw(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  announced_ -= std::min(announced_, n);
  NotifyGathering();
}

void CompletionBatcher::NotifyGathering() {
  if (gathering_ != nullptr && (announced_ == 0 || queue_.size() >= max_batch_))
    gathering_->cv.notify_one();
}

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
    const store::ItemCompletion& completion, const OnCommitted& on_committed, bool announced) {
  Pending mine;
  mine.completion = &completion;
  mine.on_committed = &on_committed;
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&mine);
  if (announced && announced_ > 0)
    --announced_;
  NotifyGathering();
  if (!writing_) {
    // Nobody is writing: this thread writes what is queued (its own completion among it).
    writing_ = true;
    mine.writer = true;
  }
  while (!mine.result && !mine.alone) {
    if (!mine.writer) {
      // Woken alone: when its batch is written, or when it is to write the next one.
      mine.cv.wait(lock);
      continue;
    }
    if (announced_ > 0 && queue_.size() < max_batch_ && gather_window_.count() > 0) {
      // Completions of items claimed together are on their way: wait briefly so they share
      // this transaction (its commit, its counter update) instead of each waiting for the next.
      gathering_ = &mine;
      mine.cv.wait_for(lock, gather_window_,
                       [&] { return announced_ == 0 || queue_.size() >= max_batch_; });
      gathering_ = nullptr;
    }
    std::vector<Pending*> batch;
    while (!queue_.empty() && batch.size() < max_batch_) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    std::exception_ptr thrown;
    try {
      WriteBatch(batch);
    } catch (...) {
      thrown = std::current_exception();
      lock.lock();
      // The others of the batch must not wait forever: they write on their own.
      for (Pending* p : batch) {
        if (!p->result)
          p->alone = true;
      }
    }
    if (!thrown) {
      lock.lock();
    } else {
      // This thread leaves by the exception: its own completion, if it was not in this batch,
      // must not stay queued, and the next waiter must take over the writing.
      queue_.erase(std::remove(queue_.begin(), queue_.end(), &mine), queue_.end());
      mine.alone = true;
    }
    for (Pending* p : batch) {
      if (p != &mine)
        p->cv.notify_one();  // under mu_: the waiter cannot return (and free p) before it
    }
    if (mine.result || mine.alone) {
      // Done: the oldest waiter writes the next batch, if any.
      mine.writer = false;
      if (queue_.empty()) {
        writing_ = false;
      } else {
        queue_.front()->writer = true;
        queue_.front()->cv.notify_one();
      }
    }
    if (thrown)
      std::rethrow_exception(thrown);
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
