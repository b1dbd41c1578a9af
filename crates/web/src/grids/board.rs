//! The notice board's photo (the grid worker's): uploaded from the board page by the grid's
//! staff or an administrator, checked and cleaned as event photos are, shown on the board.

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use wangge_domain::{Error, Role, err, photo};
use wangge_store::{boards, now_ms};

use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// One photo of at most `photo::DEFAULT_MAX_BYTES`, with room for the form around it.
const BODY_BYTES: usize = photo::DEFAULT_MAX_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/grids/{code}/board/photo",
        get(photo_file)
            .post(upload)
            .layer(DefaultBodyLimit::max(BODY_BYTES)),
    )
}

/// Who may change a board's photo: administrators, and the grid's own worker and grid leader
/// (their scope limits them to their grids).
pub fn may_upload(me: &Me) -> bool {
    me.0.can_edit_tree() || matches!(me.0.role(), Role::Worker | Role::GridLeader)
}

fn bad_form(m: String) -> Error {
    err!("request.bad_form", reason = m)
}

/// The first non-empty `photo` part of a multipart form.
async fn read_photo(req: Request) -> Result<Vec<u8>, Error> {
    let mut mp = Multipart::from_request(req, &())
        .await
        .map_err(|e| bad_form(e.body_text()))?;
    while let Some(field) = mp.next_field().await.map_err(|e| bad_form(e.body_text()))? {
        if field.name() != Some("photo") {
            continue;
        }
        let bytes = field.bytes().await.map_err(|e| bad_form(e.body_text()))?;
        if !bytes.is_empty() {
            return Ok(bytes.to_vec());
        }
    }
    Err(err!("grid.photo_missing"))
}

async fn upload(
    State(s): State<AppState>,
    me: Me,
    Path(code): Path<String>,
    req: Request,
) -> AppResult<Response> {
    if !may_upload(&me) {
        return Err(AppError(err!("auth.forbidden")));
    }
    let bytes = read_photo(req).await?;
    let (kind, clean) = photo::clean(&bytes, photo::DEFAULT_MAX_BYTES).map_err(Error::from)?;
    let mut tx = s.db.begin().await?;
    boards::set_photo(
        &mut tx.handle(),
        &me.0.scope(),
        &code,
        kind,
        &clean,
        &me.0.username,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/grids/{code}/board")).into_response())
}

async fn photo_file(
    State(s): State<AppState>,
    me: Me,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let mut c = s.db.conn().await?;
    let Some((ty, bytes)) = boards::photo(&mut c.handle(), &me.0.scope(), &code).await? else {
        return Err(AppError(err!("photo.not_found")));
    };
    Ok((
        [
            (header::CONTENT_TYPE, ty),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}
