//! What a quarter counts (issue 16, part 2): every records measure from seeded records, only
//! what has ended, the duties in force, findings and vetoes, scope by prefix, one worker the
//! same as all, and evidence capped while the count stays full.

use super::*;
use wangge_domain::assessment::measures::{Evidence, Measures};
use wangge_domain::assessment::quarter::Quarter;
use wangge_domain::assessment::scheme::Measure;
use wangge_domain::calendar::Date;
use wangge_domain::deadline::parse_rfc3339;
use wangge_domain::workbench::duties::Duties;
use wangge_store::assessment::measures::{self, MAX_EVIDENCE};
use wangge_store::seal::KeyRing;

fn at(s: &str) -> i64 {
    parse_rfc3339(s).unwrap()
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

async fn exec(db: &Db, sql: &str) {
    let q = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query(q).execute(p).await.map(|_| ()),
        Db::Postgres(p) => sqlx::query(q).execute(p).await.map(|_| ()),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn scalar_text(db: &Db, sql: &str) -> String {
    let q = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(p) => sqlx::query_scalar::<_, String>(q).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar::<_, String>(q).fetch_one(p).await,
    }
    .unwrap()
}

async fn node_of(db: &Db, code: &str) -> (i64, String) {
    let id: i64 = scalar_text(
        db,
        &format!("SELECT CAST(id AS TEXT) FROM nodes WHERE code = '{code}'"),
    )
    .await
    .parse()
    .unwrap();
    let path = scalar_text(db, &format!("SELECT path FROM nodes WHERE code = '{code}'")).await;
    (id, path)
}

async fn worker(db: &Db, name: &str, node: &str) -> i64 {
    let mut c = db.conn().await.unwrap();
    users::create(
        &mut c.handle(),
        &System::acting().scope(),
        &NewUser {
            username: format!("user_{name}"),
            display_name: format!("员工{name}"),
            password: "password-123".into(),
            role: Role::Worker,
            node_code: node.into(),
            phone: None,
        },
        at("2026-06-01T09:00:00+08:00"),
    )
    .await
    .unwrap()
    .id
}

struct Seeded {
    keys: KeyRing,
    w1: i64,
    w2: i64,
    wb: i64,
    twp_a: String,
    grid_1: String,
}

async fn visit(db: &Db, w: i64, grid: (i64, &str), hh: i64, d: &str, key: &str) {
    exec(
        db,
        &format!(
            "INSERT INTO visits (worker_id, worker_name, grid_id, path, target_kind, target_id, \
             household_id, seen, discussed, done, reply, evaluation, at, day, received_at, \
             client_key, content_hash) VALUES ({w}, 'w', {}, '{}', 'household', {hh}, {hh}, \
             's', '', '', '', '', {t}, '{d}', {t}, '{key}', 'h')",
            grid.0,
            grid.1,
            t = at(&format!("{d}T10:00:00+08:00"))
        ),
    )
    .await;
}

async fn person(
    db: &Db,
    keys: &KeyRing,
    id: i64,
    grid: (i64, &str),
    hh: i64,
    tag: &str,
    until: &str,
) {
    exec(
        db,
        &format!(
            "INSERT INTO people (id, grid_id, path, name, name_initials, sex, id_sealed, id_index, \
             id_masked, ethnic, registered_address, residence, party_member, household_id, \
             created_at, updated_at, birth_year) VALUES ({id}, {}, '{}', '张{id}', 'z', 'M', 'x', \
             'idx{id}', '35***********{id}', 'han', '', 'local', FALSE, {hh}, 0, 0, 1980)",
            grid.0, grid.1
        ),
    )
    .await;
    exec(
        db,
        &format!(
            "INSERT INTO person_tags (person_id, path, tag_sealed, tag_index, since, until, \
             created_at) VALUES ({id}, '{}', 'sealed', '{}', '2026-01-01', {until}, 0)",
            grid.1,
            keys.blind_index("tag", tag)
        ),
    )
    .await;
}

/// Quarter 2026Q3 for w1 in grid 1 (see each block); w2 in grid 2 does nothing; wb is in
/// township B.
async fn seeded(db: &Db) -> Seeded {
    build_tree(db).await;
    let keys = KeyRing::from_text(&format!("k1 {}", auth::random_secret().unwrap())).unwrap();
    let w1 = worker(db, "w1", GRID_1).await;
    let w2 = worker(db, "w2", GRID_2).await;
    let wb = worker(db, "wb", GRID_B1).await;
    let (g1, grid_1) = node_of(db, GRID_1).await;
    let (twp_id, twp_a) = node_of(db, TWP_A).await;
    let g = (g1, grid_1.as_str());
    for hh in [71, 72] {
        exec(
            db,
            &format!(
                "INSERT INTO households (id, grid_id, path, household_no, created_at) \
                 VALUES ({hh}, {g1}, '{grid_1}', 'H{hh}', 0)"
            ),
        )
        .await;
    }
    // Key persons: 81 (weekly group) in household 71; 82 (monthly group) never counts; 83
    // (weekly) in household 72, whose tag closed on 10 July.
    person(db, &keys, 81, g, 71, "released", "NULL").await;
    person(db, &keys, 82, g, 72, "poor", "NULL").await;
    person(db, &keys, 83, g, 72, "drug_user", "'2026-07-10'").await;
    // Week of 6 July: household 71 twice (quota 2 met, 81 seen); week of 13 July: household 72
    // once (one short; 81 not seen). 83 was never seen: missed in the week of 6 July only.
    visit(db, w1, g, 71, "2026-07-06", "v1").await;
    visit(db, w1, g, 71, "2026-07-08", "v2").await;
    visit(db, w1, g, 72, "2026-07-14", "v3").await;
    // A visit of the week still under way on the 22nd counts for nothing yet.
    visit(db, w1, g, 71, "2026-07-21", "v4").await;
    // Diary: two in the first week, none in the second (the township asks 3 from 13 July).
    for (i, d) in ["2026-07-07", "2026-07-09"].iter().enumerate() {
        exec(
            db,
            &format!(
                "INSERT INTO diary_entries (worker_id, worker_name, grid_id, path, day, body, tags, \
                 at, received_at, client_key, content_hash) VALUES ({w1}, 'w', {g1}, '{grid_1}', \
                 '{d}', 'b', '', 0, 0, 'd{i}', 'h')"
            ),
        )
        .await;
    }
    let stricter = Duties {
        diary_per_week: 3,
        ..Duties::default()
    };
    exec(
        db,
        &format!(
            "INSERT INTO duty_rules (node_id, path, version, effective_from, rules_json, note, \
             created_by_name, created_at) VALUES ({twp_id}, '{twp_a}', 1, '2026-07-13', '{}', '', \
             'admin', 0)",
            stricter.to_json()
        ),
    )
    .await;
    exec(
        db,
        &format!(
            "INSERT INTO sweeps (worker_id, grid_id, path, week, items_json, findings, submitted_at) \
             VALUES ({w1}, {g1}, '{grid_1}', '2026-07-06', '[]', 0, 0)"
        ),
    )
    .await;
    // Working days 1–21 July: 15. Time in the grid met on all but 1, 2 (nothing) and 3 July
    // (an hour); a log-in every day but 8 July.
    let mut d = day("2026-07-01");
    while d <= day("2026-07-21") {
        if !d.weekday().is_weekend() {
            let secs = match d.to_string().as_str() {
                "2026-07-01" | "2026-07-02" => None,
                "2026-07-03" => Some(3600),
                _ => Some(7200),
            };
            if let Some(s) = secs {
                exec(
                    db,
                    &format!(
                        "INSERT INTO patrol_days (worker_id, day, grid_id, path, seconds_inside) \
                         VALUES ({w1}, '{d}', {g1}, '{grid_1}', {s})"
                    ),
                )
                .await;
            }
            if d.to_string() != "2026-07-08" {
                exec(
                    db,
                    &format!(
                        "INSERT INTO login_days (user_id, day, first_at) VALUES ({w1}, '{d}', 0)"
                    ),
                )
                .await;
            }
        }
        d = d.add_days(1).unwrap();
    }
    // Meetings: late without the report asked for (3 July), absent (15 July), excused (20 July).
    for (id, d, att, report) in [
        (61, "2026-07-03", "late", "TRUE"),
        (62, "2026-07-15", "absent", "FALSE"),
        (63, "2026-07-20", "excused", "TRUE"),
    ] {
        exec(
            db,
            &format!(
                "INSERT INTO meetings (id, node_id, path, kind, title, place, agenda, starts_at, day, \
                 report_required, created_by_name, created_at) VALUES ({id}, {twp_id}, '{twp_a}', \
                 'meeting', '例会{id}', '', '', 0, '{d}', {report}, 'admin', 0)"
            ),
        )
        .await;
        exec(
            db,
            &format!(
                "INSERT INTO meeting_invitees (meeting_id, user_id, attendance, report_handed) \
                 VALUES ({id}, {w1}, '{att}', FALSE)"
            ),
        )
        .await;
    }
    // Ledgers: July on time, August late, September never.
    for (m, sub) in [("2026-07", "2026-08-10"), ("2026-08", "2026-09-25")] {
        exec(
            db,
            &format!(
                "INSERT INTO ledgers (worker_id, worker_name, grid_id, path, month, summary_json, \
                 worker_note, status, submitted_at, sign_note, created_at) VALUES ({w1}, 'w', {g1}, \
                 '{grid_1}', '{m}', '{{}}', '', 'submitted', {}, '', 0)",
                at(&format!("{sub}T10:00:00+08:00"))
            ),
        )
        .await;
    }
    // w1 updated a basic record in the quarter; w2 did not.
    exec(
        db,
        &format!(
            "INSERT INTO record_history (table_name, row_id, action, actor_user_id, actor_name, at) \
             VALUES ('people', 81, 'update', {w1}, 'w', {})",
            at("2026-08-02T10:00:00+08:00")
        ),
    )
    .await;
    // An inspection found records incomplete twice, and a veto.
    exec(
        db,
        &format!(
            "INSERT INTO inspections (id, node_id, path, kind, quarter, day, summary, inspector_name, \
             created_at) VALUES (51, {g1}, '{grid_1}', 'quarterly', '2026Q3', '2026-07-10', '', 'i', 0)"
        ),
    )
    .await;
    for (id, measure, veto) in [
        (52, "records_incomplete", "NULL"),
        (53, "", "'safety_production'"),
    ] {
        exec(
            db,
            &format!(
                "INSERT INTO inspection_findings (id, inspection_id, user_id, path, quarter, item_key, \
                 measure, count, veto, note, evidence_json, created_at) VALUES ({id}, 51, {w1}, \
                 '{grid_1}', '2026Q3', 'basic_info', '{measure}', 2, {veto}, '台账缺项', '[]', 0)"
            ),
        )
        .await;
    }
    Seeded {
        keys,
        w1,
        w2,
        wb,
        twp_a,
        grid_1,
    }
}

fn absences(m: &Measures, measure: Measure) -> Vec<(String, Option<i64>, i64)> {
    m.counts
        .get(&measure)
        .map(|c| {
            c.evidence
                .iter()
                .filter_map(|e| match e {
                    Evidence::Absence {
                        period,
                        subject,
                        short,
                        ..
                    } => Some((period.clone(), *subject, *short)),
                    Evidence::Record { .. } => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn records(m: &Measures, measure: Measure) -> Vec<(String, i64)> {
    m.counts
        .get(&measure)
        .map(|c| {
            c.evidence
                .iter()
                .filter_map(|e| match e {
                    Evidence::Record { kind, id, .. } => Some((kind.clone(), *id)),
                    Evidence::Absence { .. } => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_running_quarter_counts_what_has_ended() {
    let t = fresh().await;
    let s = seeded(&t.db).await;
    let q = Quarter::parse("2026Q3").unwrap();
    let today = day("2026-07-22");
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let all = measures::collect(h, &s.keys, &s.twp_a, q, today)
        .await
        .unwrap();
    assert!(all.contains_key(&s.w1) && all.contains_key(&s.w2));
    assert!(!all.contains_key(&s.wb), "township B is out of the prefix");
    let m = &all[&s.w1];

    assert_eq!(
        absences(m, Measure::OrdinaryVisitsShort),
        [("2026-07-13".to_string(), None, 1)]
    );
    // Key persons: 83 in the first week (tag still open), 81 in the second.
    assert_eq!(
        absences(m, Measure::KeyPersonWeeksMissed),
        [
            ("2026-07-06".to_string(), Some(83), 1),
            ("2026-07-13".to_string(), Some(81), 1)
        ]
    );
    match &m.counts[&Measure::KeyPersonWeeksMissed].evidence[0] {
        Evidence::Absence { label, .. } => {
            assert!(label.contains("张83") && label.contains('*'), "{label}")
        }
        e => panic!("{e:?}"),
    }
    // The second week is judged by the township's set (3 a week).
    assert_eq!(m.count(Measure::DiaryShort), 3);
    assert_eq!(m.count(Measure::SweepsMissed), 1);
    // No events: both weeks short of the community quota of 5.
    assert_eq!(
        absences(m, Measure::EntryWeeksShort),
        [
            ("2026-07-06".to_string(), None, 5),
            ("2026-07-13".to_string(), None, 5)
        ]
    );
    assert_eq!(
        absences(m, Measure::PatrolDaysShort),
        [
            ("2026-07-01".to_string(), None, 120),
            ("2026-07-02".to_string(), None, 120),
            ("2026-07-03".to_string(), None, 60)
        ]
    );
    assert_eq!(
        absences(m, Measure::LoginDaysMissed),
        [("2026-07-08".to_string(), None, 1)]
    );
    assert_eq!(
        records(m, Measure::LateOrLeftEarly),
        [("meeting".to_string(), 61)]
    );
    assert_eq!(
        records(m, Measure::UnexcusedAbsence),
        [("meeting".to_string(), 62)]
    );
    assert_eq!(
        records(m, Measure::ReportNotHanded),
        [("meeting".to_string(), 61)]
    );
    // Nothing monthly has ended; the quarterly update is not judged while the quarter runs.
    assert_eq!(m.count(Measure::LedgersLate), 0);
    assert_eq!(all[&s.w2].count(Measure::QuarterlyUpdateMissed), 0);
    // Findings and the veto.
    assert_eq!(m.count(Measure::RecordsIncomplete), 2);
    assert_eq!(
        records(m, Measure::RecordsIncomplete),
        [("finding".to_string(), 52)]
    );
    assert_eq!(m.vetoes.len(), 1);
    assert_eq!(
        (m.vetoes[0].veto.as_str(), m.vetoes[0].finding_id),
        ("safety_production", 53)
    );
    // A veto holds for the rest of its year, and not into the next; counts stay in their
    // quarter.
    let later = measures::collect(h, &s.keys, &s.twp_a, q.next(), today)
        .await
        .unwrap();
    assert_eq!(later[&s.w1].vetoes.len(), 1);
    assert_eq!(later[&s.w1].count(Measure::RecordsIncomplete), 0);
    let next_year = Quarter::parse("2027Q1").unwrap();
    let later = measures::collect(h, &s.keys, &s.twp_a, next_year, today)
        .await
        .unwrap();
    assert!(later[&s.w1].vetoes.is_empty());

    // One worker gives the same as all, and a grid prefix holds only its worker.
    let one = measures::collect_one(h, &s.keys, s.w1, q, today)
        .await
        .unwrap();
    assert_eq!(&one, m);
    let grid = measures::collect(h, &s.keys, &s.grid_1, q, today)
        .await
        .unwrap();
    assert_eq!(grid.keys().copied().collect::<Vec<_>>(), vec![s.w1]);
    let e = measures::collect_one(h, &s.keys, 999_999, q, today)
        .await
        .unwrap_err();
    assert_eq!(e.code, "assess.worker_not_found");
}

#[tokio::test]
async fn the_closed_quarter_counts_months_ledgers_and_updates() {
    let t = fresh().await;
    let s = seeded(&t.db).await;
    let q = Quarter::parse("2026Q3").unwrap();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let all = measures::collect(h, &s.keys, &s.twp_a, q, day("2026-10-25"))
        .await
        .unwrap();
    let m = &all[&s.w1];
    // August late (a record to look at), September never submitted (an absence).
    assert_eq!(m.count(Measure::LedgersLate), 2);
    assert_eq!(records(m, Measure::LedgersLate).len(), 1);
    assert_eq!(
        absences(m, Measure::LedgersLate),
        [("2026-09".to_string(), None, 1)]
    );
    assert_eq!(m.count(Measure::QuarterlyUpdateMissed), 0);
    let w2 = &all[&s.w2];
    assert_eq!(w2.count(Measure::QuarterlyUpdateMissed), 1);
    // Households: grid 1 holds two, so two a month are asked; w1 saw both in July and none
    // in August or September.
    let months: Vec<(String, i64)> = absences(m, Measure::OrdinaryVisitsShort)
        .into_iter()
        .filter(|(p, _, _)| p.len() == 7)
        .map(|(p, _, n)| (p, n))
        .collect();
    assert_eq!(
        months,
        [("2026-08".to_string(), 2), ("2026-09".to_string(), 2)]
    );
    // w2 missed every working day's log-in: the count is full, the evidence capped.
    let logins = &w2.counts[&Measure::LoginDaysMissed];
    assert!(logins.count > MAX_EVIDENCE as i64, "{}", logins.count);
    assert_eq!(logins.evidence.len(), MAX_EVIDENCE);
    // Grid 2 holds no households: nothing is asked of w2 monthly.
    assert!(
        absences(w2, Measure::OrdinaryVisitsShort)
            .iter()
            .all(|(p, _, _)| p.len() == 10)
    );
}
