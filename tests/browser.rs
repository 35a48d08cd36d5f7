//! A real browser over the sample site: headless Chromium (Debian's `chromium`), driven by
//! `tests/browser/drive.mjs` through playwright-core, opens the built site's home page, follows a
//! tag, a year and a series link, searches in Japanese, and, under `casebook serve`, sees an
//! edited entry reload the open tab; a console error, an uncaught page error, a failed request or
//! an HTTP error anywhere fails the test.
//!
//! Needs `chromium` (or `CASEBOOK_CHROMIUM=/path/to/chrome`), `node` and `npm ci` in
//! `tests/browser`. Without them the test is skipped with a message, unless `CI` is set: CI
//! installs them (`.ci/run`), so there a missing piece is a failure.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Where Debian's package puts the browser.
const CHROMIUM: &str = "/usr/bin/chromium";
/// The incident the search must find and the live-reload edit changes.
const ENTRY: &str = "/incidents/2024-033/";
const ENTRY_FILE: &str = "content/incidents/2024/2024-033/index.md";
/// A word of that incident's title (and of no other entry's).
const QUERY: &str = "東京ヴェルディ";
/// How long `casebook serve` may take to answer (an unoptimized binary, tests in parallel).
const SERVE_PATIENCE: Duration = Duration::from_secs(30);
/// A backstop over the driver's own deadline (120 s): past it the driver is stopped.
const DRIVER_DEADLINE: Duration = Duration::from_secs(180);

fn browser_dir() -> PathBuf {
    manifest_dir().join("tests").join("browser")
}

/// Is `CI` set (to anything but empty, `0` or `false`)?
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// The browser to drive, or what is missing for the test to run.
fn prerequisites() -> Result<PathBuf, Vec<String>> {
    let chromium = std::env::var_os("CASEBOOK_CHROMIUM").map(PathBuf::from).unwrap_or_else(|| CHROMIUM.into());
    let mut missing = Vec::new();
    if !chromium.is_file() {
        missing.push(format!("no browser at {} (apt-get install chromium)", chromium.display()));
    }
    if !Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success()) {
        missing.push("no `node` on PATH".to_string());
    }
    if !browser_dir().join("node_modules").join("playwright-core").join("package.json").is_file() {
        missing.push("no tests/browser/node_modules/playwright-core (npm ci in tests/browser)".to_string());
    }
    if missing.is_empty() { Ok(chromium) } else { Err(missing) }
}

/// A copy of the repository's own site (book.toml, content/ and any templates/, static/,
/// themes/) under `tmp`, so that the live-reload edit never touches the repository.
fn copy_sample_site(tmp: &TempDir) -> PathBuf {
    let repo = manifest_dir();
    let root = tmp.join("site");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(repo.join("book.toml"), root.join("book.toml")).unwrap();
    for dir in ["content", "templates", "static", "themes"] {
        if repo.join(dir).is_dir() {
            copy_dir(&repo.join(dir), &root.join(dir));
        }
    }
    root
}

/// A running `casebook serve`, killed when dropped (on every path, panics included).
struct Serve {
    child: Child,
    port: u16,
    log_dir: PathBuf,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    fn start(root: &Path, log_dir: PathBuf) -> Serve {
        std::fs::create_dir_all(&log_dir).unwrap();
        for _attempt in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let child = Command::new(BIN)
                .args(["serve", "--root", root.to_str().unwrap(), "--port", &port.to_string()])
                .env_remove("RUST_LOG")
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(log_dir.join("stdout")).unwrap())
                .stderr(std::fs::File::create(log_dir.join("stderr")).unwrap())
                .spawn()
                .expect("start casebook serve");
            let mut serve = Serve { child, port, log_dir: log_dir.clone() };
            let deadline = Instant::now() + SERVE_PATIENCE;
            while Instant::now() < deadline {
                if serve.child.try_wait().unwrap().is_some() {
                    break; // the port was taken in between: try another
                }
                if status_of(port, "/") == Some(200) {
                    return serve;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            eprintln!("casebook serve did not start on port {port}:\n{}", serve.logs());
            drop(serve);
        }
        panic!("casebook serve did not start");
    }

    fn logs(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.log_dir.join(name)).unwrap_or_default();
        format!("--- serve stdout:\n{}--- serve stderr:\n{}", read("stdout"), read("stderr"))
    }
}

/// The status code of `GET path`, or None when nothing answers.
fn status_of(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// The node driver, stopped when dropped if it is still running: SIGTERM first, so that
/// playwright-core closes the browser it launched, then SIGKILL.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        if !matches!(self.0.try_wait(), Ok(None)) {
            return;
        }
        if let Ok(pid) = libc::pid_t::try_from(self.0.id()) {
            // SAFETY: signals our own child, which has not been reaped (try_wait saw it running).
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if !matches!(self.0.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn chromium_browses_the_sample_site_searches_and_live_reloads() {
    let chromium = match prerequisites() {
        Ok(c) => c,
        Err(missing) if in_ci() => panic!("the browser test cannot run in CI: {}", missing.join("; ")),
        Err(missing) => {
            // Straight to the process's stderr, past the test harness's capture, so it shows.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: install chromium and run npm ci in tests/browser ({})",
                missing.join("; ")
            );
            return;
        }
    };
    let started = Instant::now();
    let tmp = TempDir::new("browser");
    let root = copy_sample_site(&tmp);

    let out = tmp.join("out");
    build(&root, &["--output", out.to_str().unwrap(), "-q"]).success();
    assert!(out.join("search").join("meta.json").is_file(), "the sample build wrote no search index");

    let serve = Serve::start(&root, tmp.join("serve-logs"));
    let config = serde_json::json!({
        "out": out,
        "serve": format!("http://127.0.0.1:{}/", serve.port),
        "entry": ENTRY,
        "entryFile": root.join(ENTRY_FILE),
        "query": QUERY,
        "chromium": chromium,
    });
    let (stdout, stderr) = (tmp.join("driver-stdout"), tmp.join("driver-stderr"));
    let mut driver = Driver(
        Command::new("node")
            .arg(browser_dir().join("drive.mjs"))
            .arg(config.to_string())
            .current_dir(browser_dir())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("run node tests/browser/drive.mjs"),
    );
    let deadline = Instant::now() + DRIVER_DEADLINE;
    let status = loop {
        if let Some(status) = driver.0.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(driver);
    let output = format!(
        "--- driver stdout:\n{}--- driver stderr:\n{}",
        std::fs::read_to_string(&stdout).unwrap_or_default(),
        std::fs::read_to_string(&stderr).unwrap_or_default()
    );
    println!("{output}");
    let Some(status) = status else {
        panic!("the browser driver ran past {DRIVER_DEADLINE:?} and was stopped\n{output}{}", serve.logs());
    };
    assert!(status.success(), "the browser checks failed ({status})\n{output}{}", serve.logs());
    println!("browser test took {:.1} s", started.elapsed().as_secs_f64());
}
