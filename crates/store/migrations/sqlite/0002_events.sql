-- Events: categories, the event and its append-only history, photos, the calendar years that
-- administrators enter, scheduler leases, Open311 keys and rate limits of the public pages.
CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES categories (code),
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    complexity TEXT NOT NULL,
    handling_level INTEGER NOT NULL,
    auto_escalate BOOLEAN NOT NULL,
    sort INTEGER NOT NULL
);

CREATE TABLE event_counters (
    day INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    category_code TEXT NOT NULL REFERENCES categories (code),
    complexity TEXT NOT NULL,
    description TEXT NOT NULL,
    lat REAL,
    lon REAL,
    address TEXT,
    grid_id INTEGER NOT NULL REFERENCES nodes (id),
    path TEXT NOT NULL,
    route_note TEXT,
    level INTEGER NOT NULL,
    urgency TEXT NOT NULL,
    status TEXT NOT NULL,
    holder_path TEXT NOT NULL,
    holder_label TEXT NOT NULL,
    state TEXT NOT NULL,
    level_started_at INTEGER NOT NULL,
    due_at INTEGER,
    final_due_at INTEGER,
    calendar_missing BOOLEAN NOT NULL,
    reporter_name TEXT,
    reporter_phone TEXT,
    reporter_phone_index TEXT,
    reporter_user_id INTEGER,
    tracking_hash TEXT UNIQUE,
    submission_key TEXT UNIQUE,
    rework_count INTEGER NOT NULL,
    reminder_count INTEGER NOT NULL,
    reminded_light TEXT NOT NULL,
    supervision TEXT,
    rating INTEGER,
    rating_comment TEXT,
    reported_at INTEGER NOT NULL,
    month INTEGER NOT NULL,
    closed_at INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX events_path ON events (path, status);
CREATE INDEX events_holder ON events (holder_path, status);
CREATE INDEX events_due ON events (status, due_at);
CREATE INDEX events_month ON events (month, path, level, category_code, status, due_at, closed_at, reported_at, rework_count);
CREATE INDEX events_grid_closed ON events (grid_id, status, closed_at);

-- Everyone who has held an event keeps seeing it.
CREATE TABLE event_parties (
    event_id INTEGER NOT NULL REFERENCES events (id),
    path TEXT NOT NULL,
    PRIMARY KEY (event_id, path)
);
CREATE INDEX event_parties_path ON event_parties (path);

CREATE TABLE event_history (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id),
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    label TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_user_id INTEGER,
    actor_name TEXT NOT NULL,
    at INTEGER NOT NULL,
    note TEXT NOT NULL,
    attachments TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    from_level INTEGER NOT NULL,
    to_level INTEGER NOT NULL,
    holder TEXT NOT NULL,
    due_at INTEGER,
    public BOOLEAN NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (event_id, seq)
);

CREATE TRIGGER event_history_no_update BEFORE UPDATE ON event_history
BEGIN
    SELECT RAISE(ABORT, 'event_history is append-only');
END;
CREATE TRIGGER event_history_no_delete BEFORE DELETE ON event_history
BEGIN
    SELECT RAISE(ABORT, 'event_history is append-only');
END;

CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id),
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX photos_event ON photos (event_id);

CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at INTEGER NOT NULL
);

CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE open311_keys (
    id INTEGER PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE rate_hits (
    id INTEGER PRIMARY KEY,
    bucket TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX rate_hits_bucket ON rate_hits (bucket, at);

INSERT INTO categories (code, parent_code, name, name_en, complexity, handling_level, auto_escalate, sort) VALUES
('MD', NULL, '矛盾纠纷', 'Disputes', 'complex', 1, FALSE, 10),
('MD01', 'MD', '邻里纠纷', 'Neighbour dispute', 'ordinary', 1, TRUE, 11),
('MD02', 'MD', '婚姻家庭纠纷', 'Family dispute', 'ordinary', 2, TRUE, 12),
('MD03', 'MD', '劳资纠纷', 'Wage dispute', 'complex', 3, TRUE, 13),
('MD04', 'MD', '物业纠纷', 'Property management dispute', 'ordinary', 2, TRUE, 14),
('MD05', 'MD', '土地山林纠纷', 'Land dispute', 'complex', 3, TRUE, 15),
('XF', NULL, '信访诉求', 'Petitions', 'complex', 2, FALSE, 20),
('XF01', 'XF', '信访诉求', 'Petition', 'complex', 2, TRUE, 21),
('ZA', NULL, '社会治安', 'Public order', 'ordinary', 1, FALSE, 30),
('ZA01', 'ZA', '治安隐患', 'Public order hazard', 'ordinary', 1, TRUE, 31),
('ZA02', 'ZA', '涉黑涉恶线索', 'Organised crime clue', 'major', 3, FALSE, 32),
('ZA03', 'ZA', '电信诈骗线索', 'Telecom fraud clue', 'complex', 3, FALSE, 33),
('ZA04', 'ZA', '非法宗教活动', 'Illegal preaching', 'complex', 3, FALSE, 34),
('AQ', NULL, '安全隐患', 'Safety hazards', 'ordinary', 1, FALSE, 40),
('AQ01', 'AQ', '安全生产隐患', 'Workplace safety hazard', 'complex', 3, TRUE, 41),
('AQ02', 'AQ', '消防隐患', 'Fire hazard', 'ordinary', 1, TRUE, 42),
('AQ03', 'AQ', '燃气隐患', 'Gas hazard', 'ordinary', 2, TRUE, 43),
('AQ04', 'AQ', '道路交通隐患', 'Road traffic hazard', 'ordinary', 2, TRUE, 44),
('HB', NULL, '环境污染', 'Environment and pollution', 'ordinary', 2, FALSE, 50),
('HB01', 'HB', '大气污染', 'Air pollution', 'complex', 3, TRUE, 51),
('HB02', 'HB', '水污染', 'Water pollution', 'complex', 3, TRUE, 52),
('HB03', 'HB', '噪声扰民', 'Noise nuisance', 'ordinary', 2, TRUE, 53),
('MS', NULL, '民生服务', 'Livelihood services', 'ordinary', 2, FALSE, 60),
('MS01', 'MS', '低保代办', 'Subsistence allowance (agency)', 'ordinary', 2, FALSE, 61),
('MS02', 'MS', '临时救助', 'Temporary relief', 'ordinary', 2, FALSE, 62),
('MS03', 'MS', '廉租房申请', 'Low-rent housing application', 'complex', 3, FALSE, 63),
('MS04', 'MS', '残疾人服务', 'Services for disabled people', 'ordinary', 2, FALSE, 64),
('MS05', 'MS', '政策咨询', 'Inquiry', 'ordinary', 1, FALSE, 65),
('WJ', NULL, '违法建设', 'Illegal building', 'complex', 3, FALSE, 70),
('WJ01', 'WJ', '违法建设', 'Illegal building', 'complex', 3, TRUE, 71),
('SR', NULL, '市容环境', 'City appearance', 'ordinary', 1, FALSE, 80),
('SR01', 'SR', '暴露垃圾', 'Exposed rubbish', 'ordinary', 1, TRUE, 81),
('SR02', 'SR', '道路不洁', 'Dirty road', 'ordinary', 1, TRUE, 82),
('SR03', 'SR', '绿地脏乱', 'Untidy green space', 'ordinary', 1, TRUE, 83),
('XC', NULL, '宣传广告', 'Advertising', 'ordinary', 2, FALSE, 90),
('XC01', 'XC', '违规广告牌匾', 'Illegal signboard', 'ordinary', 2, TRUE, 91),
('XC02', 'XC', '非法小广告', 'Illegal flyers', 'ordinary', 1, TRUE, 92),
('SG', NULL, '施工管理', 'Construction', 'ordinary', 2, FALSE, 100),
('SG01', 'SG', '施工扰民', 'Construction nuisance', 'ordinary', 2, TRUE, 101),
('SG02', 'SG', '道路遗撒', 'Spill on road', 'ordinary', 2, TRUE, 102),
('JM', NULL, '街面秩序', 'Street order', 'ordinary', 1, FALSE, 110),
('JM01', 'JM', '占道经营', 'Street vending', 'ordinary', 1, TRUE, 111),
('JM02', 'JM', '乱停车', 'Illegal parking', 'ordinary', 1, TRUE, 112),
('TF', NULL, '突发事件', 'Emergencies', 'major', 3, FALSE, 120),
('TF01', 'TF', '路面塌陷', 'Road collapse', 'major', 3, TRUE, 121),
('TF02', 'TF', '自来水管爆裂', 'Burst water main', 'complex', 3, TRUE, 122),
('QT', NULL, '其他', 'Other', 'ordinary', 1, FALSE, 130),
('QT01', 'QT', '其他事项', 'Other matter', 'ordinary', 1, FALSE, 131);
