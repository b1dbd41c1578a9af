-- The quarterly assessment (考核, SPEC §6) and the supervision of staff (督查, SPEC §8).
-- Rule sets are versioned data like the duty rules; a closed quarter keeps the rules it was
-- judged by; results, draws and their corrections are append-only and hash-chained; times are
-- Unix milliseconds, days 'YYYY-MM-DD' in China time, quarters 'YYYYQn'.

-- A rule set (JSON of `domain::assessment::scheme::Scheme`) kept at a county or township. The
-- set in force for a quarter is the newest version of the deepest node above the grid whose
-- `effective_from` (a quarter key) is <= that quarter. Versions are never edited.
CREATE TABLE assess_rules (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    version INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    scheme_name TEXT NOT NULL,
    rules_json TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (node_id, version)
);
CREATE INDEX assess_rules_path ON assess_rules (path, effective_from);

-- A township's quarter, closed: the rules it was judged by (a copy, so later versions change
-- nothing), the subsidy per worker and the reward pool. One close per township and quarter.
CREATE TABLE assess_quarters (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    quarter TEXT NOT NULL,
    rules_id INTEGER REFERENCES assess_rules (id),
    rules_json TEXT NOT NULL,
    subsidy_cents INTEGER NOT NULL,
    reward_pool_cents INTEGER NOT NULL,
    workers INTEGER NOT NULL,
    closed_by INTEGER REFERENCES users (id),
    closed_by_name TEXT NOT NULL,
    closed_at INTEGER NOT NULL,
    UNIQUE (node_id, quarter)
);
CREATE INDEX assess_quarters_path ON assess_quarters (path, quarter);
CREATE TRIGGER assess_quarters_no_update BEFORE UPDATE ON assess_quarters
BEGIN
    SELECT RAISE(ABORT, 'assess_quarters is append-only');
END;
CREATE TRIGGER assess_quarters_no_delete BEFORE DELETE ON assess_quarters
BEGIN
    SELECT RAISE(ABORT, 'assess_quarters is append-only');
END;

-- One row per worker at close (`kind` 'close'), and a new row per correction ('correction',
-- naming the row it corrects and why). The newest row of a worker and quarter is in force.
-- Chained per closed quarter: `hash` = sha256 of `prev_hash` and the row's fields.
CREATE TABLE assess_results (
    id INTEGER PRIMARY KEY,
    quarter_id INTEGER NOT NULL REFERENCES assess_quarters (id),
    seq INTEGER NOT NULL,
    quarter TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    user_name TEXT NOT NULL,
    grid_id INTEGER REFERENCES nodes (id),
    path TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('close', 'correction')),
    corrects_id INTEGER REFERENCES assess_results (id),
    reason TEXT NOT NULL,
    total_centi INTEGER NOT NULL,
    basic_centi INTEGER NOT NULL,
    satisfaction_centi INTEGER NOT NULL,
    grade TEXT NOT NULL CHECK (grade IN ('excellent', 'qualified', 'unqualified')),
    rank INTEGER NOT NULL,
    pay_cents INTEGER NOT NULL,
    unqualified_streak INTEGER NOT NULL,
    not_reengage BOOLEAN NOT NULL,
    veto TEXT,
    sheet_json TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (quarter_id, seq)
);
CREATE INDEX assess_results_user ON assess_results (user_id, quarter, id);
CREATE INDEX assess_results_path ON assess_results (path, quarter, id);
CREATE TRIGGER assess_results_no_update BEFORE UPDATE ON assess_results
BEGIN
    SELECT RAISE(ABORT, 'assess_results is append-only');
END;
CREATE TRIGGER assess_results_no_delete BEFORE DELETE ON assess_results
BEGIN
    SELECT RAISE(ABORT, 'assess_results is append-only');
END;

-- Appeals (申诉) against one deduction of a closed result, within the rule set's window.
-- An accepted appeal points at the correction row it produced.
CREATE TABLE assess_appeals (
    id INTEGER PRIMARY KEY,
    result_id INTEGER NOT NULL REFERENCES assess_results (id),
    quarter_id INTEGER NOT NULL REFERENCES assess_quarters (id),
    quarter TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    user_name TEXT NOT NULL,
    path TEXT NOT NULL,
    item_key TEXT NOT NULL,
    measure TEXT NOT NULL,
    reason TEXT NOT NULL,
    evidence_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    decided_by INTEGER REFERENCES users (id),
    decided_by_name TEXT,
    decided_at INTEGER,
    decision_note TEXT NOT NULL,
    correction_id INTEGER REFERENCES assess_results (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX assess_appeals_path ON assess_appeals (path, status, id);
CREATE INDEX assess_appeals_user ON assess_appeals (user_id, id);

-- 双随机 draws: the pools, the published seed and the algorithm are written before any
-- inspection of the round, so anyone can re-run the draw; `result_json` is what it gave.
CREATE TABLE draw_rounds (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    quarter TEXT NOT NULL,
    title TEXT NOT NULL,
    target_share_pct INTEGER NOT NULL,
    inspectors_per_target INTEGER NOT NULL,
    algorithm TEXT NOT NULL,
    seed TEXT NOT NULL,
    targets_json TEXT NOT NULL,
    inspectors_json TEXT NOT NULL,
    result_json TEXT NOT NULL,
    result_hash TEXT NOT NULL,
    drawn_by INTEGER REFERENCES users (id),
    drawn_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX draw_rounds_path ON draw_rounds (path, id);
CREATE TRIGGER draw_rounds_no_update BEFORE UPDATE ON draw_rounds
BEGIN
    SELECT RAISE(ABORT, 'draw_rounds is append-only');
END;
CREATE TRIGGER draw_rounds_no_delete BEFORE DELETE ON draw_rounds
BEGIN
    SELECT RAISE(ABORT, 'draw_rounds is append-only');
END;

-- Inspections: a village's self-check, a quarterly check, an unannounced visit, a phone spot
-- check, or one drawn in a round. `path` is the inspected node (village or grid).
CREATE TABLE inspections (
    id INTEGER PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('self_check', 'quarterly', 'unannounced', 'phone', 'random')),
    round_id INTEGER REFERENCES draw_rounds (id),
    quarter TEXT NOT NULL,
    day TEXT NOT NULL,
    summary TEXT NOT NULL,
    inspector_id INTEGER REFERENCES users (id),
    inspector_name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX inspections_path ON inspections (path, quarter, id);

-- A finding names a worker, a rule item and one of its deduction measures (or a veto), with a
-- count and evidence; the quarter's score counts it.
CREATE TABLE inspection_findings (
    id INTEGER PRIMARY KEY,
    inspection_id INTEGER NOT NULL REFERENCES inspections (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    path TEXT NOT NULL,
    quarter TEXT NOT NULL,
    item_key TEXT NOT NULL,
    measure TEXT NOT NULL,
    count INTEGER NOT NULL CHECK (count > 0),
    veto TEXT,
    note TEXT NOT NULL,
    evidence_json TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX inspection_findings_user ON inspection_findings (user_id, quarter);
CREATE INDEX inspection_findings_path ON inspection_findings (path, quarter);

-- The residents' satisfaction survey: one token per household and quarter, handed out as a
-- link or QR code; only its hash is kept. One answer per token, no log-in.
CREATE TABLE survey_tokens (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households (id),
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    quarter TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    answered_at INTEGER,
    UNIQUE (household_id, quarter)
);
CREATE INDEX survey_tokens_path ON survey_tokens (path, quarter);

CREATE TABLE survey_answers (
    id INTEGER PRIMARY KEY,
    token_id INTEGER NOT NULL UNIQUE REFERENCES survey_tokens (id),
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    quarter TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score >= 0 AND score <= 100),
    answers_json TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX survey_answers_path ON survey_answers (path, quarter);

-- measures part indexes: the quarter's counts read basic-record changes per worker (events
-- per reporter use events_reporter_user of migration 18).
CREATE INDEX record_history_actor ON record_history (actor_user_id, at);
