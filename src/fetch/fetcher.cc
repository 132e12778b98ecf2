#include "fetch/fetcher.h"

#include <future>

namespace leadscan::fetch {

FetchResult Fetcher::Fetch(FetchRequest request) {
  std::promise<FetchResult> promise;
  std::future<FetchResult> future = promise.get_future();
  FetchAsync(std::move(request),
             [&promise](FetchResult result) { promise.set_value(std::move(result)); });
  return future.get();
}

}  // namespace leadscan::fetch
