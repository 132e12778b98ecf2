// Handlers of /api/webhooks (docs/webhooks.md): create, list, show and delete an
// organisation's webhooks and read a webhook's delivery log. Admin only; organisation-scoped;
// the secret is taken once and never shown again (only a hint). Registered by RegisterRoutes;
// thread-safe (state lives in the Store).
#pragma once

#include "api/json_util.h"
#include "api/services.h"
#include "http/router.h"
#include "store/store.h"

namespace leadscan::api {

void RegisterWebhookRoutes(http::Router& router, Services& services);

// A webhook as the API shows it: no secret, a secret_hint ("****" and its last 4 characters).
Json WebhookJson(const store::Webhook& webhook);

Json DeliveryJson(const store::WebhookDelivery& delivery);

}  // namespace leadscan::api
