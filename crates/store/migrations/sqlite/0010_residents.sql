-- What residents get besides a report: a lost tracking link found again by number and phone,
-- "me too" (我也遇到) on open cases, and where a refused request belongs.

-- Per category: how many "me too"s raise a case's urgency (0: its open cases are not shown to
-- residents at all, for disputes, petitions, crime clues and personal applications), and the
-- hint naming where such a request belongs when a grid cannot take it.
ALTER TABLE categories ADD COLUMN me_too_threshold INTEGER NOT NULL DEFAULT 5;
ALTER TABLE categories ADD COLUMN redirect_hint TEXT NOT NULL DEFAULT '';
ALTER TABLE categories ADD COLUMN redirect_hint_en TEXT NOT NULL DEFAULT '';
UPDATE categories SET me_too_threshold = 0 WHERE parent_code IN ('MD', 'XF', 'ZA', 'MS') OR code IN ('MD', 'XF', 'ZA', 'MS');

-- The count staff see on the case; each device counts once (its cookie token, hashed).
ALTER TABLE events ADD COLUMN me_too_count INTEGER NOT NULL DEFAULT 0;
CREATE TABLE me_too (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id),
    device_hash TEXT NOT NULL,
    photo_id INTEGER REFERENCES photos (id),
    created_at INTEGER NOT NULL,
    UNIQUE (event_id, device_hash)
);

-- Tracking links issued again after a look-up by number and phone; the first link keeps working.
CREATE TABLE tracking_links (
    token_hash TEXT PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX tracking_links_event ON tracking_links (event_id);

-- Where a request a grid cannot take belongs, per class (its kinds fall back to their class's
-- hint unless they have their own).
UPDATE categories SET redirect_hint = '可向村(社区)人民调解委员会申请调解,或拨打 12345 政务服务便民热线', redirect_hint_en = 'Ask the village (community) mediation committee, or call the 12345 government service hotline' WHERE code = 'MD';
UPDATE categories SET redirect_hint = '可到县(区)信访局当面反映,或通过国家信访局网上信访平台提出', redirect_hint_en = 'Go to the county (district) petitions bureau, or use the national online petition platform' WHERE code = 'XF';
UPDATE categories SET redirect_hint = '正在发生的违法犯罪请立即拨打 110', redirect_hint_en = 'For a crime in progress call 110 at once' WHERE code = 'ZA';
UPDATE categories SET redirect_hint = '电信诈骗线索请拨打 96110 反诈专线或 110', redirect_hint_en = 'Report telecom fraud on the 96110 anti-fraud line or 110' WHERE code = 'ZA03';
UPDATE categories SET redirect_hint = '安全生产隐患可拨打 12350 举报热线;发生火灾请拨打 119', redirect_hint_en = 'Report workplace hazards on the 12350 hotline; for a fire call 119' WHERE code = 'AQ';
UPDATE categories SET redirect_hint = '燃气泄漏请立即拨打燃气公司抢修电话或 119', redirect_hint_en = 'For a gas leak call the gas company emergency line or 119 at once' WHERE code = 'AQ03';
UPDATE categories SET redirect_hint = '环境污染可拨打 12369 生态环境举报热线', redirect_hint_en = 'Report pollution on the 12369 environment hotline' WHERE code = 'HB';
UPDATE categories SET redirect_hint = '可到乡镇(街道)便民服务中心办理,或拨打 12345 政务服务便民热线', redirect_hint_en = 'Apply at the township (street) service centre, or call the 12345 government service hotline' WHERE code = 'MS';
UPDATE categories SET redirect_hint = '违法建设可向属地综合行政执法部门举报,或拨打 12345', redirect_hint_en = 'Report illegal building to the local law-enforcement office, or call 12345' WHERE code = 'WJ';
UPDATE categories SET redirect_hint = '市容环境问题可拨打 12319 城市管理服务热线或 12345', redirect_hint_en = 'Call the 12319 city management hotline or 12345' WHERE code IN ('SR', 'XC', 'SG', 'JM');
UPDATE categories SET redirect_hint = '险情危及安全请立即拨打 110、119 或 120', redirect_hint_en = 'If anyone is in danger call 110, 119 or 120 at once' WHERE code = 'TF';
UPDATE categories SET redirect_hint = '可拨打 12345 政务服务便民热线咨询该事项由哪个部门办理', redirect_hint_en = 'Call the 12345 government service hotline to ask which office handles it' WHERE code = 'QT';
