-- Visits and flags listed newest first: a worker's own, and a reviewer's scope, paged by id.
CREATE INDEX visits_worker_id ON visits (worker_id, id);
CREATE INDEX visits_path_id ON visits (path, id);
CREATE INDEX work_flags_record ON work_flags (record_kind, record_id);
