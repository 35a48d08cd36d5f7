//! Embeds `themes/default/` into the binary, so a site with no `themes/` directory builds with
//! it (`casebook init` writes none). Files on disk under the site's `themes/default/` still
//! override the embedded ones, file by file.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("themes/default");
    println!("cargo:rerun-if-changed=themes/default");
    let mut files = Vec::new();
    collect(dir, dir, &mut files);
    files.sort();
    let mut out =
        String::from("/// (path inside the theme, contents)\npub static DEFAULT_THEME: &[(&str, &[u8])] = &[\n");
    for rel in &files {
        let abs = std::fs::canonicalize(dir.join(rel)).expect("theme file path");
        // Also rerun when an individual file changes (directory mtimes miss in-place edits).
        println!("cargo:rerun-if-changed={}", abs.display());
        writeln!(out, "    ({rel:?}, include_bytes!({:?})),", abs.display().to_string()).expect("write to string");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR set by cargo")).join("default_theme.rs");
    std::fs::write(dest, out).expect("write generated theme table");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(read) = std::fs::read_dir(dir) else { return };
    for entry in read.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(root, &path, files);
        } else if let Ok(rel) = path.strip_prefix(root) {
            files.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}
