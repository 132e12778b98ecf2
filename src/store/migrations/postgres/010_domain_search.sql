-- Finding a lead's website from its company name (issue 12): web searches remembered per
-- (normalised company name, country) for every organisation, each lead's found domain as a
-- suggestion the user accepts or corrects, and a failed item's details (domain_not_found lists
-- the candidates there).
CREATE TABLE domain_searches (
  name_key    text NOT NULL,
  country     text NOT NULL DEFAULT '',
  provider    text NOT NULL,
  result      jsonb NOT NULL,
  searched_at timestamptz NOT NULL,
  PRIMARY KEY (name_key, country)
);

CREATE TABLE lead_domain_suggestions (
  lead_id        uuid PRIMARY KEY REFERENCES leads(id) ON DELETE CASCADE,
  org_id         uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  domain         text NOT NULL DEFAULT '',
  confidence     integer NOT NULL DEFAULT 0 CHECK (confidence BETWEEN 0 AND 100),
  source         text NOT NULL DEFAULT 'search',
  provider       text NOT NULL DEFAULT '',
  evidence       jsonb,
  status         text NOT NULL
                 CHECK (status IN ('suggested', 'not_found', 'accepted', 'corrected')),
  decided_domain text NOT NULL DEFAULT '',
  decided_by     text NOT NULL DEFAULT '',
  decided_at     timestamptz,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX lead_domain_suggestions_org ON lead_domain_suggestions(org_id, lead_id);

ALTER TABLE batch_analysis_items ADD COLUMN error_details jsonb;
