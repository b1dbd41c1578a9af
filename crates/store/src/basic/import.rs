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

use std::collections::HashMap;

use serde::Serialize;
use wangge_domain::basic::{House, HouseAddress, Org, Person};
use wangge_domain::{Error, Scope};

use super::{Actor, Arg, Grid, GridProblem, execute, fetch_all, find_grid, houses, orgs, people};
use crate::db::{Db, Tx, sql_error};
use crate::seal::KeyRing;

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
    let (c, message) = match p {
        GridProblem::Unknown => ("basic.grid_unknown", format!("grid {code} does not exist")),
        GridProblem::NotAGrid => (
            "basic.not_a_grid",
            format!("{code} is not a grid: records belong to a grid"),
        ),
        GridProblem::OutOfScope => (
            "basic.out_of_scope",
            format!("grid {code} is outside your area"),
        ),
    };
    RowProblem {
        row,
        field: "grid_code",
        code: c,
        message,
    }
}

/// What every import keeps: the transaction, the grid cache, the tallies.
struct Common<'k> {
    tx: Tx,
    keys: &'k KeyRing,
    scope: Scope,
    actor: Actor,
    mode: Mode,
    now: i64,
    grids: HashMap<String, Result<Grid, GridProblem>>,
    inserted: u64,
    updated: u64,
    problems: Vec<RowProblem>,
}

impl<'k> Common<'k> {
    async fn begin(
        db: &Db,
        keys: &'k KeyRing,
        scope: &Scope,
        actor: &Actor,
        mode: Mode,
        now: i64,
    ) -> Result<Common<'k>, Error> {
        Ok(Common {
            tx: db.begin().await?,
            keys,
            scope: scope.clone(),
            actor: actor.clone(),
            mode,
            now,
            grids: HashMap::new(),
            inserted: 0,
            updated: 0,
            problems: Vec::new(),
        })
    }

    async fn grid(&mut self, row: u64, code: &str) -> Result<Result<Grid, RowProblem>, Error> {
        let code = code.trim();
        if !self.grids.contains_key(code) {
            let found = find_grid(&mut self.tx.handle(), &self.scope, code).await?;
            self.grids.insert(code.to_string(), found);
        }
        Ok(match self.grids.get(code) {
            Some(Ok(g)) => Ok(g.clone()),
            Some(Err(p)) => Err(grid_problem(row, code, p)),
            None => Err(grid_problem(row, code, &GridProblem::Unknown)),
        })
    }

    fn problem(&mut self, p: RowProblem) -> RowProblem {
        self.problems.push(p.clone());
        p
    }

    async fn finish(mut self, table: &str) -> Result<Summary, Error> {
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

struct PendingPerson {
    row: u64,
    grid: Grid,
    person: Person,
    id_index: String,
}

/// Imports people. `begin`, `push` each row, `finish`.
pub struct PeopleImport<'k> {
    c: Common<'k>,
    houses: HashMap<(i64, HouseAddress), i64>,
    households: HashMap<(i64, String), i64>,
    /// Blind indexes seen in this file → the row that had it first.
    seen: HashMap<String, u64>,
    pending: Vec<PendingPerson>,
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
        Ok(PeopleImport {
            c: Common::begin(db, keys, scope, actor, mode, now).await?,
            houses: HashMap::new(),
            households: HashMap::new(),
            seen: HashMap::new(),
            pending: Vec::with_capacity(BATCH),
        })
    }

    /// Takes one validated row. `Ok(Err(problem))` when the row is refused now; database
    /// duplicates are found when its batch is written (see the module documentation).
    pub async fn push(
        &mut self,
        row: u64,
        person: Person,
    ) -> Result<Result<(), RowProblem>, Error> {
        let grid = match self.c.grid(row, &person.grid_code).await? {
            Ok(g) => g,
            Err(p) => return Ok(Err(self.c.problem(p))),
        };
        let id_index = people::id_index(self.c.keys, &person.id_number);
        if let Some(first) = self.seen.get(&id_index) {
            let p = RowProblem {
                row,
                field: "id_number",
                code: "basic.duplicate_in_file",
                message: format!("the same ID number as row {first}"),
            };
            return Ok(Err(self.c.problem(p)));
        }
        self.seen.insert(id_index.clone(), row);
        self.pending.push(PendingPerson {
            row,
            grid,
            person,
            id_index,
        });
        if self.pending.len() >= BATCH {
            self.flush().await?;
        }
        Ok(Ok(()))
    }

    async fn house_id(&mut self, grid: &Grid, a: &HouseAddress) -> Result<i64, Error> {
        let key = (grid.id, a.clone());
        if let Some(id) = self.houses.get(&key) {
            return Ok(*id);
        }
        let id = houses::house_or_create(&mut self.c.tx.handle(), grid, a, self.c.now).await?;
        self.houses.insert(key, id);
        Ok(id)
    }

    async fn household_id(
        &mut self,
        grid: &Grid,
        no: &str,
        house_id: Option<i64>,
    ) -> Result<i64, Error> {
        let key = (grid.id, no.trim().to_string());
        if let Some(id) = self.households.get(&key) {
            return Ok(*id);
        }
        let id =
            houses::household_or_create(&mut self.c.tx.handle(), grid, no, house_id, self.c.now)
                .await?;
        self.households.insert(key, id);
        Ok(id)
    }

    async fn flush(&mut self) -> Result<(), Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.pending);
        // Who is already registered, in one query for the batch.
        let sql = format!(
            "SELECT p.id_index, n.code, n.name FROM people p JOIN nodes n ON n.id = p.grid_id WHERE p.id_index IN ({})",
            (1..=batch.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let args = batch
            .iter()
            .map(|p| Arg::from(p.id_index.as_str()))
            .collect();
        let found: Vec<(String, String, String)> =
            fetch_all(&mut self.c.tx.handle(), sql, args).await?;
        let registered: HashMap<String, (String, String)> = found
            .into_iter()
            .map(|(i, code, name)| (i, (code, name)))
            .collect();
        let mut good = Vec::with_capacity(batch.len());
        for p in batch {
            if let Some((code, name)) = registered.get(&p.id_index) {
                self.c.problems.push(RowProblem {
                    row: p.row,
                    field: "id_number",
                    code: "basic.duplicate_id",
                    message: format!("already registered in grid {code} ({name})"),
                });
            } else {
                good.push(p);
            }
        }
        if good.is_empty() {
            return Ok(());
        }
        let mut places = Vec::with_capacity(good.len());
        for p in &good {
            let house_id = match &p.person.house {
                Some(a) => Some(self.house_id(&p.grid, a).await?),
                None => None,
            };
            let household_id = match &p.person.household_no {
                Some(no) => Some(self.household_id(&p.grid, no, house_id).await?),
                None => None,
            };
            places.push((house_id, household_id));
        }
        let ids = super::reserve_ids(&mut self.c.tx.handle(), "people", good.len()).await?;
        let mut args = Vec::with_capacity(good.len() * people::INSERT_ARITY);
        for ((p, (house_id, household_id)), id) in good.iter().zip(places).zip(&ids) {
            args.extend(people::insert_values(
                self.c.keys,
                *id,
                &p.grid,
                &p.person,
                p.id_index.clone(),
                house_id,
                household_id,
                self.c.now,
            )?);
        }
        let sql = format!(
            "INSERT INTO people ({}) VALUES {}",
            people::INSERT_COLUMNS,
            people::placeholders(good.len(), people::INSERT_ARITY)
        );
        execute(&mut self.c.tx.handle(), sql, args).await?;
        self.c.inserted += good.len() as u64;
        Ok(())
    }

    /// Problems so far (database duplicates of rows not yet written are not among them).
    pub fn problems(&self) -> &[RowProblem] {
        &self.c.problems
    }

    /// Writes what is buffered, then commits (all-or-nothing: only without problems; good rows
    /// only: always) or rolls back (dry run).
    pub async fn finish(mut self) -> Result<Summary, Error> {
        self.flush().await?;
        self.c.finish("people").await
    }
}

/// Imports houses: a placeholder at the same address is filled in, an entered house is a
/// problem, as is the same address twice in the file.
pub struct HousesImport<'k> {
    c: Common<'k>,
    seen: HashMap<(i64, HouseAddress), u64>,
    pending: Vec<(Grid, House)>,
}

impl<'k> HousesImport<'k> {
    pub async fn begin(
        db: &Db,
        keys: &'k KeyRing,
        scope: &Scope,
        actor: &Actor,
        mode: Mode,
        now: i64,
    ) -> Result<HousesImport<'k>, Error> {
        Ok(HousesImport {
            c: Common::begin(db, keys, scope, actor, mode, now).await?,
            seen: HashMap::new(),
            pending: Vec::with_capacity(BATCH),
        })
    }

    pub async fn push(&mut self, row: u64, house: House) -> Result<Result<(), RowProblem>, Error> {
        let grid = match self.c.grid(row, &house.grid_code).await? {
            Ok(g) => g,
            Err(p) => return Ok(Err(self.c.problem(p))),
        };
        let a = &house.address;
        let key = (
            grid.id,
            HouseAddress {
                building: a.building.trim().to_string(),
                unit: a.unit.trim().to_string(),
                room: a.room.trim().to_string(),
            },
        );
        if let Some(first) = self.seen.get(&key) {
            let p = RowProblem {
                row,
                field: "address",
                code: "basic.duplicate_in_file",
                message: format!("the same address as row {first}"),
            };
            return Ok(Err(self.c.problem(p)));
        }
        self.seen.insert(key, row);
        let existing: Option<(i64, String, Option<String>, Option<String>)> = q!(
            &mut self.c.tx.handle(),
            fetch_optional,
            (i64, String, Option<String>, Option<String>),
            "SELECT id, owner_name, owner_phone_sealed, tenant_name FROM houses WHERE grid_id = $1 AND building = $2 AND unit = $3 AND room = $4",
            grid.id, a.building.trim(), a.unit.trim(), a.room.trim())
        .map_err(sql_error)?;
        match existing {
            Some((_, owner, None, None)) if owner.is_empty() => {
                let (scope, actor) = (self.c.scope.clone(), self.c.actor.clone());
                houses::insert(
                    &mut self.c.tx.handle(),
                    self.c.keys,
                    &scope,
                    &actor,
                    &house,
                    self.c.now,
                )
                .await?;
                self.c.updated += 1;
                Ok(Ok(()))
            }
            Some(_) => {
                let p = RowProblem {
                    row,
                    field: "address",
                    code: "basic.duplicate_house",
                    message: format!(
                        "{} is already entered in grid {}",
                        houses::address_text(a),
                        grid.code
                    ),
                };
                Ok(Err(self.c.problem(p)))
            }
            None => {
                self.pending.push((grid, house));
                if self.pending.len() >= BATCH {
                    self.flush().await?;
                }
                Ok(Ok(()))
            }
        }
    }

    async fn flush(&mut self) -> Result<(), Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.pending);
        let ids = super::reserve_ids(&mut self.c.tx.handle(), "houses", batch.len()).await?;
        let mut args = Vec::with_capacity(batch.len() * houses::COLUMNS.len());
        for ((grid, house), id) in batch.iter().zip(&ids) {
            args.extend(houses::values(self.c.keys, *id, grid, house, self.c.now)?);
        }
        execute(
            &mut self.c.tx.handle(),
            houses::insert_sql(batch.len()),
            args,
        )
        .await?;
        self.c.inserted += batch.len() as u64;
        Ok(())
    }

    pub fn problems(&self) -> &[RowProblem] {
        &self.c.problems
    }

    pub async fn finish(mut self) -> Result<Summary, Error> {
        self.flush().await?;
        self.c.finish("houses").await
    }
}

/// Imports organisations; a credit code already registered, or twice in the file, is a problem.
pub struct OrgsImport<'k> {
    c: Common<'k>,
    seen: HashMap<String, u64>,
    pending: Vec<(u64, Grid, Org)>,
}

impl<'k> OrgsImport<'k> {
    pub async fn begin(
        db: &Db,
        keys: &'k KeyRing,
        scope: &Scope,
        actor: &Actor,
        mode: Mode,
        now: i64,
    ) -> Result<OrgsImport<'k>, Error> {
        Ok(OrgsImport {
            c: Common::begin(db, keys, scope, actor, mode, now).await?,
            seen: HashMap::new(),
            pending: Vec::with_capacity(BATCH),
        })
    }

    pub async fn push(&mut self, row: u64, org: Org) -> Result<Result<(), RowProblem>, Error> {
        let grid = match self.c.grid(row, &org.grid_code).await? {
            Ok(g) => g,
            Err(p) => return Ok(Err(self.c.problem(p))),
        };
        if let Some(code) = &org.credit_code {
            if let Some(first) = self.seen.get(code) {
                let p = RowProblem {
                    row,
                    field: "credit_code",
                    code: "basic.duplicate_in_file",
                    message: format!("the same credit code as row {first}"),
                };
                return Ok(Err(self.c.problem(p)));
            }
            self.seen.insert(code.clone(), row);
        }
        self.pending.push((row, grid, org));
        if self.pending.len() >= BATCH {
            self.flush().await?;
        }
        Ok(Ok(()))
    }

    async fn flush(&mut self) -> Result<(), Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.pending);
        let codes: Vec<&str> = batch
            .iter()
            .filter_map(|(_, _, o)| o.credit_code.as_deref())
            .collect();
        let mut taken: HashMap<String, (String, String)> = HashMap::new();
        if !codes.is_empty() {
            let sql = format!(
                "SELECT o.credit_code, o.name, n.code FROM orgs o JOIN nodes n ON n.id = o.grid_id WHERE o.credit_code IN ({})",
                (1..=codes.len())
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let args = codes.iter().map(|c| Arg::from(*c)).collect();
            let rows: Vec<(String, String, String)> =
                fetch_all(&mut self.c.tx.handle(), sql, args).await?;
            taken = rows.into_iter().map(|(c, n, g)| (c, (n, g))).collect();
        }
        let mut good = Vec::with_capacity(batch.len());
        for (row, grid, org) in batch {
            match org.credit_code.as_ref().and_then(|c| taken.get(c)) {
                Some((name, g)) => self.c.problems.push(RowProblem {
                    row,
                    field: "credit_code",
                    code: "basic.duplicate_credit_code",
                    message: format!("already registered to {name} in grid {g}"),
                }),
                None => good.push((grid, org)),
            }
        }
        if good.is_empty() {
            return Ok(());
        }
        let ids = super::reserve_ids(&mut self.c.tx.handle(), "orgs", good.len()).await?;
        let mut args = Vec::with_capacity(good.len() * orgs::COLUMNS.len());
        for ((grid, org), id) in good.iter().zip(&ids) {
            args.extend(orgs::values(self.c.keys, *id, grid, org, self.c.now)?);
        }
        execute(&mut self.c.tx.handle(), orgs::insert_sql(good.len()), args).await?;
        self.c.inserted += good.len() as u64;
        Ok(())
    }

    pub fn problems(&self) -> &[RowProblem] {
        &self.c.problems
    }

    pub async fn finish(mut self) -> Result<Summary, Error> {
        self.flush().await?;
        self.c.finish("orgs").await
    }
}
