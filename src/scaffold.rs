//! `casebook new` and `casebook init`: files an editor starts from. Never overwrites anything.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use crate::Error;
use crate::config::{CONFIG_FILE, Config};
use crate::content::{self, LoadOptions, frontmatter};
use crate::url;

/// Fields of a new incident.
#[derive(Debug, Clone, Default)]
pub struct NewIncident {
    pub title: String,
    pub organization: String,
    pub id: Option<String>,
    pub attack: Option<String>,
    pub sector: Option<String>,
}

/// A YAML double-quoted scalar: JSON string syntax is valid YAML, and escapes everything.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn content_dir(root: &Path) -> Result<PathBuf, Error> {
    let config = Config::load(root).map_err(Error::Input)?;
    Ok(root.join(config.build.content))
}

/// Writes `text` to a new file at `path`; an existing file is an error, never replaced. Paths in
/// messages are shown relative to `root`, as everywhere else.
fn create(root: &Path, path: &Path, text: &str) -> Result<(), Error> {
    let shown = content::shown(root, path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::Setup(format!("{}: {e}", content::shown(root, parent).display())))?;
    }
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Setup(format!("{} already exists, expected a new file: nothing was overwritten", shown.display()))
        } else {
            Error::Setup(format!("{}: {e}", shown.display()))
        }
    })?;
    f.write_all(text.as_bytes()).map_err(|e| Error::Setup(format!("{}: {e}", shown.display())))
}

/// What the site already uses, read leniently (files with other errors still count): ids, and
/// the slugs of each kind (a new entry must not take either).
struct Used {
    ids: Vec<String>,
    incident_slugs: Vec<String>,
    article_slugs: Vec<String>,
}

fn used(root: &Path, content: &Path) -> Used {
    let mut u = Used { ids: Vec::new(), incident_slugs: Vec::new(), article_slugs: Vec::new() };
    // A file the walk cannot read takes nothing; the others still do.
    let Ok((tree, _)) = content::walk(root, content) else { return u };
    let opts = LoadOptions { east_asian_line_breaks: true, incident_ids: &[], article_ids: &[], drafts: true };
    let load = content::load(root, content, &tree.entries, &tree.bundles, opts);
    for e in &load.entries {
        u.ids.extend(e.id().map(str::to_string));
        match e.kind() {
            content::Kind::Incident => u.incident_slugs.push(e.slug.clone()),
            content::Kind::Article => u.article_slugs.push(e.slug.clone()),
        }
        // An alias where a new entry's page would be is taken too: the build would refuse it.
        for a in &e.meta.aliases {
            let page = a.value.path.strip_suffix("/index.html").and_then(|dir| dir.split_once('/'));
            match page.filter(|(_, slug)| !slug.contains('/')) {
                Some(("incidents", slug)) => u.incident_slugs.push(slug.to_string()),
                Some(("articles", slug)) => u.article_slugs.push(slug.to_string()),
                _ => {}
            }
        }
    }
    // A file with errors still takes the id and slug it names (its kind may be wrong, so the
    // slug counts for both), and a file named like an id that failed to parse its number.
    for a in &load.absent {
        u.ids.extend(a.id.iter().map(|id| &id.value).filter(|id| frontmatter::is_series_id(id)).cloned());
        u.incident_slugs.push(a.slug.clone());
        u.article_slugs.push(a.slug.clone());
    }
    // (A bundle is named by its directory.)
    u.ids.extend(
        tree.entries.iter().map(|f| content::default_slug(content, f)).filter(|s| frontmatter::is_series_id(s)),
    );
    u
}

/// Refuses an empty value for a field the entry needs.
fn required(flag: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        Err(Error::Setup(format!("{flag} is empty, expected a non-empty value: nothing was written")))
    } else {
        Ok(())
    }
}

/// Whether two ids are the same place in the series (`2024-070` and `2024-0070` are).
fn same_number(a: &str, b: &str) -> bool {
    a == b || frontmatter::series_number(a).is_some_and(|n| Some(n) == frontmatter::series_number(b))
}

/// The next free `YYYY-NNN` of `year`.
pub fn next_id(ids: &[String], year: i32) -> String {
    let prefix = format!("{year}-");
    let max =
        ids.iter().filter_map(|id| id.strip_prefix(&prefix)).filter_map(|n| n.parse::<u32>().ok()).max().unwrap_or(0);
    format!("{year}-{:03}", max + 1)
}

/// The next free id that is also free as an incident slug (an id-less incident may use one).
fn next_free_id(used: &Used, year: i32) -> String {
    let mut ids = used.ids.clone();
    loop {
        let id = next_id(&ids, year);
        if !used.incident_slugs.contains(&id) {
            return id;
        }
        ids.push(id);
    }
}

/// Creates `content/incidents/YYYY/YYYY-NNN.md`; returns its path.
pub fn new_incident(root: &Path, spec: &NewIncident, today: NaiveDate) -> Result<PathBuf, Error> {
    required("the title", &spec.title)?;
    required("--organization", &spec.organization)?;
    for (flag, v) in [("--attack", &spec.attack), ("--sector", &spec.sector)] {
        if let Some(v) = v {
            required(flag, v)?;
        }
    }
    let config = Config::load(root).map_err(Error::Input)?;
    if let Some((written, number)) = crate::site::label_in_title(&spec.title, &config.series.label) {
        return Err(Error::Usage(format!(
            "the title begins with the series label `{written}`, which pages put before the title from the id, expected the title without it (and `--id {number}` for the number): nothing was written"
        )));
    }
    let content = root.join(&config.build.content);
    let used = used(root, &content);
    let id = match &spec.id {
        Some(id) if !frontmatter::is_series_id(id) => {
            return Err(Error::Setup(format!("--id `{id}` is not YYYY-NNN, expected e.g. `{}-001`", today.year())));
        }
        Some(id) if used.ids.iter().any(|u| same_number(u, id)) || used.incident_slugs.contains(id) => {
            return Err(Error::Setup(format!("--id `{id}` is already used, expected a free id")));
        }
        Some(id) => id.clone(),
        None => next_free_id(&used, today.year()),
    };
    let year = &id[..4];
    let path = content.join("incidents").join(year).join(format!("{id}.md"));
    let mut fm = format!(
        "---\ntitle: {}\nid: \"{id}\"\ndate: {today}\norganization: {}\n",
        quoted(&spec.title),
        quoted(&spec.organization)
    );
    if let Some(a) = &spec.attack {
        fm.push_str(&format!("attack: {}\n", quoted(a)));
    }
    if let Some(s) = &spec.sector {
        fm.push_str(&format!("sector: {}\n", quoted(s)));
    }
    fm.push_str(&format!(
        "# affected: 0\n# data: []\ndisclosed: {today}\n# occurred: {{ from: {today}, to: {today} }}\ntags: []\n# sources:\n#   - title: 公式発表\n#     url: https://example.org/\n---\n\nここに事案の概要を書きます。\n\n<!-- more -->\n\n## 経緯\n\n## 原因\n\n## 対応\n"
    ));
    create(root, &path, &fm)?;
    Ok(path)
}

/// Creates `content/articles/<slug>.md`; returns its path.
pub fn new_article(root: &Path, title: &str, today: NaiveDate) -> Result<PathBuf, Error> {
    required("the title", title)?;
    let content = content_dir(root)?;
    let slug = file_slug(title);
    let path = content.join("articles").join(format!("{slug}.md"));
    // An existing file is reported as such by `create`; another file with the slug, here.
    if !path.exists() && used(root, &content).article_slugs.contains(&slug) {
        return Err(Error::Setup(format!(
            "an article with the URL slug `{slug}` (or an alias at its URL) already exists, expected a title that makes a new one: nothing was written"
        )));
    }
    let text = format!("---\ntitle: {}\ndate: {today}\ntags: []\n---\n\nここに本文を書きます。\n", quoted(title));
    create(root, &path, &text)?;
    Ok(path)
}

/// The file name (and so the URL slug) of a new article: the title's key with only letters,
/// digits and `_` kept, the rest one `-`, and no `-` at either end, so that the name is neither
/// hidden (`.…` files are skipped) nor awkward in a shell or a URL.
fn file_slug(title: &str) -> String {
    let mut out = String::new();
    for c in url::key(title).chars() {
        let c = if c.is_alphanumeric() || c == '_' { c } else { '-' };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() { "article".to_string() } else { out.to_string() }
}

/// A new site in `dir` that builds at once: book.toml, one incident, one article. The default
/// theme is built into the binary, so no theme files are written.
pub fn init(dir: &Path, today: NaiveDate) -> Result<Vec<PathBuf>, Error> {
    if dir.join(CONFIG_FILE).exists() {
        return Err(Error::Setup(format!("{} already holds a {CONFIG_FILE}: nothing was overwritten", dir.display())));
    }
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Setup(format!("{} is a file, expected a new or empty directory", dir.display())));
    }
    // Hidden files do not count (a fresh repository's `.git`, `.gitignore`), as Zola has it:
    // nothing init writes is hidden, and it never overwrites.
    let visible = |d: std::fs::ReadDir| d.flatten().any(|e| e.file_name().as_encoded_bytes().first() != Some(&b'.'));
    if dir.exists() && std::fs::read_dir(dir).map(visible).unwrap_or(true) {
        return Err(Error::Setup(format!(
            "{} exists and holds files, expected a new or empty directory (or one with hidden files only, such as .git)",
            dir.display()
        )));
    }
    let name = dir.file_name().map_or_else(|| "casebook".into(), |n| n.to_string_lossy().into_owned());
    let book = format!(
        "[book]\ntitle = {}\ndescription = \"\"\nlanguage = \"ja\"\nbase_url = \"/\"\n\n[series]\nlabel = \"セキュリティ事件簿\"\n",
        quoted(&format!("{name} セキュリティ事件簿"))
    );
    // Paths in messages as the user gave the directory (`mysite/book.toml`), as on success.
    create(Path::new(""), &dir.join(CONFIG_FILE), &book)?;
    let year = today.year();
    let incident = format!(
        "---\ntitle: \"会員サイトへの不正アクセスによる個人情報漏えい（記入例）\"\nid: \"{year}-001\"\ndate: {today}\norganization: 株式会社サンプル\nattack: 不正アクセス\nsector: 小売\naffected: 1200\ndata: [氏名, メールアドレス, 電話番号]\ndisclosed: {today}\noccurred: {{ from: {today}, to: {today} }}\ntags: [ECサイト, 記入例]\nsources:\n  - title: 公式発表（記入例）\n    url: https://example.org/notice\n---\n\nこれは記入例です。組織名・日付・件数・漏えいした情報・原因・出典を前付け（front matter）に書くと、\n年別・種別・業種・組織・情報の種類ごとの一覧に自動で載ります。\n\n<!-- more -->\n\n## 経緯\n\n発覚から公表までの流れを書きます。\n\n## 原因\n\n## 対応\n"
    );
    let article = format!(
        "---\ntitle: \"この事件簿について\"\ndate: {today}\ntags: [お知らせ]\n# 以前のURLからこの記事へ転送するには（旧ブログから移したときなど）、次の行の先頭の「# 」を消します:\n# aliases: [/about.html]\n---\n\n事件簿の方針や読み方を書く記事の例です。\n"
    );
    let files = [
        (dir.join("content/incidents").join(year.to_string()).join(format!("{year}-001.md")), incident),
        (dir.join("content/articles/about.md"), article),
    ];
    let mut written = vec![dir.join(CONFIG_FILE)];
    for (path, text) in files {
        create(Path::new(""), &path, &text)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_compared_by_number() {
        assert!(same_number("2024-070", "2024-0070"));
        assert!(!same_number("2024-070", "2023-070"));
        assert!(!same_number("2024-070", "2024-071"));
    }

    #[test]
    fn next_ids() {
        let ids: Vec<String> = ["2024-001", "2024-033", "2023-300"].iter().map(|s| s.to_string()).collect();
        assert_eq!(next_id(&ids, 2024), "2024-034");
        assert_eq!(next_id(&ids, 2025), "2025-001");
        assert_eq!(next_id(&[], 2026), "2026-001");
    }

    #[test]
    fn quoting_escapes_yaml() {
        assert_eq!(quoted("a\"b: c"), "\"a\\\"b: c\"");
    }
}
