//! A theme author's view of `casebook build`: a theme of one's own under `themes/<name>/` over the
//! built-in default, the site's `templates/` and `static/` over both, static files of every
//! kind, and templates that iterate over front-matter maps.

mod common;

use std::path::PathBuf;

use common::*;

const BOOK: &str = "[book]\ntitle = \"テーマ\"\ntheme = \"mine\"\n";

const INCIDENT: &str = "---\ntitle: 事件\nid: \"2024-001\"\ndate: 2024-01-30\norganization: 株式会社テスト\n\
    extra: {zeta: 最後, alpha: 最初, mid: 中, beta: 二, gamma: 三, delta: 四}\n---\n\n本文。\n";

/// Not UTF-8, with a NUL: copied byte for byte.
const PNG: [u8; 7] = [0x89, b'P', b'N', b'G', 0, 0xff, 0xfe];

/// A site with `theme = "mine"` and one incident.
fn site() -> (TempDir, PathBuf) {
    let (tmp, root) = empty_site("theme", BOOK);
    write(&root, "content/incidents/2024/2024-001.md", INCIDENT);
    (tmp, root)
}

/// A theme that changes only base.html and style.css still has every page: the other templates
/// and static files come from the default theme, file by file; the site's own files win over
/// the theme's.
#[test]
fn a_theme_overrides_the_default_theme_file_by_file() {
    let (_tmp, root) = site();
    let base = include_str!("../themes/default/templates/base.html").replace("<body ", "<body data-theme=\"mine\" ");
    write(&root, "themes/mine/templates/base.html", &base);
    write(&root, "themes/mine/static/style.css", "/* mine */\n");
    write(&root, "themes/mine/static/fonts/sub/書体.txt", "テーマの静的ファイル\n");
    write(&root, "themes/mine/static/favicon.svg", "<svg>theme</svg>\n");
    std::fs::create_dir_all(root.join("themes/mine/static/img")).unwrap();
    std::fs::write(root.join("themes/mine/static/img/ロゴ 1.png"), PNG).unwrap();
    write(&root, "static/favicon.svg", "<svg>site</svg>\n");
    build(&root, &[]).success();
    let out = root.join("public");
    for page in ["index.html", "incidents/2024-001/index.html", "years/index.html", "search/index.html", "404.html"] {
        assert!(read(&out, page).contains("data-theme=\"mine\""), "{page} is rendered with the theme's base.html");
    }
    assert_eq!(read(&out, "style.css"), "/* mine */\n");
    assert!(read(&out, "search.js").contains("function"), "the default theme's other static files stay");
    assert_eq!(read(&out, "fonts/sub/書体.txt"), "テーマの静的ファイル\n");
    assert_eq!(std::fs::read(out.join("img/ロゴ 1.png")).unwrap(), PNG, "binary files are copied as they are");
    assert_eq!(read(&out, "favicon.svg"), "<svg>site</svg>\n", "the site's static/ wins over the theme's");

    // The site's templates/ wins over the theme's.
    write(&root, "themes/mine/templates/404.html", "<p>theme 404</p>");
    write(&root, "templates/404.html", "<p>site 404</p>");
    build(&root, &[]).success();
    assert_eq!(read(&out, "404.html"), "<p>site 404</p>");
}

/// `{% for key, value in page.extra %}` is in the order the editor wrote, the same on every build
/// (Tera's maps were hash maps seeded at random in each process; then sorted by key).
#[test]
fn front_matter_maps_iterate_in_the_same_order_on_every_build() {
    let (_tmp, root) = empty_site("theme-maps", "[book]\ntitle = \"テーマ\"\n");
    write(&root, "content/incidents/2024/2024-001.md", INCIDENT);
    write(
        &root,
        "templates/incident.html",
        "{% for k, v in page.extra %}{{ k }}={{ v }};{% endfor %}|{{ page | keys | join(sep=\",\") }}",
    );
    let mut seen = Vec::new();
    for _ in 0..3 {
        build(&root, &[]).success();
        seen.push(read(&root.join("public"), "incidents/2024-001/index.html"));
    }
    assert!(seen[0].starts_with("zeta=最後;alpha=最初;mid=中;beta=二;gamma=三;delta=四;|affected,"), "{}", seen[0]);
    assert!(seen.iter().all(|s| *s == seen[0]), "{seen:?}");
}

/// `[extra]` in book.toml is the theme's settings, as `site.extra` on every page (Zola's
/// `[extra]`), its keys in the order written; anything but a table there is an error at its line.
#[test]
fn book_toml_extra_reaches_every_template() {
    let book = "[book]\ntitle = \"テーマ\"\n\n[extra]\nanalytics = \"G-123\"\nlogo = { src = \"/ロゴ.png\", width = 1_20 }\nlinks = [\"https://example.org/\", 2]\nlaunched = 2024-01-30\nratio = 1.5\nbeta = true\n";
    let (_tmp, root) = empty_site("theme-extra", book);
    write(&root, "content/incidents/2024/2024-001.md", INCIDENT);
    write(
        &root,
        "templates/incident.html",
        "{{ site.extra.analytics }}|{{ site.extra.logo.src }}|{{ site.extra.logo.width + 1 }}|{{ site.extra.links | length }}|{{ site.extra.launched }}|{{ site.extra.ratio }}|{{ site.extra.beta }}|{% for k, v in site.extra %}{{ k }},{% endfor %}",
    );
    build(&root, &[]).success();
    assert_eq!(
        read(&root.join("public"), "incidents/2024-001/index.html"),
        "G-123|/ロゴ.png|121|2|2024-01-30|1.5|true|analytics,logo,links,launched,ratio,beta,"
    );

    std::fs::write(root.join("book.toml"), "extra = \"analytics\"\n[book]\ntitle = \"テーマ\"\n").unwrap();
    let r = build(&root, &[]);
    r.expect_status(1);
    assert!(r.stderr.contains("book.toml:1:9: error: `extra` is a string, expected a table `[extra]`"), "{}", r.stderr);
}

/// `page.toc` is the body's headings, nested; the default theme shows it as 目次 on an article
/// with three or more sections, its links to the headings' ids, and not on a shorter article or
/// on an incident.
#[test]
fn the_table_of_contents_lists_an_articles_headings() {
    let (_tmp, root) = empty_site("theme-toc", "[book]\ntitle = \"テーマ\"\n");
    let long = "---\ntitle: 解説\ndate: 2024-02-01\n---\n\n導入。\n\n## 経緯\n\n### 発覚 {#found}\n\n本文。\n\n\
        ### `VPN` の設定\n\n本文。\n\n## 原因 と 対策\n\n本文。\n\n## まとめ\n\n本文。\n";
    write(&root, "content/articles/long.md", long);
    write(&root, "content/articles/short.md", "---\ntitle: 短い\ndate: 2024-02-02\n---\n\n## 一\n\n## 二\n");
    write(
        &root,
        "content/incidents/2024/2024-001.md",
        "---\ntitle: 事件\nid: \"2024-001\"\ndate: 2024-01-30\norganization: 株式会社テスト\n---\n\n## 一\n\n## 二\n\n## 三\n",
    );
    build(&root, &[]).success();
    let out = root.join("public");
    let page = read(&out, "articles/long/index.html");
    let toc = between(&page, "<nav class=\"toc\"", "</nav>");
    let links = attr_values(toc, "href");
    assert_eq!(links, ["#経緯", "#found", "#vpn-の設定", "#原因-と-対策", "#まとめ"], "{toc}");
    assert!(toc.contains("<a href=\"#経緯\">経緯</a>\n        <ol>"), "sections under 経緯 are a nested list: {toc}");
    assert!(toc.contains(">VPN の設定</a>"), "{toc}");
    // Each link names a heading of the body.
    for id in ["経緯", "found", "vpn-の設定", "原因-と-対策", "まとめ"] {
        assert_eq!(count(&page, &format!(" id=\"{id}\"")), 1, "{id}");
    }
    assert!(!read(&out, "articles/short/index.html").contains("class=\"toc\""));
    assert!(!read(&out, "incidents/2024-001/index.html").contains("class=\"toc\""));

    // The context itself, for a theme of one's own.
    write(
        &root,
        "templates/article.html",
        "{% for h in page.toc %}{{ h.level }}:{{ h.title }}({% for c in h.children %}{{ c.level }}:{{ c.id }};{% endfor %}) {% endfor %}",
    );
    build(&root, &[]).success();
    assert_eq!(read(&out, "articles/long/index.html"), "2:経緯(3:found;3:vpn-の設定;) 2:原因 と 対策() 2:まとめ() ");
}

/// A site's own template writes `id="share"`: a body's heading `## share` gets another id, and
/// `{#share}` on a heading is an error, as the default theme's `main` is. Before, only the
/// default theme's ids were kept, and the page got two `id="share"`.
#[test]
fn a_body_avoids_the_ids_a_sites_own_templates_write() {
    let (_tmp, root) = empty_site("theme-ids", "[book]\ntitle = \"テーマ\"\n");
    let article = include_str!("../themes/default/templates/article.html").replace(
        "{% include \"partials/related.html\" %}",
        "<aside id=\"share\">共有</aside>\n{% include \"partials/related.html\" %}",
    );
    assert!(article.contains("id=\"share\""));
    write(&root, "templates/article.html", &article);
    write(
        &root,
        "content/articles/a.md",
        "---\ntitle: 解説\ndate: 2024-02-01\n---\n\n## share\n\n本文[^share]。\n\n[^share]: 注。\n",
    );
    build(&root, &[]).success();
    let page = read(&root.join("public"), "articles/a/index.html");
    assert_eq!(count(&page, " id=\"share\""), 1, "{page}");
    assert!(page.contains("<h2 id=\"share-1\">share</h2>"), "{page}");

    let explicit = "---\ntitle: 解説\ndate: 2024-02-01\n---\n\n## 共有 {#share}\n";
    write(&root, "content/articles/a.md", explicit);
    let r = build(&root, &[]);
    r.expect_status(1);
    let d = r.diagnostics().into_iter().find(|d| d.message.contains("heading id `share`")).expect(&r.stderr);
    assert!(d.path.ends_with("content/articles/a.md") && d.line == 6, "{}", r.stderr);
    assert!(d.message.contains("`share`, `toc-title`"), "names the ids the templates keep: {}", r.stderr);
}

/// An incident's page and an article's are made of different templates: a heading id only an
/// article's page writes (`toc-title`, its table of contents) is free on an incident's, and an
/// id written `ID = "x"` is an id all the same.
#[test]
fn each_kind_of_entry_keeps_only_the_ids_of_its_own_page() {
    let (_tmp, root) = empty_site("theme-kind-ids", "[book]\ntitle = \"テーマ\"\n");
    let incident = include_str!("../themes/default/templates/incident.html").replace(
        "{% include \"partials/related.html\" %}",
        "<aside ID = \"share\">共有</aside>\n{% include \"partials/related.html\" %}",
    );
    write(&root, "templates/incident.html", &incident);
    let inc = "---\ntitle: 事件\ndate: 2024-02-01\norganization: 株式会社X\n---\n\n## 目次 {#toc-title}\n\n## share\n";
    write(&root, "content/incidents/2024/a.md", inc);
    build(&root, &[]).success();
    let page = read(&root.join("public"), "incidents/a/index.html");
    assert_eq!(count(&page, "id=\"toc-title\""), 1, "{page}");
    assert!(page.contains("<h2 id=\"share-1\">share</h2>"), "{page}");

    write(&root, "content/articles/b.md", "---\ntitle: 解説\ndate: 2024-02-01\n---\n\n## 目次 {#toc-title}\n");
    let r = build(&root, &[]);
    r.expect_status(1);
    let d = r.diagnostics().into_iter().find(|d| d.message.contains("heading id `toc-title`")).expect(&r.stderr);
    assert!(d.path.ends_with("content/articles/b.md") && d.line == 6, "{}", r.stderr);
    assert_eq!(r.diagnostics().len(), 1, "{}", r.stderr);
}
