-- The seed's SQL functions, for Supabase users who drive batch jobs from SQL. They follow the
-- same rules as the application (src/store/sql_store.cc): job row locked before its items,
-- counters recomputed from the items, progress = completed + failed, FOR UPDATE SKIP LOCKED
-- claims. calculate_next_run() implements the cron subset described in docs/store.md; the
-- leadscan scheduler (src/jobs) computes next_run_at itself and does not call it.

-- The values one cron field allows, as an array. p_names maps names to p_min, p_min + 1, ...
CREATE OR REPLACE FUNCTION cron_field_values(p_field text, p_min integer, p_max integer,
                                             p_names text[] DEFAULT NULL)
RETURNS integer[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  f text := upper(p_field);
  part text;
  range_part text;
  step integer;
  lo integer;
  hi integer;
  v integer;
  result integer[] := '{}';
BEGIN
  IF p_names IS NOT NULL THEN
    FOR i IN 1 .. array_length(p_names, 1) LOOP
      f := replace(f, p_names[i], (i - 1 + p_min)::text);
    END LOOP;
  END IF;
  IF f !~ '^[0-9*,/-]+$' THEN
    RAISE EXCEPTION 'invalid cron field "%"', p_field USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOREACH part IN ARRAY string_to_array(f, ',') LOOP
    step := 1;
    range_part := part;
    IF position('/' IN part) > 0 THEN
      step := nullif(split_part(part, '/', 2), '')::integer;
      range_part := split_part(part, '/', 1);
    END IF;
    IF step IS NULL OR step < 1 THEN
      RAISE EXCEPTION 'invalid cron step in "%"', p_field USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF range_part = '*' THEN
      lo := p_min;
      hi := p_max;
    ELSIF position('-' IN range_part) > 0 THEN
      lo := split_part(range_part, '-', 1)::integer;
      hi := split_part(range_part, '-', 2)::integer;
    ELSE
      lo := range_part::integer;
      hi := CASE WHEN position('/' IN part) > 0 THEN p_max ELSE lo END;
    END IF;
    IF lo < p_min OR hi > p_max OR lo > hi THEN
      RAISE EXCEPTION 'cron value out of range in "%"', p_field
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v := lo;
    WHILE v <= hi LOOP
      result := result || v;
      v := v + step;
    END LOOP;
  END LOOP;
  RETURN result;
END
$$;

-- The first occurrence of a five-field cron expression strictly after p_from, evaluated on the
-- wall clock of p_timezone. Fields: minute hour day-of-month month day-of-week; lists, ranges,
-- steps, names (JAN..DEC, SUN..SAT), 7 = Sunday, macros @hourly @daily @midnight @weekly
-- @monthly @yearly @annually; cronie's rule: when day-of-month and day-of-week are both
-- restricted either may match. NULL when nothing matches within five years.
CREATE OR REPLACE FUNCTION calculate_next_run(p_cron text, p_from timestamptz DEFAULT now(),
                                              p_timezone text DEFAULT 'UTC')
RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
DECLARE
  expr text := lower(btrim(p_cron));
  fields text[];
  mins integer[];
  hours integer[];
  doms integer[];
  months integer[];
  dows integer[];
  dom_star boolean;
  dow_star boolean;
  dom_ok boolean;
  dow_ok boolean;
  t timestamp;
  stop_at timestamp;
BEGIN
  expr := CASE expr
    WHEN '@yearly' THEN '0 0 1 1 *'
    WHEN '@annually' THEN '0 0 1 1 *'
    WHEN '@monthly' THEN '0 0 1 * *'
    WHEN '@weekly' THEN '0 0 * * 0'
    WHEN '@daily' THEN '0 0 * * *'
    WHEN '@midnight' THEN '0 0 * * *'
    WHEN '@hourly' THEN '0 * * * *'
    ELSE btrim(p_cron)
  END;
  fields := regexp_split_to_array(expr, '\s+');
  IF array_length(fields, 1) <> 5 THEN
    RAISE EXCEPTION 'cron expression needs five fields: "%"', p_cron
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  mins := cron_field_values(fields[1], 0, 59);
  hours := cron_field_values(fields[2], 0, 23);
  doms := cron_field_values(fields[3], 1, 31);
  months := cron_field_values(fields[4], 1, 12,
    ARRAY['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']);
  dows := ARRAY(SELECT CASE WHEN d = 7 THEN 0 ELSE d END
                FROM unnest(cron_field_values(fields[5], 0, 7,
                  ARRAY['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'])) AS d);
  dom_star := left(fields[3], 1) = '*';
  dow_star := left(fields[5], 1) = '*';
  t := date_trunc('minute', p_from AT TIME ZONE p_timezone) + interval '1 minute';
  stop_at := t + interval '5 years';
  WHILE t < stop_at LOOP
    IF NOT (extract(month FROM t)::integer = ANY (months)) THEN
      t := date_trunc('month', t) + interval '1 month';
      CONTINUE;
    END IF;
    dom_ok := extract(day FROM t)::integer = ANY (doms);
    dow_ok := extract(dow FROM t)::integer = ANY (dows);
    IF NOT (CASE WHEN dom_star OR dow_star THEN dom_ok AND dow_ok ELSE dom_ok OR dow_ok END) THEN
      t := date_trunc('day', t) + interval '1 day';
      CONTINUE;
    END IF;
    IF NOT (extract(hour FROM t)::integer = ANY (hours)) THEN
      t := date_trunc('hour', t) + interval '1 hour';
      CONTINUE;
    END IF;
    IF NOT (extract(minute FROM t)::integer = ANY (mins)) THEN
      t := t + interval '1 minute';
      CONTINUE;
    END IF;
    RETURN t AT TIME ZONE p_timezone;
  END LOOP;
  RETURN NULL;
END
$$;

-- Creates a job for leads of one organisation. A manual job starts running at once with its
-- first run and one pending item per lead; a scheduled one gets next_run_at from its cron.
CREATE OR REPLACE FUNCTION create_batch_analysis_job(
  p_org_id uuid, p_job_name text, p_job_type text, p_lead_ids uuid[],
  p_analysis_config jsonb DEFAULT '{}', p_is_scheduled boolean DEFAULT false,
  p_schedule_cron text DEFAULT NULL, p_created_by text DEFAULT NULL,
  p_timezone text DEFAULT 'UTC')
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
  v_job uuid := gen_random_uuid();
  v_run uuid;
  v_now timestamptz := now();
  v_total integer := coalesce(cardinality(p_lead_ids), 0);
BEGIN
  IF v_total = 0 THEN
    RAISE EXCEPTION 'lead_ids must not be empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF (SELECT count(DISTINCT x) FROM unnest(p_lead_ids) AS x) <> v_total THEN
    RAISE EXCEPTION 'lead_ids contains duplicates' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF (SELECT count(*) FROM leads WHERE org_id = p_org_id AND id = ANY (p_lead_ids)) <> v_total THEN
    RAISE EXCEPTION 'lead not found' USING ERRCODE = 'no_data_found';
  END IF;
  IF p_is_scheduled AND p_schedule_cron IS NULL THEN
    RAISE EXCEPTION 'schedule_cron is required' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO batch_analysis_jobs (id, org_id, job_name, job_type, status, total_leads,
    analysis_config, is_scheduled, schedule_cron, next_run_at, created_at, created_by, timezone,
    enabled)
  VALUES (v_job, p_org_id, p_job_name, p_job_type,
    CASE WHEN p_is_scheduled THEN 'scheduled' ELSE 'pending' END, v_total,
    coalesce(p_analysis_config, '{}'), p_is_scheduled, p_schedule_cron,
    CASE WHEN p_is_scheduled THEN calculate_next_run(p_schedule_cron, v_now, p_timezone) END,
    v_now, p_created_by, coalesce(p_timezone, 'UTC'), true);
  INSERT INTO batch_analysis_job_leads (job_id, lead_id, position)
    SELECT v_job, u.x, (u.ord - 1)::integer FROM unnest(p_lead_ids) WITH ORDINALITY AS u(x, ord);
  IF NOT p_is_scheduled THEN
    v_run := gen_random_uuid();
    INSERT INTO batch_analysis_runs (id, job_id, org_id, trigger_type, status, started_at,
      total_items)
    VALUES (v_run, v_job, p_org_id, 'manual', 'running', v_now, v_total);
    INSERT INTO batch_analysis_items (id, job_id, run_id, lead_id, seq, status, created_at)
      SELECT gen_random_uuid(), v_job, v_run, lead_id, position, 'pending', v_now
      FROM batch_analysis_job_leads WHERE job_id = v_job;
    UPDATE batch_analysis_jobs SET status = 'running', current_run_id = v_run,
      started_at = v_now, last_run_at = v_now
    WHERE id = v_job;
  END IF;
  RETURN v_job;
END
$$;

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
        lease_expires_at = now() + make_interval(secs => p_lease_seconds), started_at = now()
    WHERE id = v_id
    RETURNING *;
END
$$;

-- Sets an item's status (and error, result, duration), recomputes its run's and job's counters
-- from the items and finishes the run and job when no item is left open.
CREATE OR REPLACE FUNCTION update_batch_item_status(p_item_id uuid, p_status text,
                                                    p_error_message text DEFAULT NULL,
                                                    p_result jsonb DEFAULT NULL,
                                                    p_duration_seconds double precision
                                                      DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_item batch_analysis_items%ROWTYPE;
  v_job batch_analysis_jobs%ROWTYPE;
  v_ok integer;
  v_failed integer;
  v_open integer;
  v_total integer;
  v_run_status text;
  v_final boolean := p_status IN ('completed', 'failed', 'cancelled');
BEGIN
  IF p_status NOT IN ('pending', 'processing', 'completed', 'failed', 'cancelled') THEN
    RAISE EXCEPTION 'invalid item status "%"', p_status USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO v_item FROM batch_analysis_items WHERE id = p_item_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'item not found' USING ERRCODE = 'no_data_found';
  END IF;
  -- The job row first, as the application does, so counters are computed one at a time.
  SELECT * INTO v_job FROM batch_analysis_jobs WHERE id = v_item.job_id FOR UPDATE;
  UPDATE batch_analysis_items SET
    status = p_status,
    error_message = coalesce(p_error_message, error_message),
    result = coalesce(p_result, result),
    duration_seconds = coalesce(p_duration_seconds,
      CASE WHEN v_final AND started_at IS NOT NULL
           THEN extract(epoch FROM now() - started_at)::double precision END,
      duration_seconds),
    started_at = CASE WHEN p_status = 'processing' THEN now() ELSE started_at END,
    completed_at = CASE WHEN v_final THEN now() ELSE completed_at END,
    lease_owner = CASE WHEN p_status = 'processing' THEN lease_owner END,
    lease_expires_at = CASE WHEN p_status = 'processing' THEN lease_expires_at END
  WHERE id = p_item_id;
  SELECT count(*) FILTER (WHERE status = 'completed'),
         count(*) FILTER (WHERE status = 'failed'),
         count(*) FILTER (WHERE status IN ('pending', 'processing')),
         count(*)
    INTO v_ok, v_failed, v_open, v_total
  FROM batch_analysis_items WHERE run_id = v_item.run_id;
  IF v_open = 0 THEN
    v_run_status := CASE WHEN v_total > 0 AND v_ok = 0 AND v_failed > 0 THEN 'failed'
                         ELSE 'completed' END;
  END IF;
  UPDATE batch_analysis_runs SET
    successful_count = v_ok, failed_count = v_failed, total_items = v_total,
    completed_at = CASE WHEN status = 'running' AND v_run_status IS NOT NULL THEN now()
                        ELSE completed_at END,
    status = CASE WHEN status = 'running' AND v_run_status IS NOT NULL THEN v_run_status
                  ELSE status END
  WHERE id = v_item.run_id;
  IF v_job.current_run_id = v_item.run_id THEN
    UPDATE batch_analysis_jobs SET
      successful_count = v_ok, failed_count = v_failed, progress = v_ok + v_failed,
      total_leads = v_total,
      completed_at = CASE WHEN status = 'running' AND v_run_status IS NOT NULL THEN now()
                          ELSE completed_at END,
      status = CASE WHEN status = 'running' AND v_run_status IS NOT NULL THEN
                      CASE WHEN is_scheduled THEN 'scheduled'
                           WHEN v_run_status = 'failed' THEN 'failed'
                           ELSE 'completed' END
                    ELSE status END
    WHERE id = v_job.id;
  END IF;
END
$$;

-- Enabled scheduled jobs whose next_run_at has come, earliest first.
CREATE OR REPLACE FUNCTION get_scheduled_jobs_to_run()
RETURNS SETOF batch_analysis_jobs LANGUAGE sql STABLE AS $$
  SELECT * FROM batch_analysis_jobs
  WHERE is_scheduled AND enabled AND status <> 'cancelled' AND next_run_at IS NOT NULL
    AND next_run_at <= now()
  ORDER BY next_run_at;
$$;
