//! The HTTP side: pages from memory, the live-reload WebSocket, and the error overlay.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRef, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Version, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use percent_encoding::percent_decode_str;
use tokio::net::TcpListener;
use tokio::sync::broadcast;

use super::builder::{PageMap, Rendered, apply};
use crate::content::escape_html;
use crate::diag::Diagnostic;

/// Path of the live-reload WebSocket.
pub const WS_PATH: &str = "/__casebook/ws";

const RELOAD_JS: &str = include_str!("livereload.js");

/// How long a client may take to send the head of a request before its connection is closed.
/// A browser sends it at once; a client that sends it a byte at a time, or nothing (an idle
/// keep-alive connection too), would otherwise hold a connection and a descriptor for ever.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest request head (request line, header fields and the blank line) answered: a longer
/// one gets `431` and the connection is closed. A browser's head is a few KB, cookies of other
/// local servers included.
const MAX_HEAD: usize = 256 * 1024;

/// The largest WebSocket message (and frame) a tab may send. Tabs send nothing the server needs:
/// anything big is refused at its frame header instead of being buffered (the default is 64 MB).
const MAX_WS_MESSAGE: usize = 64 * 1024;

/// The errors of the current (failed) build, ready to send and to show.
pub struct Errors {
    pub diagnostics: Vec<Diagnostic>,
    /// The diagnostics as a JSON array for the browser.
    json: serde_json::Value,
    /// The overlay's first line: how many errors, and what the page under it is.
    heading: String,
}

impl Errors {
    /// `built`: a good build is being served under the errors (else only a placeholder page).
    fn new(diagnostics: Vec<Diagnostic>, built: bool) -> Errors {
        let json = serde_json::Value::Array(diagnostics.iter().map(diagnostic_json).collect());
        let heading = heading(diagnostics.len(), built);
        Errors { diagnostics, json, heading }
    }
}

#[derive(Clone, Default)]
struct Status {
    /// Counts successful builds; each page carries the one it came from.
    generation: u64,
    errors: Option<Arc<Errors>>,
}

/// State shared by the HTTP handlers and the rebuild thread.
pub struct Shared {
    /// The path the site is served under (`/`, `/cb/`): its base_url's, percent-encoded.
    path: RwLock<String>,
    pages: RwLock<PageMap>,
    status: RwLock<Status>,
    events: broadcast::Sender<String>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            path: RwLock::new("/".to_string()),
            pages: RwLock::new(PageMap::new()),
            status: RwLock::new(Status::default()),
            events: broadcast::channel(64).0,
        }
    }
}

impl Shared {
    /// Takes in a successful build. Returns how many files changed; if any did, or the last build
    /// had failed, every open tab is told to reload.
    pub fn publish(&self, rendered: Rendered) -> usize {
        self.publish_to(rendered, None)
    }

    /// Like [`Shared::publish`], but only tabs showing one of `paths` (URL paths such as
    /// `/search/`) reload; the others keep their page, which did not change.
    pub fn publish_for(&self, rendered: Rendered, paths: &[&str]) -> usize {
        self.publish_to(rendered, Some(paths))
    }

    fn publish_to(&self, rendered: Rendered, paths: Option<&[&str]>) -> usize {
        let changed = apply(&mut self.pages.write().unwrap_or_else(PoisonError::into_inner), rendered);
        let mut status = self.status.write().unwrap_or_else(PoisonError::into_inner);
        if changed > 0 || status.errors.is_some() {
            let was_broken = status.errors.is_some();
            status.generation += 1;
            status.errors = None;
            let mut msg = serde_json::json!({ "type": "reload", "build": status.generation });
            if let Some(paths) = paths.filter(|_| !was_broken) {
                msg["paths"] = serde_json::json!(paths);
            }
            // No receiver is no error: nobody has a tab open.
            let _ = self.events.send(msg.to_string());
        }
        changed
    }

    /// Records a failed build: the last good pages stay, with the errors over them.
    pub fn fail(&self, diagnostics: Vec<Diagnostic>) {
        let built = !self.pages.read().unwrap_or_else(PoisonError::into_inner).is_empty();
        let errors = Errors::new(diagnostics, built);
        let msg = serde_json::json!({ "type": "error", "diagnostics": errors.json, "heading": errors.heading });
        self.status.write().unwrap_or_else(PoisonError::into_inner).errors = Some(Arc::new(errors));
        let _ = self.events.send(msg.to_string());
    }

    /// Serves the site under `path` from now on; whether that moved it.
    pub fn set_path(&self, path: &str) -> bool {
        let mut current = self.path.write().unwrap_or_else(PoisonError::into_inner);
        let moved = *current != path;
        if moved {
            *current = path.to_string();
        }
        moved
    }

    pub fn is_broken(&self) -> bool {
        self.status.read().unwrap_or_else(PoisonError::into_inner).errors.is_some()
    }

    fn status(&self) -> Status {
        self.status.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    serde_json::json!({
        "path": d.path.to_string_lossy().replace('\\', "/"),
        "line": d.line,
        "column": d.column,
        "message": d.message,
        "source_line": d.source_line,
        "text": d.to_string(),
        // For the overlay, which puts the caret after a hidden copy of `caret_prefix`.
        "text_before_caret": d.text_before_caret(),
        "caret_prefix": d.caret_prefix(),
    })
}

/// The overlay's first line. Before the first good build there is no page under the errors, only
/// a placeholder saying so.
fn heading(errors: usize, built: bool) -> String {
    let under = if built { "showing the last good build" } else { "the site does not build yet" };
    format!("casebook: {errors} error(s); {under} (click to hide)")
}

/// Which host names the server answers to, and which pages may open its WebSocket.
///
/// Bound to loopback (the default), the preview is the author's alone, unpublished drafts and
/// error messages quoting their lines included. Any page in the author's browser can send
/// requests to it, though: a page whose own name is made to resolve to 127.0.0.1 (DNS rebinding)
/// could read the pages, and any page could open the WebSocket, which tells every error. So
/// requests must name the server itself (`Host`), and the WebSocket must be opened by one of its
/// own pages (`Origin`). Bound to another address (a preview for the LAN), the server is reached
/// under names it cannot know, and any is answered; the WebSocket still only to its own pages.
#[derive(Debug, Clone)]
pub struct Access {
    port: u16,
    /// The addresses that name the server besides `localhost`; `None`: any name does.
    local: Option<Vec<IpAddr>>,
}

/// A host as a `Host` header or an origin names it.
#[derive(Debug, PartialEq, Eq)]
enum HostName {
    Ip(IpAddr),
    /// Lowercased.
    Dns(String),
}

impl Access {
    pub fn new(bind: IpAddr, port: u16) -> Access {
        let loopback = match bind {
            IpAddr::V4(a) => a.is_loopback(),
            IpAddr::V6(a) => a.is_loopback() || a.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        };
        let local = loopback.then(|| vec![IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST), bind]);
        Access { port, local }
    }

    fn is_local(&self, name: &HostName) -> bool {
        match (&self.local, name) {
            (None, _) => true,
            (Some(ips), HostName::Ip(ip)) => ips.contains(ip),
            // Names under `.localhost` are loopback by definition (RFC 6761), and browsers
            // resolve them so without asking DNS: no rebinding through them.
            (Some(_), HostName::Dns(n)) => {
                n == "localhost" || (n.ends_with(".localhost") && n.len() > ".localhost".len())
            }
        }
    }

    /// Whether a request naming `host` (its `Host` header, or the authority of an absolute URI)
    /// is for this server. Without a port it is still this server: a browser leaves out `:80`.
    pub(super) fn host_allowed(&self, host: &str) -> bool {
        if self.local.is_none() {
            return true;
        }
        parse_authority(host).is_some_and(|(name, port)| self.is_local(&name) && port.is_none_or(|p| p == self.port))
    }

    /// The names answered to, for a message: `localhost, 127.0.0.1, [::1]`.
    pub(super) fn names(&self) -> String {
        let mut names = vec!["localhost".to_string()];
        for ip in self.local.iter().flatten() {
            let name = match ip {
                IpAddr::V4(a) => a.to_string(),
                IpAddr::V6(a) => format!("[{a}]"),
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names.join(", ")
    }

    /// Whether a WebSocket handshake with this `Origin` comes from a page of this server: the
    /// origin is `http://` and one of the server's names and its port, or, when any name is
    /// answered, the very host the request was sent to.
    fn origin_allowed(&self, origin: &str, host: Option<&str>) -> bool {
        let Some((scheme, authority)) = origin.split_once("://") else { return false };
        if !scheme.eq_ignore_ascii_case("http") {
            return false;
        }
        let Some((name, port)) = parse_authority(authority) else { return false };
        let port = port.unwrap_or(80);
        if self.local.is_some() {
            return self.is_local(&name) && port == self.port;
        }
        host.and_then(parse_authority).is_some_and(|(h, p)| h == name && p.unwrap_or(80) == port)
    }
}

/// `name[:port]` or `[v6][:port]`, as in a `Host` header or an origin after its scheme. `None`
/// for anything else (user info, a path, an unbracketed IPv6 address, a bad port).
fn parse_authority(s: &str) -> Option<(HostName, Option<u16>)> {
    let (host, port) = match s.strip_prefix('[') {
        Some(rest) => {
            let (v6, after) = rest.split_once(']')?;
            (HostName::Ip(IpAddr::V6(v6.parse().ok()?)), after)
        }
        None => {
            let end = s.find(':').unwrap_or(s.len());
            let name = &s[..end];
            let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_';
            if name.is_empty() || !name.chars().all(valid) {
                return None;
            }
            let host = match name.parse::<Ipv4Addr>() {
                Ok(ip) => HostName::Ip(IpAddr::V4(ip)),
                Err(_) => HostName::Dns(name.to_ascii_lowercase()),
            };
            (host, &s[end..])
        }
    };
    let port = match port.strip_prefix(':') {
        None if port.is_empty() => None,
        None => return None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() => Some(p.parse().ok()?),
        Some(_) => return None,
    };
    Some((host, port))
}

#[derive(Clone)]
struct AppState {
    shared: Arc<Shared>,
    access: Arc<Access>,
}

impl FromRef<AppState> for Arc<Shared> {
    fn from_ref(state: &AppState) -> Self {
        state.shared.clone()
    }
}

impl FromRef<AppState> for Arc<Access> {
    fn from_ref(state: &AppState) -> Self {
        state.access.clone()
    }
}

pub fn router(shared: Arc<Shared>, access: Access) -> Router {
    let state = AppState { shared, access: Arc::new(access) };
    Router::new()
        .route(WS_PATH, get(websocket))
        .fallback(page)
        .layer(from_fn_with_state(state.access.clone(), check_host))
        .with_state(state)
}

/// Refuses a request not addressed to this server (see [`Access`]).
async fn check_host(State(access): State<Arc<Access>>, req: Request, next: Next) -> Response {
    let hosts: Vec<&HeaderValue> = req.headers().get_all(header::HOST).iter().collect();
    if hosts.len() > 1 || (hosts.is_empty() && req.version() != Version::HTTP_10) {
        // HTTP/1.1 requires exactly one (RFC 9112 §3.2); only HTTP/1.0 may leave it out.
        return (StatusCode::BAD_REQUEST, "expected one Host header\n").into_response();
    }
    let named = hosts.first().map(|h| h.to_str().unwrap_or_default());
    // An absolute URI names the host itself, and overrides the header. (Without a scheme, as in
    // `GET book.toml`, hyper takes the target for an authority: it is no host, only not found.)
    let authority = req.uri().authority().filter(|_| req.uri().scheme().is_some()).map(|a| a.as_str());
    for host in named.into_iter().chain(authority) {
        if !access.host_allowed(host) {
            let text = format!(
                "casebook serve answers only as {} (port {}), not as `{host}`: a page under another name could \
                 read the preview. Bound with --bind to another address (0.0.0.0 for the LAN), it answers any name.\n",
                access.names(),
                access.port
            );
            return (StatusCode::MISDIRECTED_REQUEST, text).into_response();
        }
    }
    next.run(req).await
}

/// Serves `app` on `listener` for ever, over HTTP/1.1 with upgrades (for the WebSocket), with
/// limits on how long and how big a request head may be. Each connection is its own task, so a
/// slow or huge request holds up no one else.
pub async fn serve(listener: TcpListener, app: Router) {
    let mut http = hyper::server::conn::http1::Builder::new();
    // The read buffer's limit alone is no limit on the head: hyper checks it only between reads,
    // which grow up to that size, so heads of up to twice MAX_HEAD got through.
    http.timer(TokioTimer::new()).header_read_timeout(HEAD_TIMEOUT).max_header_size(MAX_HEAD).max_buf_size(MAX_HEAD);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Typically out of descriptors: wait for some to close rather than spin. A
                // connection that failed before it was accepted is no reason to wait.
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionRefused
                ) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone())).with_upgrades();
        tokio::spawn(async move {
            // A client that went away, timed out or sent garbage: nothing to report.
            let _ = conn.await;
        });
    }
}

async fn websocket(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    State(shared): State<Arc<Shared>>,
    State(access): State<Arc<Access>>,
) -> Response {
    // Browsers send `Origin` with every handshake and let any page open any WebSocket: this is
    // what keeps other pages from reading the errors. Clients that are not browsers send none.
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        if !origin.to_str().is_ok_and(|o| access.origin_allowed(o, host)) {
            return (StatusCode::FORBIDDEN, "the live-reload WebSocket is only for this server's own pages\n")
                .into_response();
        }
    }
    ws.max_message_size(MAX_WS_MESSAGE).max_frame_size(MAX_WS_MESSAGE).on_upgrade(move |socket| client(socket, shared))
}

/// One open tab: says hello (with the current build and errors), then forwards every event.
async fn client(mut socket: WebSocket, shared: Arc<Shared>) {
    // Subscribe before reading the status, so no build can slip between the two.
    let mut events = shared.events.subscribe();
    let status = shared.status();
    let hello = serde_json::json!({
        "type": "hello",
        "build": status.generation,
        "errors": status.errors.as_ref().map(|e| e.json.clone()),
        "heading": status.errors.as_ref().map(|e| e.heading.clone()),
    });
    if socket.send(Message::Text(hello.to_string().into())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            event = events.recv() => {
                let text = match event {
                    Ok(text) => text,
                    // Missed some: a reload is always a safe answer.
                    Err(broadcast::error::RecvError::Lagged(_)) => serde_json::json!({ "type": "reload" }).to_string(),
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// Where a request path is, for a site served under `path`.
#[derive(Debug, PartialEq, Eq)]
pub enum Under<'a> {
    /// In the site: the rest of the path, from its `/`.
    Site(&'a str),
    /// The server's root, or the site's path without its slash: redirected to the site.
    Root,
    Outside,
}

/// Places a request path (percent-encoded) against the site's `path` (`/` or `/cb/`,
/// percent-encoded as the site's links are). Segments compare decoded, as a static host
/// compares them: `/a(b)/` is `/a%28b%29/`, `/%e4%ba%8b/` is `/%E4%BA%8B/`, and `/CB/` is not
/// `/cb/`.
pub fn under<'a>(raw: &'a str, path: &str) -> Under<'a> {
    if path == "/" {
        return Under::Site(raw);
    }
    let decoded = |s: &str| percent_decode_str(s).collect::<Vec<u8>>();
    let mut rest = raw;
    for segment in path.trim_matches('/').split('/') {
        let Some(after) = rest.strip_prefix('/') else { return Under::Outside };
        let (head, tail) = after.split_at(after.find('/').unwrap_or(after.len()));
        if decoded(head) != decoded(segment) {
            return if raw == "/" { Under::Root } else { Under::Outside };
        }
        rest = tail;
    }
    if rest.is_empty() { Under::Root } else { Under::Site(rest) }
}

/// Where a request path leads.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A file of the site (its key in the page map).
    File(String),
    /// A directory asked for without its trailing slash: redirect there.
    Redirect(String),
    NotFound,
}

/// Maps a request path (still percent-encoded) to a file of the site. Anything that could name
/// a path outside the site — `..` or `.` segments, backslashes, encoded slashes, NUL, invalid
/// UTF-8 — is not found.
pub fn resolve(raw: &str, exists: impl Fn(&str) -> bool) -> Resolved {
    let Some(rest) = raw.strip_prefix('/') else { return Resolved::NotFound };
    let lower = rest.to_ascii_lowercase();
    if rest.contains('\\') || lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") {
        return Resolved::NotFound;
    }
    let Ok(decoded) = percent_decode_str(rest).decode_utf8() else { return Resolved::NotFound };
    let segments: Vec<&str> = decoded.split('/').collect();
    let inner_empty = segments[..segments.len() - 1].iter().any(|s| s.is_empty());
    if decoded.contains(['\\', '\0']) || inner_empty || segments.iter().any(|s| *s == "." || *s == "..") {
        return Resolved::NotFound;
    }
    if decoded.is_empty() || decoded.ends_with('/') {
        let key = format!("{decoded}index.html");
        return if exists(&key) { Resolved::File(key) } else { Resolved::NotFound };
    }
    if exists(&decoded) {
        return Resolved::File(decoded.into_owned());
    }
    if exists(&format!("{decoded}/index.html")) {
        return Resolved::Redirect(format!("{raw}/"));
    }
    Resolved::NotFound
}

/// The Content-Type of an output file, by its name.
pub fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == "feed.xml" {
        return "application/atom+xml; charset=utf-8";
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "xml" | "xsl" => "application/xml; charset=utf-8",
        "atom" => "application/atom+xml; charset=utf-8",
        "rss" => "application/rss+xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// The reload script (and, while the build is broken, the error overlay) for one HTML page.
fn injection(status: &Status) -> String {
    let mut s = String::with_capacity(RELOAD_JS.len() + 256);
    if let Some(errors) = &status.errors {
        s.push_str(&overlay(errors));
    }
    s.push_str(&format!("<script data-casebook-build=\"{}\">", status.generation));
    s.push_str(RELOAD_JS);
    s.push_str("</script>\n");
    s
}

/// Puts `extra` before the last `</body>` of `html` (at the end when there is none).
pub fn inject(html: &[u8], extra: &str) -> Vec<u8> {
    let at = html.windows(7).rposition(|w| w.eq_ignore_ascii_case(b"</body>")).unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + extra.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(extra.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// The error overlay as served inside a page (the script builds the same one from a message).
/// Opaque: error text over a page showing through is hard to read.
fn overlay(errors: &Errors) -> String {
    let mut s = String::from(
        "<div id=\"__casebook_overlay\" onclick=\"this.remove()\" style=\"position:fixed;inset:0;z-index:2147483647;overflow:auto;background:#180404;color:#fde8e8;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:24px;text-align:left\">",
    );
    s.push_str("<div style=\"font-weight:bold;font-size:16px;margin-bottom:12px;color:#ff8a8a\">");
    s.push_str(&escape_html(&errors.heading));
    s.push_str("</div>");
    for d in &errors.diagnostics {
        s.push_str("<pre style=\"white-space:pre-wrap;margin:0 0 12px;padding:12px;background:rgba(255,255,255,.06);border-left:3px solid #ff5c5c\">");
        s.push_str(&escape_html(&d.text_before_caret()));
        // The caret goes after the very characters it points past, made invisible: whatever the
        // fonts, it then lands under the right one (in most fonts a kanji is not two blanks wide).
        if let Some(prefix) = d.caret_prefix() {
            s.push_str("<span style=\"visibility:hidden\">");
            s.push_str(&escape_html(&prefix));
            s.push_str("</span>^");
        }
        s.push_str("</pre>");
    }
    s.push_str("</div>\n");
    s
}

fn respond(code: StatusCode, path: &str, bytes: Bytes, status: &Status) -> Response {
    let ct = content_type(path);
    let body =
        if ct.starts_with("text/html") { Body::from(inject(&bytes, &injection(status))) } else { Body::from(bytes) };
    let mut r = Response::new(body);
    *r.status_mut() = code;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn page(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")], "method not allowed\n")
            .into_response();
    }
    let status = shared.status();
    let pages = shared.pages.read().unwrap_or_else(PoisonError::into_inner);
    if pages.is_empty() {
        // The site has not built even once: the errors are all there is to show.
        let html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>casebook: build failed</title></head><body>\n<p>The site does not build yet.</p>\n</body></html>\n";
        return respond(StatusCode::INTERNAL_SERVER_ERROR, "error.html", Bytes::from_static(html.as_bytes()), &status);
    }
    let path = shared.path.read().unwrap_or_else(PoisonError::into_inner).clone();
    let resolved = match under(req.uri().path(), &path) {
        Under::Site(rest) => match resolve(rest, |k| pages.contains_key(k)) {
            // The redirect is to the path asked for, under the site's path.
            Resolved::Redirect(to) => Resolved::Redirect(format!("{}{to}", &path[..path.len() - 1])),
            other => other,
        },
        Under::Root => Resolved::Redirect(path),
        Under::Outside => Resolved::NotFound,
    };
    match resolved {
        Resolved::File(key) => respond(StatusCode::OK, &key, pages[&key].clone(), &status),
        Resolved::Redirect(location) => {
            let location = match req.uri().query() {
                Some(q) => format!("{location}?{q}"),
                None => location,
            };
            match HeaderValue::try_from(location) {
                Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
                Err(_) => StatusCode::NOT_FOUND.into_response(),
            }
        }
        Resolved::NotFound => match pages.get("404.html") {
            Some(b) => respond(StatusCode::NOT_FOUND, "404.html", b.clone(), &status),
            None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(k: &str) -> bool {
        ["index.html", "tags/ランサムウェア/index.html", "style.css", "feed.xml", "years/index.html"].contains(&k)
    }

    #[test]
    fn a_site_is_served_under_its_path() {
        assert_eq!(under("/tags/", "/"), Under::Site("/tags/"));
        assert_eq!(under("/cb/tags/", "/cb/"), Under::Site("/tags/"));
        assert_eq!(under("/cb/", "/cb/"), Under::Site("/"));
        assert_eq!((under("/cb", "/cb/"), under("/", "/cb/")), (Under::Root, Under::Root));
        assert_eq!(under("/cbx/", "/cb/"), Under::Outside);
        assert_eq!(under("/tags/", "/cb/"), Under::Outside);
        let jp = "/%E4%BA%8B%E4%BB%B6%E7%B0%BF/";
        assert_eq!(under("/%e4%ba%8b%e4%bb%b6%e7%b0%bf/feed.xml", jp), Under::Site("/feed.xml"));
        assert_eq!(under("/CB/", "/cb/"), Under::Outside, "paths are case-sensitive on a static host");
        assert_eq!(under("/a(b)/x", "/a%28b%29/"), Under::Site("/x"));
        assert_eq!(under("/a/b/c/", "/a/b/"), Under::Site("/c/"));
        assert_eq!((under("/a/b", "/a/b/"), under("/a/", "/a/b/")), (Under::Root, Under::Outside));
        assert_eq!(under("/a%2Fb/", "/a/b/"), Under::Outside, "an encoded slash is no separator");
    }

    #[test]
    fn a_publish_for_some_pages_names_them_unless_errors_were_shown() {
        let shared = Shared::default();
        let mut rx = shared.events.subscribe();
        let page = |bytes: &str| {
            Rendered::Some(vec![crate::render::Page { path: "search/meta.json".into(), bytes: bytes.into() }])
        };
        assert_eq!(shared.publish_for(page("1"), &["/search/"]), 1);
        let msg: serde_json::Value = serde_json::from_str(&rx.try_recv().unwrap()).unwrap();
        assert_eq!(msg["type"], "reload");
        assert_eq!(msg["paths"], serde_json::json!(["/search/"]));
        // Unchanged: no message at all.
        assert_eq!(shared.publish_for(page("1"), &["/search/"]), 0);
        assert!(rx.try_recv().is_err());
        // After a failed build every tab shows the errors: all of them reload.
        shared.fail(Vec::new());
        rx.try_recv().unwrap();
        shared.publish_for(page("2"), &["/search/"]);
        let msg: serde_json::Value = serde_json::from_str(&rx.try_recv().unwrap()).unwrap();
        assert!(msg.get("paths").is_none(), "{msg}");
        shared.publish(page("3"));
        let msg: serde_json::Value = serde_json::from_str(&rx.try_recv().unwrap()).unwrap();
        assert!(msg.get("paths").is_none(), "{msg}");
    }

    #[test]
    fn a_loopback_server_answers_only_to_its_own_names() {
        let access = Access::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 18111);
        for host in [
            "127.0.0.1:18111",
            "127.0.0.1",
            "localhost:18111",
            "LocalHost",
            "[::1]:18111",
            "[0:0::1]",
            "casebook.localhost:18111",
        ] {
            assert!(access.host_allowed(host), "{host}");
        }
        for host in [
            "attacker.example:18111",
            "attacker.example",
            "127.0.0.1:18112",
            "localhost:1",
            "127.0.0.2:18111",
            "localhost.attacker.example",
            "localhost.:18111",
            ".localhost:18111",
            "user@127.0.0.1:18111",
            "127.0.0.1:18111/x",
            "127.0.0.1:",
            "127.0.0.1:x",
            "127.0.0.1:99999",
            "::1",
            "[::1",
            "",
        ] {
            assert!(!access.host_allowed(host), "{host}");
        }
        // Bound to another loopback address, that one is a name of the server too.
        let access = Access::new("127.0.0.2".parse().unwrap(), 80);
        assert!(access.host_allowed("127.0.0.2") && access.host_allowed("127.0.0.1:80"));
        assert_eq!(access.names(), "localhost, 127.0.0.1, [::1], 127.0.0.2");
        let access = Access::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 1111);
        assert!(access.host_allowed("[::1]:1111") && access.host_allowed("localhost:1111"));
    }

    #[test]
    fn a_server_bound_to_another_address_answers_to_any_name() {
        for bind in ["0.0.0.0", "::", "192.168.1.20"] {
            let access = Access::new(bind.parse().unwrap(), 1111);
            for host in ["attacker.example:1111", "preview.lan", "192.168.1.20:1111", "127.0.0.1:1111"] {
                assert!(access.host_allowed(host), "{bind}: {host}");
            }
        }
    }

    #[test]
    fn the_websocket_is_for_the_servers_own_pages() {
        let access = Access::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 18111);
        let host = Some("127.0.0.1:18111");
        for origin in
            ["http://127.0.0.1:18111", "http://localhost:18111", "HTTP://LOCALHOST:18111", "http://[::1]:18111"]
        {
            assert!(access.origin_allowed(origin, host), "{origin}");
        }
        for origin in [
            "http://evil.example",
            "http://evil.example:18111",
            "http://127.0.0.1:18112",
            "http://127.0.0.1",
            "https://127.0.0.1:18111",
            "null",
            "file://",
            "http://127.0.0.1:18111.evil.example",
            "http://localhost.evil.example:18111",
            "",
        ] {
            assert!(!access.origin_allowed(origin, host), "{origin}");
        }
        // On port 80 an origin has no port.
        assert!(Access::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 80).origin_allowed("http://localhost", Some("localhost")));
        // Answering any name, the page must come from the host the request went to.
        let lan = Access::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 1111);
        assert!(lan.origin_allowed("http://192.168.1.20:1111", Some("192.168.1.20:1111")));
        assert!(lan.origin_allowed("http://Preview.lan:1111", Some("preview.LAN:1111")));
        assert!(!lan.origin_allowed("http://evil.example", Some("192.168.1.20:1111")));
        assert!(!lan.origin_allowed("http://192.168.1.20:1112", Some("192.168.1.20:1111")));
        assert!(!lan.origin_allowed("http://192.168.1.20:1111", None));
    }

    #[test]
    fn paths_resolve_to_files() {
        assert_eq!(resolve("/", site), Resolved::File("index.html".into()));
        assert_eq!(resolve("/style.css", site), Resolved::File("style.css".into()));
        let tag = "/tags/%E3%83%A9%E3%83%B3%E3%82%B5%E3%83%A0%E3%82%A6%E3%82%A7%E3%82%A2/";
        assert_eq!(resolve(tag, site), Resolved::File("tags/ランサムウェア/index.html".into()));
        assert_eq!(resolve("/years", site), Resolved::Redirect("/years/".into()));
        assert_eq!(resolve("/nothing/", site), Resolved::NotFound);
        assert_eq!(resolve("/index.html/", site), Resolved::NotFound);
    }

    #[test]
    fn nothing_outside_the_site() {
        for p in [
            "/../book.toml",
            "/%2e%2e/book.toml",
            "/%2E%2E/book.toml",
            "/..%2fbook.toml",
            "/..%2Fbook.toml",
            "/..\\book.toml",
            "/..%5cbook.toml",
            "/years/../index.html",
            "/./index.html",
            "/index.html%00",
            "/%ff",
            "//etc/passwd",
            "index.html",
        ] {
            assert_eq!(resolve(p, |_| true), Resolved::NotFound, "{p}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("feed.xml"), "application/atom+xml; charset=utf-8");
        assert_eq!(content_type("tags/a/feed.xml"), "application/atom+xml; charset=utf-8");
        assert_eq!(content_type("sitemap.xml"), "application/xml; charset=utf-8");
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("x.JSON"), "application/json");
        assert_eq!(content_type("robots.txt"), "text/plain; charset=utf-8");
        assert_eq!(content_type("logo.svg"), "image/svg+xml");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn injection_goes_before_the_last_body_end() {
        assert_eq!(inject(b"<p>a</p></BODY></html>", "X"), b"<p>a</p>X</BODY></html>");
        assert_eq!(inject(b"<p>a</p>", "X"), b"<p>a</p>X");
        let status = Status { generation: 7, errors: None };
        let s = injection(&status);
        assert!(
            s.contains("data-casebook-build=\"7\"")
                && s.contains(WS_PATH)
                && !s.contains("<div id=\"__casebook_overlay\"")
        );
    }

    #[test]
    fn the_overlay_escapes_and_locates() {
        let d = Diagnostic::new("content/a.md", 3, 7, "`date` is `<x>`, expected a date");
        let o = overlay(&Errors::new(vec![d], true));
        assert!(o.contains("content/a.md:3:7: error: `date` is `&lt;x&gt;`"), "{o}");
    }

    #[test]
    fn the_overlay_says_whether_a_good_build_is_under_it() {
        let d = || vec![Diagnostic::new("book.toml", 1, 1, "bad")];
        let o = overlay(&Errors::new(d(), true));
        assert!(o.contains(">casebook: 1 error(s); showing the last good build (click to hide)<"), "{o}");
        let o = overlay(&Errors::new(d(), false));
        assert!(o.contains(">casebook: 1 error(s); the site does not build yet (click to hide)<"), "{o}");
        assert!(!o.contains("last good build"), "{o}");
        // The message to open tabs carries the same heading.
        let shared = Shared::default();
        let mut rx = shared.events.subscribe();
        shared.fail(d());
        let msg: serde_json::Value = serde_json::from_str(&rx.try_recv().unwrap()).unwrap();
        assert_eq!(msg["heading"], "casebook: 1 error(s); the site does not build yet (click to hide)");
        shared.publish(Rendered::Some(vec![crate::render::Page { path: "index.html".into(), bytes: "x".into() }]));
        rx.try_recv().unwrap();
        shared.fail(d());
        let msg: serde_json::Value = serde_json::from_str(&rx.try_recv().unwrap()).unwrap();
        assert_eq!(msg["heading"], "casebook: 1 error(s); showing the last good build (click to hide)");
    }

    #[test]
    fn the_overlay_is_opaque() {
        let o = overlay(&Errors::new(vec![Diagnostic::new("book.toml", 1, 1, "bad")], true));
        let style = o.split("style=\"").nth(1).and_then(|s| s.split('"').next()).unwrap();
        let background = style.split(';').find_map(|d| d.strip_prefix("background:")).unwrap();
        assert!(background.starts_with('#'), "the page shows through {background}");
        let script = RELOAD_JS.split("o.setAttribute(\"style\", \"").nth(1).unwrap();
        assert!(script.starts_with(style), "the script's overlay differs: {script}");
    }

    #[test]
    fn the_overlay_caret_follows_a_hidden_copy_of_the_text_before_it() {
        // Few fonts draw a kanji exactly two blanks wide: blanks would put the caret under 京.
        let d = Diagnostic::new("content/a.md", 2, 26, "bad")
            .with_source("---\norganization: 株式会社東京ヴェルディ: 本社\n");
        let o = overlay(&Errors::new(vec![d.clone()], true));
        let want = "2 | organization: 株式会社東京ヴェルディ: 本社\n  | <span style=\"visibility:hidden\">organization: 株式会社東京ヴェルディ</span>^</pre>";
        assert!(o.contains(want), "{o}");
        let json = diagnostic_json(&d);
        assert_eq!(json["caret_prefix"], "organization: 株式会社東京ヴェルディ");
        assert_eq!(json["text_before_caret"], d.text_before_caret());
        assert!(json["text"].as_str().unwrap().ends_with("^"));
        // Without a source line there is no caret.
        let d = Diagnostic::file("book.toml", "bad <x>");
        let o = overlay(&Errors::new(vec![d.clone()], true));
        assert!(o.contains(">book.toml: error: bad &lt;x&gt;</pre>"), "{o}");
        assert!(diagnostic_json(&d)["caret_prefix"].is_null());
    }
}
