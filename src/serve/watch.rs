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
use notify_debouncer_full::notify::{self, Event, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, NoCache, RecommendedCache, new_debouncer_opt};

/// Quiet time after the last event before a batch is handed over. Short: an edit should be on
/// the page within 100 ms, and bursts are coalesced by the rebuild thread (see `SETTLE`).
const DEBOUNCE: Duration = Duration::from_millis(20);
/// How often the polling watcher scans.
const POLL_INTERVAL: Duration = Duration::from_millis(400);

/// What the watcher hands to the rebuild thread.
#[derive(Debug)]
pub enum WatchEvent {
    /// `save`: whether this batch leaves an editor's save complete.
    Changed {
        paths: Vec<PathBuf>,
        save: Save,
    },
    Error(String),
}

/// How far an editor's save has got, from one batch of events or several in a row: whether the
/// files can be read whole now.
#[derive(Debug, Default)]
pub struct Save {
    /// Files closed after writing or renamed into place (editors' scratch files aside).
    written: Vec<PathBuf>,
    /// Files the site is made of that were renamed away or removed and are not back. An editor
    /// that keeps a backup may rename the original away before it writes the new one (vim:
    /// `f` to `f~`, then `f`): until `f` is back, the entry would be missing from the site.
    missing: Vec<PathBuf>,
}

impl Save {
    /// The state after `events`, one batch of the debouncer in the order it gives them.
    pub fn of<'a>(events: impl IntoIterator<Item = &'a Event>) -> Save {
        let mut save = Save::default();
        for e in events {
            match (e.kind, e.paths.as_slice()) {
                (EventKind::Access(AccessKind::Close(AccessMode::Write)), paths) => {
                    paths.iter().for_each(|p| save.back(p));
                }
                (EventKind::Modify(ModifyKind::Name(RenameMode::To)), [to, ..]) => save.back(to),
                (EventKind::Modify(ModifyKind::Name(RenameMode::Both)), [from, to]) => {
                    save.gone(from);
                    save.back(to);
                }
                (EventKind::Modify(ModifyKind::Name(RenameMode::From)) | EventKind::Remove(_), [from, ..]) => {
                    save.gone(from);
                }
                // `Any` renames say neither which end they are nor whether the file was whole.
                _ => {}
            }
        }
        save
    }

    fn back(&mut self, path: &Path) {
        self.missing.retain(|m| m != path);
        if !is_scratch(path) && !self.written.iter().any(|w| w == path) {
            self.written.push(path.to_path_buf());
        }
    }

    fn gone(&mut self, path: &Path) {
        self.written.retain(|w| w != path);
        if is_site_file(path) && !self.missing.iter().any(|m| m == path) {
            self.missing.push(path.to_path_buf());
        }
    }

    /// Adds the batch that came after this one.
    pub fn then(&mut self, next: Save) {
        for p in next.missing {
            self.gone(&p);
        }
        for p in next.written {
            self.back(&p);
        }
    }

    /// The save is over: a file was written or renamed into place, and nothing is missing.
    pub fn complete(&self) -> bool {
        !self.written.is_empty() && self.missing.is_empty()
    }
}

/// An editor's backup, swap, lock or temporary file: its writing or renaming ends no save.
fn is_scratch(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    let lower = name.to_ascii_lowercase();
    name.ends_with('~')
        || [".swp", ".swo", ".swx", ".tmp", "___jb_tmp___", "___jb_old___"].iter().any(|s| lower.ends_with(s))
        // Emacs lock and auto-save files.
        || name.starts_with(".#")
        || name.starts_with('#')
        // Vim checks that it may create files in the directory with one named 4913 (or 5036...).
        || name.bytes().all(|b| b.is_ascii_digit())
}

/// A file pages are made of (entries, templates, book.toml) rather than an editor's: with it
/// gone, pages would be missing or the build would fail. A rename from any other name (the
/// temporary file of an editor that saves by renaming it into place) takes nothing away.
fn is_site_file(path: &Path) -> bool {
    !is_scratch(path) && path.extension().and_then(|e| e.to_str()).is_some_and(|e| ["md", "html", "toml"].contains(&e))
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
            let save = Save::of(events.iter().map(|e| &e.event));
            let paths: Vec<PathBuf> = events
                .into_iter()
                // Reads (ours included) change nothing; a close after writing does.
                .filter(|e| !matches!(e.event.kind, EventKind::Access(k) if k != AccessKind::Close(AccessMode::Write)))
                .flat_map(|e| e.event.paths)
                .collect();
            if !paths.is_empty() {
                let _ = tx.send(WatchEvent::Changed { paths, save });
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

#[cfg(test)]
mod tests {
    use super::*;
    use notify_debouncer_full::notify::event::{CreateKind, DataChange, RemoveKind};

    const DIR: &str = "/site/content/incidents/2024";

    fn path(name: &str) -> PathBuf {
        Path::new(DIR).join(name)
    }

    fn ev(kind: EventKind, names: &[&str]) -> Event {
        names.iter().fold(Event::new(kind), |e, n| e.add_path(path(n)))
    }

    fn create(name: &str) -> Event {
        ev(EventKind::Create(CreateKind::File), &[name])
    }

    fn write(name: &str) -> Event {
        ev(EventKind::Modify(ModifyKind::Data(DataChange::Any)), &[name])
    }

    fn close(name: &str) -> Event {
        ev(EventKind::Access(AccessKind::Close(AccessMode::Write)), &[name])
    }

    fn rename(from: &str, to: &str) -> Event {
        ev(EventKind::Modify(ModifyKind::Name(RenameMode::Both)), &[from, to])
    }

    fn moved_out(name: &str) -> Event {
        ev(EventKind::Modify(ModifyKind::Name(RenameMode::From)), &[name])
    }

    fn moved_in(name: &str) -> Event {
        ev(EventKind::Modify(ModifyKind::Name(RenameMode::To)), &[name])
    }

    fn remove(name: &str) -> Event {
        ev(EventKind::Remove(RemoveKind::File), &[name])
    }

    fn complete(batches: &[&[Event]]) -> bool {
        let mut save = Save::default();
        for batch in batches {
            save.then(Save::of(*batch));
        }
        save.complete()
    }

    #[test]
    fn a_write_in_place_is_complete_when_the_file_is_closed() {
        assert!(!complete(&[&[write("a.md")]]));
        assert!(complete(&[&[write("a.md"), close("a.md")]]));
        assert!(complete(&[&[write("a.md")], &[close("a.md")]]));
    }

    #[test]
    fn a_save_renaming_the_original_away_is_complete_when_the_file_is_back() {
        // vim with a backup: `mv f f~; write f; rm f~`, in two batches or in one.
        let away: &[Event] = &[rename("a.md", "a.md~")];
        let back: &[Event] = &[create("a.md"), write("a.md"), close("a.md"), remove("a.md~")];
        assert!(!complete(&[away]), "the rename to the backup ended the save");
        assert!(complete(&[away, back]));
        assert!(complete(&[&[away, back].concat()]));
        // Vim first tries a file named 4913, which is written and closed but ends nothing.
        let probe = [create("4913"), close("4913"), remove("4913")];
        assert!(!complete(&[&[&probe[..], away].concat()]));
        // Written, then renamed away by the next save: missing again.
        assert!(!complete(&[&[close("a.md"), rename("a.md", "a.md~")]]));
        // Renamed out of the watched directories (a backupdir elsewhere).
        assert!(!complete(&[&[moved_out("a.md")]]));
        assert!(!complete(&[&[moved_out("a.md"), close("b.md")]]), "an entry is still missing");
        assert!(complete(&[&[moved_out("a.md")], &[close("a.md")]]));
    }

    #[test]
    fn a_rename_to_an_editors_backup_or_temporary_name_ends_no_save() {
        for backup in ["a.md~", "a.md.swp", ".a.md.swx", "a.md.tmp", "a.md.TMP", ".#a.md", "#a.md#", "a.md___jb_old___"]
        {
            assert!(!complete(&[&[rename("a.md", backup)]]), "{backup}");
            assert!(!complete(&[&[rename("x.txt", backup)]]), "{backup}");
            assert!(!complete(&[&[create(backup), close(backup)]]), "{backup}");
        }
        // JetBrains' safe write: the original to ___jb_old___, the new file from ___jb_tmp___.
        let save = [
            create("a.md___jb_tmp___"),
            close("a.md___jb_tmp___"),
            rename("a.md", "a.md___jb_old___"),
            rename("a.md___jb_tmp___", "a.md"),
            remove("a.md___jb_old___"),
        ];
        assert!(!complete(&[&save[..3]]));
        assert!(complete(&[&save]));
    }

    #[test]
    fn a_temporary_file_renamed_into_place_is_complete() {
        for temp in ["a.md.tmp", ".goutputstream-4XK2J1", "a.md.Kx8301", "a.md~"] {
            assert!(complete(&[&[create(temp), close(temp), rename(temp, "a.md")]]), "{temp}");
        }
        assert!(complete(&[&[moved_in("a.md")]]));
        assert!(!complete(&[&[moved_in("a.md.swp")]]));
        // The author renaming an entry: the old name is gone for good, so the batch settles.
        assert!(!complete(&[&[rename("a.md", "b.md")]]));
    }

    #[test]
    fn site_files_and_scratch_files() {
        for name in ["a.md", "book.toml", "page.html"] {
            assert!(is_site_file(&path(name)) && !is_scratch(&path(name)), "{name}");
        }
        for name in ["a.md~", ".a.md.swp", "4913", "#a.md#", ".#a.md"] {
            assert!(is_scratch(&path(name)) && !is_site_file(&path(name)), "{name}");
        }
        assert!(!is_site_file(&path(".goutputstream-4XK2J1")) && !is_scratch(&path("logo.png")));
    }
}
