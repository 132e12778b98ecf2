-- How often an item's lease ran out without an outcome (its process died or hung on it). An
-- item whose lease runs out a second time is failed as a poison item instead of being handed
-- to the next process (docs/decisions/service-guarantees.md).
ALTER TABLE batch_analysis_items ADD COLUMN lease_expiries INTEGER NOT NULL DEFAULT 0;
