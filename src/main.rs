//! The `casebook` command line: parse arguments, call the library, map errors to exit codes
//! (0 success, 1 content or configuration errors, 2 usage errors).

use std::path::PathBuf;
use std::process::ExitCode;

use casebook::{errln, outln};
use clap::{Args, Parser, Subcommand};

/// mimalloc rather than glibc's malloc: a build makes millions of small allocations (YAML nodes,
/// template values, strings) from every worker thread, and glibc's malloc slows down as its heaps
/// grow and fragment: at 100,000 entries it took 8% of the CPU time against 2.5% at 10,000, so
/// the build grew faster than the corpus.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (the same in mimalloc 2 and 3; libmimalloc-sys does not
/// name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// A build frees and reuses memory at a high rate and then exits; `serve` keeps its site in
/// memory. Neither gains from handing freed pages back to the kernel, which then has to fault
/// them in and clear them again when they are reused. So: never purge, and use 2 MiB pages where
/// the kernel allows, so the pages a build touches are faulted in 512 at a time. With these, a
/// build of 100,000 entries takes about a quarter less time than with glibc's malloc (README).
fn tune_allocator() {
    // SAFETY: plain setters of process-wide options, called before any other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        libmimalloc_sys::mi_option_set(libmimalloc_sys::mi_option_large_os_pages, 1);
    }
}

#[derive(Parser)]
#[command(name = "casebook", version, about = "A static site generator for security-incident casebooks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output directory (public/ by default).
    Build(BuildArgs),
    /// Build into memory, serve on 127.0.0.1, rebuild on change and reload open tabs.
    Serve(ServeArgs),
    /// Validate everything and every internal link; writes nothing.
    Check(CheckArgs),
    /// Create a new entry with today's date.
    #[command(subcommand)]
    New(NewCommand),
    /// Create a new site that builds at once.
    Init {
        /// The directory to create (new or empty).
        dir: PathBuf,
    },
}

#[derive(Args)]
struct CheckArgs {
    /// Site root; defaults to the nearest ancestor directory holding book.toml.
    #[arg(long)]
    root: Option<PathBuf>,
    /// Check drafts too.
    #[arg(long)]
    drafts: bool,
    /// `text` for people, `github` for GitHub Actions annotations.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Github,
}

#[derive(Subcommand)]
enum NewCommand {
    /// content/incidents/YYYY/YYYY-NNN.md with the next free number of the current year; never
    /// overwrites a file or reuses an id.
    Incident {
        /// The organization that had the incident (front matter `organization`).
        #[arg(long, value_parser = non_empty)]
        organization: String,
        /// Use this id instead of the next free one; the file goes under its year.
        #[arg(long, value_parser = series_id)]
        id: Option<String>,
        /// The kind of incident, such as 不正アクセス (front matter `attack`).
        #[arg(long, value_parser = non_empty)]
        attack: Option<String>,
        /// The sector, such as 医療 (front matter `sector`).
        #[arg(long, value_parser = non_empty)]
        sector: Option<String>,
        /// Site root; defaults to the nearest ancestor directory holding book.toml.
        #[arg(long)]
        root: Option<PathBuf>,
        /// The entry's title (front matter `title`).
        #[arg(value_parser = non_empty)]
        title: String,
    },
    /// content/articles/<slug>.md, the slug made from the title; never overwrites a file or reuses
    /// a slug.
    Article {
        /// Site root; defaults to the nearest ancestor directory holding book.toml.
        #[arg(long)]
        root: Option<PathBuf>,
        /// The article's title (front matter `title`); its letters, digits and `_` make the slug.
        #[arg(value_parser = non_empty)]
        title: String,
    },
}

/// A required text left empty (`--organization ''`) is a usage error too, and so is one holding
/// a character no page may show (a control character pasted in with it).
fn non_empty(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("expected a non-empty value".to_string());
    }
    match casebook::content::frontmatter::control(s) {
        Some(c) => Err(format!("contains {}, expected text", casebook::content::frontmatter::named(c))),
        None => Ok(s.to_string()),
    }
}

/// A bad option value is a usage error (exit status 2), checked as the arguments are parsed.
fn series_id(s: &str) -> Result<String, String> {
    let s = s.trim();
    if casebook::content::frontmatter::is_series_id(s) {
        Ok(s.to_string())
    } else {
        Err("expected an id YYYY-NNN such as `2024-033`".to_string())
    }
}

fn base_url(s: &str) -> Result<String, String> {
    casebook::url::BaseUrl::parse(s).map(|_| s.to_string())
}

#[derive(Args)]
struct ServeArgs {
    /// Site root; defaults to the nearest ancestor directory holding book.toml.
    #[arg(long)]
    root: Option<PathBuf>,
    /// Port to listen on.
    #[arg(long, default_value_t = 1111)]
    port: u16,
    /// Address to listen on: 0.0.0.0 to preview from other machines on the LAN (then any Host
    /// is answered, not only the loopback names).
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Host name for the pages' absolute URLs (feeds, canonical links), such as this machine's
    /// LAN address with --bind 0.0.0.0, so that they lead back here from a phone (default: the
    /// bound address; 127.0.0.1 for 0.0.0.0).
    #[arg(long, value_name = "HOST", value_parser = casebook::serve::host)]
    base_url: Option<String>,
    /// Serve drafts too.
    #[arg(long)]
    drafts: bool,
    /// Poll for changes instead of using native file-system events.
    #[arg(long)]
    poll: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct BuildArgs {
    /// Site root; defaults to the nearest ancestor directory holding book.toml.
    #[arg(long)]
    root: Option<PathBuf>,
    /// Output directory, relative to the current directory (overrides build.output, which is
    /// relative to the site root). It is replaced whole, so it must be missing, empty or an
    /// earlier build's output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Build drafts too.
    #[arg(long)]
    drafts: bool,
    /// Base URL for links, feeds and the sitemap (overrides book.base_url).
    #[arg(long, value_parser = base_url)]
    base_url: Option<String>,
    /// Worker threads (default: one per core). A site of 2,048 files or more also gets two
    /// threads that only ask the kernel to read files ahead of the workers.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Print the time of each phase.
    #[arg(long)]
    timings: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    match cli.command {
        Command::Build(args) => build(args),
        Command::Serve(args) => serve(args),
        Command::Check(args) => check(args),
        Command::New(cmd) => new(cmd),
        Command::Init { dir } => match casebook::scaffold::init(&dir, today()) {
            Ok(files) => {
                for f in files {
                    outln!("{}", f.display());
                }
                outln!("created a new site in {}: `cd {} && casebook serve`", dir.display(), dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => report_plain(&e),
        },
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn check(args: CheckArgs) -> ExitCode {
    let here = Here::of(args.root.as_deref());
    let root = match site_root(args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match casebook::check::check(&root, args.drafts) {
        Ok(r) => {
            let warnings = here.paths(r.warnings);
            match args.format {
                Format::Github => warnings.iter().for_each(|d| outln!("{}", casebook::check::github_annotation(d))),
                Format::Text => print_diagnostics(&warnings),
            }
            let verdict = match warnings.len() {
                0 => "no problems".to_string(),
                n => format!("no errors, {n} warning(s)"),
            };
            outln!("checked {} entries and {} files: {verdict}", r.entries, r.files);
            ExitCode::SUCCESS
        }
        Err(e) => {
            let diags = here.paths(e.diagnostics());
            match args.format {
                Format::Github => diags.iter().for_each(|d| outln!("{}", casebook::check::github_annotation(d))),
                Format::Text => print_diagnostics(&diags),
            }
            errln!("error: check found {} problem(s)", errors(&diags));
            ExitCode::from(1)
        }
    }
}

fn new(cmd: NewCommand) -> ExitCode {
    let (root, result) = match cmd {
        NewCommand::Incident { organization, id, attack, sector, root, title } => {
            let spec = casebook::scaffold::NewIncident { title, organization, id, attack, sector };
            match site_root(root) {
                Ok(r) => {
                    let res = casebook::scaffold::new_incident(&r, &spec, today());
                    (r, res)
                }
                Err(code) => return code,
            }
        }
        NewCommand::Article { root, title } => match site_root(root) {
            Ok(r) => {
                let res = casebook::scaffold::new_article(&r, &title, today());
                (r, res)
            }
            Err(code) => return code,
        },
    };
    match result {
        Ok(path) => {
            outln!("{}", casebook::content::shown(&root, &path).display());
            ExitCode::SUCCESS
        }
        Err(e) => report_plain(&e),
    }
}

/// Colour on a terminal, unless NO_COLOR is set to something (no-color.org: an empty value
/// does not count).
fn colour_wanted(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Prints diagnostics to stderr, in color when stderr is a terminal.
fn print_diagnostics(diags: &[casebook::diag::Diagnostic]) {
    use std::io::IsTerminal;
    let color = colour_wanted(std::io::stderr().is_terminal(), std::env::var_os("NO_COLOR"));
    for d in diags {
        let text = d.to_string();
        if color {
            // Bold location, red "error:" (yellow "warning:"), the rest plain.
            let (severity, paint) = if d.warning { ("warning", "1;33") } else { ("error", "1;31") };
            let text = text.replacen(&format!(": {severity}: "), &format!(": \x1b[{paint}m{severity}:\x1b[0m "), 1);
            errln!("\x1b[1m{}", text.replacen(&format!(": \x1b[{paint}m"), &format!("\x1b[0m: \x1b[{paint}m"), 1));
        } else {
            errln!("{text}");
        }
    }
}

fn report_plain(e: &casebook::Error) -> ExitCode {
    print_diagnostics(&e.diagnostics());
    ExitCode::from(if matches!(e, casebook::Error::Usage(_)) { 2 } else { 1 })
}

fn serve(args: ServeArgs) -> ExitCode {
    let root = match site_root(args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let opts = casebook::serve::ServeOptions {
        root,
        bind: args.bind,
        port: args.port,
        drafts: args.drafts,
        poll: args.poll,
        quiet: args.quiet,
        host: args.base_url,
    };
    match casebook::serve::run(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report_plain(&e),
    }
}

/// The site root from `--root`, or the nearest ancestor of the current directory with book.toml.
fn site_root(root: Option<PathBuf>) -> Result<PathBuf, ExitCode> {
    let start = root.clone().unwrap_or_else(|| PathBuf::from("."));
    match casebook::find_root(&start) {
        Some(r) if root.is_none() || r == casebook::output::absolute(&start) => Ok(r),
        _ => {
            errln!(
                "error: no {} in {}{}, expected a site root (create one with `casebook init DIR`)",
                casebook::config::CONFIG_FILE,
                start.display(),
                if root.is_none() { " or any parent directory" } else { "" }
            );
            Err(ExitCode::from(1))
        }
    }
}

/// How many of `diags` are errors: a failed run reports its warnings too.
/// Where diagnostics' paths lead from. They name files relative to the site root; with `--root`
/// given as a relative path they are shown under it (`site/content/a.md` for `--root site`), so
/// that they lead to the files from the working directory, for an editor's jump to an error and
/// for GitHub's annotations in a repository whose site is in a subdirectory.
struct Here(Option<PathBuf>);

impl Here {
    fn of(root: Option<&std::path::Path>) -> Here {
        Here(root.filter(|r| r.is_relative() && *r != std::path::Path::new(".")).map(std::path::Path::to_path_buf))
    }

    /// `diags` with their paths, and the paths of files their messages name, shown from here.
    fn paths(&self, diags: Vec<casebook::diag::Diagnostic>) -> Vec<casebook::diag::Diagnostic> {
        match &self.0 {
            Some(root) => diags.into_iter().map(|d| d.rebased(root, |p| names_a_file(root, p))).collect(),
            None => diags,
        }
    }
}

/// Whether a diagnostic's `path` is a file or directory of the site at `root`. Names that are no
/// file (`--base-url`, the built-in theme's) stay as they are, and so does no name at all (a
/// problem of the run, shown as `casebook:`). A symbolic link counts though it leads nowhere or
/// to itself: it is the file the diagnostic is about, and `exists()`, which follows it, would
/// leave it named apart from every other file.
fn names_a_file(root: &std::path::Path, path: &std::path::Path) -> bool {
    !path.as_os_str().is_empty() && path.is_relative() && root.join(path).symlink_metadata().is_ok()
}

fn errors(diags: &[casebook::diag::Diagnostic]) -> usize {
    diags.iter().filter(|d| !d.warning).count()
}

fn report(e: &casebook::Error, here: &Here) -> ExitCode {
    let diags = here.paths(e.diagnostics());
    print_diagnostics(&diags);
    errln!("error: build failed with {} error(s); the previous output was left as it was", errors(&diags));
    ExitCode::from(1)
}

fn build(args: BuildArgs) -> ExitCode {
    let here = Here::of(args.root.as_deref());
    let root = match site_root(args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let opts = casebook::BuildOptions {
        root,
        output: args.output,
        drafts: args.drafts,
        base_url: args.base_url,
        jobs: args.jobs.map(usize::from),
        progress: None,
    };
    // A progress bar only for a person at a terminal, and only once a build takes a moment:
    // CI logs and pipes stay clean.
    use std::io::IsTerminal;
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {pos} files ({elapsed})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_message("building");
        bar
    });
    let mut opts = opts;
    if let Some(bar) = bar.clone() {
        let started = std::time::Instant::now();
        let shown = std::sync::atomic::AtomicBool::new(false);
        opts.progress = Some(casebook::Progress(std::sync::Arc::new(move |n| {
            if started.elapsed() > std::time::Duration::from_millis(300)
                && !shown.swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            bar.set_position(n);
        })));
    }
    let result = casebook::build(&opts);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(r) => {
            if !args.quiet {
                for w in here.paths(r.warnings.clone()) {
                    errln!("{w}");
                }
                outln!(
                    "built {} entries into {} files ({:.1} MB) in {:.2}s → {}",
                    r.entries,
                    r.pages,
                    r.bytes as f64 / 1e6,
                    r.timings.total.as_secs_f64(),
                    r.output.display()
                );
            }
            if args.timings {
                let t = &r.timings;
                let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
                outln!(
                    "timings (ms): config {:.1}, walk {:.1}, read+parse {:.1}, model {:.1}, render+write {:.1} (writing {:.1} summed over threads), commit {:.1}, total {:.1}",
                    ms(t.config),
                    ms(t.walk),
                    ms(t.parse),
                    ms(t.model),
                    ms(t.render),
                    ms(t.write),
                    ms(t.commit),
                    ms(t.total)
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => report(&e, &here),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_counts_only_when_set_to_something() {
        assert!(colour_wanted(true, None));
        assert!(colour_wanted(true, Some("".into())));
        assert!(!colour_wanted(true, Some("1".into())));
        assert!(!colour_wanted(false, None));
    }
}
