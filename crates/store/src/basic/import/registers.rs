//! The imports of houses, organisations and objects: one row a record, checked against the
//! database in batches, on the shared [`Common`] (one transaction, the grid cache, the tallies).

use std::collections::HashMap;

use wangge_domain::basic::{House, HouseAddress, Object, Org};
use wangge_domain::err;
use wangge_domain::{Error, Scope};

use super::{BATCH, Common, Mode, RowProblem, Summary, params};
use crate::Handle;
use crate::basic::{Actor, Arg, Grid, execute, fetch_all, houses, objects, orgs};
use crate::db::{Db, sql_error};
use crate::seal::KeyRing;

/// Imports houses: a placeholder at the same address is filled in, an entered house is a
/// problem, as is the same address twice in the file.
pub struct HousesImport {
    c: Common,
    seen: HashMap<(i64, HouseAddress), u64>,
    pending: Vec<(Grid, House)>,
}

impl HousesImport {
    pub async fn begin(
        db: &Db,
        keys: &KeyRing,
        scope: &Scope,
        actor: &Actor,
        mode: Mode,
        now: i64,
    ) -> Result<HousesImport, Error> {
        let mut c = Common::begin(db, keys, scope, actor, mode, now).await?;
        c.tx.custom_plans().await?;
        Ok(HousesImport {
            c,
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
                message: err!("basic.duplicate_in_file", field = "address", first).message,
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
                    &self.c.keys,
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
                    message: err!(
                        "basic.duplicate_house",
                        address = houses::address_text(a),
                        grid = grid.code
                    )
                    .message,
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
        let ids = self
            .c
            .tx
            .handle()
            .reserve_ids("houses", batch.len())
            .await?;
        let mut args = Vec::with_capacity(batch.len() * houses::COLUMNS.len());
        for ((grid, house), id) in batch.iter().zip(&ids) {
            args.extend(houses::values(&self.c.keys, *id, grid, house, self.c.now)?);
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
        self.c.finish("houses", None).await
    }
}

/// A register whose rows carry a unique key (an organisation's credit code, an object's code):
/// the key twice in the file, or already registered, is the row's problem.
pub trait Keyed: Sized {
    /// The table, for the import's audit row.
    const TABLE: &'static str;
    /// The key's column, named in the problem.
    const FIELD: &'static str;
    fn grid_code(&self) -> &str;
    fn key(&self) -> Option<&str>;
    /// `(key, what the conflict names, grid code)` of the keys already registered.
    fn taken_sql(n: usize) -> String;
    /// The problem of a key already registered.
    fn conflict(key: &str, name: &str, grid: &str) -> Error;
    /// Writes the rows that passed, in one statement.
    fn insert(
        h: &mut Handle<'_>,
        keys: &KeyRing,
        now: i64,
        good: &[(Grid, Self)],
    ) -> impl std::future::Future<Output = Result<(), Error>> + Send;
}

impl Keyed for Org {
    const TABLE: &'static str = "orgs";
    const FIELD: &'static str = "credit_code";
    fn grid_code(&self) -> &str {
        &self.grid_code
    }
    fn key(&self) -> Option<&str> {
        self.credit_code.as_deref()
    }
    fn taken_sql(n: usize) -> String {
        format!(
            "SELECT o.credit_code, o.name, n.code FROM orgs o JOIN nodes n ON n.id = o.grid_id WHERE o.credit_code IN ({})",
            params(n)
        )
    }
    fn conflict(code: &str, name: &str, grid: &str) -> Error {
        err!("basic.duplicate_credit_code", code, name, grid)
    }
    async fn insert(
        h: &mut Handle<'_>,
        keys: &KeyRing,
        now: i64,
        good: &[(Grid, Org)],
    ) -> Result<(), Error> {
        let ids = h.reserve_ids("orgs", good.len()).await?;
        let mut args = Vec::with_capacity(good.len() * orgs::COLUMNS.len());
        for ((grid, org), id) in good.iter().zip(&ids) {
            args.extend(orgs::values(keys, *id, grid, org, now)?);
        }
        execute(h, orgs::insert_sql(good.len()), args).await?;
        Ok(())
    }
}

impl Keyed for Object {
    const TABLE: &'static str = "objects";
    const FIELD: &'static str = "code";
    fn grid_code(&self) -> &str {
        &self.grid_code
    }
    fn key(&self) -> Option<&str> {
        Some(self.code.trim())
    }
    fn taken_sql(n: usize) -> String {
        format!(
            "SELECT o.code, o.code, n.code FROM objects o JOIN nodes n ON n.id = o.grid_id WHERE o.code IN ({})",
            params(n)
        )
    }
    fn conflict(code: &str, _name: &str, grid: &str) -> Error {
        err!("basic.duplicate_object", code, grid)
    }
    async fn insert(
        h: &mut Handle<'_>,
        _keys: &KeyRing,
        now: i64,
        good: &[(Grid, Object)],
    ) -> Result<(), Error> {
        let mut args = Vec::with_capacity(good.len() * objects::INSERT_ARITY);
        for (grid, object) in good {
            args.extend(objects::values(grid, object));
            args.extend([now.into(), now.into()]);
        }
        execute(h, objects::insert_sql(good.len()), args).await?;
        Ok(())
    }
}

/// Imports organisations; a credit code already registered, or twice in the file, is a problem.
pub type OrgsImport = KeyedImport<Org>;
/// Imports objects (部件); a code already used, or twice in the file, is a problem.
pub type ObjectsImport = KeyedImport<Object>;

/// The import of a [`Keyed`] register, in batches on the shared [`Common`].
pub struct KeyedImport<R> {
    c: Common,
    seen: HashMap<String, u64>,
    pending: Vec<(u64, Grid, R)>,
}

impl<R: Keyed + Send> KeyedImport<R> {
    pub async fn begin(
        db: &Db,
        keys: &KeyRing,
        scope: &Scope,
        actor: &Actor,
        mode: Mode,
        now: i64,
    ) -> Result<KeyedImport<R>, Error> {
        let mut c = Common::begin(db, keys, scope, actor, mode, now).await?;
        c.tx.custom_plans().await?;
        Ok(KeyedImport {
            c,
            seen: HashMap::new(),
            pending: Vec::with_capacity(BATCH),
        })
    }

    pub async fn push(&mut self, row: u64, record: R) -> Result<Result<(), RowProblem>, Error> {
        let grid = match self.c.grid(row, record.grid_code()).await? {
            Ok(g) => g,
            Err(p) => return Ok(Err(self.c.problem(p))),
        };
        if let Some(key) = record.key() {
            if let Some(first) = self.seen.get(key) {
                let p = RowProblem {
                    row,
                    field: R::FIELD,
                    code: "basic.duplicate_in_file",
                    message: err!("basic.duplicate_in_file", field = R::FIELD, first).message,
                };
                return Ok(Err(self.c.problem(p)));
            }
            self.seen.insert(key.to_string(), row);
        }
        self.pending.push((row, grid, record));
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
        let keys: Vec<&str> = batch.iter().filter_map(|(_, _, r)| r.key()).collect();
        let mut taken: HashMap<String, (String, String)> = HashMap::new();
        if !keys.is_empty() {
            let args = keys.iter().map(|k| Arg::from(*k)).collect();
            let rows: Vec<(String, String, String)> =
                fetch_all(&mut self.c.tx.handle(), R::taken_sql(keys.len()), args).await?;
            taken = rows.into_iter().map(|(k, n, g)| (k, (n, g))).collect();
        }
        let mut good = Vec::with_capacity(batch.len());
        for (row, grid, record) in batch {
            match record.key().and_then(|k| Some((k, taken.get(k)?))) {
                Some((key, (name, g))) => {
                    let e = R::conflict(key, name, g);
                    self.c.problems.push(RowProblem {
                        row,
                        field: R::FIELD,
                        code: e.code,
                        message: e.message,
                    })
                }
                None => good.push((grid, record)),
            }
        }
        if good.is_empty() {
            return Ok(());
        }
        let c = &mut self.c;
        R::insert(&mut c.tx.handle(), &c.keys, c.now, &good).await?;
        self.c.inserted += good.len() as u64;
        Ok(())
    }

    pub fn problems(&self) -> &[RowProblem] {
        &self.c.problems
    }

    pub async fn finish(mut self) -> Result<Summary, Error> {
        self.flush().await?;
        self.c.finish(R::TABLE, None).await
    }
}
