-- What a lead's findings were and when they changed (issue 14; docs/decisions/finding-changes.md).
-- Written only in the transaction that stores an analysis outcome; history::DiffFindings decides.
-- name_key is the name with A-Z lower-cased (common::AsciiLower; lower() under COLLATE "C" here),
-- the same in both dialects.

-- Every finding a lead has had: first and last seen, the analysis that (re-)added it (NULL when
-- carried over from before change tracking), and when and by which analysis it went away (NULL
-- while present). evidence: what the last analysis that saw it saw.
CREATE TABLE lead_finding_presence (
  lead_id    uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  org_id     uuid NOT NULL,
  field      text NOT NULL,
  name       text NOT NULL,
  name_key   text NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen  timestamptz NOT NULL,
  added_by   uuid,
  removed_at timestamptz,
  removed_by uuid,
  evidence   jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (lead_id, field, name)
);
CREATE INDEX lead_finding_presence_uses ON lead_finding_presence(org_id, name_key, lead_id)
  WHERE removed_at IS NULL;
CREATE INDEX lead_finding_presence_field ON lead_finding_presence(org_id, field, name)
  WHERE removed_at IS NULL;

-- What the last analysis that looked at each field of a lead could vouch for: whether it could
-- vouch for what it did not find (not partial) and the pages it tried and lost (JSON array of page
-- keys). Written only when that differs from the row, so last_observed_at and analysis_id name
-- the analysis that last changed it; first_observed_at is when tracking began.
CREATE TABLE lead_field_observations (
  lead_id           uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  field             text NOT NULL,
  first_observed_at timestamptz NOT NULL,
  last_observed_at  timestamptz NOT NULL,
  analysis_id       uuid,
  partial           boolean NOT NULL DEFAULT false,
  unreached         jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (lead_id, field)
);

-- One row per finding added or removed by one analysis.
CREATE TABLE lead_changes (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id     uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  field       text NOT NULL,
  name        text NOT NULL,
  name_key    text NOT NULL,
  change      text NOT NULL CHECK (change IN ('added', 'removed')),
  detected_at timestamptz NOT NULL,
  job_id      uuid REFERENCES batch_analysis_jobs(id) ON DELETE SET NULL,
  analysis_id uuid NOT NULL REFERENCES analysis_results(id) ON DELETE CASCADE,
  previous    jsonb,
  evidence    jsonb NOT NULL DEFAULT '[]'
);
-- The feed, newest first with a keyset cursor; per lead; by name (lead filters, market).
CREATE INDEX lead_changes_feed ON lead_changes(org_id, detected_at DESC, id DESC);
CREATE INDEX lead_changes_lead ON lead_changes(lead_id, detected_at DESC, id DESC);
CREATE INDEX lead_changes_name ON lead_changes(org_id, name_key, detected_at DESC, id DESC);
-- The lead filters added= / removed= (since): an index-only range per name and kind.
CREATE INDEX lead_changes_lead_filter ON lead_changes(org_id, name_key, change, detected_at, lead_id);
CREATE INDEX lead_changes_field ON lead_changes(org_id, field, detected_at DESC, id DESC);
CREATE INDEX lead_changes_analysis ON lead_changes(analysis_id);
CREATE INDEX lead_changes_job ON lead_changes(job_id) WHERE job_id IS NOT NULL;

-- Leads analysed before this migration: their latest findings become present (first and last
-- seen = last analysed), and the fields of their latest analysis's type observed as partial, so
-- the next analysis may remove what it really looked for but announces no additions yet.
INSERT INTO lead_finding_presence
  (lead_id, org_id, field, name, name_key, first_seen, last_seen, evidence)
SELECT l.id, l.org_id, 'ecommerce_platform', l.ecommerce_platform->>'name',
       lower((l.ecommerce_platform->>'name') COLLATE "C"), l.last_analyzed_at,
       l.last_analyzed_at,
       CASE WHEN jsonb_typeof(l.ecommerce_platform->'evidence') = 'array'
            THEN l.ecommerce_platform->'evidence' ELSE '[]'::jsonb END
FROM leads l
WHERE l.last_analyzed_at IS NOT NULL AND jsonb_typeof(l.ecommerce_platform) = 'object'
  AND jsonb_typeof(l.ecommerce_platform->'name') = 'string'
  AND l.ecommerce_platform->>'name' <> ''
ON CONFLICT DO NOTHING;
INSERT INTO lead_finding_presence
  (lead_id, org_id, field, name, name_key, first_seen, last_seen, evidence)
SELECT l.id, l.org_id, f.field, e->>'name', lower((e->>'name') COLLATE "C"), l.last_analyzed_at,
       l.last_analyzed_at,
       CASE WHEN jsonb_typeof(e->'evidence') = 'array' THEN e->'evidence' ELSE '[]'::jsonb END
FROM leads l
CROSS JOIN (VALUES ('checkout_solutions'), ('payment_methods'), ('carriers'),
                   ('shipping_software'), ('technologies')) AS f(field)
CROSS JOIN LATERAL jsonb_array_elements(
  CASE WHEN jsonb_typeof(CASE f.field WHEN 'checkout_solutions' THEN l.checkout_solutions
                                      WHEN 'payment_methods' THEN l.payment_methods
                                      WHEN 'carriers' THEN l.carriers
                                      WHEN 'shipping_software' THEN l.shipping_software
                                      ELSE l.technologies END) = 'array'
       THEN CASE f.field WHEN 'checkout_solutions' THEN l.checkout_solutions
                         WHEN 'payment_methods' THEN l.payment_methods
                         WHEN 'carriers' THEN l.carriers
                         WHEN 'shipping_software' THEN l.shipping_software
                         ELSE l.technologies END
       ELSE '[]'::jsonb END) AS e
WHERE l.last_analyzed_at IS NOT NULL AND jsonb_typeof(e) = 'object'
  AND jsonb_typeof(e->'name') = 'string' AND e->>'name' <> ''
ON CONFLICT DO NOTHING;
INSERT INTO lead_field_observations
  (lead_id, field, first_observed_at, last_observed_at, analysis_id, partial, unreached)
SELECT a.lead_id, t.field, a.analyzed_at, a.analyzed_at, a.id, true, '[]'
FROM analysis_results a
JOIN (VALUES ('tech_analysis', 'ecommerce_platform'), ('tech_analysis', 'technologies'),
             ('checkout_scraping', 'checkout_solutions'), ('checkout_scraping', 'payment_methods'),
             ('checkout_scraping', 'carriers'), ('checkout_scraping', 'shipping_software'),
             ('full_analysis', 'ecommerce_platform'), ('full_analysis', 'checkout_solutions'),
             ('full_analysis', 'payment_methods'), ('full_analysis', 'carriers'),
             ('full_analysis', 'shipping_software'), ('full_analysis', 'technologies'),
             ('ecommerce_detection', 'ecommerce_platform'), ('carrier_detection', 'carriers'),
             ('carrier_detection', 'shipping_software')) AS t(job_type, field)
  ON t.job_type = a.job_type
WHERE a.analyzed_at = (SELECT MAX(a2.analyzed_at) FROM analysis_results a2
                       WHERE a2.lead_id = a.lead_id)
ON CONFLICT DO NOTHING;
