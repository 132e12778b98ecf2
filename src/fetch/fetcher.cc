#include "fetch/fetcher.h"

#include <future>

#include "fetch/charset.h"

namespace leadscan::fetch {

common::Status WithValidUtf8(const common::Status& s) {
  if (IsValidUtf8(s.message()))
    return s;
  common::Status out =
      common::Status::Error(s.code(), s.error_code(), ToValidUtf8(s.message()), s.retryable());
  return s.field().empty() ? out : out.WithField(s.field());
}

FetchResult WithValidUtf8(FetchResult result, FetchKind kind) {
  if (!result.ok())
    return WithValidUtf8(result.status());
  FetchResponse& r = *result;
  for (std::string* s :
       {&r.url, &r.final_url, &r.http_version, &r.content_type, &r.charset, &r.remote_ip,
        &r.cert_issuer, &r.reason, &r.via, &r.fallback_reason, &r.source}) {
    MakeValidUtf8(*s);
  }
  for (std::string& u : r.redirects)
    MakeValidUtf8(u);
  for (std::string& u : r.links)
    MakeValidUtf8(u);
  for (auto& [name, value] : r.headers) {
    MakeValidUtf8(name);
    MakeValidUtf8(value);
  }
  if (kind != FetchKind::kRaw)
    MakeValidUtf8(r.body);
  return result;
}

FetchResult Fetcher::Fetch(FetchRequest request) {
  std::promise<FetchResult> promise;
  std::future<FetchResult> future = promise.get_future();
  FetchAsync(std::move(request),
             [&promise](FetchResult result) { promise.set_value(std::move(result)); });
  return future.get();
}

}  // namespace leadscan::fetch
