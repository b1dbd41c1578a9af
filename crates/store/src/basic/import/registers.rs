//! The imports of houses, organisations and objects: one row a record, checked against the
//! database in batches, on the shared [`Common`] (one transaction, the grid cache, the tallies).

use std::collections::HashMap;

use wangge_domain::basic::{House, HouseAddress, Object, Org};
use wangge_domain::err;
use wangge_domain::{Error, Scope};

use super::{BATCH, Common, Mode, RowProblem, Summary, params};
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

/// Imports organisations; a credit code already registered, or twice in the file, is a problem.
pub struct OrgsImport {
    c: Common,
    seen: HashMap<String, u64>,
    pending: Vec<(u64, Grid, Org)>,
}

impl OrgsImport {
    pub async fn begin(
        db: &Db,
        keys: &KeyRing,
        scope: &Scope,
        actor: &Actor,
        mode: Mode,
        now: i64,
    ) -> Result<OrgsImport, Error> {
        let mut c = Common::begin(db, keys, scope, actor, mode, now).await?;
        c.tx.custom_plans().await?;
        Ok(OrgsImport {
            c,
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
                    message: err!("basic.duplicate_in_file", field = "credit_code", first).message,
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
                params(codes.len())
            );
            let args = codes.iter().map(|c| Arg::from(*c)).collect();
            let rows: Vec<(String, String, String)> =
                fetch_all(&mut self.c.tx.handle(), sql, args).await?;
            taken = rows.into_iter().map(|(c, n, g)| (c, (n, g))).collect();
        }
        let mut good = Vec::with_capacity(batch.len());
        for (row, grid, org) in batch {
            match org
                .credit_code
                .as_ref()
                .and_then(|c| Some((c, taken.get(c)?)))
            {
                Some((code, (name, g))) => self.c.problems.push(RowProblem {
                    row,
                    field: "credit_code",
                    code: "basic.duplicate_credit_code",
                    message: err!("basic.duplicate_credit_code", code, name, grid = g).message,
                }),
                None => good.push((grid, org)),
            }
        }
        if good.is_empty() {
            return Ok(());
        }
        let ids = self.c.tx.handle().reserve_ids("orgs", good.len()).await?;
        let mut args = Vec::with_capacity(good.len() * orgs::COLUMNS.len());
        for ((grid, org), id) in good.iter().zip(&ids) {
            args.extend(orgs::values(&self.c.keys, *id, grid, org, self.c.now)?);
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
        self.c.finish("orgs", None).await
    }
}

/// Imports objects (部件); a code already used, or twice in the file, is a problem.
pub struct ObjectsImport {
    c: Common,
    seen: HashMap<String, u64>,
    pending: Vec<(u64, Grid, Object)>,
}

impl ObjectsImport {
    pub async fn begin(
        db: &Db,
        keys: &KeyRing,
        scope: &Scope,
        actor: &Actor,
        mode: Mode,
        now: i64,
    ) -> Result<ObjectsImport, Error> {
        let mut c = Common::begin(db, keys, scope, actor, mode, now).await?;
        c.tx.custom_plans().await?;
        Ok(ObjectsImport {
            c,
            seen: HashMap::new(),
            pending: Vec::with_capacity(BATCH),
        })
    }

    pub async fn push(
        &mut self,
        row: u64,
        object: Object,
    ) -> Result<Result<(), RowProblem>, Error> {
        let grid = match self.c.grid(row, &object.grid_code).await? {
            Ok(g) => g,
            Err(p) => return Ok(Err(self.c.problem(p))),
        };
        let code = object.code.trim().to_string();
        if let Some(first) = self.seen.get(&code) {
            let p = RowProblem {
                row,
                field: "code",
                code: "basic.duplicate_in_file",
                message: err!("basic.duplicate_in_file", field = "code", first).message,
            };
            return Ok(Err(self.c.problem(p)));
        }
        self.seen.insert(code, row);
        self.pending.push((row, grid, object));
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
        let sql = format!(
            "SELECT o.code, n.code FROM objects o JOIN nodes n ON n.id = o.grid_id WHERE o.code IN ({})",
            params(batch.len())
        );
        let args = batch
            .iter()
            .map(|(_, _, o)| Arg::from(o.code.trim()))
            .collect();
        let taken: HashMap<String, String> =
            fetch_all::<(String, String)>(&mut self.c.tx.handle(), sql, args)
                .await?
                .into_iter()
                .collect();
        let mut good = Vec::with_capacity(batch.len());
        for (row, grid, object) in batch {
            match taken.get(object.code.trim()) {
                Some(g) => self.c.problems.push(RowProblem {
                    row,
                    field: "code",
                    code: "basic.duplicate_object",
                    message: err!(
                        "basic.duplicate_object",
                        code = object.code.trim(),
                        grid = g
                    )
                    .message,
                }),
                None => good.push((grid, object)),
            }
        }
        if good.is_empty() {
            return Ok(());
        }
        let mut args = Vec::with_capacity(good.len() * objects::INSERT_ARITY);
        for (grid, object) in &good {
            args.extend(objects::values(grid, object));
            args.extend([self.c.now.into(), self.c.now.into()]);
        }
        execute(
            &mut self.c.tx.handle(),
            objects::insert_sql(good.len()),
            args,
        )
        .await?;
        self.c.inserted += good.len() as u64;
        Ok(())
    }

    pub fn problems(&self) -> &[RowProblem] {
        &self.c.problems
    }

    pub async fn finish(mut self) -> Result<Summary, Error> {
        self.flush().await?;
        self.c.finish("objects", None).await
    }
}
