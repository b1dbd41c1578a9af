-- The weekly sweep sent with a client-made key, like every record made on a phone: the same
-- key with the same content answers with the first sweep, with other content 409.
ALTER TABLE sweeps ADD COLUMN client_key TEXT;
ALTER TABLE sweeps ADD COLUMN content_hash TEXT;
CREATE UNIQUE INDEX sweeps_client_key ON sweeps (worker_id, client_key);
