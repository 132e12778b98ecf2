-- Counting a job's items by run (job status polls) and finding the oldest lead of an
-- organisation with a domain (CSV import upserts) without scanning every row.
CREATE INDEX IF NOT EXISTS batch_items_run_job ON batch_analysis_items(run_id, job_id, seq);
CREATE INDEX IF NOT EXISTS leads_org_domain_created ON leads(org_id, domain, created_at, id);
