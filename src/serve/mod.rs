//! The preview server: build into memory, serve on 127.0.0.1, watch the site, rebuild what
//! changed and reload open tabs over a WebSocket.

use std::net::IpAddr;
use std::path::PathBuf;

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
}

/// Runs the server until interrupted.
pub fn run(opts: ServeOptions) -> Result<(), crate::Error> {
    Err(crate::Error::Setup(format!("serve is being implemented ({})", opts.root.display())))
}
