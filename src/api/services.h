// Services: what the API handlers work with, owned by main (cli) and outliving the server.
// Plain references; the objects themselves are thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "common/clock.h"

namespace leadscan::store {
class Store;
}

namespace leadscan::analysis {
class LeadAnalyzer;
}

namespace leadscan::jobs {
class BatchRunner;
class Scheduler;
class JobEventHub;
}  // namespace leadscan::jobs

namespace leadscan::webhooks {
class WebhookUrlPolicy;
}

namespace leadscan::api {

struct ApiOptions {
  static constexpr int64_t kDefaultBatchLimit = 10000;  // the seed had 100
  static constexpr int64_t kMaxPageSize = 1000;

  int64_t batch_limit = kDefaultBatchLimit;  // lead_ids per job / leads per create call
  std::string default_timezone = "UTC";      // for jobs created without a timezone
  int64_t max_webhooks_per_org = 20;
  int64_t min_webhook_secret = 16;   // characters
  int64_t max_webhook_secret = 256;  // bytes
};

struct Services {
  Services(store::Store& s, common::Clock& c) : store(s), clock(c) {}

  store::Store& store;
  common::Clock& clock;
  analysis::LeadAnalyzer* analyzer = nullptr;  // single-domain analysis; null: 503
  jobs::BatchRunner* runner = nullptr;         // woken when work arrives; may be null
  jobs::Scheduler* scheduler = nullptr;        // notified on schedule changes; may be null
  jobs::JobEventHub* events = nullptr;         // SSE source; may be null
  // Where webhook URLs may point (the fetcher's allow-net rules); null: public addresses only.
  const webhooks::WebhookUrlPolicy* webhook_urls = nullptr;
  ApiOptions options;
};

}  // namespace leadscan::api
