//! A CSV export streamed to the client: the export writes into a shared buffer, and after the
//! header and each page of rows the buffer goes down a channel into the response body. The
//! first bytes leave before the second page is read, the whole file is never held, and a slow
//! client holds the export back (the channel is short) instead of filling memory.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use tokio::sync::mpsc;
use wangge_domain::{Error, err};
use wangge_store::audit::Actor;

use super::export::{self, ExportSpec, PageSink};
use super::imports::FileStream;
use crate::state::AppState;

/// Chunks in flight between the export and the client.
const IN_FLIGHT: usize = 4;

/// Bytes written and not yet sent.
#[derive(Clone, Default)]
pub struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    fn take(&self) -> Vec<u8> {
        // A panic while holding the lock left plain bytes behind; they are still bytes.
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends what the export wrote so far as one chunk of the body.
pub struct ChannelSink {
    buf: SharedBuf,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl PageSink for ChannelSink {
    const SENDS: bool = true;

    async fn page_written(&mut self) -> Result<(), Error> {
        let bytes = self.buf.take();
        if bytes.is_empty() {
            return Ok(());
        }
        self.tx
            .send(Ok(Bytes::from(bytes)))
            .await
            .map_err(|_| err!("internal", detail = "the client closed the download"))
    }
}

/// The body of a streamed export. Errors found before the first byte (the reason of a reveal)
/// are the caller's to answer; a later failure ends the body early, so the client sees a broken
/// download rather than a short file that looks whole.
pub fn stream(s: &AppState, actor: Actor, spec: ExportSpec) -> Result<Body, Error> {
    export::check_spec(&spec)?;
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    let (db, keys, now) = (s.db.clone(), s.keys.clone(), s.now());
    tokio::spawn(async move {
        let buf = SharedBuf::default();
        let mut sink = ChannelSink {
            buf: buf.clone(),
            tx: tx.clone(),
        };
        let done = export::export_to(&db, &keys, &actor, &spec, buf, now, &mut sink).await;
        if let Err(e) = done {
            tracing::warn!(code = e.code, "a streamed export stopped: {}", e.message);
            let _ = tx.send(Err(std::io::Error::other(e.message))).await;
        }
    });
    Ok(Body::from_stream(FileStream { rx }))
}
