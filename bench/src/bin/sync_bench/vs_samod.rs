//! The same documents synced by samod 0.16 (the Rust automerge-repo, on automerge 0.12 too), in
//! child processes of their own, over loopback TCP with samod's filesystem storage.
//!
//! - [`export`] writes every document of the Groundwork group as a saved Automerge document
//!   (rebuilt from its changes, so it has the same history and heads) into one seed file.
//! - The server child ([`child_serve`]) stores each as a samod document (samod picks its own
//!   `DocumentId`; the manifest maps them), stops, and starts again on the same storage, like a
//!   sync server that restarted: documents are on disk, none is loaded. It accepts TCP
//!   connections with samod's length-delimited framing and, on the parent's word, applies the very
//!   changes the Groundwork edits made to the same documents.
//! - The client child ([`child_cold`]) is a new peer with an empty store: it dials the server,
//!   asks for every document id (all at once) and counts a document as synced when its heads
//!   equal the server's. Then it disconnects and reconnects twice — after the server changed ten
//!   documents, and with nothing changed — keeping every document open, as an app that stays
//!   running would. Bytes are counted on the TCP stream (framing included) until the reconnect
//!   has brought what changed and the connection has been quiet for a moment.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use automerge::{Automerge, Change, ChangeHash};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use groundwork_core::Group;
use samod::storage::TokioFilesystemStorage as FilesystemStorage;
use samod::{BackoffConfig, DialError, Dialer, DocHandle, DocumentId, Repo, Transport};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::BoxResult;
use groundwork_bench::peak_rss_mb;

/// Documents created at once while seeding the server's storage.
const SEED_CONCURRENCY: usize = 64;
/// The longest a cold sync may take before the run gives up (samod took ~8 min for 12.5k
/// documents on the project's 2-core machine).
const COLD_LIMIT: Duration = Duration::from_secs(3 * 3600);
/// The longest a reconnect may take.
const RECONNECT_LIMIT: Duration = Duration::from_secs(1800);

/// Writes every document of `group` to `path`: its 16-byte id, the length of the saved
/// document (u32, little endian) and the saved Automerge document. Returns how many.
pub(crate) fn export(group: &Group, path: &Path) -> BoxResult<usize> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut n = 0;
    for v in group.document_versions()? {
        let changes = group
            .export_signed_changes(v.id)?
            .into_iter()
            .map(|c| Change::from_bytes(c.change))
            .collect::<Result<Vec<_>, _>>()?;
        let mut doc = Automerge::new();
        doc.apply_changes(changes)?;
        if heads_text(&doc.get_heads()) != heads_text(&parse_heads(&v.version.to_string())?) {
            return Err(format!("document {} rebuilt with other heads", v.id).into());
        }
        let saved = doc.save();
        out.write_all(v.id.as_bytes())?;
        out.write_all(&u32::try_from(saved.len())?.to_le_bytes())?;
        out.write_all(&saved)?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

fn read_seed(path: &Path) -> BoxResult<Vec<([u8; 16], Vec<u8>)>> {
    let mut input = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut docs = Vec::new();
    let mut id = [0u8; 16];
    loop {
        match input.read_exact(&mut id) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e.into()),
        }
        let mut len = [0u8; 4];
        input.read_exact(&mut len)?;
        let mut saved = vec![0u8; u32::from_le_bytes(len) as usize];
        input.read_exact(&mut saved)?;
        docs.push((id, saved));
    }
    Ok(docs)
}

/// Heads as sorted, comma-separated hex (the manifest's and the protocol's form).
fn heads_text(heads: &[ChangeHash]) -> String {
    let mut hex: Vec<String> = heads.iter().map(ToString::to_string).collect();
    hex.sort();
    hex.join(",")
}

fn parse_heads(s: &str) -> BoxResult<Vec<ChangeHash>> {
    s.split(',')
        .filter(|h| !h.is_empty())
        .map(|h| h.parse::<ChangeHash>().map_err(|e| format!("{e:?}").into()))
        .collect()
}

fn runtime() -> BoxResult<tokio::runtime::Runtime> {
    // Two workers, like the Groundwork children (the machine has 2 cores).
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Lines from stdin, read on a thread of their own; the channel closes at EOF.
fn stdin_lines() -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn say(v: &Value) -> BoxResult<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{v}")?;
    out.flush()?;
    Ok(())
}

// --- the server -------------------------------------------------------------------------------

/// `child-samod-serve SEED STORAGE_DIR MANIFEST`: seeds samod's storage, writes the manifest
/// (`groundwork-id samod-id heads` per line), prints `{"port": …, "seed_ms": …}` and serves.
/// Stdin: `apply GROUNDWORK_ID CHANGE_HEX` applies a change to that document and prints
/// `{"samod_id": …, "heads": …}`; EOF stops the server.
pub(crate) fn child_serve(args: &[String]) -> BoxResult<()> {
    let [seed, dir, manifest] = args else {
        return Err("usage: child-samod-serve SEED STORAGE_DIR MANIFEST".into());
    };
    runtime()?.block_on(async {
        let storage = FilesystemStorage::new(dir);
        let t = Instant::now();
        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            .load()
            .await;
        let created: Vec<([u8; 16], DocumentId, String)> =
            futures::stream::iter(read_seed(Path::new(seed))?)
                .map(|(id, saved)| {
                    let repo = repo.clone();
                    async move {
                        let doc = Automerge::load(&saved)?;
                        let heads = heads_text(&doc.get_heads());
                        let handle = repo.create(doc).await?;
                        BoxResult::Ok((id, handle.document_id().clone(), heads))
                    }
                })
                .buffer_unordered(SEED_CONCURRENCY)
                .try_collect()
                .await?;
        repo.stop().await;
        drop(repo);
        let seed_ms = t.elapsed().as_secs_f64() * 1e3;
        let mut text = String::new();
        let mut by_groundwork_id = HashMap::new();
        for (id, samod_id, heads) in created {
            text.push_str(&format!("{} {samod_id} {heads}\n", hex::encode(id)));
            by_groundwork_id.insert(hex::encode(id), samod_id);
        }
        std::fs::write(manifest, text)?;

        // Start again on the same storage: the documents are on disk and none is loaded.
        let repo = Repo::build_tokio().with_storage(storage).load().await;
        let acceptor = repo.make_acceptor(samod::Url::parse("tcp://127.0.0.1")?)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let accepting = tokio::spawn(async move {
            while let Ok((io, _)) = listener.accept().await {
                let _ = io.set_nodelay(true);
                if acceptor.accept(Transport::from_tokio_io(io)).is_err() {
                    break;
                }
            }
        });
        say(&json!({"port": port, "seed_ms": seed_ms}))?;
        let mut lines = stdin_lines();
        while let Some(line) = lines.recv().await {
            let mut words = line.split_whitespace();
            let (Some("apply"), Some(id), Some(change)) =
                (words.next(), words.next(), words.next())
            else {
                return Err(format!("unknown command {line:?}").into());
            };
            let samod_id = by_groundwork_id
                .get(id)
                .ok_or_else(|| format!("no samod document for {id}"))?
                .clone();
            let handle = repo
                .find(samod_id.clone())
                .await?
                .ok_or("the server lost a document")?;
            let change = Change::from_bytes(hex::decode(change)?)?;
            let heads = handle.with_document(|d| -> BoxResult<String> {
                d.apply_changes([change])?;
                Ok(heads_text(&d.get_heads()))
            })?;
            say(&json!({"samod_id": samod_id.to_string(), "heads": heads}))?;
        }
        accepting.abort();
        repo.stop().await;
        Ok(())
    })
}

// --- the client -------------------------------------------------------------------------------

/// `child-samod-cold MANIFEST STORAGE_DIR PORT QUIET_MS`: the cold sync, then prints
/// `{"cold_ms", "rss_mb", "documents", …}`. Stdin: `reconnect [SAMOD_ID=HEADS …]` reconnects,
/// waits until those documents have those heads, every document is in sync on both sides (by
/// samod's own per-connection peer state) and the connection has been quiet for QUIET_MS, and
/// prints the bytes each way.
pub(crate) fn child_cold(args: &[String]) -> BoxResult<()> {
    let [manifest, dir, port, quiet_ms] = args else {
        return Err("usage: child-samod-cold MANIFEST STORAGE_DIR PORT QUIET_MS".into());
    };
    let port: u16 = port.parse()?;
    let quiet = Duration::from_millis(quiet_ms.parse()?);
    let mut wanted: Vec<(DocumentId, Vec<ChangeHash>)> = Vec::new();
    for line in std::fs::read_to_string(manifest)?.lines() {
        let mut words = line.split_whitespace();
        let (Some(_), Some(id)) = (words.next(), words.next()) else {
            return Err(format!("bad manifest line {line:?}").into());
        };
        wanted.push((id.parse()?, parse_heads(words.next().unwrap_or(""))?));
    }
    runtime()?.block_on(async {
        let repo = Repo::build_tokio()
            .with_storage(FilesystemStorage::new(dir))
            .load()
            .await;
        let documents = wanted.len();
        let t = Instant::now();
        let counters = Counters::default();
        let dialer = repo.dial(
            BackoffConfig::default(),
            Arc::new(CountingDialer {
                port,
                counters: counters.clone(),
            }),
        )?;
        dialer
            .established()
            .await
            .map_err(|e| format!("samod did not connect: {e:?}"))?;
        // Every document requested at once, as an app that learnt the ids would.
        let handles: HashMap<DocumentId, DocHandle> = tokio::time::timeout(
            COLD_LIMIT,
            futures::stream::iter(wanted)
                .map(|(id, heads)| {
                    let repo = repo.clone();
                    async move {
                        let handle = repo
                            .find(id.clone())
                            .await?
                            .ok_or_else(|| format!("the server does not have {id}"))?;
                        until_heads(&handle, &heads).await?;
                        BoxResult::Ok((id, handle))
                    }
                })
                .buffer_unordered(documents.max(1))
                .try_collect(),
        )
        .await
        .map_err(|_| "the samod cold sync did not finish in time")??;
        let cold_ms = t.elapsed().as_secs_f64() * 1e3;
        let rss = peak_rss_mb();
        dialer.close();
        say(&json!({
            "cold_ms": cold_ms,
            "rss_mb": rss,
            "documents": handles.len(),
            "bytes_sent": counters.sent(),
            "bytes_received": counters.received(),
        }))?;

        let mut lines = stdin_lines();
        while let Some(line) = lines.recv().await {
            let mut words = line.split_whitespace();
            if words.next() != Some("reconnect") {
                return Err(format!("unknown command {line:?}").into());
            }
            let mut expect = Vec::new();
            for word in words {
                let (id, heads) = word.split_once('=').ok_or("reconnect ID=HEADS")?;
                let id: DocumentId = id.parse()?;
                let handle = handles.get(&id).ok_or("no such document")?.clone();
                expect.push((handle, parse_heads(heads)?));
            }
            let t = Instant::now();
            let counters = Counters::default();
            let dialer = repo.dial(
                BackoffConfig::default(),
                Arc::new(CountingDialer {
                    port,
                    counters: counters.clone(),
                }),
            )?;
            tokio::time::timeout(RECONNECT_LIMIT, async {
                dialer
                    .established()
                    .await
                    .map_err(|e| format!("samod did not reconnect: {e:?}"))?;
                for (handle, heads) in &expect {
                    until_heads(handle, heads).await?;
                }
                // Every open document is synced again on a new connection: wait until each
                // side has told the other it has everything (a quiet moment alone can come
                // before the last documents' turn on a busy machine).
                let conn = dialer.connection_id().ok_or("the reconnect dropped")?;
                futures::future::join_all(handles.values().map(|h| {
                    futures::future::join(
                        h.they_have_our_changes(conn),
                        h.we_have_their_changes(conn),
                    )
                }))
                .await;
                let synced_ms = t.elapsed().as_secs_f64() * 1e3;
                counters.until_quiet(quiet).await;
                BoxResult::Ok(synced_ms)
            })
            .await
            .map_err(|_| "a samod reconnect did not finish in time")?
            .and_then(|synced_ms| {
                dialer.close();
                say(&json!({
                    "synced_ms": synced_ms,
                    "bytes_sent": counters.sent(),
                    "bytes_received": counters.received(),
                }))
            })?;
        }
        repo.stop().await;
        Ok(())
    })
}

/// Waits until the document's heads are `heads`.
async fn until_heads(handle: &DocHandle, heads: &[ChangeHash]) -> BoxResult<()> {
    let want = heads_text(heads);
    let mut changes = handle.changes();
    loop {
        if handle.with_document(|d| heads_text(&d.get_heads())) == want {
            return Ok(());
        }
        if changes.next().await.is_none() {
            return Err("samod stopped".into());
        }
    }
}

// --- counting bytes on the TCP stream -----------------------------------------------------------

/// Bytes through one connection, each way.
#[derive(Clone, Default)]
struct Counters {
    sent: Arc<AtomicU64>,
    received: Arc<AtomicU64>,
}

impl Counters {
    fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
    fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
    /// Returns once no byte has moved for `quiet`.
    async fn until_quiet(&self, quiet: Duration) {
        let mut last = (self.sent(), self.received());
        let mut since = Instant::now();
        while since.elapsed() < quiet {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let now = (self.sent(), self.received());
            if now != last {
                last = now;
                since = Instant::now();
            }
        }
    }
}

/// A stream that counts the bytes read and written through it.
struct CountingIo<S> {
    inner: S,
    counters: Counters,
}

impl<S: AsyncRead + Unpin> AsyncRead for CountingIo<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let n = (buf.filled().len() - before) as u64;
            this.counters.received.fetch_add(n, Ordering::Relaxed);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for CountingIo<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            this.counters.sent.fetch_add(n as u64, Ordering::Relaxed);
        }
        polled
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// samod's TCP dialer (`samod::tokio_io::TcpDialer`: `Transport::from_tokio_io` on a
/// `TcpStream`), with the stream counted and Nagle off on both ends.
struct CountingDialer {
    port: u16,
    counters: Counters,
}

impl Dialer for CountingDialer {
    type Error = Infallible;

    fn url(&self) -> samod::Url {
        samod::Url::parse(&format!("tcp://127.0.0.1:{}", self.port)).expect("a valid URL")
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Infallible>>> {
        let (port, counters) = (self.port, self.counters.clone());
        async move {
            let io = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .map_err(DialError::transient)?;
            io.set_nodelay(true).map_err(DialError::transient)?;
            Ok(Transport::from_tokio_io(CountingIo {
                inner: io,
                counters,
            }))
        }
        .boxed()
    }
}
