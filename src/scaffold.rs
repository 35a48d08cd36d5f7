//! `casebook new` and `casebook init`: files an editor starts from. Never overwrites anything.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use crate::Error;
use crate::config::{CONFIG_FILE, Config};
use crate::content::{self, LoadOptions, MarkdownOptions, frontmatter};
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

/// Writes `text` to a new file at `path`; an existing file is an error, never replaced.
fn create(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::Setup(format!("{}: {e}", parent.display())))?;
    }
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Setup(format!("{} already exists, expected a new file: nothing was overwritten", path.display()))
        } else {
            Error::Setup(format!("{}: {e}", path.display()))
        }
    })?;
    f.write_all(text.as_bytes()).map_err(|e| Error::Setup(format!("{}: {e}", path.display())))
}

/// Ids already used in the site, read leniently: files with other errors still count.
fn used_ids(root: &Path, content: &Path) -> Vec<String> {
    let Ok(files) = content::walk(root, content) else { return Vec::new() };
    let opts = LoadOptions { markdown: MarkdownOptions { east_asian_line_breaks: true }, drafts: true };
    let (entries, _) = content::load(root, content, &files, opts);
    let mut ids: Vec<String> = entries.iter().filter_map(|e| e.id().map(str::to_string)).collect();
    // A file named like an id that failed to parse still takes its number.
    ids.extend(
        files
            .iter()
            .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .filter(|s| frontmatter::is_series_id(s)),
    );
    ids
}

/// The next free `YYYY-NNN` of `year`.
pub fn next_id(ids: &[String], year: i32) -> String {
    let prefix = format!("{year}-");
    let max =
        ids.iter().filter_map(|id| id.strip_prefix(&prefix)).filter_map(|n| n.parse::<u32>().ok()).max().unwrap_or(0);
    format!("{year}-{:03}", max + 1)
}

/// Creates `content/incidents/YYYY/YYYY-NNN.md`; returns its path.
pub fn new_incident(root: &Path, spec: &NewIncident, today: NaiveDate) -> Result<PathBuf, Error> {
    let content = content_dir(root)?;
    let ids = used_ids(root, &content);
    let id = match &spec.id {
        Some(id) if !frontmatter::is_series_id(id) => {
            return Err(Error::Setup(format!("--id `{id}` is not YYYY-NNN, expected e.g. `{}-001`", today.year())));
        }
        Some(id) if ids.contains(id) => {
            return Err(Error::Setup(format!("--id `{id}` is already used, expected a free id")));
        }
        Some(id) => id.clone(),
        None => next_id(&ids, today.year()),
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
    create(&path, &fm)?;
    Ok(path)
}

/// Creates `content/articles/<slug>.md`; returns its path.
pub fn new_article(root: &Path, title: &str, today: NaiveDate) -> Result<PathBuf, Error> {
    let content = content_dir(root)?;
    let path = content.join("articles").join(format!("{}.md", url::key(title)));
    let text = format!("---\ntitle: {}\ndate: {today}\ntags: []\n---\n\nここに本文を書きます。\n", quoted(title));
    create(&path, &text)?;
    Ok(path)
}

/// A new site in `dir` that builds at once: book.toml, one incident, one article. The default
/// theme is built into the binary, so no theme files are written.
pub fn init(dir: &Path, today: NaiveDate) -> Result<Vec<PathBuf>, Error> {
    if dir.join(CONFIG_FILE).exists() {
        return Err(Error::Setup(format!("{} already holds a {CONFIG_FILE}: nothing was overwritten", dir.display())));
    }
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(Error::Setup(format!(
            "{} exists and is not empty, expected a new or empty directory",
            dir.display()
        )));
    }
    let name = dir.file_name().map_or_else(|| "casebook".into(), |n| n.to_string_lossy().into_owned());
    let book = format!(
        "[book]\ntitle = {}\ndescription = \"\"\nlanguage = \"ja\"\nbase_url = \"/\"\n\n[series]\nlabel = \"セキュリティ事件簿\"\n",
        quoted(&format!("{name} セキュリティ事件簿"))
    );
    create(&dir.join(CONFIG_FILE), &book)?;
    let year = today.year();
    let incident = format!(
        "---\ntitle: \"会員サイトへの不正アクセスによる個人情報漏えい（記入例）\"\nid: \"{year}-001\"\ndate: {today}\norganization: 株式会社サンプル\nattack: 不正アクセス\nsector: 小売\naffected: 1200\ndata: [氏名, メールアドレス, 電話番号]\ndisclosed: {today}\noccurred: {{ from: {today}, to: {today} }}\ntags: [ECサイト, 記入例]\nsources:\n  - title: 公式発表（記入例）\n    url: https://example.org/notice\n---\n\nこれは記入例です。組織名・日付・件数・漏えいした情報・原因・出典を前付け（front matter）に書くと、\n年別・種別・業種・組織・情報の種類ごとの一覧に自動で載ります。\n\n<!-- more -->\n\n## 経緯\n\n発覚から公表までの流れを書きます。\n\n## 原因\n\n## 対応\n"
    );
    let article = format!(
        "---\ntitle: \"この事件簿について\"\ndate: {today}\ntags: [お知らせ]\n---\n\n事件簿の方針や読み方を書く記事の例です。\n"
    );
    let files = [
        (dir.join("content/incidents").join(year.to_string()).join(format!("{year}-001.md")), incident),
        (dir.join("content/articles/about.md"), article),
    ];
    let mut written = vec![dir.join(CONFIG_FILE)];
    for (path, text) in files {
        create(&path, &text)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

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
