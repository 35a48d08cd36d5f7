//! Watching the site's inputs with notify-debouncer-full, natively or by polling.
//!
//! Watched: the root itself (not recursively: `book.toml`, and top-level directories appearing),
//! and recursively the content directory, `templates/`, `static/` and `themes/` when they
//! exist. A directory created later is picked up at the next batch of events.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify_debouncer_full::notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify_debouncer_full::notify::{self, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, NoCache, RecommendedCache, new_debouncer_opt};

/// Quiet time after the last event before a batch is handed over. Short: an edit should be on
/// the page within 100 ms, and bursts are coalesced by the rebuild thread (see `SETTLE`).
const DEBOUNCE: Duration = Duration::from_millis(20);
/// How often the polling watcher scans.
const POLL_INTERVAL: Duration = Duration::from_millis(400);

/// What the watcher hands to the rebuild thread.
#[derive(Debug)]
pub enum WatchEvent {
    /// `complete`: the batch holds a file closed after writing or renamed into place, so an
    /// editor's save is over and the file can be read whole.
    Changed {
        paths: Vec<PathBuf>,
        complete: bool,
    },
    Error(String),
}

enum Inner {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, NoCache>),
}

impl Inner {
    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            Inner::Native(d) => d.watch(path, mode),
            Inner::Poll(d) => d.watch(path, mode),
        }
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        match self {
            Inner::Native(d) => d.unwatch(path),
            Inner::Poll(d) => d.unwatch(path),
        }
    }
}

pub struct Watch {
    inner: Inner,
    tx: Sender<WatchEvent>,
    watched: HashSet<PathBuf>,
}

fn handler(tx: Sender<WatchEvent>) -> impl FnMut(DebounceEventResult) + Send + 'static {
    move |result: DebounceEventResult| match result {
        Ok(events) => {
            let complete = events.iter().any(|e| {
                matches!(
                    e.event.kind,
                    EventKind::Access(AccessKind::Close(AccessMode::Write))
                        | EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both))
                )
            });
            let paths: Vec<PathBuf> = events
                .into_iter()
                // Reads (ours included) change nothing; a close after writing does.
                .filter(|e| !matches!(e.event.kind, EventKind::Access(k) if k != AccessKind::Close(AccessMode::Write)))
                .flat_map(|e| e.event.paths)
                .collect();
            if !paths.is_empty() {
                let _ = tx.send(WatchEvent::Changed { paths, complete });
            }
        }
        Err(errors) => {
            for e in errors {
                let _ = tx.send(WatchEvent::Error(e.to_string()));
            }
        }
    }
}

fn poller(tx: &Sender<WatchEvent>) -> notify::Result<Inner> {
    let config = notify::Config::default().with_poll_interval(POLL_INTERVAL);
    Ok(Inner::Poll(new_debouncer_opt(DEBOUNCE, None, handler(tx.clone()), NoCache, config)?))
}

impl Watch {
    /// A watcher sending batches to `tx`. Falls back to polling when native events are not
    /// available; the second value says so.
    pub fn new(poll: bool, tx: Sender<WatchEvent>) -> Result<(Watch, Option<String>), String> {
        let mut note = None;
        let inner = if poll {
            poller(&tx).map_err(|e| format!("cannot start the polling watcher: {e}"))?
        } else {
            match new_debouncer_opt(
                DEBOUNCE,
                None,
                handler(tx.clone()),
                RecommendedCache::new(),
                notify::Config::default(),
            ) {
                Ok(d) => Inner::Native(d),
                Err(e) => {
                    note = Some(format!("native file events are not available ({e}); polling instead"));
                    poller(&tx).map_err(|e| format!("cannot start the polling watcher: {e}"))?
                }
            }
        };
        Ok((Watch { inner, tx, watched: HashSet::new() }, note))
    }

    /// Watches what should be watched now. `events` are the paths of the last batch: a watched
    /// directory that was removed and created again is watched again. Returns warnings.
    pub fn sync(&mut self, root: &Path, content_dir: &Path, events: &[PathBuf]) -> Vec<String> {
        let mut warnings = Vec::new();
        let mut wanted = vec![(root.to_path_buf(), RecursiveMode::NonRecursive)];
        for dir in [content_dir.to_path_buf(), root.join("templates"), root.join("static"), root.join("themes")] {
            if dir != root && !wanted.iter().any(|(w, _)| *w == dir) {
                wanted.push((dir, RecursiveMode::Recursive));
            }
        }
        for (dir, _) in wanted.iter().skip(1) {
            // Recreated (or replaced by a rename): the old watch is gone with the old directory.
            if self.watched.contains(dir) && events.contains(dir) {
                let _ = self.inner.unwatch(dir);
                self.watched.remove(dir);
            }
        }
        let stale: Vec<PathBuf> =
            self.watched.iter().filter(|w| !wanted.iter().any(|(d, _)| d == *w)).cloned().collect();
        for dir in stale {
            let _ = self.inner.unwatch(&dir);
            self.watched.remove(&dir);
        }
        for (dir, mode) in wanted {
            if !dir.is_dir() {
                if self.watched.remove(&dir) {
                    let _ = self.inner.unwatch(&dir);
                }
                continue;
            }
            if self.watched.contains(&dir) {
                continue;
            }
            match self.inner.watch(&dir, mode) {
                Ok(()) => {
                    self.watched.insert(dir);
                }
                Err(e) if matches!(self.inner, Inner::Native(_)) => {
                    // Typically out of inotify watches: poll everything from now on.
                    warnings.push(format!("cannot watch {} ({e}); polling instead", dir.display()));
                    match poller(&self.tx) {
                        Ok(p) => {
                            self.inner = p;
                            self.watched.clear();
                            warnings.extend(self.sync(root, content_dir, &[]));
                            return warnings;
                        }
                        Err(e) => warnings.push(format!("cannot start the polling watcher: {e}")),
                    }
                }
                Err(e) => warnings.push(format!("cannot watch {}: {e}", dir.display())),
            }
        }
        warnings
    }
}
