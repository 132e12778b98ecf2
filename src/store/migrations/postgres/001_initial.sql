-- leadscan schema, PostgreSQL dialect: uuid ids, timestamptz times, jsonb documents.

CREATE TABLE organizations (
  id         uuid PRIMARY KEY,
  name       text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL
);

CREATE TABLE api_tokens (
  id         uuid PRIMARY KEY,
  org_id     uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('admin', 'member')),
  name       text NOT NULL DEFAULT '',
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX api_tokens_org ON api_tokens(org_id);

CREATE TABLE leads (
  id                 uuid PRIMARY KEY,
  org_id             uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  company_name       text NOT NULL,
  domain             text NOT NULL DEFAULT '',
  extra              jsonb NOT NULL DEFAULT '{}',
  ecommerce_platform jsonb,
  checkout_solutions jsonb NOT NULL DEFAULT '[]',
  payment_methods    jsonb NOT NULL DEFAULT '[]',
  carriers           jsonb NOT NULL DEFAULT '[]',
  shipping_software  jsonb NOT NULL DEFAULT '[]',
  technologies       jsonb NOT NULL DEFAULT '[]',
  last_analyzed_at   timestamptz,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);
CREATE INDEX leads_org_created ON leads(org_id, created_at DESC, id DESC);
CREATE INDEX leads_org_domain ON leads(org_id, domain);

CREATE TABLE batch_analysis_jobs (
  id               uuid PRIMARY KEY,
  org_id           uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  job_name         text NOT NULL,
  job_type         text NOT NULL,
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'scheduled', 'running', 'completed', 'failed',
                                     'cancelled')),
  progress         integer NOT NULL DEFAULT 0,
  total_leads      integer NOT NULL DEFAULT 0,
  successful_count integer NOT NULL DEFAULT 0,
  failed_count     integer NOT NULL DEFAULT 0,
  analysis_config  jsonb NOT NULL DEFAULT '{}',
  is_scheduled     boolean NOT NULL DEFAULT false,
  schedule_cron    text,
  next_run_at      timestamptz,
  last_run_at      timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  created_by       text,
  timezone         text NOT NULL DEFAULT 'UTC',
  enabled          boolean NOT NULL DEFAULT true,
  started_at       timestamptz,
  completed_at     timestamptz,
  error_message    text,
  current_run_id   uuid
);
CREATE INDEX batch_jobs_org_created ON batch_analysis_jobs(org_id, created_at DESC, id DESC);
CREATE INDEX batch_jobs_due ON batch_analysis_jobs(next_run_at)
  WHERE is_scheduled AND enabled;

CREATE TABLE batch_analysis_job_leads (
  job_id   uuid NOT NULL REFERENCES batch_analysis_jobs(id) ON DELETE CASCADE,
  lead_id  uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  position integer NOT NULL,
  PRIMARY KEY (job_id, lead_id)
);
CREATE INDEX batch_job_leads_lead ON batch_analysis_job_leads(lead_id);

CREATE TABLE batch_analysis_runs (
  id               uuid PRIMARY KEY,
  job_id           uuid NOT NULL REFERENCES batch_analysis_jobs(id) ON DELETE CASCADE,
  org_id           uuid NOT NULL,
  trigger_type     text NOT NULL CHECK (trigger_type IN ('manual', 'scheduled', 'api')),
  status           text NOT NULL
                   CHECK (status IN ('running', 'completed', 'failed', 'cancelled', 'skipped')),
  scheduled_for    timestamptz,
  started_at       timestamptz NOT NULL,
  completed_at     timestamptz,
  total_items      integer NOT NULL DEFAULT 0,
  successful_count integer NOT NULL DEFAULT 0,
  failed_count     integer NOT NULL DEFAULT 0,
  error_message    text
);
CREATE INDEX batch_runs_job ON batch_analysis_runs(job_id, started_at DESC);

CREATE TABLE batch_analysis_items (
  id               uuid PRIMARY KEY,
  job_id           uuid NOT NULL REFERENCES batch_analysis_jobs(id) ON DELETE CASCADE,
  run_id           uuid NOT NULL REFERENCES batch_analysis_runs(id) ON DELETE CASCADE,
  lead_id          uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  seq              integer NOT NULL,
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'processing', 'completed', 'failed',
                                     'cancelled')),
  retry_count      integer NOT NULL DEFAULT 0,
  error_code       text,
  error_message    text,
  started_at       timestamptz,
  completed_at     timestamptz,
  duration_seconds double precision,
  lease_owner      text,
  lease_expires_at timestamptz,
  not_before       timestamptz,
  result           jsonb,
  created_at       timestamptz NOT NULL
);
CREATE INDEX batch_items_run ON batch_analysis_items(run_id, seq);
CREATE INDEX batch_items_run_status ON batch_analysis_items(run_id, status);
CREATE INDEX batch_items_lead ON batch_analysis_items(lead_id);
CREATE INDEX batch_items_pending ON batch_analysis_items(created_at, seq)
  WHERE status = 'pending';
CREATE INDEX batch_items_lease ON batch_analysis_items(lease_expires_at)
  WHERE status = 'processing';

CREATE TABLE analysis_results (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id     uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  job_id      uuid REFERENCES batch_analysis_jobs(id) ON DELETE SET NULL,
  run_id      uuid REFERENCES batch_analysis_runs(id) ON DELETE SET NULL,
  item_id     uuid,
  job_type    text,
  domain      text,
  analyzed_at timestamptz NOT NULL,
  result      jsonb NOT NULL DEFAULT 'null'
);
CREATE INDEX analysis_results_lead ON analysis_results(lead_id, analyzed_at DESC);
