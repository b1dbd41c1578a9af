//! Bulk imports of people, houses and organisations, already validated row by row by the
//! domain: what is left to check needs the database (the grid, the scope, duplicates).
//!
//! One transaction holds the whole import. Rows are buffered and written in multi-row INSERTs
//! of [`BATCH`] rows (people: 26 values a row, well under SQLite's 32766 bound variables and
//! PostgreSQL's 65535); ids are reserved and values sealed per batch. Houses and households a
//! person names are resolved through small caches and created when missing. Imported rows get
//! no per-row history: one `import` audit row records who imported how many.
//!
//! `push` reports at once what it can see alone (unknown grid, outside the importer's area,
//! the same key earlier in the file); a clash with a record already in the database is found
//! when the batch is written and appears in the summary's problems.
//!
//! People go faster: a full batch is checked for people already registered on a pooled
//! connection and handed to a writer task, which seals it on a blocking thread while it finds
//! the places, then inserts it; so reading, checking, sealing and writing overlap.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use serde::Serialize;
use wangge_domain::basic::{HouseAddress, HouseUse, Person, PersonTag};
use wangge_domain::err;
use wangge_domain::{Error, Scope};

use super::registered::{self, Met};
use super::{
    Actor, Arg, Grid, GridProblem, INDEX_TAG, execute, fetch_all, find_grid, houses, people,
};
use crate::db::{Db, Tx};
use crate::seal::{Aad, KeyRing};

mod registers;
pub use registers::{HousesImport, ObjectsImport, OrgsImport};

/// Rows per INSERT statement.
pub const BATCH: usize = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Commit only when no row has a problem.
    AllOrNothing,
    /// Commit the good rows, report the others.
    GoodRowsOnly,
    /// Check everything, write nothing.
    DryRun,
}

/// Why a row was not (or would not be) written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    /// The row number the caller gave (the file's line or sheet row).
    pub row: u64,
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub mode: Mode,
    /// Rows written (or, for a dry run or a refused all-or-nothing import, that would have been).
    pub inserted: u64,
    /// Houses that were placeholders and got filled in (houses import only).
    pub updated: u64,
    pub problems: Vec<RowProblem>,
    /// Whether anything was committed.
    pub committed: bool,
}

fn grid_problem(row: u64, code: &str, p: &GridProblem) -> RowProblem {
    let e = match p {
        GridProblem::Unknown => err!("basic.grid_unknown", code),
        GridProblem::NotAGrid => err!("basic.not_a_grid", code),
        GridProblem::OutOfScope => err!("basic.out_of_scope", code),
    };
    RowProblem {
        row,
        field: "grid_code",
        code: e.code,
        message: e.message,
    }
}

/// Grids by code as a file names them, with why a code is refused.
#[derive(Default)]
struct Grids(HashMap<String, Result<Grid, GridProblem>>);

impl Grids {
    /// The grid of `code`, looked up through `h` the first time.
    async fn get(
        &mut self,
        h: impl AsyncFnOnce() -> Result<Result<Grid, GridProblem>, Error>,
        row: u64,
        code: &str,
    ) -> Result<Result<Grid, RowProblem>, Error> {
        if !self.0.contains_key(code) {
            let found = h().await?;
            self.0.insert(code.to_string(), found);
        }
        Ok(match self.0.get(code) {
            Some(Ok(g)) => Ok(g.clone()),
            Some(Err(p)) => Err(grid_problem(row, code, p)),
            None => Err(grid_problem(row, code, &GridProblem::Unknown)),
        })
    }
}

/// `$1, $2, …, $n`: the list of an `IN (…)` look-up.
fn params(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What every import keeps: the transaction, the grid cache, the tallies.
struct Common {
    tx: Tx,
    keys: Arc<KeyRing>,
    scope: Scope,
    actor: Actor,
    mode: Mode,
    now: i64,
    grids: Grids,
    inserted: u64,
    updated: u64,
    problems: Vec<RowProblem>,
}

impl Common {
    async fn begin(
        db: &Db,
        keys: &KeyRing,
        scope: &Scope,
        actor: &Actor,
        mode: Mode,
        now: i64,
    ) -> Result<Common, Error> {
        let mut tx = db.begin().await?;
        // An import of a million rows runs longer than any request may.
        tx.unbounded().await?;
        Ok(Common {
            tx,
            keys: Arc::new(keys.clone()),
            scope: scope.clone(),
            actor: actor.clone(),
            mode,
            now,
            grids: Grids::default(),
            inserted: 0,
            updated: 0,
            problems: Vec::new(),
        })
    }

    async fn grid(&mut self, row: u64, code: &str) -> Result<Result<Grid, RowProblem>, Error> {
        let code = code.trim();
        let (tx, scope) = (&mut self.tx, &self.scope);
        self.grids
            .get(
                async || find_grid(&mut tx.handle(), scope, code).await,
                row,
                code,
            )
            .await
    }

    fn problem(&mut self, p: RowProblem) -> RowProblem {
        self.problems.push(p.clone());
        p
    }

    /// `analyze`: tables PostgreSQL should re-sample before the commit (after a bulk load its
    /// planner otherwise has no statistics and picks scans over the list indexes).
    async fn finish(mut self, table: &str, analyze: Option<&str>) -> Result<Summary, Error> {
        self.problems.sort_by_key(|p| p.row);
        let commit = match self.mode {
            Mode::DryRun => false,
            Mode::AllOrNothing => self.problems.is_empty(),
            Mode::GoodRowsOnly => true,
        };
        if commit {
            let detail = serde_json::json!({
                "mode": self.mode,
                "inserted": self.inserted,
                "updated": self.updated,
                "problems": self.problems.len(),
            })
            .to_string();
            crate::audit::append(
                &mut self.tx.handle(),
                &crate::audit::Entry {
                    actor: &self.actor,
                    action: "import",
                    subject_table: table,
                    subject_id: None,
                    column_name: None,
                    reason: "",
                    detail: &detail,
                },
                self.now,
            )
            .await?;
            if let Some(tables) = analyze {
                self.tx.handle().analyze_in_tx(tables).await?;
            }
            self.tx.commit().await?;
        }
        // Without commit the transaction rolls back when dropped.
        Ok(Summary {
            mode: self.mode,
            inserted: self.inserted,
            updated: self.updated,
            problems: self.problems,
            committed: commit,
        })
    }
}

fn trimmed(a: &HouseAddress) -> HouseAddress {
    HouseAddress {
        building: a.building.trim().to_string(),
        unit: a.unit.trim().to_string(),
        room: a.room.trim().to_string(),
    }
}

struct PendingPerson {
    row: u64,
    grid: Grid,
    person: Person,
    id_index: String,
    /// Open key-group tags the row carries.
    tags: Vec<PersonTag>,
}

/// Imports people. `begin`, `push` each row, `finish`. Full batches go to a task of their own
/// that writes them in the import's transaction, so that reading, checking and hashing the
/// next batch here overlaps the database's work on the last one.
pub struct PeopleImport<'k> {
    keys: &'k KeyRing,
    /// For grid look-ups, outside the import's transaction (which the writer task holds).
    db: Db,
    scope: Scope,
    grids: Grids,
    /// Blind indexes seen in this file (as the 128-bit numbers their hex spells, a third of the
    /// memory of the strings at a million rows) → the row that had it first.
    seen: HashMap<u128, u64>,
    pending: Vec<PendingPerson>,
    /// Problems found at `push`.
    problems: Vec<RowProblem>,
    batches: Option<mpsc::Sender<Vec<PendingPerson>>>,
    writer: Option<JoinHandle<Result<PeopleWriter, Error>>>,
    /// People already registered whom rows named: each gets an audit row at the end, dry run
    /// or not (the import's own transaction may roll back).
    met: Vec<Met>,
    actor: Actor,
    mode: Mode,
    now: i64,
}

impl<'k> PeopleImport<'k> {
    /// Opens the import's transaction. `scope` is the importer's: rows for grids outside it are
    /// refused.
    pub async fn begin(
        db: &Db,
        keys: &'k KeyRing,
        scope: &Scope,
        actor: &Actor,
        mode: Mode,
        now: i64,
    ) -> Result<PeopleImport<'k>, Error> {
        // No custom plans here (see `Tx::custom_plans`): planning the 10,400-value INSERT anew for
        // every batch cut PostgreSQL's rate by 40% (200,000 rows: 8,780 against 14,540 rows/s).
        // The writer's only look-ups are joins on the unique indexes of houses and households.
        let writer = PeopleWriter {
            c: Common::begin(db, keys, scope, actor, mode, now).await?,
            houses: HashMap::new(),
            households: HashMap::new(),
            next_id: None,
            insert_sql: HashMap::new(),
        };
        // One batch queued while another is written; dropping the import closes the channel,
        // and the task then ends and rolls its transaction back.
        let (batches, rx) = mpsc::channel(1);
        Ok(PeopleImport {
            keys,
            db: db.clone(),
            scope: scope.clone(),
            grids: Grids::default(),
            seen: HashMap::new(),
            pending: Vec::with_capacity(BATCH),
            problems: Vec::new(),
            batches: Some(batches),
            writer: Some(tokio::spawn(writer.run(rx))),
            met: Vec::new(),
            actor: actor.clone(),
            mode,
            now,
        })
    }

    async fn grid(&mut self, row: u64, code: &str) -> Result<Result<Grid, RowProblem>, Error> {
        let code = code.trim();
        let (db, scope) = (&self.db, &self.scope);
        self.grids
            .get(
                async || {
                    let mut c = db.conn().await?;
                    find_grid(&mut c.handle(), scope, code).await
                },
                row,
                code,
            )
            .await
    }

    /// Takes one validated row. `Ok(Err(problem))` when the row is refused now; database
    /// duplicates are found when its batch is written (see the module documentation).
    pub async fn push(
        &mut self,
        row: u64,
        person: Person,
    ) -> Result<Result<(), RowProblem>, Error> {
        self.push_tagged(row, person, Vec::new()).await
    }

    /// [`PeopleImport::push`] with the person's key-group tags, written with them.
    pub async fn push_tagged(
        &mut self,
        row: u64,
        person: Person,
        tags: Vec<PersonTag>,
    ) -> Result<Result<(), RowProblem>, Error> {
        let grid = match self.grid(row, &person.grid_code).await? {
            Ok(g) => g,
            Err(p) => {
                self.problems.push(p.clone());
                return Ok(Err(p));
            }
        };
        let id_index = people::id_index(self.keys, &person.id_number);
        let key = u128::from_str_radix(&id_index, 16)
            .map_err(|_| err!("internal", detail = "a blind index is not 128 bits of hex"))?;
        if let Some(first) = self.seen.get(&key) {
            let p = RowProblem {
                row,
                field: "id_number",
                code: "basic.duplicate_in_file",
                message: err!("basic.duplicate_in_file", field = "id_number", first).message,
            };
            self.problems.push(p.clone());
            return Ok(Err(p));
        }
        self.seen.insert(key, row);
        self.pending.push(PendingPerson {
            row,
            grid,
            person,
            id_index,
            tags,
        });
        if self.pending.len() >= BATCH {
            self.send().await?;
        }
        Ok(Ok(()))
    }

    /// Hands the buffered rows to the writer; its error, when it has stopped on one.
    async fn send(&mut self) -> Result<(), Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH));
        let batch = self.unregistered(batch).await?;
        if batch.is_empty() {
            return Ok(());
        }
        let sent = match &self.batches {
            Some(b) => b.send(batch).await.is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The writer only stops early on an error: fetch it.
        self.batches = None;
        match self.writer.take() {
            Some(w) => match w.await {
                Ok(Err(e)) => Err(e),
                Ok(Ok(_)) => Err(err!("internal", detail = "the import writer stopped early")),
                Err(_) => Err(err!("internal", detail = "the import writer failed")),
            },
            None => Err(err!("internal", detail = "the import writer is gone")),
        }
    }

    /// The rows of `batch` whose ID number nobody holds yet; the others become problems. Asked
    /// on a pooled connection, outside the import's transaction, so it runs beside the writer:
    /// what the import itself writes is kept from repeating by `seen`, and on PostgreSQL a person
    /// registered by someone else after this check makes the import fail on the unique index.
    async fn unregistered(
        &mut self,
        batch: Vec<PendingPerson>,
    ) -> Result<Vec<PendingPerson>, Error> {
        let sql = format!(
            "SELECT p.id_index, p.id, p.path, n.code, n.name FROM people p JOIN nodes n ON n.id = p.grid_id WHERE p.id_index IN ({})",
            params(batch.len())
        );
        let args = batch
            .iter()
            .map(|p| Arg::from(p.id_index.as_str()))
            .collect();
        type Found = (String, i64, String, String, String);
        let found: Vec<Found> = if self.db.is_postgres() {
            // A read-only transaction of its own, for the custom plans `Tx::custom_plans` explains.
            let mut tx = self.db.begin().await?;
            tx.custom_plans().await?;
            fetch_all(&mut tx.handle(), sql, args).await?
        } else {
            let mut c = self.db.conn().await?;
            fetch_all(&mut c.handle(), sql, args).await?
        };
        if found.is_empty() {
            return Ok(batch);
        }
        let registered: HashMap<String, Found> =
            found.into_iter().map(|f| (f.0.clone(), f)).collect();
        let mut good = Vec::with_capacity(batch.len());
        for p in batch {
            match registered.get(&p.id_index) {
                // Outside the importer's area the row names no grid (see `registered`).
                Some((_, person_id, path, code, name)) => {
                    let e = registered::conflict(&self.scope, path, code, name);
                    self.met.push(Met {
                        person_id: *person_id,
                        in_scope: self.scope.contains(path),
                        row: Some(p.row),
                    });
                    self.problems.push(RowProblem {
                        row: p.row,
                        field: "id_number",
                        code: e.code,
                        message: e.message,
                    })
                }
                None => good.push(p),
            }
        }
        Ok(good)
    }

    /// Problems found so far while reading (grids, duplicates within the file); those the
    /// database finds are in the summary [`PeopleImport::finish`] gives.
    pub fn problems(&self) -> &[RowProblem] {
        &self.problems
    }

    /// Writes what is buffered, then commits (all-or-nothing: only without problems; good rows
    /// only: always) or rolls back (dry run).
    pub async fn finish(mut self) -> Result<Summary, Error> {
        self.send().await?;
        self.batches = None;
        let mut w = match self.writer.take() {
            Some(w) => w
                .await
                .map_err(|_| err!("internal", detail = "the import writer failed"))??,
            None => return Err(err!("internal", detail = "the import writer is gone")),
        };
        w.c.problems.append(&mut self.problems);
        let summary =
            w.c.finish("people", Some("people, households, houses, person_tags"))
                .await?;
        // After the import's transaction has ended (SQLite: it held the write lock).
        if !self.met.is_empty() {
            let door = format!(
                "import:{}",
                serde_json::json!(self.mode).as_str().unwrap_or("")
            );
            let mut tx = self.db.begin().await?;
            registered::audit_all(&mut tx.handle(), &self.actor, &door, &self.met, self.now)
                .await?;
            tx.commit().await?;
        }
        Ok(summary)
    }
}

/// The writing half of a people import, on a task of its own: the transaction and the
/// caches of houses and households.
struct PeopleWriter {
    c: Common,
    houses: HashMap<(i64, HouseAddress), i64>,
    households: HashMap<(i64, String), i64>,
    /// SQLite: the next free id (see `take_ids`).
    next_id: Option<i64>,
    /// The INSERT of `n` people by `n`, built once: most batches are full, and formatting ten
    /// thousand placeholders per batch was a tenth of the writer's time.
    insert_sql: HashMap<usize, String>,
}

impl PeopleWriter {
    fn insert_sql(&mut self, n: usize) -> String {
        self.insert_sql
            .entry(n)
            .or_insert_with(|| {
                format!(
                    "INSERT INTO people ({}) VALUES {}",
                    people::INSERT_COLUMNS,
                    people::placeholders(n, people::INSERT_ARITY)
                )
            })
            .clone()
    }

    /// Writes batches until the channel closes, then hands itself back for the commit.
    async fn run(mut self, mut batches: mpsc::Receiver<Vec<PendingPerson>>) -> Result<Self, Error> {
        while let Some(batch) = batches.recv().await {
            self.flush(batch).await?;
        }
        Ok(self)
    }

    /// Finds or creates, in a few statements, the houses and households a batch names that the
    /// caches do not hold yet: each is inserted unless it exists (the usual case in a first
    /// import), and only those that existed are then looked up.
    async fn resolve_places(&mut self, batch: &[PendingPerson]) -> Result<(), Error> {
        let mut want_houses: Vec<(&Grid, HouseAddress)> = Vec::new();
        let mut seen_h = std::collections::HashSet::new();
        for p in batch {
            if let Some(a) = &p.person.house {
                let a = trimmed(a);
                let key = (p.grid.id, a.clone());
                if !self.houses.contains_key(&key) && seen_h.insert(key) {
                    want_houses.push((&p.grid, a));
                }
            }
        }
        if !want_houses.is_empty() {
            let mut args = Vec::with_capacity(want_houses.len() * 9);
            let mut rows = Vec::with_capacity(want_houses.len());
            for (g, a) in &want_houses {
                let b = args.len();
                rows.push(format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, '', ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9
                ));
                args.extend([
                    Arg::from(g.id),
                    g.path.as_str().into(),
                    a.building.as_str().into(),
                    a.unit.as_str().into(),
                    a.room.as_str().into(),
                    houses::address_text(a).into(),
                    HouseUse::SelfOccupied.as_str().into(),
                    // Twice rather than `$8, $8`: SQLite binds in-order `?`s without a
                    // look-up per parameter (see `Handle::native_sql`).
                    self.c.now.into(),
                    self.c.now.into(),
                ]);
            }
            let sql = format!(
                "INSERT INTO houses (grid_id, path, building, unit, room, address, use_kind, owner_name, created_at, updated_at) \
                 VALUES {} ON CONFLICT (grid_id, building, unit, room) DO NOTHING \
                 RETURNING id, grid_id, building, unit, room",
                rows.join(", ")
            );
            let made: Vec<(i64, i64, String, String, String)> =
                fetch_all(&mut self.c.tx.handle(), sql, args).await?;
            self.cache_houses(made);
            let existing: Vec<&(&Grid, HouseAddress)> = want_houses
                .iter()
                .filter(|(g, a)| !self.houses.contains_key(&(g.id, a.clone())))
                .collect();
            if !existing.is_empty() {
                let mut args = Vec::with_capacity(existing.len() * 4);
                let mut tuples = Vec::with_capacity(existing.len());
                for (g, a) in &existing {
                    let b = args.len();
                    tuples.push(format!(
                        "(CAST(${} AS BIGINT), ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4
                    ));
                    args.extend([
                        Arg::from(g.id),
                        a.building.as_str().into(),
                        a.unit.as_str().into(),
                        a.room.as_str().into(),
                    ]);
                }
                // A VALUES list joined, which both databases seek by the unique index (SQLite
                // scans the whole index for a row-value `IN` list).
                let sql = format!(
                    "WITH want (grid_id, building, unit, room) AS (VALUES {}) \
                     SELECT h.id, h.grid_id, h.building, h.unit, h.room FROM want \
                     JOIN houses h ON h.grid_id = want.grid_id AND h.building = want.building \
                     AND h.unit = want.unit AND h.room = want.room",
                    tuples.join(", ")
                );
                let found: Vec<(i64, i64, String, String, String)> =
                    fetch_all(&mut self.c.tx.handle(), sql, args).await?;
                self.cache_houses(found);
            }
        }

        let mut want: Vec<(&Grid, String, Option<i64>)> = Vec::new();
        let mut seen_hh = std::collections::HashSet::new();
        for p in batch {
            if let Some(no) = &p.person.household_no {
                let key = (p.grid.id, no.trim().to_string());
                if !self.households.contains_key(&key) && seen_hh.insert(key.clone()) {
                    let house = p
                        .person
                        .house
                        .as_ref()
                        .and_then(|a| self.houses.get(&(p.grid.id, trimmed(a))).copied());
                    want.push((&p.grid, key.1, house));
                }
            }
        }
        if want.is_empty() {
            return Ok(());
        }
        let mut args = Vec::with_capacity(want.len() * 5);
        let mut rows = Vec::with_capacity(want.len());
        for (g, no, house) in &want {
            let b = args.len();
            rows.push(format!(
                "(${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5
            ));
            args.extend([
                Arg::from(g.id),
                g.path.as_str().into(),
                no.as_str().into(),
                (*house).into(),
                self.c.now.into(),
            ]);
        }
        let sql = format!(
            "INSERT INTO households (grid_id, path, household_no, house_id, created_at) VALUES {} \
             ON CONFLICT (grid_id, household_no) DO NOTHING RETURNING id, grid_id, household_no",
            rows.join(", ")
        );
        let made: Vec<(i64, i64, String)> = fetch_all(&mut self.c.tx.handle(), sql, args).await?;
        for (id, grid_id, no) in made {
            self.households.insert((grid_id, no), id);
        }
        let existing: Vec<&(&Grid, String, Option<i64>)> = want
            .iter()
            .filter(|(g, no, _)| !self.households.contains_key(&(g.id, no.clone())))
            .collect();
        if existing.is_empty() {
            return Ok(());
        }
        let mut args = Vec::with_capacity(existing.len() * 2);
        let mut tuples = Vec::with_capacity(existing.len());
        for (g, no, _) in &existing {
            let b = args.len();
            tuples.push(format!("(CAST(${} AS BIGINT), ${})", b + 1, b + 2));
            args.extend([Arg::from(g.id), no.as_str().into()]);
        }
        let sql = format!(
            "WITH want (grid_id, household_no) AS (VALUES {}) \
             SELECT h.id, h.grid_id, h.household_no FROM want \
             JOIN households h ON h.grid_id = want.grid_id AND h.household_no = want.household_no",
            tuples.join(", ")
        );
        let found: Vec<(i64, i64, String)> = fetch_all(&mut self.c.tx.handle(), sql, args).await?;
        for (id, grid_id, no) in found {
            self.households.insert((grid_id, no), id);
        }
        Ok(())
    }

    fn cache_houses(&mut self, rows: Vec<(i64, i64, String, String, String)>) {
        for (id, grid_id, building, unit, room) in rows {
            let address = HouseAddress {
                building,
                unit,
                room,
            };
            self.houses.insert((grid_id, address), id);
        }
    }

    /// Ids for `n` people. On SQLite the import's transaction (`BEGIN IMMEDIATE`) holds the
    /// only write lock, so after one look-up the next ids are counted here; PostgreSQL draws
    /// them from the sequence, which other writers share.
    async fn take_ids(&mut self, n: usize) -> Result<Vec<i64>, Error> {
        let mut h = self.c.tx.handle();
        if !h.writes_alone() {
            return h.reserve_ids("people", n).await;
        }
        match self.next_id {
            Some(next) => {
                let n = i64::try_from(n)
                    .map_err(|_| err!("internal", detail = "too many ids asked for"))?;
                self.next_id = Some(next + n);
                Ok((next..next + n).collect())
            }
            None => {
                let ids = h.reserve_ids("people", n).await?;
                self.next_id = ids.last().map(|l| l + 1);
                Ok(ids)
            }
        }
    }

    /// Writes a batch of rows nobody holds yet. Sealing (most of the CPU an import spends)
    /// runs on a blocking thread while the database finds the places.
    async fn flush(&mut self, batch: Vec<PendingPerson>) -> Result<(), Error> {
        if batch.is_empty() {
            return Ok(());
        }
        let batch = Arc::new(batch);
        let ids = self.take_ids(batch.len()).await?;
        let person_ids = ids.clone();
        let sealing = {
            let (keys, batch) = (self.c.keys.clone(), batch.clone());
            let now = self.c.now;
            tokio::task::spawn_blocking(move || {
                batch
                    .iter()
                    .zip(ids)
                    .map(|(p, id)| {
                        let sealed = people::seal(&keys, id, &p.person, p.id_index.clone())?;
                        Ok(people::row_values(id, &p.grid, &p.person, sealed, now))
                    })
                    .collect::<Result<Vec<_>, Error>>()
            })
        };
        self.resolve_places(&batch).await?;
        // Each row's values but its place, sealed.
        let sealed = sealing
            .await
            .map_err(|_| err!("internal", detail = "sealing a batch failed"))??;
        let mut args = Vec::with_capacity(batch.len() * people::INSERT_ARITY);
        for (p, values) in batch.iter().zip(sealed) {
            let house_id = match &p.person.house {
                Some(a) => Some(
                    self.houses
                        .get(&(p.grid.id, trimmed(a)))
                        .copied()
                        .ok_or_else(|| err!("internal", detail = "a house was not resolved"))?,
                ),
                None => None,
            };
            let household_id = match &p.person.household_no {
                Some(no) => Some(
                    self.households
                        .get(&(p.grid.id, no.trim().to_string()))
                        .copied()
                        .ok_or_else(|| err!("internal", detail = "a household was not resolved"))?,
                ),
                None => None,
            };
            args.extend(values);
            args.extend(people::place_values((house_id, household_id)));
        }
        let sql = self.insert_sql(batch.len());
        execute(&mut self.c.tx.handle(), sql, args).await?;
        self.c.inserted += batch.len() as u64;
        self.insert_tags(&batch, &person_ids).await
    }

    /// The key-group tags of a written batch, sealed as `people::add_tag` seals one.
    async fn insert_tags(&mut self, batch: &[PendingPerson], ids: &[i64]) -> Result<(), Error> {
        let tagged: Vec<(i64, &Grid, &PersonTag)> = batch
            .iter()
            .zip(ids)
            .flat_map(|(p, id)| p.tags.iter().map(move |t| (*id, &p.grid, t)))
            .collect();
        if tagged.is_empty() {
            return Ok(());
        }
        let tag_ids = self
            .c
            .tx
            .handle()
            .reserve_ids("person_tags", tagged.len())
            .await?;
        let mut args = Vec::with_capacity(tagged.len() * 8);
        for ((person_id, grid, tag), id) in tagged.iter().zip(&tag_ids) {
            let code = tag.group.as_str();
            let sealed = self
                .c
                .keys
                .seal(code, &Aad::new("person_tags", "tag", &id.to_string()))?;
            args.extend([
                Arg::from(*id),
                (*person_id).into(),
                grid.path.as_str().into(),
                sealed.into(),
                self.c.keys.blind_index(INDEX_TAG, code).into(),
                tag.since.to_string().into(),
                tag.until.map(|d| d.to_string()).into(),
                self.c.now.into(),
            ]);
        }
        let sql = format!(
            "INSERT INTO person_tags (id, person_id, path, tag_sealed, tag_index, since, until, created_at) VALUES {}",
            people::placeholders(tagged.len(), 8)
        );
        execute(&mut self.c.tx.handle(), sql, args).await.map(drop)
    }
}
