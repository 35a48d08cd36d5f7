//! The charts of /stats/ as the theme draws them: every label inside its chart and clear of its
//! neighbours at the font size style.css gives it, text legible when a chart is shrunk to a
//! phone's column, a bar to see and click for every non-zero value, and the tables' headings.
//!
//! Widths of text are estimated on the narrow side (a browser draws them at least this wide), so
//! a failure here is an overlap or a clipped label on screen, whatever the font.

mod common;

use std::path::Path;

use common::*;

/// The column of a 390 px phone: the page's gutters are 16 px each.
const PHONE_COLUMN: f64 = 358.0;
/// The column on a desktop (the page is 48rem, less 2rem gutters).
const DESKTOP_COLUMN: f64 = 704.0;
/// Smallest text, in CSS px, that is comfortable to read on a phone.
const LEGIBLE: f64 = 11.0;

fn incident(root: &Path, n: usize, date: &str, attack: &str, sector: &str, affected: u64) {
    write(
        root,
        &format!("content/incidents/{n:03}.md"),
        &format!(
            "---\ntitle: 事件{n}\nid: \"{}-{n:03}\"\ndate: {date}\norganization: 組織{n}\nattack: {attack}\nsector: {sector}\naffected: {affected}\ndata: [氏名]\n---\n\n本文。\n",
            &date[..4]
        ),
    );
}

/// A site like the audit's: 24 months of incidents from 2022-03 to 2024-02, millions affected in
/// 2022 and 2023 and a few thousand in 2024, and a sector and an attack with long names.
fn build_site(tmp_label: &str) -> (TempDir, std::path::PathBuf) {
    let (tmp, root) = empty_site(tmp_label, "[book]\ntitle = \"統計\"\nbase_url = \"https://example.org/\"\n");
    for k in 0..24 {
        let (y, m) = (2022 + (k + 2) / 12, (k + 2) % 12 + 1);
        let affected = match y {
            2022 => 280_000,
            2023 => 420_000,
            _ => 1_759,
        };
        let (attack, sector) = if k % 3 == 0 {
            ("Emotetを含むマルウェア感染によるなりすましメール送信", "電気・ガス・熱供給・水道業（発電所を含む）")
        } else {
            ("ランサムウェア", "医療")
        };
        incident(&root, k, &format!("{y}-{m:02}-10"), attack, sector, affected);
    }
    let out = tmp.join("out");
    build(&root, &["-q", "--output", out.to_str().unwrap()]).success();
    (tmp, out)
}

/// The font size style.css gives chart labels, in SVG units.
fn label_font_size(css: &str) -> f64 {
    let rule = css.find(".chart__label").expect("a rule for .chart__label");
    let body = &css[rule..rule + css[rule..].find('}').unwrap()];
    let size = &body[body.find("font-size:").expect("a font size for chart labels") + "font-size:".len()..];
    size.trim_start().split("px").next().unwrap().trim().parse().unwrap()
}

/// Lower bounds of glyph widths in em.
fn text_width(s: &str, font: f64) -> f64 {
    s.chars()
        .map(|c| match c {
            '0'..='9' => 0.55,
            '.' | ',' | '-' | ' ' | ':' | 'i' | 'l' => 0.25,
            c if c.is_ascii() => 0.5,
            _ => 0.9,
        })
        .sum::<f64>()
        * font
}

fn number(n: roxmltree::Node, attr: &str) -> f64 {
    n.attribute(attr).unwrap_or_else(|| panic!("no {attr} on {n:?}")).parse().unwrap()
}

/// Each `<svg>` of the page, parsed.
fn charts(page: &str) -> Vec<String> {
    page.match_indices("<svg").map(|(i, _)| page[i..i + page[i..].find("</svg>").unwrap() + 6].to_string()).collect()
}

/// The id of a chart: its `<title id="…-title">`.
fn chart_id(doc: &roxmltree::Document) -> String {
    let title = doc.root_element().children().find(|c| c.has_tag_name("title")).unwrap();
    title.attribute("id").unwrap().trim_end_matches("-title").to_string()
}

#[test]
fn chart_text_is_legible_inside_the_chart_and_never_overlaps() {
    let (_tmp, out) = build_site("stats-text");
    let sample = TempDir::new("stats-sample");
    build(&manifest_dir(), &["-q", "--output", sample.path().to_str().unwrap()]).success();
    for out in [out.as_path(), sample.path()] {
        let font = label_font_size(&read(out, "style.css"));
        let page = read(out, "stats/index.html");
        let svgs = charts(&page);
        assert_eq!(svgs.len(), 6);
        for svg in &svgs {
            let doc = roxmltree::Document::parse(svg).unwrap();
            let root = doc.root_element();
            let view: Vec<f64> = root.attribute("viewBox").unwrap().split(' ').map(|v| v.parse().unwrap()).collect();
            let width = view[2];
            // Without a width of its own the chart fills its column (`width: 100%`).
            let drawn = |column: f64| root.attribute("width").map_or(column, |w| w.parse::<f64>().unwrap().min(column));
            let id = chart_id(&doc);
            let on_phone = font * drawn(PHONE_COLUMN) / width;
            assert!(on_phone >= LEGIBLE, "{id}: text {on_phone:.1} px on a phone ({font} units, viewBox {width} wide)");
            let on_desktop = font * drawn(DESKTOP_COLUMN) / width;
            assert!(on_desktop <= 20.0, "{id}: text {on_desktop:.1} px on a desktop");

            let mut boxes: Vec<(f64, f64, f64, &str)> = Vec::new();
            for t in doc.descendants().filter(|n| n.has_tag_name("text")) {
                let (x, y, text) = (number(t, "x"), number(t, "y"), t.text().unwrap_or(""));
                let w = text_width(text, font);
                let (left, right) = match t.attribute("text-anchor") {
                    Some("middle") => (x - w / 2.0, x + w / 2.0),
                    Some("end") => (x - w, x),
                    _ => (x, x + w),
                };
                assert!(left >= 0.0 && right <= width, "{id}: {text:?} at x={x} is cut off (0..{width})");
                boxes.push((left, right, y, text));
            }
            for (i, a) in boxes.iter().enumerate() {
                for b in &boxes[i + 1..] {
                    if a.2 == b.2 {
                        assert!(a.1 <= b.0 || b.1 <= a.0, "{id}: {:?} and {:?} overlap", a.3, b.3);
                    }
                }
            }
        }
    }
}

#[test]
fn every_month_keeps_its_bar_title_and_a_small_value_its_bar() {
    let (_tmp, out) = build_site("stats-bars");
    let page = read(&out, "stats/index.html");
    for svg in charts(&page) {
        let doc = roxmltree::Document::parse(&svg).unwrap();
        // (title, height) of each bar
        let bars: Vec<(String, f64)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .map(|r| {
                let title = r.parent().unwrap().children().find(|c| c.has_tag_name("title")).unwrap();
                (title.text().unwrap().to_string(), number(r, "height"))
            })
            .collect();
        match chart_id(&doc).as_str() {
            "by-month" => {
                assert_eq!(bars.len(), 24);
                assert_eq!(bars[0].0, "2022-03: 1");
                assert_eq!(bars[23].0, "2024-02: 1");
            }
            "affected-by-year" => {
                // 2 × 1,759 next to 12 × 420,000: a bar to see and a link to click.
                let small = bars.iter().find(|b| b.0 == "2024: 3,518").expect("the 2024 bar");
                assert!(small.1 >= 1.5, "{bars:?}");
            }
            _ => {}
        }
    }
    // The month table keeps every month.
    let table = &page[page.find("<caption>直近24か月の月別件数（表）</caption>").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), 25);
}

#[test]
fn table_headings_name_what_is_counted_and_align_with_numbers() {
    let (_tmp, out) = build_site("stats-tables");
    let page = read(&out, "stats/index.html");
    let table = |caption: &str| {
        let start = page.find(&format!("<caption>{caption}</caption>")).unwrap_or_else(|| panic!("no {caption}"));
        page[start..start + page[start..].find("</thead>").unwrap()].to_string()
    };
    // People and records summed, as on /years/, not a count of incidents.
    let affected = table("年別の影響人数（表）");
    assert!(affected.contains("<th scope=\"col\" class=\"num\">影響件数</th>"), "{affected}");
    assert!(table("年別の件数（表）").contains("<th scope=\"col\" class=\"num\">件数</th>"));
    let largest = table("年別の影響人数の合計と最大の事件");
    assert!(largest.contains("<th scope=\"col\" class=\"num\">合計</th>"), "{largest}");
    assert!(largest.contains("<th scope=\"col\" class=\"num\">影響件数</th>"), "{largest}");
}

/// A year without incidents between two with them is drawn as a zero bar (and a 0 in the table),
/// not skipped: three bars evenly spaced for 2019, 2021 and 2022 read as three years in a row.
/// The empty year links to its page only when it has one (articles only).
#[test]
fn a_year_without_incidents_is_a_zero_bar() {
    let (tmp, root) = empty_site("stats-gap", "[book]\ntitle = \"統計\"\nbase_url = \"https://example.org/\"\n");
    for (n, date) in [(1, "2019-05-01"), (2, "2021-06-01"), (3, "2022-07-01"), (4, "2022-08-01")] {
        incident(&root, n, date, "ランサムウェア", "医療", 10);
    }
    write(&root, "content/articles/a.md", "---\ntitle: 記事\ndate: 2020-03-01\n---\n\n本文。\n");
    let out = tmp.join("out");
    build(&root, &["-q", "--output", out.to_str().unwrap()]).success();
    let page = read(&out, "stats/index.html");
    let svg = charts(&page).into_iter().find(|s| s.contains("id=\"by-year-title\"")).expect("the by-year chart");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let bars: Vec<(String, Option<String>)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .map(|r| {
            let parent = r.parent().unwrap();
            let title = parent.children().find(|c| c.has_tag_name("title")).unwrap().text().unwrap().to_string();
            (title, parent.attribute("href").map(String::from))
        })
        .collect();
    let titles: Vec<&str> = bars.iter().map(|b| b.0.as_str()).collect();
    assert_eq!(titles, ["2019: 1", "2020: 0", "2021: 1", "2022: 2"]);
    assert_eq!(bars[1].1.as_deref(), Some("/years/2020/"), "2020 has an article, so a page");
    let table = &page[page.find("<caption>年別の件数（表）</caption>").expect("the by-year table")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(table.contains("2020"), "{table}");

    // Without the article 2020 has no page: its bar links nowhere.
    std::fs::remove_file(root.join("content/articles/a.md")).unwrap();
    build(&root, &["-q", "--output", out.to_str().unwrap()]).success();
    let page = read(&out, "stats/index.html");
    assert!(!page.contains("/years/2020/"), "a link to a year page that does not exist");
    assert!(page.contains("<title>2020: 0</title>"));
}

/// The yearly charts count an incident in the year of its `date`, as the year pages do, not of
/// its `disclosed`: their captions said 公表年 (the year it was disclosed) and misled.
#[test]
fn yearly_charts_count_by_the_entrys_date_and_say_so() {
    let (tmp, root) = empty_site("stats-date", "[book]\ntitle = \"統計\"\nbase_url = \"https://example.org/\"\n");
    incident(&root, 1, "2024-01-05", "ランサムウェア", "医療", 10);
    let file = root.join("content/incidents/001.md");
    let text =
        std::fs::read_to_string(&file).unwrap().replace("affected: 10\n", "affected: 10\ndisclosed: 2023-12-20\n");
    std::fs::write(&file, text).unwrap();
    let out = tmp.join("out");
    build(&root, &["-q", "--output", out.to_str().unwrap()]).success();
    let page = read(&out, "stats/index.html");
    for (id, caption) in
        [("by-year", "事件簿に掲載した年ごとの事件の件数"), ("affected-by-year", "事件簿に掲載した年ごとの、影響")]
    {
        let svg = charts(&page).into_iter().find(|s| s.contains(&format!("id=\"{id}-title\""))).expect(id);
        assert!(svg.contains("<title>2024: "), "{id}: {svg}");
        assert!(!svg.contains("2023"), "{id}: {svg}");
        assert!(page.contains(&format!("<figcaption>{caption}")), "{caption}");
    }
    assert!(!page.contains("公表年"), "{page}");
}
