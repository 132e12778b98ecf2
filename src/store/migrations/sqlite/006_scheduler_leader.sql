-- The scheduler's leader among the serve processes of one database (a row lease renewed by its
-- holder; docs/decisions/scheduler-leader.md), and at most one run row per (job, due time), so
-- that even two schedulers that both believe they lead cannot fire one occurrence twice.
CREATE TABLE leader_leases (
  name        TEXT PRIMARY KEY,
  owner       TEXT NOT NULL,
  acquired_at TEXT NOT NULL,
  expires_at  TEXT NOT NULL
);
-- Rows that already break the rule keep their history but lose the duplicate due time (the
-- earliest run of each occurrence keeps it).
UPDATE batch_analysis_runs SET scheduled_for = NULL
WHERE scheduled_for IS NOT NULL AND EXISTS (
  SELECT 1 FROM batch_analysis_runs r2
  WHERE r2.job_id = batch_analysis_runs.job_id
    AND r2.scheduled_for = batch_analysis_runs.scheduled_for
    AND (r2.started_at < batch_analysis_runs.started_at
         OR (r2.started_at = batch_analysis_runs.started_at AND r2.id < batch_analysis_runs.id)));
CREATE UNIQUE INDEX batch_runs_occurrence ON batch_analysis_runs(job_id, scheduled_for)
  WHERE scheduled_for IS NOT NULL;
