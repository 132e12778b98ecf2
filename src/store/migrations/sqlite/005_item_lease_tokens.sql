-- The fencing token of an item's lease: its claim generation, raised by every claim. A worker's
-- write of the item's outcome (complete, fail, retry, renew) must carry the token it claimed the
-- item with; a write of an earlier claim (its lease ran out, the item was released and claimed
-- again) is refused as lease_lost (docs/decisions/fencing.md).
ALTER TABLE batch_analysis_items ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
