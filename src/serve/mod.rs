//! The preview server: build into memory, serve on 127.0.0.1, watch the site, rebuild what
//! changed and reload open tabs over a WebSocket.
//!
//! Three parts run side by side: the HTTP server (axum on tokio) answers from the page map in
//! memory; the watcher (notify-debouncer-full) hands batches of changed paths to one rebuild
//! thread; the rebuild thread runs [`builder::Builder`], publishes the pages and tells the tabs.
//! A failed rebuild leaves the last good pages in place, with the errors shown over them.

mod address;
mod affected;
mod builder;
mod http;
mod watch;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

pub use address::host;
use address::{browsable, reaches};
use builder::{Builder, Mode, Report};
use http::Shared;
use watch::{Save, Watch, WatchEvent};

use crate::diag::Diagnostic;

/// Options of `casebook serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    pub port: u16,
    pub drafts: bool,
    /// Poll the file system instead of relying on native events.
    pub poll: bool,
    pub quiet: bool,
    /// The host name of the pages' absolute URLs (checked by [`host`]); `None`: the bound
    /// address, loopback for a wildcard.
    pub host: Option<String>,
}

/// Runs the server until interrupted.
pub fn run(opts: ServeOptions) -> Result<(), crate::Error> {
    let root = std::fs::canonicalize(&opts.root)
        .map_err(|e| crate::Error::Setup(format!("cannot open the site root {}: {e}", opts.root.display())))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| crate::Error::Setup(format!("cannot start the server runtime: {e}")))?;
    let addr = SocketAddr::new(opts.bind, opts.port);
    let listener = runtime.block_on(tokio::net::TcpListener::bind(addr)).map_err(|e| {
        crate::Error::Setup(format!("cannot listen on {addr}: {e}, expected a free port (choose one with --port)"))
    })?;
    let local = listener.local_addr().map_err(|e| crate::Error::Setup(format!("cannot listen on {addr}: {e}")))?;
    let access = http::Access::new(opts.bind, local.port());
    let url = match &opts.host {
        // Named so that another machine (a phone on the LAN) gets feeds and canonical links that
        // lead back here; a name this server would refuse (421) would lead nowhere.
        Some(host) if !access.host_allowed(&format!("{host}:{}", local.port())) => {
            return Err(crate::Error::Setup(format!(
                "--base-url {host}: the server bound to {} answers only requests for {}, expected --bind 0.0.0.0 (or this machine's address) with a host that is not loopback",
                opts.bind,
                access.names()
            )));
        }
        Some(host) if !reaches(host, opts.bind) => {
            return Err(crate::Error::Setup(format!(
                "--base-url {host}: the server listens on {} only, which a browser asking for {host} does not reach, expected the bound address, or --bind with an address that {host} names",
                opts.bind
            )));
        }
        Some(host) => format!("http://{host}:{}", local.port()),
        None => format!("http://{}", SocketAddr::new(browsable(opts.bind), local.port())),
    };

    // Watch before the first build, so that nothing written during it is missed.
    let (tx, rx) = channel();
    let (mut watch, note) = Watch::new(opts.poll, tx).map_err(crate::Error::Setup)?;
    if let Some(note) = note {
        crate::errln!("warning: {note}");
    }

    // The site is served under its base_url's path, and absolute URLs (feeds, canonical links)
    // point at this server rather than the published site.
    let mut builder = Builder::new(root.clone(), opts.drafts, url.clone());
    let shared = Arc::new(Shared::default());
    let started = Instant::now();
    let first = builder.full();
    shared.set_path(builder.path());
    match first {
        Ok(report) => {
            let entries = report.entries;
            let files = report.files;
            // As `build -q`: a run that succeeds prints nothing but errors.
            if !opts.quiet {
                print_errors(&report.warnings);
            }
            shared.publish(report.rendered);
            if !opts.quiet {
                crate::outln!("built {entries} entries into {files} files in {} ms", started.elapsed().as_millis());
            }
        }
        Err(diags) => {
            print_errors(&diags);
            crate::errln!("error: the site does not build yet; its errors are served until it does");
            shared.fail(diags);
        }
    }
    for w in watch.sync(&root, &builder.content_dir(), &[]) {
        crate::errln!("warning: {w}");
    }

    if !opts.quiet {
        crate::outln!("serving {url}{} (watching {}; Ctrl+C to stop)", builder.path(), root.display());
    }
    let worker = Rebuilder { builder, watch, shared: shared.clone(), root, quiet: opts.quiet, origin: url };
    std::thread::Builder::new()
        .name("casebook-rebuild".into())
        .spawn(move || worker.run(rx))
        .map_err(|e| crate::Error::Setup(format!("cannot start the rebuild thread: {e}")))?;

    let app = http::router(shared, access);
    runtime.block_on(async move {
        tokio::select! {
            () = http::serve(listener, app) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    });
    // Open WebSockets would otherwise keep the runtime waiting.
    runtime.shutdown_background();
    Ok(())
}

/// Prints errors, or warnings.
fn print_errors(diags: &[Diagnostic]) {
    for d in diags {
        crate::errln!("{d}");
    }
}

/// A pause this long in the watcher's batches ends a burst of changes.
const SETTLE: Duration = Duration::from_millis(100);
/// The longest a rebuild waits for a burst to end.
const SETTLE_MAX: Duration = Duration::from_secs(2);
/// After this long without events, a completed save is rebuilt at once (no settling).
const IDLE: Duration = Duration::from_millis(500);

struct Rebuilder {
    builder: Builder,
    watch: Watch,
    shared: Arc<Shared>,
    root: PathBuf,
    quiet: bool,
    /// `http://host:port`, for the address printed when the site moves.
    origin: String,
}

impl Rebuilder {
    fn run(mut self, rx: Receiver<WatchEvent>) {
        let mut last_event: Option<Instant> = None;
        let mut next = None;
        loop {
            let first = match next.take() {
                Some(ev) => ev,
                None => match rx.recv() {
                    Ok(ev) => ev,
                    Err(_) => return,
                },
            };
            let mut paths = Vec::new();
            let mut save = Save::default();
            let take = |ev: WatchEvent, paths: &mut Vec<PathBuf>, save: &mut Save| match ev {
                WatchEvent::Changed { paths: p, save: s } => {
                    paths.extend(p);
                    save.then(s);
                }
                WatchEvent::Error(e) => crate::errln!("warning: file watching: {e}"),
            };
            let idle = last_event.is_none_or(|t| t.elapsed() >= IDLE);
            take(first, &mut paths, &mut save);
            // One save after a quiet spell (an editor at work) is rebuilt as soon as it is
            // complete, so that it is on the page within 100 ms: at once, or when the file an
            // editor renamed away to keep as a backup is back. Otherwise this is a burst (a
            // formatter, a sync, a branch switch): the watcher hands over each event on its own
            // once it is DEBOUNCE old, so batches are taken until the stream pauses, and the burst
            // costs one rebuild rather than one per batch, with no file read half-written. A
            // stream that never pauses is rebuilt every SETTLE_MAX.
            if !(idle && save.complete()) {
                let started = Instant::now();
                while let Some(left) = SETTLE_MAX.checked_sub(started.elapsed()) {
                    match rx.recv_timeout(SETTLE.min(left)) {
                        Ok(ev) => {
                            take(ev, &mut paths, &mut save);
                            if idle && save.complete() {
                                break;
                            }
                        }
                        Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                    }
                }
            }
            last_event = Some(Instant::now());
            if paths.is_empty() {
                continue;
            }
            paths.sort();
            paths.dedup();
            for w in self.watch.sync(&self.root, &self.builder.content_dir(), &paths) {
                crate::errln!("warning: {w}");
            }
            self.rebuild(&paths);
            // A new book.toml may name another content directory.
            for w in self.watch.sync(&self.root, &self.builder.content_dir(), &[]) {
                crate::errln!("warning: {w}");
            }
            // Deferred work (the search index) waits while more changes are queued: a run of
            // quick edits pays for it once.
            match rx.try_recv() {
                Ok(ev) => next = Some(ev),
                Err(_) => self.render_deferred(),
            }
        }
    }

    fn render_deferred(&mut self) {
        let started = Instant::now();
        if let Some(result) = self.builder.rescan() {
            self.report(&[self.builder.content_dir()], started, result);
        }
        let Some(result) = self.builder.render_deferred() else { return };
        match result {
            // Only a tab on the search page needs the new index.
            Ok(report) => {
                let search = format!("{}search/", self.builder.path());
                self.shared.publish_for(report.rendered, &[search.as_str()]);
            }
            Err(diags) => {
                print_errors(&diags);
                self.shared.fail(diags);
            }
        }
    }

    fn rebuild(&mut self, paths: &[PathBuf]) {
        let started = Instant::now();
        let result = self.builder.rebuild(paths);
        self.report(paths, started, result);
    }

    /// Publishes a rebuild's result (or its errors) and prints its summary line.
    fn report(&self, paths: &[PathBuf], started: Instant, result: Result<Report, Vec<Diagnostic>>) {
        match result {
            Ok(report) => {
                let Report { mode, files, entries, rendered, warnings } = report;
                if !self.quiet {
                    print_errors(&warnings);
                }
                // While the site is broken every relevant change is a full build, so "unchanged"
                // means nothing relevant changed: the errors stand.
                if mode == Mode::Unchanged {
                    return;
                }
                let was_broken = self.shared.is_broken();
                // A full load may have found another base_url path in book.toml.
                if self.shared.set_path(self.builder.path()) && !self.quiet {
                    crate::outln!("serving {}{} (base_url's path changed)", self.origin, self.builder.path());
                }
                let changed = self.shared.publish(rendered);
                if !self.quiet {
                    let how = match mode {
                        Mode::Full => "full rebuild",
                        Mode::RenderAll => "re-rendered all",
                        Mode::Incremental => "incremental",
                        Mode::Unchanged => "unchanged",
                    };
                    crate::outln!(
                        "{} {}: {how}, {files} files rendered ({changed} changed, {entries} entries) in {} ms{}",
                        chrono::Local::now().format("%H:%M:%S"),
                        describe(&self.root, paths),
                        started.elapsed().as_millis(),
                        if was_broken { "; errors fixed" } else { "" },
                    );
                }
            }
            Err(diags) => {
                print_errors(&diags);
                crate::errln!(
                    "error: rebuild failed with {} error(s) after {}; still serving the last good build",
                    diags.len(),
                    describe(&self.root, paths)
                );
                self.shared.fail(diags);
            }
        }
    }
}

/// `content/a.md`, or `content/a.md and 3 more`.
fn describe(root: &Path, paths: &[PathBuf]) -> String {
    let first = paths.first().map(|p| crate::content::shown(root, p).display().to_string()).unwrap_or_default();
    match paths.len() {
        0 | 1 => first,
        n => format!("{first} and {} more", n - 1),
    }
}
