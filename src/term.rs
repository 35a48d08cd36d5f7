//! Lines for the terminal, which may be gone: `println!` panics (status 101, a backtrace) when
//! standard output is a pipe whose reader has left (`casebook check --format github | head`) or
//! a full disk, after the work is done; a build whose output was swapped in would then report a
//! crash. A reader that left is not told anything; any other failure is said once on stderr.
//! The command's exit status stays that of its work.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

static TOLD: AtomicBool = AtomicBool::new(false);

/// One line to standard output (use [`outln!`](crate::outln)).
pub fn out(args: std::fmt::Arguments<'_>) {
    let mut o = std::io::stdout().lock();
    // Line buffered: the newline's write flushes, so a failure shows up here.
    let result = o.write_fmt(args).and_then(|()| o.write_all(b"\n"));
    drop(o);
    if let Err(e) = result
        && e.kind() != std::io::ErrorKind::BrokenPipe
        && !TOLD.swap(true, Ordering::Relaxed)
    {
        err(format_args!("warning: standard output cannot be written: {e}"));
    }
}

/// One line to standard error (use [`errln!`](crate::errln)); a failure has nowhere to go.
pub fn err(args: std::fmt::Arguments<'_>) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_fmt(args).and_then(|()| e.write_all(b"\n"));
}

/// `println!` that never panics: see [`crate::term`].
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => { $crate::term::out(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics: see [`crate::term`].
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => { $crate::term::err(format_args!($($arg)*)) };
}
