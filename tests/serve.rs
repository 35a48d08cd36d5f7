//! End-to-end tests of `casebook serve`: the real binary on a free port, a copy of the basic
//! fixture, plain HTTP/1.1 over a TcpStream and a WebSocket client for the reload channel.

mod common;

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
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
/// The basic fixture's base_url is `https://example.org/cb/`: `serve` serves it under `/cb/`, so
/// that links written for the published site work in the preview. [`Server::get`] adds it.
const SITE: &str = "/cb";

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

    /// GETs `path` of the site (under [`SITE`]).
    fn get(&self, path: &str) -> Response {
        let path = format!("{SITE}{path}");
        http(self.port, "GET", &path).unwrap_or_else(|e| panic!("GET {path}: {e}"))
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

    /// Waits until the server's stdout satisfies `done` (its summary line follows the publish,
    /// so a test that saw the new page may still be ahead of it).
    fn wait_stdout(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let log = self.stdout();
            if done(&log) {
                return log;
            }
            assert!(Instant::now() < deadline, "stdout never showed {what}:\n{log}\n--- stderr:\n{}", self.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
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
    /// The next JSON message whose `type` is `kind`, skipping others. Like a tab that is not on
    /// the search page, it skips reloads meant for some pages only (the deferred search index).
    #[track_caller]
    fn expect(&mut self, kind: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            match self.0.read() {
                Ok(Message::Text(t)) => {
                    let v: Value = serde_json::from_str(t.as_str()).expect("messages are JSON");
                    if v["type"] == kind && v.get("paths").is_none() {
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

/// The headers of a WebSocket handshake (RFC 6455 §4.1), after the request line and `Host`.
const WS_HEADERS: &str = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

/// Sends `request` byte for byte on a new connection; returns the response (see [`read_response`]).
fn exchange(port: u16, request: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.write_all(request).expect("send the request");
    read_response(&mut s, Instant::now() + PATIENCE)
}

/// Reads one response: up to the end of its head for `101`, else up to the end of its body (by
/// `Content-Length`, the last chunk, or the connection closing). Whatever came by `deadline`
/// otherwise; nothing when the connection was reset.
fn read_response(s: &mut TcpStream, deadline: Instant) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        s.set_read_timeout(Some(left.max(Duration::from_millis(1)))).unwrap();
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => break,
            Err(_) => break,
        }
        if let Some(head_end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
            let body = &raw[head_end + 4..];
            let length =
                head.lines().find_map(|l| l.strip_prefix("content-length:")).map(|v| v.trim().parse::<usize>());
            if status_of(&raw) == 101
                || matches!(length, Some(Ok(n)) if body.len() >= n)
                || (head.contains("transfer-encoding: chunked") && body.ends_with(b"0\r\n\r\n"))
            {
                break;
            }
        }
    }
    raw
}

/// The status code of a raw response; 0 when there is none.
fn status_of(raw: &[u8]) -> u16 {
    let line = raw.split(|&b| b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(line).split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[test]
fn serves_exactly_what_build_writes_plus_the_reload_script() {
    let server = Server::start("same", &[], |_| {});
    let out = server.root.parent().unwrap().join("built");
    let base = format!("http://127.0.0.1:{}{SITE}/", server.port);
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
fn alias_redirect_pages_are_served_as_built() {
    let server = Server::start("aliases", &[], |root| {
        let p = root.join("content/articles/guide.md");
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text.replacen("---\n", "---\naliases: [/old-guide/, /旧/ガイド.html]\n", 1)).unwrap();
    });
    let out = server.root.parent().unwrap().join("built");
    let base = format!("http://127.0.0.1:{}{SITE}/", server.port);
    build(&server.root, &["--output", out.to_str().unwrap(), "--base-url", &base]).success();
    for rel in ["old-guide/index.html", "旧/ガイド.html"] {
        let built = read(&out, rel);
        assert!(
            built.contains("<meta http-equiv=\"refresh\" content=\"0; url=/cb/articles/ransomware-guide/\">"),
            "{built}"
        );
        let r = server.get(&format!("/{}", encode_path(rel)));
        assert_eq!(r.status, 200, "{rel}");
        assert_eq!(strip_injection(&r.text()), built, "{rel}");
    }
    assert_eq!(server.get("/old-guide/").status, 200);
    // A body edit (rendered incrementally) keeps them.
    server.edit("content/articles/guide.md", |t| format!("{t}\n追記した段落。\n"));
    server.wait_for("/articles/ransomware-guide/", "the body edit", |r| r.text().contains("追記した段落"));
    assert_eq!(strip_injection(&server.get("/old-guide/").text()), read(&out, "old-guide/index.html"));
    // A front-matter edit that drops an alias drops its page.
    server.edit("content/articles/guide.md", |t| t.replace("/old-guide/, ", ""));
    server.wait_for("/old-guide/", "the alias page disappearing", |r| r.status == 404);
    assert_eq!(server.get(&format!("/{}", encode_path("旧/ガイド.html"))).status, 200);
}

#[test]
fn the_site_is_served_under_its_base_url_path_so_links_written_for_it_work() {
    let server = Server::start("path", &[], |_| {});
    // 2023-102's body links to `/cb/incidents/2023-101/#factbox-title`, as `check` wants it.
    let page = server.get("/incidents/2023-102/").text();
    assert!(page.contains(r#"href="/cb/incidents/2023-101/#factbox-title""#), "{page}");
    let linked = http(server.port, "GET", "/cb/incidents/2023-101/").unwrap();
    assert_eq!(linked.status, 200);
    assert!(linked.text().contains(r#"id="factbox-title""#));
    // The server's root and the path without its slash lead to the site; the rest is not in it.
    for (path, location) in [("/", "/cb/"), ("/cb", "/cb/"), ("/?q=1", "/cb/?q=1")] {
        let r = http(server.port, "GET", path).unwrap();
        assert_eq!((r.status, r.header("location")), (302, Some(location)), "{path}");
    }
    let outside = http(server.port, "GET", ENTRY_URL).unwrap();
    assert_eq!(outside.status, 404, "the page is at /cb{ENTRY_URL} only");
    assert!(outside.text().contains("ページが見つかりません"), "the site's 404 page");
    // Paths compare as a static host compares them: by decoded segment, and case-sensitively.
    assert_eq!(http(server.port, "GET", "/CB/").unwrap().status, 404);
    assert_eq!(http(server.port, "GET", "/%63%62/").unwrap().status, 200, "`%63%62` is `cb`");
    assert!(server.stdout().contains(&format!("serving http://127.0.0.1:{}/cb/ ", server.port)), "{}", server.stdout());

    // A base_url edited to another path moves the site there.
    let mut ws = server.socket();
    ws.expect("hello");
    server.edit("book.toml", |t| t.replace("https://example.org/cb/", "https://example.org/"));
    ws.expect("reload");
    let deadline = Instant::now() + PATIENCE;
    while http(server.port, "GET", ENTRY_URL).unwrap().status != 200 {
        assert!(Instant::now() < deadline, "the site did not move to /");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(http(server.port, "GET", &format!("/cb{ENTRY_URL}")).unwrap().status, 404);
    let moved = format!("serving http://127.0.0.1:{}/ (base_url's path changed)", server.port);
    server.wait_stdout("the new address", |log| log.contains(&moved));
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
    assert_eq!((r.status, r.header("location")), (302, Some("/cb/years/")));
    let r = server.get("/no/such/page/");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(strip_injection(&r.text()), strip_injection(&server.get("/404.html").text()));
    assert!(r.text().contains("<script data-casebook-build="));
}

#[test]
fn requests_outside_the_site_are_not_found() {
    let server = Server::start("traversal", &[], |root| {
        // Beside the site root, and inside it but not part of the output.
        std::fs::write(root.parent().unwrap().join("secret.txt"), "SECRET-BESIDE-THE-ROOT\n").unwrap();
        std::fs::write(root.join("secret.txt"), "SECRET-IN-THE-ROOT\n").unwrap();
    });
    let leaked = |text: &str| {
        ["[book]", "per_page", "SECRET-", "root:x:0:", "follows: \"2023-102\""].into_iter().find(|m| text.contains(m))
    };
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
        "/secret.txt",
        "/../secret.txt",
    ] {
        let r = server.raw(path);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(leaked(&r.text()), None, "{path} leaked a file");
    }

    // Every other spelling, sent byte for byte as written: hyper may refuse some outright (400),
    // the rest must be the site's 404 page. Nothing may ever come from outside the output.
    let mut targets: Vec<Vec<u8>> = [
        "/%2e%2e%2fbook.toml",
        "/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/%2E%2e%2F%2e%2E%2Fetc%2Fpasswd",
        "/%252e%252e/book.toml",
        "/%252e%252e%252fbook.toml",
        "/%25%32%65%25%32%65/book.toml",
        "/..%5c..%5csecret.txt",
        "/%5c..%5cbook.toml",
        "/..\\..\\secret.txt",
        "/\\..\\book.toml",
        "/%c0%ae%c0%ae/book.toml",
        "/%c0%ae%c0%ae%c0%afbook.toml",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/%c0%2e%c0%2e/book.toml",
        "/%u002e%u002e/book.toml",
        "/.%2e/book.toml",
        "/%2e./book.toml",
        "/.%2e/.%2e/secret.txt",
        "/..;/book.toml",
        "/.../book.toml",
        "/book.toml%00.html",
        "/..%00/book.toml",
        "/%00../book.toml",
        "/index.html%00/../book.toml",
        "//etc/passwd",
        "///etc/passwd",
        "/%2fetc%2fpasswd",
        "//../secret.txt",
        "/./../secret.txt",
        "/incidents/2024-001/../../../secret.txt",
        "/incidents/2024-001/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "http://127.0.0.1/../book.toml",
        "http://127.0.0.1/%2e%2e/secret.txt",
        "../book.toml",
        "book.toml",
        "*",
        // The WebSocket's path is a route of its own: nothing hangs below or beside it.
        "/__casebook/ws/../../book.toml",
        "/__casebook/ws/%2e%2e/%2e%2e/secret.txt",
        "/__casebook/ws/..%2f..%2fbook.toml",
        "/__casebook/ws%2f..%2f..%2fbook.toml",
        "/__casebook/%2e%2e/book.toml",
        "/__casebook/../../secret.txt",
        "/__casebook/ws/..\\..\\book.toml",
    ]
    .iter()
    .map(|t| t.as_bytes().to_vec())
    .collect();
    // Raw bytes no client would percent-encode: overlong UTF-8 dots, a NUL, high bytes.
    targets.push(b"/\xc0\xae\xc0\xae/book.toml".to_vec());
    targets.push(b"/..\x00/book.toml".to_vec());
    targets.push(b"/\xff\xfe/../secret.txt".to_vec());
    for target in &targets {
        let shown = String::from_utf8_lossy(target).into_owned();
        for upgrade in [false, true] {
            let mut req = b"GET ".to_vec();
            req.extend_from_slice(target);
            req.extend_from_slice(format!(" HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n", server.port).as_bytes());
            if upgrade {
                req.extend_from_slice(WS_HEADERS.as_bytes());
            } else {
                req.extend_from_slice(b"Connection: close\r\n");
            }
            req.extend_from_slice(b"\r\n");
            let raw = exchange(server.port, &req);
            let status = status_of(&raw);
            assert!(status == 400 || status == 404, "{shown} (upgrade: {upgrade}): status {status}");
            assert_eq!(leaked(&String::from_utf8_lossy(&raw)), None, "{shown} (upgrade: {upgrade}) leaked a file");
        }
    }
    // And the server is still there.
    assert_eq!(server.get("/").status, 200);
    assert_eq!(server.get("/book.toml").status, 404);
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
    // The summary changed, so the home page showing the entry's card changed too (term and
    // year pages show compact cards, without summaries).
    server.wait_for("/page/3/", "the card update", |r| r.text().contains("ライブ更新の確認"));
    server.wait_stdout("an incremental rebuild of the entry", |log| log.contains(ENTRY) && log.contains("incremental"));
}

#[test]
fn a_save_that_renames_the_original_away_first_never_shows_the_entry_missing() {
    let server = Server::start("backup", &[], |_| {});
    let mut ws = server.socket();
    ws.expect("hello");
    let entries = |line: &str| -> Option<usize> {
        let (before, _) = line.split_once(" entries")?;
        before.rsplit([' ', '(']).next()?.parse().ok()
    };
    let log = server.wait_stdout("the first build", |log| log.starts_with("built "));
    let all = entries(log.lines().next().unwrap()).unwrap();

    // A tab on the entry reloading at any moment of the save: it must never get a 404.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let port = server.port;
    let tab = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut missing = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                if http(port, "GET", &format!("{SITE}{ENTRY_URL}")).is_ok_and(|r| r.status == 404) {
                    missing += 1;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            missing
        })
    };
    // What vim does with a backup: `mv f f~`, write a new `f`, `rm f~`.
    let file = server.root.join(ENTRY);
    let backup = server.root.join(format!("{ENTRY}~"));
    for round in 0..3 {
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::rename(&file, &backup).unwrap();
        std::thread::sleep(Duration::from_millis(30));
        std::fs::write(&file, text.replace("最終報。", &format!("最終報。保存{round}。"))).unwrap();
        std::fs::remove_file(&backup).unwrap();
        ws.expect("reload");
        server.wait_for(ENTRY_URL, "the save", |r| r.text().contains(&format!("保存{round}")));
        // The next save comes after a quiet spell, as an editor's do.
        std::thread::sleep(Duration::from_millis(700));
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let missing = tab.join().unwrap();
    let log = server.stdout();
    let rebuilt: Vec<&str> =
        log.lines().filter(|l| l.as_bytes().get(..9).is_some_and(|t| t[2] == b':' && t[5] == b':')).collect();
    assert!(!rebuilt.is_empty(), "{log}");
    assert!(
        missing == 0 && rebuilt.iter().all(|l| entries(l) == Some(all)),
        "the entry was missing while it was saved ({missing} requests got 404):\n{log}"
    );
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
fn a_terms_text_is_served_and_follows_its_edits_and_the_models() {
    const TEXT: &str = "content/tags/ddos/_index.md";
    let server = Server::start("texts", &[], |root| write(root, TEXT, "最初の説明。\n"));
    let mut ws = server.socket();
    ws.expect("hello");
    assert!(server.get("/tags/ddos/").text().contains("<p>最初の説明。</p>"));

    server.edit(TEXT, |t| t.replace("最初の", "書き直した"));
    ws.expect("reload");
    server.wait_for("/tags/ddos/", "the edited text", |r| r.text().contains("<p>書き直した説明。</p>"));
    // A front-matter edit remakes the terms: the text stays on its term's page.
    server.edit(ENTRY, |t| t.replace("tags: [ddos]", "tags: [ddos, 追加]"));
    ws.expect("reload");
    let added = format!("/tags/{}/", encode_path("追加"));
    server.wait_for(&added, "the new term page", |r| r.status == 200);
    assert!(server.get("/tags/ddos/").text().contains("<p>書き直した説明。</p>"));
    // Removed with its directory, it is gone from the page.
    std::fs::remove_dir_all(server.root.join("content/tags")).unwrap();
    ws.expect("reload");
    server.wait_for("/tags/ddos/", "the text gone", |r| r.status == 200 && !r.text().contains("page-text"));
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
    assert!(html.contains("error(s); showing the last good build"), "the overlay's heading");
    assert_eq!(err["heading"], "casebook: 1 error(s); showing the last good build (click to hide)");
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
    // Where the site will be is known from book.toml's base_url all the same.
    assert!(server.stdout().contains(&format!("serving http://127.0.0.1:{}/cb/ ", server.port)), "{}", server.stdout());
    // There is no last good build to show under the overlay.
    let heading = "casebook: 1 error(s); the site does not build yet (click to hide)";
    assert!(r.text().contains(heading) && !r.text().contains("last good build"), "{}", r.text());
    let mut ws = server.socket();
    let hello = ws.expect("hello");
    assert!(hello["errors"][0]["path"] == "book.toml");
    assert_eq!(hello["heading"], heading);

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
    // A file in no bundle is a warning, which `-q` leaves out, as `build -q` does.
    let server = Server::start("quiet", &["-q"], |root| write(root, "content/stray.png", "x"));
    assert_eq!(server.stdout(), "");
    assert_eq!(server.stderr(), "");
    // A second server on the same port fails at once, with exit status 1.
    let out = Command::new(BIN)
        .args(["serve", "--root", server.root.to_str().unwrap(), "--port", &server.port.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen"));
}

#[test]
fn base_url_names_the_host_of_absolute_urls_for_a_preview_on_the_lan() {
    // 192.0.2.7 (TEST-NET-1) need not be this machine: the server is asked through loopback.
    let server = Server::start("host", &["--bind", "0.0.0.0", "--base-url", "192.0.2.7"], |_| {});
    let origin = format!("http://192.0.2.7:{}", server.port);
    let page = server.get(ENTRY_URL).text();
    assert!(page.contains(&format!(r#"<link rel="canonical" href="{origin}{SITE}{ENTRY_URL}">"#)), "{page}");
    let feed = server.get("/feed.xml").text();
    assert!(feed.contains(&format!(r#"<link href="{origin}{SITE}/"#)) && !feed.contains("127.0.0.1"), "{feed}");
    assert!(server.stdout().contains(&format!("serving {origin}{SITE}/ ")), "{}", server.stdout());

    // Without it, a wildcard bind is named through loopback.
    let plain = Server::start("host-plain", &["--bind", "0.0.0.0"], |_| {});
    let page = plain.get(ENTRY_URL).text();
    assert!(page.contains(&format!(r#"href="http://127.0.0.1:{}{SITE}{ENTRY_URL}""#, plain.port)), "{page}");
}

#[test]
fn base_url_with_a_scheme_or_a_host_loopback_refuses_is_an_error() {
    let (_tmp, root) = site_from_fixture("basic");
    let serve = |extra: &[&str]| {
        Command::new(BIN)
            .args(["serve", "--root", root.to_str().unwrap(), "--port", &free_port().to_string()])
            .args(extra)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = serve(&["--base-url", "http://192.168.1.10/"]);
    assert_eq!(out.status.code(), Some(2), "a bad value is a usage error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expected a host name or address such as `192.168.1.10`"), "{err}");
    // Bound to loopback, the server would answer no request for that name (421).
    let out = serve(&["--base-url", "192.168.1.10"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("answers only requests for localhost, 127.0.0.1") && err.contains("--bind 0.0.0.0"), "{err}");
    // A loopback name the server answers, but on an address it does not listen on.
    let out = serve(&["--base-url", "::1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listens on 127.0.0.1 only, which a browser asking for [::1] does not reach"), "{err}");
    // Neither an address to browse to nor a name.
    for bad in ["0.0.0.0", "a..b", "999.1.1.1"] {
        assert_eq!(serve(&["--bind", "0.0.0.0", "--base-url", bad]).status.code(), Some(2), "{bad}");
    }
}

// --- Under stress -------------------------------------------------------------------------------

/// How long a request from another client may take while the server is under stress: generous
/// for a noisy two-core machine running the tests in parallel, and still far below a stall.
const PROMPT: Duration = Duration::from_secs(2);
/// How long `serve` waits for the head of a request (`HEAD_TIMEOUT` in src/serve/mod.rs).
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

fn connect(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port)).expect("connect")
}

/// A GET from a fresh connection that must succeed within [`PROMPT`].
#[track_caller]
fn prompt_get(server: &Server, path: &str, context: &str) {
    let started = Instant::now();
    let r = server.get(path);
    let took = started.elapsed();
    assert_eq!(r.status, 200, "{path} {context}");
    assert!(took < PROMPT, "{path} took {took:?} {context}");
}

/// Whether the server closes `s` by `deadline` (reading and dropping whatever it sends first).
fn closed_by_server(s: &mut TcpStream, deadline: Instant) -> bool {
    let mut buf = [0u8; 4096];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        s.set_read_timeout(Some(left.max(Duration::from_millis(1)))).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true, // reset
        }
    }
    false
}

/// Writes `data` in pieces until it is all sent or the peer is gone; returns how much was sent.
fn push(s: &mut TcpStream, data: &[u8]) -> usize {
    let mut sent = 0;
    while sent < data.len() {
        match s.write(&data[sent..(sent + 65536).min(data.len())]) {
            Ok(0) | Err(_) => break,
            Ok(n) => sent += n,
        }
    }
    sent
}

/// The addresses the process `pid` listens on over TCP, from its sockets and /proc/<pid>/net.
fn listening_addresses(pid: u32) -> Vec<SocketAddr> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| l.to_str()?.strip_prefix("socket:[")?.strip_suffix(']').map(str::to_string))
        .collect();
    let mut found = Vec::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // local_address is field 1, st field 3 (0A = LISTEN), inode field 9.
            if f.len() < 10 || f[3] != "0A" || !inodes.iter().any(|i| i == f[9]) {
                continue;
            }
            let (ip, port) = f[1].split_once(':').unwrap();
            let port = u16::from_str_radix(port, 16).unwrap();
            // The address is printed as 32-bit words in host byte order.
            let bytes: Vec<u8> = (0..ip.len() / 8)
                .flat_map(|w| u32::from_str_radix(&ip[w * 8..w * 8 + 8], 16).unwrap().to_ne_bytes())
                .collect();
            let ip = match <[u8; 4]>::try_from(bytes.as_slice()) {
                Ok(v4) => IpAddr::from(v4),
                Err(_) => IpAddr::from(<[u8; 16]>::try_from(bytes.as_slice()).unwrap()),
            };
            found.push(SocketAddr::new(ip, port));
        }
    }
    found
}

/// The address this machine would use towards the outside, if it has one (no packet is sent).
fn outward_address() -> Option<IpAddr> {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    probe.connect("192.0.2.1:9").ok()?;
    let ip = probe.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[track_caller]
fn assert_unreachable(ip: IpAddr, port: u16) {
    let r = TcpStream::connect_timeout(&SocketAddr::new(ip, port), Duration::from_secs(5));
    assert!(r.is_err(), "the server is reachable on {ip}:{port}");
}

#[test]
fn serve_listens_on_loopback_only_by_default() {
    // The probes first, on a listener of our own: they do tell a wildcard bind from loopback.
    let wildcard = TcpListener::bind("0.0.0.0:0").unwrap();
    let port = wildcard.local_addr().unwrap().port();
    assert!(listening_addresses(std::process::id()).contains(&SocketAddr::from(([0, 0, 0, 0], port))));
    assert!(TcpStream::connect(("127.0.0.2", port)).is_ok(), "127.0.0.2 does not reach a wildcard listener");
    drop(wildcard);

    let server = Server::start("bind", &[], |_| {});
    assert_eq!(listening_addresses(server.child.id()), vec![SocketAddr::from(([127, 0, 0, 1], server.port))]);
    // Any other address, loopback or not, finds nothing.
    assert_unreachable(IpAddr::from([127, 0, 0, 2]), server.port);
    if let Some(ip) = outward_address() {
        assert_unreachable(ip, server.port);
    }
    assert!(server.stdout().contains(&format!("serving http://127.0.0.1:{}/", server.port)), "{}", server.stdout());
}

#[test]
fn a_slow_client_does_not_stall_others_and_is_cut_off() {
    let server = Server::start("slow", &[], |_| {});
    let port = server.port;
    let opened = Instant::now();
    // Half a request line; a request line and half a header; nothing at all.
    let mut half_line = connect(port);
    half_line.write_all(b"GET /incidents/2024").unwrap();
    let mut half_head = connect(port);
    half_head.write_all(format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ").as_bytes()).unwrap();
    let mut silent = connect(port);
    // And one that trickles a header every 200 ms, as slowloris does, until it is cut off.
    let mut trickle = connect(port);
    trickle.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    let mut writer = trickle.try_clone().unwrap();
    let trickler = std::thread::spawn(move || {
        let mut n = 0;
        while opened.elapsed() < HEAD_TIMEOUT + PATIENCE * 2 {
            std::thread::sleep(Duration::from_millis(200));
            if writer.write_all(format!("X-Trickle-{n}: 1\r\n").as_bytes()).is_err() {
                break;
            }
            n += 1;
        }
    });

    for (i, path) in ["/", ENTRY_URL, "/tags/ddos/", "/style.css", "/feed.xml"].iter().cycle().take(20).enumerate() {
        prompt_get(&server, path, &format!("(request {i}, while four clients stall)"));
        std::thread::sleep(Duration::from_millis(50));
    }

    // None of them may hold its connection for ever.
    let deadline = opened + HEAD_TIMEOUT + PATIENCE;
    for (name, s) in
        [("half a request line", &mut half_line), ("half a head", &mut half_head), ("nothing", &mut silent)]
    {
        assert!(
            closed_by_server(s, deadline),
            "a client that sent {name} is still connected after {:?}",
            opened.elapsed()
        );
    }
    assert!(closed_by_server(&mut trickle, deadline), "a trickling client is still connected");
    trickler.join().unwrap();
    prompt_get(&server, "/", "(after the slow clients)");
}

#[test]
fn huge_requests_are_refused_without_stalling_others() {
    const MB: usize = 1 << 20;
    let server = Server::start("huge", &[], |_| {});
    let port = server.port;
    let host = format!("Host: 127.0.0.1:{port}\r\n");
    // 32 MB of headers; an 8 MB URL; a 32 MB body to a page that takes none.
    let mut headers = format!("GET / HTTP/1.1\r\n{host}").into_bytes();
    let mut n = 0;
    while headers.len() < 32 * MB {
        headers.extend_from_slice(format!("X-Filler-{n}: {}\r\n", "a".repeat(1000)).as_bytes());
        n += 1;
    }
    headers.extend_from_slice(b"\r\n");
    let url = format!("GET /{} HTTP/1.1\r\n{host}\r\n", "a".repeat(8 * MB)).into_bytes();
    let mut body = format!("POST / HTTP/1.1\r\n{host}Content-Length: {}\r\n\r\n", 32 * MB).into_bytes();
    body.resize(body.len() + 32 * MB, b'a');

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let senders: Vec<_> =
        [("32 MB of headers", headers, true), ("an 8 MB URL", url, true), ("a 32 MB body", body, false)]
            .into_iter()
            .map(|(what, request, cut_short)| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut rounds = 0;
                    while rounds == 0 || !stop.load(std::sync::atomic::Ordering::SeqCst) {
                        let mut s = connect(port);
                        let sent = push(&mut s, &request);
                        let status = status_of(&read_response(&mut s, Instant::now() + PATIENCE));
                        // Refused with a 4xx, or the connection reset before the answer could be read.
                        assert!(status == 0 || (400..500).contains(&status), "{what}: status {status}");
                        if cut_short {
                            assert!(sent < request.len(), "{what}: the server read all of it");
                        }
                        rounds += 1;
                    }
                    rounds
                })
            })
            .collect();
    for (i, path) in ["/", ENTRY_URL, "/tags/ddos/", "/style.css"].iter().cycle().take(20).enumerate() {
        prompt_get(&server, path, &format!("(request {i}, during huge requests)"));
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for s in senders {
        assert!(s.join().expect("a huge request was not refused") > 0);
    }
    prompt_get(&server, "/", "(after the huge requests)");
}

#[test]
fn request_heads_over_256_kb_are_refused() {
    const MAX_HEAD: usize = 256 * 1024;
    let server = Server::start("headsize", &[], |_| {});
    let port = server.port;
    // A head of exactly `len` bytes, its blank line included, made up to size by `fields` headers.
    let head = |len: usize, fields: usize| {
        let mut head = format!("GET {SITE}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
        for i in 0..fields {
            let name = format!("X-Filler-{i:02}: ");
            let left = len - head.len() - 2;
            let value = if i + 1 == fields { left - name.len() - 2 } else { left / (fields - i) - name.len() - 2 };
            head.push_str(&format!("{name}{}\r\n", "a".repeat(value)));
        }
        head.push_str("\r\n");
        assert_eq!(head.len(), len);
        head.into_bytes()
    };
    for fields in [1, 90] {
        for (len, want) in [(250_000, 200), (MAX_HEAD, 200), (MAX_HEAD + 1, 431), (300_000, 431), (400_000, 431)] {
            // The server stops reading at the limit: what is left may not be accepted for sending.
            let mut s = connect(port);
            push(&mut s, &head(len, fields));
            let got = status_of(&read_response(&mut s, Instant::now() + PATIENCE));
            assert_eq!(got, want, "a head of {len} bytes in {fields} header field(s)");
        }
    }
    prompt_get(&server, "/", "(after the big heads)");
}

/// Opens the reload WebSocket by hand; returns the stream after the `101`.
fn ws_open(port: u16) -> TcpStream {
    let mut s = connect(port);
    ws_request(&mut s, port);
    ws_accept(&mut s);
    s
}

fn ws_request(s: &mut TcpStream, port: u16) {
    write!(s, "GET /__casebook/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{WS_HEADERS}\r\n").unwrap();
}

#[track_caller]
fn ws_accept(s: &mut TcpStream) {
    let head = read_response(s, Instant::now() + PATIENCE);
    assert_eq!(status_of(&head), 101, "{}", String::from_utf8_lossy(&head));
}

/// A masked (client) close frame with status 1000.
const WS_CLOSE: [u8; 8] = [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8];

#[test]
fn a_huge_websocket_message_is_refused() {
    let server = Server::start("wsbig", &[], |_| {});
    let mut s = ws_open(server.port);
    // A text frame announcing 10 MB (masked, 64-bit length), and the first KB of it.
    let mut frame = vec![0x81, 0xff];
    frame.extend_from_slice(&(10u64 << 20).to_be_bytes());
    frame.extend_from_slice(&[1, 2, 3, 4]);
    frame.extend_from_slice(&[b'x' ^ 1; 1024]);
    s.write_all(&frame).unwrap();
    assert!(
        closed_by_server(&mut s, Instant::now() + PATIENCE),
        "the server waits for (and would buffer) a 10 MB message from a tab"
    );
    prompt_get(&server, "/", "(after a huge WebSocket message)");
    // Ordinary tabs are unaffected.
    server.socket().expect("hello");
}

/// The status of one request, sent as `head` (its request line and headers, up to the blank line).
fn status(port: u16, head: &str) -> u16 {
    status_of(&exchange(port, format!("{head}\r\n").as_bytes()))
}

/// The status of a WebSocket handshake with `host` and, if given, `origin`.
fn ws_status(port: u16, host: &str, origin: Option<&str>) -> u16 {
    let origin = origin.map(|o| format!("Origin: {o}\r\n")).unwrap_or_default();
    status(port, &format!("GET /__casebook/ws HTTP/1.1\r\nHost: {host}\r\n{WS_HEADERS}{origin}"))
}

#[test]
fn only_requests_for_the_servers_own_names_are_answered() {
    let server = Server::start("host", &[], |_| {});
    let port = server.port;
    let get =
        |host: &str| status(port, &format!("GET {SITE}{ENTRY_URL} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"));
    // A page under another name resolving to 127.0.0.1 (DNS rebinding) must not read the preview.
    for host in [
        format!("attacker.example:{port}"),
        "attacker.example".to_string(),
        format!("localhost.attacker.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        let r = get(&host);
        assert!(r == 421 || r == 403, "Host: {host} got {r}");
        assert!(matches!(ws_status(port, &host, None), 421 | 403), "Host: {host} opened the WebSocket");
    }
    // An absolute URI names the host too, and wins over the header.
    let r = status(
        port,
        &format!("GET http://attacker.example:{port}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"),
    );
    assert!(r == 421 || r == 403, "an absolute URI to another host got {r}");
    // HTTP/1.1 requires the header.
    assert_eq!(status(port, "GET / HTTP/1.1\r\nConnection: close\r\n"), 400);
    for host in [
        format!("127.0.0.1:{port}"),
        "127.0.0.1".to_string(),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        "localhost".to_string(),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(get(&host), 200, "Host: {host}");
    }
    assert_eq!(status(port, &format!("GET {SITE}{ENTRY_URL} HTTP/1.0\r\n")), 200, "HTTP/1.0 needs no Host");
}

#[test]
fn the_reload_socket_is_only_for_the_servers_own_pages() {
    let server = Server::start("origin", &[], |_| {});
    let port = server.port;
    let host = format!("127.0.0.1:{port}");
    for origin in [
        "http://evil.example".to_string(),
        format!("http://evil.example:{port}"),
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
        "null".to_string(),
    ] {
        assert_eq!(ws_status(port, &host, Some(&origin)), 403, "Origin: {origin}");
    }
    // The server's own pages, under any of its names; and clients that are not browsers.
    assert_eq!(ws_status(port, &host, Some(&format!("http://127.0.0.1:{port}"))), 101);
    assert_eq!(ws_status(port, &format!("localhost:{port}"), Some(&format!("http://localhost:{port}"))), 101);
    assert_eq!(ws_status(port, &format!("[::1]:{port}"), Some(&format!("http://[::1]:{port}"))), 101);
    assert_eq!(ws_status(port, &host, None), 101);
    server.socket().expect("hello");
}

#[test]
fn bound_to_another_address_any_name_is_answered_and_the_socket_still_checks_origins() {
    // A preview for the LAN is reached under names the server cannot know.
    let server = Server::start("lan", &["--bind", "0.0.0.0"], |_| {});
    let port = server.port;
    let get = |host: &str| status(port, &format!("GET {SITE}/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"));
    assert_eq!(get(&format!("preview.example:{port}")), 200);
    assert_eq!(get(&format!("127.0.0.1:{port}")), 200);
    let lan = format!("preview.example:{port}");
    assert_eq!(ws_status(port, &lan, Some(&format!("http://{lan}"))), 101);
    assert_eq!(ws_status(port, &lan, Some("http://evil.example")), 403);
    assert_eq!(ws_status(port, &format!("127.0.0.1:{port}"), Some(&format!("http://evil.example:{port}"))), 403);
}

fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

fn thread_count(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("Threads:")).and_then(|n| n.trim().parse().ok()).unwrap_or(0)
}

/// Polls until `done` holds; false if it never did by [`PATIENCE`].
fn eventually(done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

/// The value of `count` once it has not changed for half a second (or after [`PATIENCE`]).
fn settled(count: impl Fn() -> usize) -> usize {
    let deadline = Instant::now() + PATIENCE;
    let mut last = count();
    let mut since = Instant::now();
    while since.elapsed() < Duration::from_millis(500) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        let now = count();
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
    last
}

#[test]
fn reload_socket_churn_leaks_nothing() {
    const TABS: usize = 100;
    let server = Server::start("churn", &[], |_| {});
    let (port, pid) = (server.port, server.child.id());
    // A tab that stays open through it all.
    let mut steady = server.socket();
    steady.expect("hello");
    // Whatever the first connections set up once is not a leak.
    for _ in 0..3 {
        drop(ws_open(port));
        server.get("/");
    }
    let fds = settled(|| fd_count(pid));
    let threads = thread_count(pid);
    assert!(fds > 0 && threads > 0, "cannot read /proc/{pid}");

    for round in 0..3 {
        let mut tabs: Vec<TcpStream> = (0..TABS)
            .map(|_| {
                let mut s = connect(port);
                ws_request(&mut s, port);
                s
            })
            .collect();
        // One in four never reads its answer; the rest see the `101`.
        for s in tabs.iter_mut().skip(1).step_by(4) {
            ws_accept(s);
        }
        for (i, s) in tabs.iter_mut().enumerate() {
            if i % 4 != 0 && i % 4 != 1 {
                ws_accept(s);
            }
        }
        assert!(
            eventually(|| fd_count(pid) >= fds + TABS * 9 / 10),
            "round {round}: {TABS} open tabs should hold descriptors in the server ({} > {fds})",
            fd_count(pid)
        );
        // And all close: a close frame, a half-close, a plain drop, a drop with the answer unread.
        for (i, mut s) in tabs.into_iter().enumerate() {
            match i % 4 {
                2 => {
                    let _ = s.write_all(&WS_CLOSE);
                }
                3 => {
                    let _ = s.shutdown(std::net::Shutdown::Write);
                }
                _ => {}
            }
        }
    }
    assert!(
        eventually(|| fd_count(pid) <= fds + 2),
        "descriptors leaked: {} open, {fds} before {TABS} tabs came and went three times",
        fd_count(pid)
    );
    assert!(
        eventually(|| thread_count(pid) <= threads + 1),
        "threads leaked: {} running, {threads} before",
        thread_count(pid)
    );

    // Live reload still works, for the tab open all along and for a new one.
    let mut fresh = server.socket();
    fresh.expect("hello");
    server.edit(ENTRY, |t| t.replace("最終報。", "最終報。開閉の後の更新。"));
    steady.expect("reload");
    fresh.expect("reload");
    server.wait_for(ENTRY_URL, "the edit", |r| r.text().contains("開閉の後の更新"));
}

/// Rebuild lines in the output: `HH:MM:SS <paths>: <how>, ...` on stdout and failures on stderr.
fn rebuilds(server: &Server) -> usize {
    let ok = server
        .stdout()
        .lines()
        .filter(|l| l.as_bytes().get(..9).is_some_and(|t| t[2] == b':' && t[5] == b':' && t[8] == b' '))
        .count();
    ok + server.stderr().matches("error: rebuild failed").count()
}

#[test]
fn a_burst_of_file_events_causes_few_rebuilds() {
    let server = Server::start("burst", &[], |_| {});
    let files = [
        (ENTRY, ENTRY_URL),
        ("content/incidents/2024/2024-003.md", "/incidents/2024-003/"),
        ("content/incidents/2023/2023-101.md", "/incidents/2023-101/"),
        ("content/articles/guide.md", "/articles/ransomware-guide/"),
    ];
    let originals: Vec<String> =
        files.iter().map(|(f, _)| std::fs::read_to_string(server.root.join(f)).unwrap()).collect();
    assert_eq!(rebuilds(&server), 0);
    let mut ws = server.socket();
    let before = ws.expect("hello")["build"].as_u64().unwrap();

    // 1,000 saves in about a second (a formatter, a sync, a branch switch), each changing a body:
    // long enough for the watcher to hand them over in many batches.
    let started = Instant::now();
    for i in 0..1000 {
        let k = i % files.len();
        std::fs::write(server.root.join(files[k].0), format!("{}\n\n〈バースト{i}〉\n", originals[k])).unwrap();
        if i % 10 == 9 {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let took = started.elapsed();

    // The last version of every file is served...
    for (k, (_, url)) in files.iter().enumerate() {
        let last = 1000 - files.len() + k;
        server.wait_for(url, "the last save", |r| r.text().contains(&format!("〈バースト{last}〉")));
    }
    // ...after few rebuilds, once the output has settled.
    let mut seen = (server.stdout(), server.stderr());
    let deadline = Instant::now() + PATIENCE;
    loop {
        std::thread::sleep(Duration::from_millis(1000));
        let now = (server.stdout(), server.stderr());
        if now == seen || Instant::now() > deadline {
            break;
        }
        seen = now;
    }
    let n = rebuilds(&server);
    assert!((1..=10).contains(&n), "{n} rebuilds for 1,000 saves in {took:?}:\n{}\n{}", seen.0, seen.1);
    // Reloads of this tab (not on /search/): a reload meant for some pages only does not count.
    let mut reloads = 0;
    let mut build = before;
    while let Ok(Message::Text(t)) = ws.0.read() {
        let v = serde_json::from_str::<Value>(t.as_str()).unwrap();
        build = v["build"].as_u64().unwrap_or(build);
        if v["type"] == "reload" && v.get("paths").is_none() {
            reloads += 1;
        }
    }
    assert!(build > before, "no new build was announced");
    assert!((1..=10).contains(&reloads), "the tab reloaded {reloads} times");
}

/// A bundle's assets are served beside its page; saving, adding and removing one is picked up;
/// a file in no bundle is a warning on the console.
#[test]
fn bundle_assets_are_served_and_watched() {
    let bundle = "content/incidents/2024/2024-001";
    let server = Server::start("bundle", &[], |root| {
        std::fs::create_dir_all(root.join(bundle)).unwrap();
        std::fs::rename(root.join(ENTRY), root.join(bundle).join("index.md")).unwrap();
        write(root, &format!("{bundle}/図1.png"), "一枚目");
        write(root, "content/incidents/2024/loose.png", "x");
    });
    let url = format!("{ENTRY_URL}{}", encode_path("図1.png"));
    let r = server.get(&url);
    assert_eq!((r.status, r.header("content-type")), (200, Some("image/png")));
    assert_eq!(r.body, "一枚目".as_bytes());
    assert!(
        server.stderr().contains("content/incidents/2024/loose.png: warning: is not copied"),
        "{}",
        server.stderr()
    );

    std::fs::write(server.root.join(bundle).join("図1.png"), "二枚目").unwrap();
    server.wait_for(&url, "the saved asset", |r| r.body == "二枚目".as_bytes());
    let added = format!("{ENTRY_URL}files/{}", encode_path("リリース.pdf"));
    write(&server.root, &format!("{bundle}/files/リリース.pdf"), "%PDF");
    let r = server.wait_for(&added, "the added asset", |r| r.status == 200);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    std::fs::remove_file(server.root.join(bundle).join("図1.png")).unwrap();
    server.wait_for(&url, "the removed asset gone", |r| r.status == 404);
}
