-- leadscan schema, SQLite dialect. Times are ISO 8601 UTC text with microseconds
-- ("2025-12-18T22:00:00.000000Z", sortable as text); JSON columns are text; booleans 0/1.

CREATE TABLE organizations (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
  id         TEXT PRIMARY KEY,
  org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  role       TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  name       TEXT NOT NULL DEFAULT '',
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX api_tokens_org ON api_tokens(org_id);

CREATE TABLE leads (
  id                 TEXT PRIMARY KEY,
  org_id             TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  company_name       TEXT NOT NULL,
  domain             TEXT NOT NULL DEFAULT '',
  extra              TEXT NOT NULL DEFAULT '{}',
  ecommerce_platform TEXT,
  checkout_solutions TEXT NOT NULL DEFAULT '[]',
  payment_methods    TEXT NOT NULL DEFAULT '[]',
  carriers           TEXT NOT NULL DEFAULT '[]',
  shipping_software  TEXT NOT NULL DEFAULT '[]',
  technologies       TEXT NOT NULL DEFAULT '[]',
  last_analyzed_at   TEXT,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
CREATE INDEX leads_org_created ON leads(org_id, created_at DESC, id DESC);
CREATE INDEX leads_org_domain ON leads(org_id, domain);

CREATE TABLE batch_analysis_jobs (
  id               TEXT PRIMARY KEY,
  org_id           TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  job_name         TEXT NOT NULL,
  job_type         TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'scheduled', 'running', 'completed', 'failed',
                                     'cancelled')),
  progress         INTEGER NOT NULL DEFAULT 0,
  total_leads      INTEGER NOT NULL DEFAULT 0,
  successful_count INTEGER NOT NULL DEFAULT 0,
  failed_count     INTEGER NOT NULL DEFAULT 0,
  analysis_config  TEXT NOT NULL DEFAULT '{}',
  is_scheduled     INTEGER NOT NULL DEFAULT 0,
  schedule_cron    TEXT,
  next_run_at      TEXT,
  last_run_at      TEXT,
  created_at       TEXT NOT NULL,
  created_by       TEXT,
  timezone         TEXT NOT NULL DEFAULT 'UTC',
  enabled          INTEGER NOT NULL DEFAULT 1,
  started_at       TEXT,
  completed_at     TEXT,
  error_message    TEXT,
  current_run_id   TEXT
);
CREATE INDEX batch_jobs_org_created ON batch_analysis_jobs(org_id, created_at DESC, id DESC);
CREATE INDEX batch_jobs_due ON batch_analysis_jobs(next_run_at)
  WHERE is_scheduled = 1 AND enabled = 1;

CREATE TABLE batch_analysis_job_leads (
  job_id   TEXT NOT NULL REFERENCES batch_analysis_jobs(id) ON DELETE CASCADE,
  lead_id  TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  PRIMARY KEY (job_id, lead_id)
);
CREATE INDEX batch_job_leads_lead ON batch_analysis_job_leads(lead_id);

CREATE TABLE batch_analysis_runs (
  id               TEXT PRIMARY KEY,
  job_id           TEXT NOT NULL REFERENCES batch_analysis_jobs(id) ON DELETE CASCADE,
  org_id           TEXT NOT NULL,
  trigger_type     TEXT NOT NULL CHECK (trigger_type IN ('manual', 'scheduled', 'api')),
  status           TEXT NOT NULL
                   CHECK (status IN ('running', 'completed', 'failed', 'cancelled', 'skipped')),
  scheduled_for    TEXT,
  started_at       TEXT NOT NULL,
  completed_at     TEXT,
  total_items      INTEGER NOT NULL DEFAULT 0,
  successful_count INTEGER NOT NULL DEFAULT 0,
  failed_count     INTEGER NOT NULL DEFAULT 0,
  error_message    TEXT
);
CREATE INDEX batch_runs_job ON batch_analysis_runs(job_id, started_at DESC);

CREATE TABLE batch_analysis_items (
  id               TEXT PRIMARY KEY,
  job_id           TEXT NOT NULL REFERENCES batch_analysis_jobs(id) ON DELETE CASCADE,
  run_id           TEXT NOT NULL REFERENCES batch_analysis_runs(id) ON DELETE CASCADE,
  lead_id          TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  seq              INTEGER NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'processing', 'completed', 'failed',
                                     'cancelled')),
  retry_count      INTEGER NOT NULL DEFAULT 0,
  error_code       TEXT,
  error_message    TEXT,
  started_at       TEXT,
  completed_at     TEXT,
  duration_seconds REAL,
  lease_owner      TEXT,
  lease_expires_at TEXT,
  not_before       TEXT,
  result           TEXT,
  created_at       TEXT NOT NULL
);
CREATE INDEX batch_items_run ON batch_analysis_items(run_id, seq);
CREATE INDEX batch_items_run_status ON batch_analysis_items(run_id, status);
CREATE INDEX batch_items_lead ON batch_analysis_items(lead_id);
CREATE INDEX batch_items_pending ON batch_analysis_items(created_at, seq)
  WHERE status = 'pending';
CREATE INDEX batch_items_lease ON batch_analysis_items(lease_expires_at)
  WHERE status = 'processing';

CREATE TABLE analysis_results (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id     TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  job_id      TEXT REFERENCES batch_analysis_jobs(id) ON DELETE SET NULL,
  run_id      TEXT REFERENCES batch_analysis_runs(id) ON DELETE SET NULL,
  item_id     TEXT,
  job_type    TEXT,
  domain      TEXT,
  analyzed_at TEXT NOT NULL,
  result      TEXT NOT NULL DEFAULT 'null'
);
CREATE INDEX analysis_results_lead ON analysis_results(lead_id, analyzed_at DESC);
