// CompletionBatcher: group commit of item completions for the batch runner. Worker threads call
// Complete() and block; while one thread writes a batch with Store::CompleteItems, completions
// that arrive meanwhile queue up and the next writer takes them all (at most max_batch) in one
// transaction. A lone completion is written with Store::CompleteItem. When a batch's
// transaction fails as a whole, each of its completions is written again on its own, so one
// bad row or a transient error costs no more than before. Holds a reference to the Store, which
// must outlive it. Thread-safe.
#pragma once

#include <chrono>
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

// Longest a batch's writer waits for completions announced and not yet arrived.
inline constexpr std::chrono::milliseconds kCompletionGatherWindow{5};

class CompletionBatcher {
 public:
  explicit CompletionBatcher(store::Store& store, size_t max_batch = kDefaultCompletionBatch,
                             std::chrono::milliseconds gather_window = kCompletionGatherWindow);

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
                                             const OnCommitted& on_committed = {},
                                             bool announced = false);

  // Announces `n` completions that are expected soon (items just claimed). A writer about to
  // write a batch waits up to the gather window while announced completions have not arrived
  // and the batch is not full, so items that finish together go in one transaction instead of
  // trickling into many. Each announced completion later arrives (Complete with announced =
  // true) or is withdrawn (its item ended another way). Never blocks on the store.
  void Announce(size_t n);
  void Withdraw(size_t n);

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

  // Wakes a writer waiting for announced completions once none is missing or the batch is full.
  void NotifyGathering();

  store::Store& store_;
  const size_t max_batch_;
  const std::chrono::milliseconds gather_window_;
  mutable std::mutex mu_;
  size_t announced_ = 0;          // announced and not arrived or withdrawn
  Pending* gathering_ = nullptr;  // the writer waiting for them
  std::deque<Pending*> queue_;
  bool writing_ = false;
  Stats stats_;
};

}  // namespace leadscan::jobs
