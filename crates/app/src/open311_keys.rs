//! `wangge open311 add|list|revoke`: the API keys of the client applications that post requests
//! to `/open311/v2/`. A key's secret is printed once, when it is made; the database keeps only
//! its hash.

use clap::Subcommand;
use wangge_domain::deadline::format_rfc3339;
use wangge_store::{Db, now_ms, open311};

#[derive(Subcommand)]
pub enum Open311What {
    /// Make a key for a named client application and print its secret (shown only now)
    Add { name: String },
    /// Every key: id, name, when it was made and when it was revoked
    List,
    /// Revoke a key by its id; servers stop accepting it within 10 seconds
    Revoke { id: i64 },
}

fn when(ms: i64) -> String {
    format_rfc3339(ms).unwrap_or_else(|_| ms.to_string())
}

pub async fn run(what: Open311What, db: &Db) -> anyhow::Result<()> {
    let mut c = db.conn().await?;
    let h = &mut c.handle();
    match what {
        Open311What::Add { name } => {
            let (key, secret) = open311::create_key(h, &name, now_ms())
                .await
                .map_err(crate::domain)?;
            println!("open311 key {} for {}", key.id, key.name);
            println!("api_key: {secret}");
        }
        Open311What::List => {
            let keys = open311::list_keys(h).await.map_err(crate::domain)?;
            if keys.is_empty() {
                println!("no Open311 keys");
            }
            for k in keys {
                let state = match k.revoked_at {
                    Some(at) => format!("revoked {}", when(at)),
                    None => "live".to_string(),
                };
                println!(
                    "{:>5}  {}  made {}  {state}",
                    k.id,
                    k.name,
                    when(k.created_at)
                );
            }
        }
        Open311What::Revoke { id } => {
            if open311::revoke_key(h, id, now_ms())
                .await
                .map_err(crate::domain)?
            {
                println!("open311 key {id} revoked; servers refuse it within 10 seconds");
            } else {
                anyhow::bail!("no live Open311 key {id} (see `wangge open311 list`)");
            }
        }
    }
    Ok(())
}
