-- Webhooks (docs/webhooks.md, docs/decisions/webhook-outbox.md): an organisation's endpoints,
-- and the durable outbox of deliveries. A delivery row is written in the same transaction as
-- the state change its event reports (a run that ended, an analysis that changed a lead), one
-- row per subscribed webhook, and carries a copy of the event; delivery workers claim due rows
-- with a lease (FOR UPDATE SKIP LOCKED), post them and record every attempt.
CREATE TABLE webhooks (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  url         text NOT NULL,
  events      text NOT NULL,  -- JSON array of event names
  secret      text NOT NULL,  -- the signing key; never returned by the API
  created_at  timestamptz NOT NULL,
  created_by  text
);
CREATE INDEX webhooks_org ON webhooks(org_id, created_at);

CREATE TABLE webhook_deliveries (
  id               uuid PRIMARY KEY,  -- X-Leadscan-Delivery: the same on every retry
  webhook_id       uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  org_id           uuid NOT NULL,
  event_id         uuid NOT NULL,     -- the payload's "id": one per event, shared by webhooks
  event            text NOT NULL,
  event_created_at timestamptz NOT NULL,
  data             text NOT NULL,     -- the payload's "data" (JSON text, kept byte for byte)
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,       -- pending: not before this
  lease_owner      text,
  lease_expires_at timestamptz,
  lease_token      bigint NOT NULL DEFAULT 0,
  last_attempt_at  timestamptz,
  last_status_code integer,
  last_error       text,
  delivered_at     timestamptz,
  created_at       timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries(created_at)
  WHERE status <> 'pending';

CREATE TABLE webhook_delivery_attempts (
  delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt     integer NOT NULL,
  started_at  timestamptz NOT NULL,
  status_code integer,
  error       text,
  duration_ms double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (delivery_id, attempt)
);
