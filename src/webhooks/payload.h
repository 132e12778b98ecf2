// What a webhook delivery sends: the JSON body {"event","id","created_at","data"} and the
// headers X-Leadscan-Event, X-Leadscan-Delivery and X-Leadscan-Signature (docs/webhooks.md),
// and the list of events a webhook may subscribe to. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "fetch/fetcher.h"
#include "store/store.h"

namespace leadscan::webhooks {

inline constexpr std::string_view kEventHeader = "X-Leadscan-Event";
inline constexpr std::string_view kDeliveryHeader = "X-Leadscan-Delivery";
inline constexpr std::string_view kSignatureHeader = "X-Leadscan-Signature";
inline constexpr std::string_view kUserAgent = "leadscan-webhooks/0.1";

// The events a webhook may subscribe to, in documentation order.
const std::vector<std::string_view>& KnownEvents();

bool IsKnownEvent(std::string_view event);

// The body of a delivery, byte for byte the same for every attempt of it:
// {"event":..,"id":..,"created_at":"2026-01-05T10:00:00Z","data":..} (keys in that order; the
// time in the API's format, whole seconds UTC). Invalid UTF-8 in data becomes U+FFFD.
std::string BuildPayloadBody(std::string_view event, std::string_view event_id,
                             common::TimePoint created_at, const nlohmann::json& data);

// One POST to make.
struct DeliveryRequest {
  std::string url;
  std::string body;
  fetch::Headers headers;  // Content-Type, User-Agent and the three X-Leadscan-* headers
};

// The request for a claimed delivery: its body, signed with the webhook's secret.
DeliveryRequest BuildDeliveryRequest(const store::ClaimedDelivery& claimed);

}  // namespace leadscan::webhooks
