-- Finding a lead's website from its company name (issue 12): web searches remembered per
-- (normalised company name, country) for every organisation, each lead's found domain as a
-- suggestion the user accepts or corrects, and a failed item's details (domain_not_found lists
-- the candidates there).
CREATE TABLE domain_searches (
  name_key    TEXT NOT NULL,
  country     TEXT NOT NULL DEFAULT '',
  provider    TEXT NOT NULL,
  result      TEXT NOT NULL,
  searched_at TEXT NOT NULL,
  PRIMARY KEY (name_key, country)
);

CREATE TABLE lead_domain_suggestions (
  lead_id        TEXT PRIMARY KEY REFERENCES leads(id) ON DELETE CASCADE,
  org_id         TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  domain         TEXT NOT NULL DEFAULT '',
  confidence     INTEGER NOT NULL DEFAULT 0 CHECK (confidence BETWEEN 0 AND 100),
  source         TEXT NOT NULL DEFAULT 'search',
  provider       TEXT NOT NULL DEFAULT '',
  evidence       TEXT,
  status         TEXT NOT NULL
                 CHECK (status IN ('suggested', 'not_found', 'accepted', 'corrected')),
  decided_domain TEXT NOT NULL DEFAULT '',
  decided_by     TEXT NOT NULL DEFAULT '',
  decided_at     TEXT,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE INDEX lead_domain_suggestions_org ON lead_domain_suggestions(org_id, lead_id);

ALTER TABLE batch_analysis_items ADD COLUMN error_details TEXT;
