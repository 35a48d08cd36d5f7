//! The `casebook` command line: parse arguments, call the library, map errors to exit codes
//! (0 success, 1 content or configuration errors, 2 usage errors).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

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
}

#[derive(Args)]
struct ServeArgs {
    /// Site root; defaults to the nearest ancestor directory holding book.toml.
    #[arg(long)]
    root: Option<PathBuf>,
    #[arg(long, default_value_t = 1111)]
    port: u16,
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
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
    /// Output directory (overrides build.output).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Build drafts too.
    #[arg(long)]
    drafts: bool,
    /// Base URL for links, feeds and the sitemap (overrides book.base_url).
    #[arg(long)]
    base_url: Option<String>,
    /// Worker threads (default: one per core).
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
    let cli = Cli::parse();
    match cli.command {
        Command::Build(args) => build(args),
        Command::Serve(args) => serve(args),
    }
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
    };
    match casebook::serve::run(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for d in e.diagnostics() {
                eprintln!("{d}");
            }
            ExitCode::from(1)
        }
    }
}

/// The site root from `--root`, or the nearest ancestor of the current directory with book.toml.
fn site_root(root: Option<PathBuf>) -> Result<PathBuf, ExitCode> {
    let start = root.clone().unwrap_or_else(|| PathBuf::from("."));
    match casebook::find_root(&start) {
        Some(r) if root.is_none() || r == casebook::output::absolute(&start) => Ok(r),
        _ => {
            eprintln!(
                "error: no {} in {}{}, expected a site root (create one with `casebook init DIR`)",
                casebook::config::CONFIG_FILE,
                start.display(),
                if root.is_none() { " or any parent directory" } else { "" }
            );
            Err(ExitCode::from(1))
        }
    }
}

fn report(e: &casebook::Error) -> ExitCode {
    let diags = e.diagnostics();
    for d in &diags {
        eprintln!("{d}");
    }
    eprintln!("error: build failed with {} error(s); the previous output was left as it was", diags.len());
    ExitCode::from(1)
}

fn build(args: BuildArgs) -> ExitCode {
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
    };
    match casebook::build(&opts) {
        Ok(r) => {
            if !args.quiet {
                println!(
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
                println!(
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
        Err(e) => report(&e),
    }
}
