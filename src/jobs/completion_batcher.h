// CompletionBatcher: group commit of item completions for the batch runner. Worker threads call
// Complete() and block; while one thread writes a batch with Store::CompleteItems, completions
// that arrive meanwhile queue up and the next writer takes them all (at most max_batch) in one
// transaction. A lone completion is written with Store::CompleteItem. When a batch's
// transaction fails as a whole, each of its completions is written again on its own, so one
// bad row or a transient error costs no more than before. Holds a reference to the Store, which
// must outlive it. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "common/result.h"
#include "store/store.h"

namespace leadscan::jobs {

// Most completions in one transaction.
inline constexpr size_t kDefaultCompletionBatch = 64;

class CompletionBatcher {
 public:
  explicit CompletionBatcher(store::Store& store, size_t max_batch = kDefaultCompletionBatch);

  CompletionBatcher(const CompletionBatcher&) = delete;
  CompletionBatcher& operator=(const CompletionBatcher&) = delete;

  // Runs right after a completion is committed, with its update. The thread that wrote a batch
  // runs the callbacks of the whole batch in the batch's order before the next batch is
  // written, so whatever they publish (item events, then the run's final status on the entry
  // that finished the run) comes out in commit order. Must not throw or call Complete().
  using OnCommitted = std::function<void(const store::ItemUpdate&)>;

  // Writes `completion` as Store::CompleteItem would (same results: the ItemUpdate, or
  // lease_lost / not_found / a store error) and returns once it is committed or refused; on
  // commit `on_committed` (if any) has run. Blocks on the store.
  common::Result<store::ItemUpdate> Complete(const store::ItemCompletion& completion,
                                             const OnCommitted& on_committed = {});

  // Transactions written and completions they carried (for the benchmark and tests).
  struct Stats {
    int64_t transactions = 0;
    int64_t completions = 0;
  };

  Stats stats() const;

 private:
  // One waiting completion, on its caller's stack; guarded by mu_. Each waiter has its own
  // condition variable, so a batch wakes exactly its own callers and the next writer.
  struct Pending {
    const store::ItemCompletion* completion = nullptr;
    const OnCommitted* on_committed = nullptr;
    std::optional<common::Result<store::ItemUpdate>> result;
    bool alone = false;   // the batch failed as a whole: write it on its own
    bool writer = false;  // this caller writes the next batch
    std::condition_variable cv;
  };

  // Writes the batch, runs the callbacks of the committed entries in order, then fills in each
  // entry's result (or marks them all `alone`).
  void WriteBatch(const std::vector<Pending*>& batch);
  static void Committed(const Pending& p, const common::Result<store::ItemUpdate>& result);

  store::Store& store_;
  const size_t max_batch_;
  mutable std::mutex mu_;
  std::deque<Pending*> queue_;
  bool writing_ = false;
  Stats stats_;
};

}  // namespace leadscan::jobs
