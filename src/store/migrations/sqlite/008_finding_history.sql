-- What a lead's findings were and when they changed (issue 14; docs/decisions/finding-changes.md).
-- Written only in the transaction that stores an analysis outcome; history::DiffFindings decides.
-- name_key is the name with A-Z lower-cased (common::AsciiLower), the same in both dialects.

-- Every finding a lead has had: first and last seen, the analysis that (re-)added it (NULL when
-- carried over from before change tracking), and when and by which analysis it went away (NULL
-- while present). evidence: what the last analysis that saw it saw.
CREATE TABLE lead_finding_presence (
  lead_id    TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  org_id     TEXT NOT NULL,
  field      TEXT NOT NULL,
  name       TEXT NOT NULL,
  name_key   TEXT NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen  TEXT NOT NULL,
  added_by   TEXT,
  removed_at TEXT,
  removed_by TEXT,
  evidence   TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (lead_id, field, name)
);
CREATE INDEX lead_finding_presence_uses ON lead_finding_presence(org_id, name_key, lead_id)
  WHERE removed_at IS NULL;
CREATE INDEX lead_finding_presence_field ON lead_finding_presence(org_id, field, name)
  WHERE removed_at IS NULL;

-- What the last analysis that looked at each field of a lead could vouch for: whether it could
-- vouch for what it did not find (partial = 0) and the pages it tried and lost (JSON array of page
-- keys). Written only when that differs from the row, so last_observed_at and analysis_id name
-- the analysis that last changed it; first_observed_at is when tracking began.
CREATE TABLE lead_field_observations (
  lead_id           TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  field             TEXT NOT NULL,
  first_observed_at TEXT NOT NULL,
  last_observed_at  TEXT NOT NULL,
  analysis_id       TEXT,
  partial           INTEGER NOT NULL DEFAULT 0,
  unreached         TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (lead_id, field)
);

-- One row per finding added or removed by one analysis.
CREATE TABLE lead_changes (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id     TEXT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  field       TEXT NOT NULL,
  name        TEXT NOT NULL,
  name_key    TEXT NOT NULL,
  change      TEXT NOT NULL CHECK (change IN ('added', 'removed')),
  detected_at TEXT NOT NULL,
  job_id      TEXT REFERENCES batch_analysis_jobs(id) ON DELETE SET NULL,
  analysis_id TEXT NOT NULL REFERENCES analysis_results(id) ON DELETE CASCADE,
  previous    TEXT,
  evidence    TEXT NOT NULL DEFAULT '[]'
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
INSERT OR IGNORE INTO lead_finding_presence
  (lead_id, org_id, field, name, name_key, first_seen, last_seen, evidence)
SELECT l.id, l.org_id, 'ecommerce_platform', json_extract(l.ecommerce_platform, '$.name'),
       lower(json_extract(l.ecommerce_platform, '$.name')), l.last_analyzed_at,
       l.last_analyzed_at, COALESCE(json_extract(l.ecommerce_platform, '$.evidence'), '[]')
FROM leads l
WHERE l.last_analyzed_at IS NOT NULL AND json_valid(l.ecommerce_platform)
  AND json_type(l.ecommerce_platform, '$.name') = 'text'
  AND json_extract(l.ecommerce_platform, '$.name') <> '';
INSERT OR IGNORE INTO lead_finding_presence
  (lead_id, org_id, field, name, name_key, first_seen, last_seen, evidence)
SELECT l.id, l.org_id, f.field, json_extract(e.value, '$.name'),
       lower(json_extract(e.value, '$.name')), l.last_analyzed_at, l.last_analyzed_at,
       COALESCE(json_extract(e.value, '$.evidence'), '[]')
FROM leads l
JOIN (SELECT 'checkout_solutions' AS field UNION ALL SELECT 'payment_methods'
      UNION ALL SELECT 'carriers' UNION ALL SELECT 'shipping_software'
      UNION ALL SELECT 'technologies') f
JOIN json_each(CASE f.field WHEN 'checkout_solutions' THEN l.checkout_solutions
                            WHEN 'payment_methods' THEN l.payment_methods
                            WHEN 'carriers' THEN l.carriers
                            WHEN 'shipping_software' THEN l.shipping_software
                            ELSE l.technologies END) e
WHERE l.last_analyzed_at IS NOT NULL AND e.type = 'object'
  AND json_type(e.value, '$.name') = 'text' AND json_extract(e.value, '$.name') <> '';
INSERT OR IGNORE INTO lead_field_observations
  (lead_id, field, first_observed_at, last_observed_at, analysis_id, partial, unreached)
SELECT a.lead_id, t.field, a.analyzed_at, a.analyzed_at, a.id, 1, '[]'
FROM analysis_results a
JOIN (SELECT 'tech_analysis' AS job_type, 'ecommerce_platform' AS field
      UNION ALL SELECT 'tech_analysis', 'technologies'
      UNION ALL SELECT 'checkout_scraping', 'checkout_solutions'
      UNION ALL SELECT 'checkout_scraping', 'payment_methods'
      UNION ALL SELECT 'checkout_scraping', 'carriers'
      UNION ALL SELECT 'checkout_scraping', 'shipping_software'
      UNION ALL SELECT 'full_analysis', 'ecommerce_platform'
      UNION ALL SELECT 'full_analysis', 'checkout_solutions'
      UNION ALL SELECT 'full_analysis', 'payment_methods'
      UNION ALL SELECT 'full_analysis', 'carriers'
      UNION ALL SELECT 'full_analysis', 'shipping_software'
      UNION ALL SELECT 'full_analysis', 'technologies'
      UNION ALL SELECT 'ecommerce_detection', 'ecommerce_platform'
      UNION ALL SELECT 'carrier_detection', 'carriers'
      UNION ALL SELECT 'carrier_detection', 'shipping_software') t ON t.job_type = a.job_type
WHERE a.analyzed_at = (SELECT MAX(a2.analyzed_at) FROM analysis_results a2
                       WHERE a2.lead_id = a.lead_id);
