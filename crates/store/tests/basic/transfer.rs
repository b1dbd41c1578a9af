//! An ID number registered outside the caller's area (issue 13, finding 2): the refusal names
//! no grid and leaves an audit row with the person's id, never the number; imports (dry run
//! too) answer the same per row; and the transfer request (人口迁入) that the lowest common
//! office decides.

use wangge_domain::{NodeKind, Role, System};
use wangge_store::basic::import::{Mode, PeopleImport};
use wangge_store::basic::registered;
use wangge_store::basic::transfers::{self, NewTransfer, Viewer, Which};
use wangge_store::users;

use super::*;

/// A second township with a village and a grid, outside the first township.
const TWP_X: &str = "350102009000";
const VIL_X: &str = "350102009001";
const GRID_X: &str = "350102009001001";

async fn other_township(db: &Db) {
    let mut c = db.conn().await.unwrap();
    let all = System::acting().scope();
    for n in [
        node(TWP_X, NodeKind::Township, Some(COUNTY)),
        node(VIL_X, NodeKind::Village, Some(TWP_X)),
        grid(GRID_X, VIL_X, square(119.50, 26.08, 119.51, 26.09)),
    ] {
        nodes::create(&mut c.handle(), &all, "builder", &n, 1.0, now_ms())
            .await
            .unwrap();
    }
}

/// A user of `role` at `code`, as the one who views and acts.
async fn user(db: &Db, name: &str, role: Role, code: &str) -> (Viewer, Actor) {
    let mut c = db.conn().await.unwrap();
    let h = &mut c.handle();
    let n = nodes::by_code(h, &System::acting().scope(), code)
        .await
        .unwrap();
    let id = users::create_with_hash(h, name, name, "x", role, n.id, None, now_ms())
        .await
        .unwrap();
    let v = Viewer {
        user_id: id,
        role,
        path: n.path,
    };
    (v, Actor::user(id, name))
}

fn id_of(p: &Person) -> Sensitive<String> {
    p.id_number.clone()
}

async fn conflicts(db: &Db) -> Vec<audit::AuditRow> {
    let mut c = db.conn().await.unwrap();
    audit_rows(&mut c.handle(), registered::AUDIT_ACTION, 50).await
}

#[tokio::test]
async fn a_conflict_outside_the_area_names_no_grid_and_is_audited_by_person() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let p = person(GRID_1, "张三", 31);
    let pid = insert(&t.db, &keys, &all, &p).await.unwrap();
    let gb = scope_of(&t.db, GRID_B1).await;
    let again = person(GRID_B1, "别人", 31);
    let e = assert_code(
        insert(&t.db, &keys, &gb, &again).await,
        "basic.registered_elsewhere",
    );
    assert_eq!(e.status, 409);
    let said = format!("{} {} {}", e.message, e.text(true), e.details);
    assert!(!said.contains(GRID_1), "{said}");
    assert!(!said.contains("grid 350102001001001"), "{said}");
    assert!(!said.contains(VIL_A), "{said}");
    assert_eq!(e.details["transfer"], "/api/v1/transfers");

    // The save rolled back; the register's door writes the audit row on its own.
    registered::audit_refused_save(&t.db, &keys, &gb, &actor(), &id_of(&again), None, now_ms())
        .await
        .unwrap();
    let rows = conflicts(&t.db).await;
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.subject_table, "people");
    assert_eq!(r.subject_id, Some(pid));
    assert_eq!(r.actor_user_id, Some(1));
    let clear = p.id_number.expose();
    assert!(!r.detail.contains(clear.as_str()) && !r.reason.contains(clear.as_str()));
    assert!(r.detail.contains("\"in_scope\":false"), "{}", r.detail);
}

#[tokio::test]
async fn a_conflict_inside_the_area_still_names_the_grid() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    insert(&t.db, &keys, &all, &person(GRID_1, "张三", 31))
        .await
        .unwrap();
    let vil_a = scope_of(&t.db, VIL_A).await;
    let e = assert_code(
        insert(&t.db, &keys, &vil_a, &person(GRID_2, "别人", 31)).await,
        "basic.duplicate_id",
    );
    assert!(e.message.contains(GRID_1), "{}", e.message);
}

#[tokio::test]
async fn a_dry_run_import_names_no_grid_outside_the_area_and_audits_each_row() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let inside = insert(&t.db, &keys, &all, &person(GRID_B1, "本村", 41))
        .await
        .unwrap();
    let outside = insert(&t.db, &keys, &all, &person(GRID_1, "外村", 42))
        .await
        .unwrap();
    let vil_b = scope_of(&t.db, VIL_B).await;
    for mode in [Mode::DryRun, Mode::AllOrNothing] {
        let mut imp = PeopleImport::begin(&t.db, &keys, &vil_b, &actor(), mode, now_ms())
            .await
            .unwrap();
        for (row, seq) in [(2, 41), (3, 42), (4, 43)] {
            imp.push(row, person(GRID_B1, "导入", seq))
                .await
                .unwrap()
                .unwrap();
        }
        let s = imp.finish().await.unwrap();
        assert!(!s.committed);
        let got: Vec<(u64, &str)> = s.problems.iter().map(|p| (p.row, p.code)).collect();
        assert_eq!(
            got,
            vec![(2, "basic.duplicate_id"), (3, "basic.registered_elsewhere")],
            "{mode:?}"
        );
        assert!(s.problems[0].message.contains(GRID_B1));
        assert!(!s.problems[1].message.contains(GRID_1));
        assert!(!s.problems[1].message.contains("350102001001"));
    }
    // Two rows met someone in each of the two runs, the dry run included.
    let rows = conflicts(&t.db).await;
    assert_eq!(rows.len(), 4, "{rows:?}");
    let mut met: Vec<i64> = rows.iter().filter_map(|r| r.subject_id).collect();
    met.sort_unstable();
    assert_eq!(met, vec![inside, inside, outside, outside]);
    assert!(rows.iter().any(|r| r.detail.contains("import:dry_run")));
    for r in &rows {
        assert!(
            !r.detail
                .contains(&make_id_number("350102", date("1985-03-07"), 42))
        );
    }
}

/// The office of GRID_1 and GRID_B1 is township A: its operator decides; township X's does
/// not, and neither does the requester.
#[tokio::test]
async fn the_lowest_common_office_approves_and_the_person_moves() {
    let t = setup().await;
    other_township(&t.db).await;
    let keys = ring1();
    let all = System::acting().scope();
    let mut p = person(GRID_1, "迁移人", 51);
    p.household_no = Some("H51".into());
    let pid = insert(&t.db, &keys, &all, &p).await.unwrap();
    {
        let mut tx = t.db.begin().await.unwrap();
        let tag = wangge_domain::basic::PersonTag {
            group: wangge_domain::basic::KeyGroup::Disabled,
            since: date("2024-01-01"),
            until: None,
        };
        people::add_tag(&mut tx.handle(), &keys, &all, &actor(), pid, &tag, now_ms())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let (worker, worker_actor) = user(&t.db, "gw_b1", Role::Worker, GRID_B1).await;
    let (op_a, op_a_actor) = user(&t.db, "op_a", Role::Operator, TWP_A).await;
    let (op_x, op_x_actor) = user(&t.db, "op_x", Role::Operator, TWP_X).await;
    let (leader, _) = user(&t.db, "leader", Role::Leader, COUNTY).await;

    let new = NewTransfer {
        id_number: id_of(&p),
        grid_code: GRID_B1.into(),
        reason: "已搬到本网格居住".into(),
    };
    let id = {
        let mut tx = t.db.begin().await.unwrap();
        let id = transfers::request(
            &mut tx.handle(),
            &keys,
            &worker,
            &worker_actor,
            &new,
            now_ms(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id
    };
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    // The requester sees the status, not the person or where they are.
    let mine = transfers::get(h, &worker, id).await.unwrap();
    assert_eq!(mine.status, "pending");
    assert!(mine.person.is_none());
    assert!(!mine.may_decide);
    let listed = transfers::list(h, &worker, Which::Mine, None, None, 10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    // The same request asked again waits already.
    drop(c);
    let mut tx = t.db.begin().await.unwrap();
    assert_code(
        transfers::request(
            &mut tx.handle(),
            &keys,
            &worker,
            &worker_actor,
            &new,
            now_ms(),
        )
        .await,
        "transfer.pending",
    );
    drop(tx);

    // An operator of another township, and a leader, see nothing and decide nothing.
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    for v in [&op_x, &leader] {
        assert_code(transfers::get(h, v, id).await, "transfer.not_found");
        assert!(
            transfers::list(h, v, Which::ToDecide, None, None, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert_code(
        transfers::get(h, &op_x, id + 1000).await,
        "transfer.not_found",
    );
    drop(c);
    let mut tx = t.db.begin().await.unwrap();
    assert_code(
        transfers::approve(&mut tx.handle(), &op_x, &op_x_actor, id, "", now_ms()).await,
        "transfer.not_found",
    );
    assert_code(
        transfers::approve(&mut tx.handle(), &worker, &worker_actor, id, "", now_ms()).await,
        "auth.forbidden",
    );
    drop(tx);

    // Township A's operator sees both grids and approves.
    let mut c = t.db.conn().await.unwrap();
    let seen = transfers::get(&mut c.handle(), &op_a, id).await.unwrap();
    assert!(seen.may_decide);
    let brief = seen.person.clone().unwrap();
    assert_eq!((brief.id, brief.grid_code.as_str()), (pid, GRID_1));
    assert_eq!(seen.to_grid_code, GRID_B1);
    assert_eq!(transfers::waiting(&mut c.handle(), &op_a).await.unwrap(), 1);
    drop(c);
    let mut tx = t.db.begin().await.unwrap();
    transfers::approve(
        &mut tx.handle(),
        &op_a,
        &op_a_actor,
        id,
        "核实无误",
        now_ms(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let gb = scope_of(&t.db, GRID_B1).await;
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let moved = people::get(h, &gb, pid).await.unwrap();
    assert_eq!(moved.grid_code, GRID_B1);
    assert_eq!(moved.household_id, None);
    assert_eq!(moved.house_id, None);
    let g1 = scope_of(&t.db, GRID_1).await;
    assert_code(people::get(h, &g1, pid).await, "basic.not_found");
    // Its tag followed it; the history kept the record as it was.
    assert_eq!(people::tags(h, &keys, &gb, pid).await.unwrap().len(), 1);
    let hist = basic::history::of(h, &gb, basic::history::Table::People, pid)
        .await
        .unwrap();
    assert!(
        hist.iter().any(|r| r.action == "update"
            && r.before_json.as_deref().is_some_and(|b| b.contains(GRID_1)))
    );
    // The requester now sees the person in their grid, and the decision.
    let after = transfers::get(h, &worker, id).await.unwrap();
    assert_eq!(after.status, "approved");
    assert_eq!(after.person.unwrap().grid_code, GRID_B1);
    assert_eq!(after.decision_note, "核实无误");
    assert_eq!(transfers::waiting(h, &op_a).await.unwrap(), 0);
    drop(c);
    // Decided once.
    let mut tx = t.db.begin().await.unwrap();
    assert_code(
        transfers::refuse(&mut tx.handle(), &op_a, &op_a_actor, id, "再议", now_ms()).await,
        "transfer.decided",
    );
    drop(tx);
    // Every step audited.
    let mut c = t.db.conn().await.unwrap();
    for action in ["transfer_request", "transfer_approve"] {
        let rows = audit_rows(&mut c.handle(), action, 5).await;
        assert_eq!(rows.len(), 1, "{action}");
        assert_eq!(rows[0].subject_id, Some(id));
    }
}

#[tokio::test]
async fn a_refusal_needs_a_note_and_leaves_the_person_where_they_were() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let p = person(GRID_1, "留下", 61);
    let pid = insert(&t.db, &keys, &all, &p).await.unwrap();
    let (worker, worker_actor) = user(&t.db, "gw_b1", Role::Worker, GRID_B1).await;
    let (op_a, op_a_actor) = user(&t.db, "op_a", Role::Operator, TWP_A).await;
    let mut tx = t.db.begin().await.unwrap();
    let new = NewTransfer {
        id_number: id_of(&p),
        grid_code: GRID_B1.into(),
        reason: "申请".into(),
    };
    let id = transfers::request(
        &mut tx.handle(),
        &keys,
        &worker,
        &worker_actor,
        &new,
        now_ms(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.db.begin().await.unwrap();
    assert_code(
        transfers::refuse(&mut tx.handle(), &op_a, &op_a_actor, id, "  ", now_ms()).await,
        "transfer.note_required",
    );
    transfers::refuse(
        &mut tx.handle(),
        &op_a,
        &op_a_actor,
        id,
        "仍在原址居住",
        now_ms(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = t.db.conn().await.unwrap();
    let h = &mut c.handle();
    let g1 = scope_of(&t.db, GRID_1).await;
    assert_eq!(people::get(h, &g1, pid).await.unwrap().grid_code, GRID_1);
    let seen = transfers::get(h, &worker, id).await.unwrap();
    assert_eq!(seen.status, "refused");
    assert!(seen.person.is_none());
    assert_eq!(seen.decision_note, "仍在原址居住");
    assert_eq!(audit_rows(h, "transfer_refuse", 5).await.len(), 1);
}

#[tokio::test]
async fn requests_for_nobody_or_for_someone_in_the_area_are_refused() {
    let t = setup().await;
    let keys = ring1();
    let all = System::acting().scope();
    let p = person(GRID_1, "本村", 71);
    insert(&t.db, &keys, &all, &p).await.unwrap();
    let (gl, gl_actor) = user(&t.db, "gl_a", Role::GridLeader, VIL_A).await;
    let (worker, worker_actor) = user(&t.db, "gw_b1", Role::Worker, GRID_B1).await;
    let mut tx = t.db.begin().await.unwrap();
    let ask = |id: &Person, grid: &str, reason: &str| NewTransfer {
        id_number: id.id_number.clone(),
        grid_code: grid.into(),
        reason: reason.into(),
    };
    let h = &mut tx.handle();
    let now = now_ms();
    assert_code(
        transfers::request(h, &keys, &gl, &gl_actor, &ask(&p, GRID_2, "x"), now).await,
        "transfer.in_scope",
    );
    assert_code(
        transfers::request(
            h,
            &keys,
            &worker,
            &worker_actor,
            &ask(&person(GRID_1, "无", 72), GRID_B1, "x"),
            now,
        )
        .await,
        "transfer.not_registered",
    );
    assert_code(
        transfers::request(
            h,
            &keys,
            &worker,
            &worker_actor,
            &ask(&p, GRID_B1, " "),
            now,
        )
        .await,
        "transfer.reason_required",
    );
    // Only into one's own grids.
    assert_code(
        transfers::request(h, &keys, &worker, &worker_actor, &ask(&p, GRID_2, "x"), now).await,
        "basic.grid_unknown",
    );
}
