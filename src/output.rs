//! Writing the output directory, atomically.
//!
//! A build writes into a fresh directory beside the output (`.public.casebook-tmp-PID`). Only
//! when every page is written is it swapped in, with one atomic `renameat2(RENAME_EXCHANGE)`
//! where the file system supports it; the old tree is then removed. A failed or killed build
//! therefore never touches the published output, and its leftovers are removed by the next one.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::diag::Diagnostic;
use crate::render::theme::StaticSource;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl OutputError {
    fn io(path: &Path, source: std::io::Error) -> OutputError {
        OutputError::Io { path: path.to_path_buf(), source }
    }

    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            OutputError::Refused(msg) => Diagnostic::file("output", msg.clone()),
            OutputError::Io { path, source } => Diagnostic::file(path, format!("cannot be written: {source}")),
        }
    }
}

/// The absolute, normalized form of `p` without requiring it to exist (`..` resolved textually
/// after canonicalizing the longest existing prefix, so links in that prefix are followed).
pub fn absolute(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name().map(|n| n.to_os_string()), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    let mut normal = PathBuf::new();
    for c in out.components() {
        match c {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            c => normal.push(c),
        }
    }
    normal
}

/// The file every build writes and no other tool does: what marks a directory as an earlier
/// build's output.
const DATASET: &str = "incidents.json";

/// Refuses an output directory that is, or contains, the site root or the content directory, or
/// lies inside the content directory (it would be read back as content), or that holds files no
/// build wrote.
pub fn check_target(root: &Path, content: &Path, output: &Path) -> Result<(), OutputError> {
    let (root, content, output) = (absolute(root), absolute(content), absolute(output));
    if root.starts_with(&output) {
        return Err(OutputError::Refused(format!(
            "the output directory {} is or contains the site root {}, expected a directory inside it such as `public`",
            output.display(),
            root.display()
        )));
    }
    if content.starts_with(&output) || output.starts_with(&content) {
        return Err(OutputError::Refused(format!(
            "the output directory {} overlaps the content directory {}, expected a separate directory such as `public`",
            output.display(),
            content.display()
        )));
    }
    // The build replaces the output whole: inside the site's templates or static files it would
    // delete them.
    for name in ["templates", "static", "themes"] {
        let source = absolute(&root.join(name));
        if output.starts_with(&source) {
            return Err(OutputError::Refused(format!(
                "the output directory {} is inside the site's {name}/ directory {}, expected a separate directory such as `public`",
                output.display(),
                source.display()
            )));
        }
    }
    // A link to nowhere (a deploy directory not made yet): the build could only replace the link
    // with a directory, so say which is missing instead of failing at the swap.
    if !output.exists()
        && let Ok(target) = std::fs::read_link(&output)
    {
        return Err(OutputError::Refused(format!(
            "the output path {} is a symbolic link to {}, which does not exist, expected a directory (create it, or remove the link)",
            output.display(),
            target.display()
        )));
    }
    // The build replaces the output whole: a directory that holds anything else than an earlier
    // build (a mistyped --output naming a home directory, a folder of hand-written pages) is
    // refused, not emptied. An earlier build is known by its dataset, which only casebook writes.
    if output.is_dir()
        && !output.join(DATASET).is_file()
        && std::fs::read_dir(&output).is_ok_and(|mut d| d.next().is_some())
    {
        return Err(OutputError::Refused(format!(
            "the output directory {} holds files that no casebook build wrote (it has no {DATASET}), and a build would delete them, expected an empty directory or an earlier build's output (move its files away or remove it)",
            output.display()
        )));
    }
    if output.exists() && !output.is_dir() {
        return Err(OutputError::Refused(format!(
            "the output path {} is a file, expected a directory",
            output.display()
        )));
    }
    Ok(())
}

/// A build in progress: pages go into a temporary directory until [`Staging::commit`].
#[derive(Debug)]
pub struct Staging {
    output: PathBuf,
    temp: PathBuf,
    /// Directories inside `temp` known to exist (`/`-separated, relative), so that each is made
    /// with one `mkdir` and never again: on ext4, `mkdir` is a seventh of a large build's CPU time,
    /// and one that fails on an existing directory still locks and searches its parent.
    dirs: Mutex<HashSet<String>>,
    committed: bool,
}

const TMP_MARK: &str = ".casebook-tmp-";
const OLD_MARK: &str = ".casebook-old-";

impl Staging {
    /// Creates the temporary directory beside `output`, after removing what killed builds left.
    pub fn begin(output: &Path) -> Result<Staging, OutputError> {
        let output = absolute(output);
        let parent =
            output.parent().ok_or_else(|| OutputError::Refused("the output directory has no parent".into()))?;
        std::fs::create_dir_all(parent).map_err(|e| OutputError::io(parent, e))?;
        let name = output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        recover(parent, &name, &output)?;
        let temp = parent.join(format!(".{name}{TMP_MARK}{}", std::process::id()));
        if temp.exists() {
            std::fs::remove_dir_all(&temp).map_err(|e| OutputError::io(&temp, e))?;
        }
        // Reported at the output the user named: the staging directory's name means nothing to them.
        std::fs::create_dir(&temp).map_err(|e| {
            let why = format!("the build's staging directory {} cannot be made beside it: {e}", temp.display());
            OutputError::io(&output, std::io::Error::new(e.kind(), why))
        })?;
        Ok(Staging { output, temp, dirs: Mutex::default(), committed: false })
    }

    pub fn dir(&self) -> &Path {
        &self.temp
    }

    /// Writes one file at `rel` (a `/`-separated path from the renderer) inside the staging tree.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::write(self.prepare(rel)?, bytes)
    }

    pub fn copy_static(&self, rel: &str, source: &StaticSource) -> std::io::Result<()> {
        match source {
            StaticSource::Embedded(bytes) => self.write(rel, bytes),
            StaticSource::File(src) => self.copy(rel, src).map(|_| ()),
        }
    }

    /// Copies the file `source` to `rel` inside the staging tree; returns the bytes copied.
    pub fn copy(&self, rel: &str, source: &Path) -> std::io::Result<u64> {
        std::fs::copy(source, self.prepare(rel)?)
    }

    /// The path of `rel` inside the staging directory, with its parent directories made.
    fn prepare(&self, rel: &str) -> std::io::Result<PathBuf> {
        let rel = clean(rel)?;
        if let Some((parent, _)) = rel.rsplit_once('/') {
            self.make_dirs(parent)?;
        }
        Ok(self.temp.join(rel))
    }

    /// Makes the directory `rel` (clean, relative) and whichever of its parents are missing, from
    /// the top down, skipping those this build has made already (by any thread).
    fn make_dirs(&self, rel: &str) -> std::io::Result<()> {
        let missing: Vec<&str> = {
            let known = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
            let mut missing = Vec::new();
            let mut dir = Some(rel);
            while let Some(d) = dir.filter(|d| !known.contains(*d)) {
                missing.push(d);
                dir = d.rsplit_once('/').map(|(p, _)| p);
            }
            missing
        };
        for d in missing.iter().rev() {
            match std::fs::create_dir(self.temp.join(d)) {
                // Another thread may have made it since the set was read.
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
                _ => {}
            }
        }
        if !missing.is_empty() {
            self.dirs.lock().unwrap_or_else(|e| e.into_inner()).extend(missing.into_iter().map(str::to_string));
        }
        Ok(())
    }

    /// Swaps the staging tree in as the output and removes the previous one. If the swap fails,
    /// the previous output is where it was and the staging tree is removed (by `Drop`): a failed
    /// build leaves neither a missing output nor its own leftovers.
    pub fn commit(mut self) -> Result<(), OutputError> {
        if !self.output.exists() {
            match std::fs::rename(&self.temp, &self.output) {
                Ok(()) => {
                    self.committed = true;
                    return Ok(());
                }
                // Another build put an output there since: replace it as below.
                Err(_) if self.output.is_dir() => {}
                Err(e) => return Err(OutputError::io(&self.output, e)),
            }
        }
        if exchange(&self.temp, &self.output).is_ok() {
            // `temp` now holds the previous output.
            self.committed = true;
            return std::fs::remove_dir_all(&self.temp).map_err(|e| OutputError::io(&self.temp, e));
        }
        // No atomic exchange on this file system: two renames, with the old tree kept under a
        // marked name until the new one is in place, so a crash between them is recoverable.
        let name = self.output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let old = self.output.with_file_name(format!(".{name}{OLD_MARK}{}", std::process::id()));
        std::fs::rename(&self.output, &old).map_err(|e| OutputError::io(&self.output, e))?;
        if let Err(e) = std::fs::rename(&self.temp, &self.output) {
            // Put the previous output back rather than leave the site without one until the next
            // build (which would do it).
            let _ = std::fs::rename(&old, &self.output);
            return Err(OutputError::io(&self.output, e));
        }
        self.committed = true;
        std::fs::remove_dir_all(&old).map_err(|e| OutputError::io(&old, e))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.temp);
        }
    }
}

/// `rel` (`/`-separated, from the renderer) without empty and `.` segments; anything that could
/// leave the staging directory (`..`, a root, a drive prefix) is refused, whatever produced it.
fn clean(rel: &str) -> std::io::Result<String> {
    let mut out = String::with_capacity(rel.len());
    for part in rel.split('/') {
        match part {
            "" | "." => continue,
            ".." => {
                return Err(std::io::Error::other(format!(
                    "refusing to write `{rel}`: it leaves the output directory"
                )));
            }
            p if p.contains('\\') || p.contains('\0') || Path::new(p).is_absolute() => {
                return Err(std::io::Error::other(format!("refusing to write `{rel}`: not a plain relative path")));
            }
            p => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(p);
            }
        }
    }
    if out.is_empty() {
        return Err(std::io::Error::other(format!("refusing to write `{rel}`: no file name")));
    }
    Ok(out)
}

/// Removes temporary trees of builds that are no longer running, and puts back an old output
/// that a build killed mid-swap left aside.
fn recover(parent: &Path, name: &str, output: &Path) -> Result<(), OutputError> {
    let Ok(read) = std::fs::read_dir(parent) else { return Ok(()) };
    let tmp_prefix = format!(".{name}{TMP_MARK}");
    let old_prefix = format!(".{name}{OLD_MARK}");
    for entry in read.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let pid = file.strip_prefix(&tmp_prefix).or_else(|| file.strip_prefix(&old_prefix));
        let Some(pid) = pid.and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid != std::process::id() && Path::new(&format!("/proc/{pid}")).exists() {
            continue; // another build is running
        }
        let path = entry.path();
        if file.starts_with(&old_prefix) && !output.exists() {
            std::fs::rename(&path, output).map_err(|e| OutputError::io(&path, e))?;
        } else {
            std::fs::remove_dir_all(&path).map_err(|e| OutputError::io(&path, e))?;
        }
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call.
    let r = unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) };
    if r == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory, removed when the test ends (even by a failed assertion).
    struct TmpDir(PathBuf);

    impl Drop for TmpDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    impl std::ops::Deref for TmpDir {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    fn tmpdir(name: &str) -> TmpDir {
        let d = std::env::temp_dir().join(format!("casebook-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TmpDir(d)
    }

    #[test]
    fn refuses_outputs_that_hold_the_input() {
        let root = tmpdir("refuse");
        let content = root.join("content");
        assert!(check_target(&root, &content, &root).is_err());
        assert!(check_target(&root, &content, root.parent().unwrap()).is_err());
        assert!(check_target(&root, &content, &content).is_err());
        assert!(check_target(&root, &content, &content.join("x")).is_err());
        assert!(check_target(&root, &content, &root.join("public/../content")).is_err());
        assert!(check_target(&root, &content, &root.join("public")).is_ok());
        // The site's templates, static files and themes are sources too.
        for dir in ["templates", "static", "themes/default", "static/sub"] {
            assert!(check_target(&root, &content, &root.join(dir)).is_err(), "{dir}");
        }
        assert!(check_target(&root, &content, &root.join("templates-out")).is_ok());
    }

    #[test]
    fn commit_replaces_whole_and_drop_leaves_nothing() {
        let d = tmpdir("commit");
        let out = d.join("public");
        std::fs::create_dir_all(out.join("stale")).unwrap();
        std::fs::write(out.join("stale/x.html"), "old").unwrap();
        let s = Staging::begin(&out).unwrap();
        s.write("a/index.html", b"new").unwrap();
        s.write("a/b/c/index.html", b"deep").unwrap();
        s.write("a/b/c/feed.xml", b"feed").unwrap();
        s.write("./a//b/x.html", b"x").unwrap();
        assert!(s.write("../evil", b"x").is_err());
        assert!(s.write("a/../../evil", b"x").is_err());
        assert!(s.write("/", b"x").is_err());
        s.commit().unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a/index.html")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(out.join("a/b/c/feed.xml")).unwrap(), "feed");
        assert_eq!(std::fs::read_to_string(out.join("a/b/x.html")).unwrap(), "x");
        assert!(!out.join("stale").exists());

        let s = Staging::begin(&out).unwrap();
        s.write("b.html", b"x").unwrap();
        drop(s);
        assert!(!out.join("b.html").exists());
        let names: Vec<_> = std::fs::read_dir(&*d).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["public"]);
    }

    #[test]
    fn a_failed_swap_leaves_the_output_as_it_was_and_no_staging_tree() {
        let d = tmpdir("failed-swap");
        // A dangling link where the output goes: the staging tree cannot be renamed onto it.
        let out = d.join("public");
        std::os::unix::fs::symlink(d.join("nowhere"), &out).unwrap();
        let s = Staging::begin(&out).unwrap();
        s.write("index.html", b"new").unwrap();
        assert!(s.commit().is_err());
        assert!(std::fs::symlink_metadata(&out).unwrap().file_type().is_symlink());
        let names: Vec<_> = std::fs::read_dir(&*d).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["public"], "the staging tree is removed");
        assert!(check_target(&d, &d.join("content"), &out).is_err_and(|e| e.to_string().contains("does not exist")));
    }

    #[test]
    fn recovers_from_a_killed_build() {
        let d = tmpdir("recover");
        let out = d.join("public");
        // A build killed while writing (pid 0 never runs) and one killed mid-swap.
        std::fs::create_dir_all(d.join(format!(".public{TMP_MARK}999999999"))).unwrap();
        std::fs::create_dir_all(d.join(format!(".public{OLD_MARK}999999998"))).unwrap();
        std::fs::write(d.join(format!(".public{OLD_MARK}999999998/index.html")), "kept").unwrap();
        let s = Staging::begin(&out).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "kept");
        drop(s);
        let mut names: Vec<_> =
            std::fs::read_dir(&*d).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, ["public"]);
    }
}
