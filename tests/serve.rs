//! End-to-end tests of `casebook serve`: the real binary on a free port, a copy of the basic
//! fixture, plain HTTP/1.1 over a TcpStream and a WebSocket client for the reload channel.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;
use tungstenite::{Message, WebSocket};

/// How long a rebuild may take to show, generously: the tests run in parallel, unoptimized.
const PATIENCE: Duration = Duration::from_secs(20);
const ENTRY: &str = "content/incidents/2024/2024-001.md";
const ENTRY_URL: &str = "/incidents/2024-001/";

/// A running `casebook serve`, killed when dropped.
struct Server {
    child: Child,
    port: u16,
    root: PathBuf,
    log_dir: PathBuf,
    _tmp: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Server {
    /// Serves a copy of the basic fixture (after `prepare` has changed it).
    fn start(label: &str, extra: &[&str], prepare: impl Fn(&Path)) -> Server {
        let (tmp, root) = site_from_fixture("basic");
        prepare(&root);
        let log_dir = tmp.join(format!("logs-{label}"));
        std::fs::create_dir_all(&log_dir).unwrap();
        for _attempt in 0..5 {
            let port = free_port();
            let mut child = Command::new(BIN)
                .args(["serve", "--root", root.to_str().unwrap(), "--port", &port.to_string()])
                .args(extra)
                .stdout(std::fs::File::create(log_dir.join("stdout")).unwrap())
                .stderr(std::fs::File::create(log_dir.join("stderr")).unwrap())
                .stdin(Stdio::null())
                .spawn()
                .expect("start casebook serve");
            let deadline = Instant::now() + PATIENCE;
            while Instant::now() < deadline {
                if child.try_wait().unwrap().is_some() {
                    break; // the port was taken in between: try another
                }
                if http(port, "GET", "/").is_ok() {
                    return Server { child, port, root, log_dir, _tmp: tmp };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
            eprintln!(
                "serve did not start on {port}:\n{}",
                std::fs::read_to_string(log_dir.join("stderr")).unwrap_or_default()
            );
        }
        panic!("casebook serve did not start");
    }

    fn get(&self, path: &str) -> Response {
        http(self.port, "GET", path).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    fn raw(&self, request_line_path: &str) -> Response {
        http(self.port, "GET", request_line_path).unwrap_or_else(|e| panic!("GET {request_line_path}: {e}"))
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.log_dir.join("stderr")).unwrap_or_default()
    }

    fn stdout(&self) -> String {
        std::fs::read_to_string(self.log_dir.join("stdout")).unwrap_or_default()
    }

    fn socket(&self) -> Socket {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        let url = format!("ws://127.0.0.1:{}/__casebook/ws", self.port);
        let (ws, _) = tungstenite::client(url.as_str(), stream).expect("WebSocket handshake");
        Socket(ws)
    }

    fn edit(&self, rel: &str, f: impl FnOnce(&str) -> String) {
        let p = self.root.join(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        let new = f(&text);
        assert_ne!(new, text, "the edit must change {rel}");
        std::fs::write(p, new).unwrap();
    }

    /// Polls `path` until `done` holds for the response.
    #[track_caller]
    fn wait_for(&self, path: &str, what: &str, done: impl Fn(&Response) -> bool) -> Response {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let r = self.get(path);
            if done(&r) {
                return r;
            }
            if Instant::now() > deadline {
                panic!(
                    "{path}: {what} did not happen; last status {}\n--- stdout:\n{}\n--- stderr:\n{}",
                    r.status,
                    self.stdout(),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request with `Connection: close`; the path goes into the request line as given.
fn http(port: u16, method: &str, path: &str) -> std::io::Result<Response> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    write!(s, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or(std::io::ErrorKind::InvalidData)?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap_or("0").trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    }
    Ok(Response { status, headers, body })
}

struct Socket(WebSocket<TcpStream>);

impl Socket {
    /// The next JSON message whose `type` is `kind`, skipping others.
    #[track_caller]
    fn expect(&mut self, kind: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            match self.0.read() {
                Ok(Message::Text(t)) => {
                    let v: Value = serde_json::from_str(t.as_str()).expect("messages are JSON");
                    if v["type"] == kind {
                        return v;
                    }
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(e) => panic!("WebSocket closed while waiting for `{kind}`: {e}"),
            }
        }
        panic!("no `{kind}` message on the WebSocket");
    }
}

fn encode_path(rel: &str) -> String {
    rel.split('/').map(|s| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()).collect::<Vec<_>>().join("/")
}

/// The served HTML without what `serve` injects (the reload script, any overlay).
fn strip_injection(html: &str) -> String {
    let start = html.find("<div id=\"__casebook_overlay\"").or_else(|| html.find("<script data-casebook-build="));
    let Some(start) = start else { return html.to_string() };
    let end = html[start..].find("</script>\n").expect("the injected script ends") + start + "</script>\n".len();
    format!("{}{}", &html[..start], &html[end..])
}

#[test]
fn serves_exactly_what_build_writes_plus_the_reload_script() {
    let server = Server::start("same", &[], |_| {});
    let out = server.root.parent().unwrap().join("built");
    let base = format!("http://127.0.0.1:{}/", server.port);
    build(&server.root, &["--output", out.to_str().unwrap(), "--base-url", &base]).success();
    let tree = read_tree(&out);
    assert!(tree.len() > 30, "{} files", tree.len());
    for (rel, bytes) in &tree {
        let r = server.get(&format!("/{}", encode_path(rel)));
        assert_eq!(r.status, 200, "{rel}");
        if rel.ends_with(".html") {
            let built = String::from_utf8(bytes.clone()).unwrap();
            assert!(!built.contains("__casebook"), "build output has the reload script: {rel}");
            let served = r.text();
            assert!(served.contains("<script data-casebook-build="), "{rel} has no reload script");
            assert!(served.contains("/__casebook/ws"));
            assert_eq!(strip_injection(&served), built, "{rel}");
        } else {
            assert!(r.body == *bytes, "{rel} differs from the build output");
        }
    }
}

#[test]
fn content_types_directories_and_not_found() {
    let server = Server::start("types", &[], |_| {});
    let cases = [
        ("/", "text/html; charset=utf-8"),
        ("/feed.xml", "application/atom+xml; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/404.html", "text/html; charset=utf-8"),
    ];
    for (path, ct) in cases {
        let r = server.get(path);
        assert_eq!((r.status, r.header("content-type")), (200, Some(ct)), "{path}");
    }
    let css = server.get("/style.css");
    assert!(!css.text().contains("__casebook"), "only HTML gets the script");

    // Unicode directories, percent-encoded as browsers send them.
    let tag = server.get(&format!("/tags/{}/", encode_path("ランサムウェア")));
    assert_eq!(tag.status, 200);
    assert!(tag.text().contains("ランサムウェア"));
    let feed = server.get(&format!("/tags/{}/feed.xml", encode_path("ランサムウェア")));
    assert_eq!(feed.header("content-type"), Some("application/atom+xml; charset=utf-8"));

    // A directory without its slash is redirected; a missing page is the site's 404 page.
    let r = server.get("/years");
    assert_eq!((r.status, r.header("location")), (302, Some("/years/")));
    let r = server.get("/no/such/page/");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(strip_injection(&r.text()), strip_injection(&server.get("/404.html").text()));
    assert!(r.text().contains("<script data-casebook-build="));
}

#[test]
fn requests_outside_the_site_are_not_found() {
    let server = Server::start("traversal", &[], |_| {});
    for path in [
        "/../book.toml",
        "/%2e%2e/book.toml",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2fbook.toml",
        "/..%2Fbook.toml",
        "/..\\book.toml",
        "/..%5cbook.toml",
        "/incidents/../../book.toml",
        "/content/incidents/2024/2024-001.md",
        "/book.toml",
    ] {
        let r = server.raw(path);
        assert_eq!(r.status, 404, "{path}");
        let text = r.text();
        assert!(!text.contains("[book]") && !text.contains("per_page"), "{path} leaked book.toml");
    }
}

#[test]
fn a_body_edit_reloads_open_tabs() {
    let server = Server::start("body", &[], |_| {});
    let mut ws = server.socket();
    let hello = ws.expect("hello");
    assert!(hello["errors"].is_null(), "{hello}");
    let before = hello["build"].as_u64().unwrap();
    let page = server.get(ENTRY_URL).text();
    assert!(page.contains(&format!("data-casebook-build=\"{before}\"")));

    server.edit(ENTRY, |t| t.replace("最終報。", "最終報。ライブ更新の確認。"));
    let reload = ws.expect("reload");
    assert!(reload["build"].as_u64().unwrap() > before, "{reload}");
    let r = server.wait_for(ENTRY_URL, "the edit", |r| r.text().contains("ライブ更新の確認"));
    assert_eq!(r.status, 200);
    // The summary changed, so the list pages showing the entry's card changed too.
    server.wait_for("/tags/ddos/", "the card update", |r| r.text().contains("ライブ更新の確認"));
    let log = server.stdout();
    assert!(log.contains(ENTRY) && log.contains("incremental"), "{log}");
}

#[test]
fn a_tag_edit_rerenders_the_term_pages() {
    let server = Server::start("tags", &[], |_| {});
    let mut ws = server.socket();
    ws.expect("hello");
    let new_tag = format!("/tags/{}/", encode_path("新しいタグ"));
    assert_eq!(server.get(&new_tag).status, 404);
    assert_eq!(server.get("/tags/ddos/").status, 200);

    server.edit(ENTRY, |t| t.replace("tags: [ddos]", "tags: [新しいタグ]"));
    ws.expect("reload");
    let r = server.wait_for(&new_tag, "the new term page", |r| r.status == 200);
    assert!(r.text().contains("最終報"));
    // The entry left `ddos`; 2023-102 still has it.
    let ddos = server.get("/tags/ddos/").text();
    assert!(!ddos.contains("/incidents/2024-001/"), "stale term page");
    assert!(server.get(ENTRY_URL).text().contains("新しいタグ"));
}

#[test]
fn a_broken_edit_shows_its_errors_and_a_fix_reloads() {
    let server = Server::start("broken", &[], |_| {});
    let mut ws = server.socket();
    ws.expect("hello");
    let good = std::fs::read_to_string(server.root.join(ENTRY)).unwrap();

    // Line 4 of the entry is its date.
    server.edit(ENTRY, |t| t.replace("date: 2024-01-15", "date: 2024-13-45"));
    let err = ws.expect("error");
    let d = &err["diagnostics"][0];
    assert_eq!(d["path"], ENTRY, "{err}");
    assert_eq!(d["line"], 4, "{err}");
    assert!(d["message"].as_str().unwrap().contains("date"), "{err}");
    assert!(d["text"].as_str().unwrap().starts_with(&format!("{ENTRY}:4:")), "{err}");

    // The last good page is still served, under an overlay naming file and line.
    let r = server.get(ENTRY_URL);
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("<div id=\"__casebook_overlay\""), "no overlay");
    assert!(html.contains(&format!("{ENTRY}:4:")), "the overlay does not locate the error");
    assert!(html.contains("最終報"), "the last good page is gone");
    // A tab opened now hears about the errors at once.
    let hello = server.socket().expect("hello");
    assert_eq!(hello["errors"][0]["line"], 4, "{hello}");
    // And the terminal says so.
    let deadline = Instant::now() + PATIENCE;
    while !server.stderr().contains(&format!("{ENTRY}:4:")) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(server.stderr().contains(&format!("{ENTRY}:4:")), "{}", server.stderr());

    std::fs::write(server.root.join(ENTRY), good).unwrap();
    ws.expect("reload");
    let r = server.wait_for(ENTRY_URL, "the fix", |r| !r.text().contains("<div id=\"__casebook_overlay\""));
    assert_eq!(r.status, 200);
    assert!(server.socket().expect("hello")["errors"].is_null());
}

#[test]
fn a_site_that_does_not_build_yet_is_served_as_its_errors() {
    let server = Server::start("nobuild", &[], |root| {
        let toml = std::fs::read_to_string(root.join("book.toml")).unwrap();
        std::fs::write(root.join("book.toml"), toml.replace("per_page = 2", "per_page = \"two\"")).unwrap();
    });
    let r = server.get("/");
    assert_eq!(r.status, 500);
    assert!(r.text().contains("book.toml:"), "{}", r.text());
    let mut ws = server.socket();
    assert!(ws.expect("hello")["errors"][0]["path"] == "book.toml");

    server.edit("book.toml", |t| t.replace("per_page = \"two\"", "per_page = 2"));
    ws.expect("reload");
    let r = server.wait_for("/", "the first build", |r| r.status == 200);
    assert!(!r.text().contains("<div id=\"__casebook_overlay\""));
}

#[test]
fn templates_and_new_directories_are_watched() {
    let server = Server::start("theme", &[], |_| {});
    let mut ws = server.socket();
    ws.expect("hello");
    // templates/ does not exist yet: creating it must be noticed, and so must edits inside it.
    write(&server.root, "templates/404.html", "<html><body><p>独自の404</p></body></html>");
    ws.expect("reload");
    server.wait_for("/missing/", "the new 404 template", |r| r.status == 404 && r.text().contains("独自の404"));
    std::thread::sleep(Duration::from_millis(300));
    write(&server.root, "templates/404.html", "<html><body><p>改訂した404</p></body></html>");
    ws.expect("reload");
    server.wait_for("/missing/", "the edited 404 template", |r| r.text().contains("改訂した404"));
}

#[test]
fn polling_mode_notices_edits() {
    let server = Server::start("poll", &["--poll"], |_| {});
    let mut ws = server.socket();
    ws.expect("hello");
    server.edit(ENTRY, |t| format!("{t}\n\nポーリングで検出。\n"));
    ws.expect("reload");
    server.wait_for(ENTRY_URL, "the edit", |r| r.text().contains("ポーリングで検出"));
}

#[test]
fn quiet_prints_nothing_and_a_busy_port_is_an_error() {
    let server = Server::start("quiet", &["-q"], |_| {});
    assert_eq!(server.stdout(), "");
    // A second server on the same port fails at once, with exit status 1.
    let out = Command::new(BIN)
        .args(["serve", "--root", server.root.to_str().unwrap(), "--port", &server.port.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen"));
}
