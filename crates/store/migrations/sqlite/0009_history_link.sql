-- A cancelled duplicate's or a merged event's link goes into its history step, under the hash,
-- so the chain protects which event it points to.
ALTER TABLE event_history ADD COLUMN link TEXT;
