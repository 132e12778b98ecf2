#include "webhooks/payload.h"

#include <date/date.h>

#include <algorithm>

#include "webhooks/signature.h"

namespace leadscan::webhooks {
namespace {

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

const std::vector<std::string_view>& KnownEvents() {
  static const std::vector<std::string_view> kEvents = {store::kWebhookEventJobCompleted,
                                                        store::kWebhookEventLeadChanged};
  return kEvents;
}

bool IsKnownEvent(std::string_view event) {
  const auto& events = KnownEvents();
  return std::find(events.begin(), events.end(), event) != events.end();
}

std::string BuildPayloadBody(std::string_view event, std::string_view event_id,
                             common::TimePoint created_at, const nlohmann::json& data) {
  const std::string at = date::format("%FT%TZ", date::floor<std::chrono::seconds>(created_at));
  // Pieces of valid JSON joined by hand, so the keys keep the documented order.
  return "{\"event\":" + Dump(std::string(event)) + ",\"id\":" + Dump(std::string(event_id)) +
         ",\"created_at\":" + Dump(at) + ",\"data\":" + Dump(data) + "}";
}

DeliveryRequest BuildDeliveryRequest(const store::ClaimedDelivery& claimed) {
  const store::WebhookDelivery& d = claimed.delivery;
  DeliveryRequest r;
  r.url = claimed.url;
  r.body = BuildPayloadBody(d.event, d.event_id, d.event_created_at, d.data);
  r.headers = {{"Content-Type", "application/json"},
               {"User-Agent", std::string(kUserAgent)},
               {std::string(kEventHeader), d.event},
               {std::string(kDeliveryHeader), d.id},
               {std::string(kSignatureHeader), SignatureHeaderValue(claimed.secret, r.body)}};
  return r;
}

}  // namespace leadscan::webhooks
