-- Webhooks (docs/webhooks.md, docs/decisions/webhook-outbox.md): an organisation's endpoints,
-- and the durable outbox of deliveries. A delivery row is written in the same transaction as
-- the state change its event reports (a run that ended, an analysis that changed a lead), one
-- row per subscribed webhook, and carries a copy of the event; delivery workers claim due rows
-- with a lease, post them and record every attempt.
CREATE TABLE webhooks (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  url         TEXT NOT NULL,
  events      TEXT NOT NULL,  -- JSON array of event names
  secret      TEXT NOT NULL,  -- the signing key; never returned by the API
  created_at  TEXT NOT NULL,
  created_by  TEXT
);
CREATE INDEX webhooks_org ON webhooks(org_id, created_at);

CREATE TABLE webhook_deliveries (
  id               TEXT PRIMARY KEY,  -- X-Leadscan-Delivery: the same on every retry
  webhook_id       TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  org_id           TEXT NOT NULL,
  event_id         TEXT NOT NULL,     -- the payload's "id": one per event, shared by webhooks
  event            TEXT NOT NULL,
  event_created_at TEXT NOT NULL,
  data             TEXT NOT NULL,     -- the payload's "data" (JSON)
  status           TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  TEXT,              -- pending: not before this
  lease_owner      TEXT,
  lease_expires_at TEXT,
  lease_token      INTEGER NOT NULL DEFAULT 0,
  last_attempt_at  TEXT,
  last_status_code INTEGER,
  last_error       TEXT,
  delivered_at     TEXT,
  created_at       TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries(created_at)
  WHERE status <> 'pending';

CREATE TABLE webhook_delivery_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt     INTEGER NOT NULL,
  started_at  TEXT NOT NULL,
  status_code INTEGER,
  error       TEXT,
  duration_ms REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (delivery_id, attempt)
);
