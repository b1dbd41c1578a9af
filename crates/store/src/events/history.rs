//! The append-only history of events: each step carries the hash of the one before, so a
//! changed or missing step shows when the chain is walked again.

use super::*;
use wangge_domain::err;

/// Which steps the public timeline shows (internal handling stays internal).
pub fn is_public(action: ActionKind) -> bool {
    !matches!(
        action,
        ActionKind::Remind | ActionKind::Supervise | ActionKind::Transfer | ActionKind::Return
    )
}

fn step_hash(prev: &str, event_id: i64, seq: i64, fields: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(event_id.to_le_bytes());
    hasher.update(seq.to_le_bytes());
    for f in fields {
        hasher.update((f.len() as u64).to_le_bytes());
        hasher.update(f.as_bytes());
    }
    hex::encode(hasher.finalize())
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct HistoryRow {
    pub id: i64,
    pub event_id: i64,
    pub seq: i64,
    pub action: String,
    pub label: String,
    pub actor_type: String,
    pub actor_user_id: Option<i64>,
    pub actor_name: String,
    pub at: i64,
    pub note: String,
    pub attachments: String,
    pub from_status: String,
    pub to_status: String,
    pub from_level: i64,
    pub to_level: i64,
    pub holder: String,
    pub due_at: Option<i64>,
    pub public: bool,
    /// The event a cancelled duplicate points to, or the one it was merged into.
    pub link: Option<String>,
    #[serde(skip)]
    pub prev_hash: String,
    #[serde(skip)]
    pub hash: String,
}

impl HistoryRow {
    /// What the hash covers; the link only where there is one, so steps written before it was
    /// kept hash as they did.
    fn hash_fields(&self) -> Vec<String> {
        let mut fields = vec![
            self.action.clone(),
            self.label.clone(),
            self.actor_type.clone(),
            self.actor_user_id
                .map(|u| u.to_string())
                .unwrap_or_default(),
            self.actor_name.clone(),
            self.at.to_string(),
            self.note.clone(),
            self.attachments.clone(),
            self.from_status.clone(),
            self.to_status.clone(),
            self.from_level.to_string(),
            self.to_level.to_string(),
            self.holder.clone(),
            self.due_at.map(|d| d.to_string()).unwrap_or_default(),
            self.public.to_string(),
        ];
        fields.extend(self.link.clone());
        fields
    }

    pub fn attachment_ids(&self) -> Vec<i64> {
        serde_json::from_str::<Vec<String>>(&self.attachments)
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect()
    }
}

/// Appends one step; the unique (event, seq) pair makes two concurrent writers to one event
/// collide instead of both succeeding.
pub(super) async fn append_step(
    h: &mut Handle<'_>,
    event_id: i64,
    step: &Step,
    actor_name: &str,
    now: i64,
) -> Result<(), Error> {
    let last: Option<(i64, String)> = q!(
        h,
        fetch_optional,
        (i64, String),
        "SELECT seq, hash FROM event_history WHERE event_id = $1 ORDER BY seq DESC LIMIT 1",
        event_id
    )
    .map_err(sql_error)?;
    let (seq, prev) = match last {
        Some((s, hsh)) => (s + 1, hsh),
        None => (1, "genesis".to_string()),
    };
    insert_step(h, event_id, seq, &prev, step, actor_name, now).await
}

/// The stored form of a step as number `seq` after the step whose hash is `prev`, hash included.
pub(super) fn history_row(
    event_id: i64,
    seq: i64,
    prev: &str,
    step: &Step,
    actor_name: &str,
    now: i64,
) -> HistoryRow {
    let (actor_type, actor_user_id) = match &step.actor {
        Actor::Reporter { user_id } => ("reporter", *user_id),
        Actor::Staff(s) => ("staff", Some(s.user_id)),
    };
    let mut row = HistoryRow {
        id: 0,
        event_id,
        seq,
        action: step.action.as_str().to_string(),
        label: step.label().to_string(),
        actor_type: actor_type.to_string(),
        actor_user_id,
        actor_name: actor_name.to_string(),
        at: now,
        note: step.note.clone(),
        attachments: serde_json::to_string(&step.attachments).unwrap_or_else(|_| "[]".into()),
        from_status: step.from_status.as_str().to_string(),
        to_status: step.to_status.as_str().to_string(),
        from_level: i64::from(step.from_level),
        to_level: i64::from(step.to_level),
        holder: serde_json::to_string(&step.to_holder).unwrap_or_default(),
        due_at: step.due_ms,
        public: is_public(step.action),
        link: step.link.clone(),
        prev_hash: prev.to_string(),
        hash: String::new(),
    };
    let fields = row.hash_fields();
    let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
    row.hash = step_hash(prev, event_id, seq, &refs);
    row
}

/// Writes a step as number `seq` after the step whose hash is `prev`.
pub(super) async fn insert_step(
    h: &mut Handle<'_>,
    event_id: i64,
    seq: i64,
    prev: &str,
    step: &Step,
    actor_name: &str,
    now: i64,
) -> Result<(), Error> {
    let row = history_row(event_id, seq, prev, step, actor_name, now);
    q!(h, execute,
        insert_history!("$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20"),
        event_id, seq, &row.action, &row.label, &row.actor_type, row.actor_user_id, &row.actor_name, row.at, &row.note, &row.attachments,
        &row.from_status, &row.to_status, row.from_level, row.to_level, &row.holder, row.due_at, row.public, &row.link, &row.prev_hash, &row.hash)
    .map_err(|e| match sql_error(e) {
        err if err.code == "db.duplicate" => err!("event.changed"),
        err => err,
    })?;
    Ok(())
}

pub async fn history(
    h: &mut Handle<'_>,
    event_id: i64,
    public_only: bool,
) -> Result<Vec<HistoryRow>, Error> {
    q!(h, fetch_all, HistoryRow,
        "SELECT id, event_id, seq, action, label, actor_type, actor_user_id, actor_name, at, note, attachments, from_status, to_status, \
         from_level, to_level, holder, due_at, public, link, prev_hash, hash FROM event_history WHERE event_id = $1 AND (public OR NOT $2) ORDER BY seq",
        event_id, public_only)
    .map_err(sql_error)
}

/// A break in an event's history chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainBreak {
    pub event: String,
    pub seq: i64,
    pub reason: String,
}

/// Recomputes every event's history chain and reports each row whose hash or link is wrong.
pub async fn verify_history(h: &mut Handle<'_>) -> Result<(usize, Vec<ChainBreak>), Error> {
    let events: Vec<(i64, String)> = q!(
        h,
        fetch_all,
        (i64, String),
        "SELECT id, number FROM events ORDER BY id"
    )
    .map_err(sql_error)?;
    let mut breaks = Vec::new();
    let mut rows_checked = 0usize;
    for (id, number) in events {
        let rows = history(h, id, false).await?;
        let mut prev = "genesis".to_string();
        for (i, r) in rows.iter().enumerate() {
            rows_checked += 1;
            let expected_seq = i as i64 + 1;
            if r.seq != expected_seq {
                breaks.push(ChainBreak {
                    event: number.clone(),
                    seq: r.seq,
                    reason: format!("step {expected_seq} is missing"),
                });
            }
            if r.prev_hash != prev {
                breaks.push(ChainBreak {
                    event: number.clone(),
                    seq: r.seq,
                    reason: "link to the previous step is broken".into(),
                });
            }
            let fields = r.hash_fields();
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            if step_hash(&r.prev_hash, id, r.seq, &refs) != r.hash {
                breaks.push(ChainBreak {
                    event: number.clone(),
                    seq: r.seq,
                    reason: "the step was changed after it was written".into(),
                });
            }
            prev = r.hash.clone();
        }
    }
    Ok((rows_checked, breaks))
}
