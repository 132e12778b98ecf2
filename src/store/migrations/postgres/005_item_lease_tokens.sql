-- The fencing token of an item's lease: its claim generation, raised by every claim. A worker's
-- write of the item's outcome (complete, fail, retry, renew) must carry the token it claimed the
-- item with; a write of an earlier claim (its lease ran out, the item was released and claimed
-- again) is refused as lease_lost (docs/decisions/fencing.md).
ALTER TABLE batch_analysis_items ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0;

-- The SQL claim function raises the token too, as the store's own claims do.
-- Claims the next pending item (of one job, or of any running job) for p_worker_id with a
-- lease of p_lease_seconds; returns no row when none is ready. Safe under concurrency.
CREATE OR REPLACE FUNCTION get_next_batch_item(p_job_id uuid DEFAULT NULL,
                                               p_worker_id text DEFAULT 'sql',
                                               p_lease_seconds integer DEFAULT 300)
RETURNS SETOF batch_analysis_items LANGUAGE plpgsql AS $$
DECLARE
  v_id uuid;
BEGIN
  SELECT i.id INTO v_id
  FROM batch_analysis_items i
  JOIN batch_analysis_jobs j ON j.id = i.job_id
  JOIN batch_analysis_runs r ON r.id = i.run_id
  WHERE i.status = 'pending' AND (i.not_before IS NULL OR i.not_before <= now())
    AND j.status = 'running' AND r.status = 'running'
    AND (p_job_id IS NULL OR i.job_id = p_job_id)
  ORDER BY i.created_at, i.seq
  LIMIT 1
  FOR UPDATE OF i SKIP LOCKED;
  IF v_id IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
    UPDATE batch_analysis_items
    SET status = 'processing', lease_owner = p_worker_id,
        lease_expires_at = now() + make_interval(secs => p_lease_seconds), started_at = now(),
        lease_token = lease_token + 1
    WHERE id = v_id
    RETURNING *;
END
$$;
