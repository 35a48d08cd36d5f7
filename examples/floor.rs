//! The I/O floor of a build: read every input file, then write the same output files with the
//! same bytes as a reference build, with no work in between. How close `casebook build` comes to
//! this is the figure that matters; the rest is the machine and its file system.
//!
//! Usage: cargo run --release --example floor -- CONTENT_DIR REFERENCE_OUTPUT NEW_OUTPUT

use std::path::{Path, PathBuf};
use std::time::Instant;

fn files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

fn main() -> std::io::Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [content, reference, out] = args.as_slice() else {
        eprintln!("usage: floor CONTENT_DIR REFERENCE_OUTPUT NEW_OUTPUT");
        std::process::exit(2);
    };
    // The bytes to write are loaded before the clock starts: they stand for rendered pages.
    let pages: Vec<(PathBuf, Vec<u8>)> = files(reference)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p)?;
            Ok((p.strip_prefix(reference).unwrap_or(&p).to_path_buf(), bytes))
        })
        .collect::<std::io::Result<_>>()?;

    let t = Instant::now();
    let mut read = 0usize;
    for f in files(content) {
        read += std::fs::read(f)?.len();
    }
    let t_read = t.elapsed();
    let t2 = Instant::now();
    let mut written = 0usize;
    for (rel, bytes) in &pages {
        let path = out.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
        written += bytes.len();
    }
    let t_write = t2.elapsed();
    println!(
        "floor: read {:.1} MB in {:.3}s, wrote {} files ({:.1} MB) in {:.3}s, total {:.3}s",
        read as f64 / 1e6,
        t_read.as_secs_f64(),
        pages.len(),
        written as f64 / 1e6,
        t_write.as_secs_f64(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
