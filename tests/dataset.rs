//! /incidents.json, /incidents.csv, /stats/, organization pages and term feeds, checked against
//! the `dataset` fixture whose counts are known by construction.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn out() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("dataset-out-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dataset");
        let status = Command::new(env!("CARGO_BIN_EXE_casebook"))
            .args(["build", "-q", "--root"])
            .arg(&root)
            .arg("--output")
            .arg(&out)
            .status()
            .expect("run casebook");
        assert!(status.success());
        out
    })
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(out().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The keys of a JSON object in the order the file has them.
struct Keys(Vec<String>);

impl<'de> serde::Deserialize<'de> for Keys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Keys, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(Visit)
    }
}

#[test]
fn json_has_every_incident_with_every_field_in_order() {
    let v: serde_json::Value = serde_json::from_str(&read("incidents.json")).unwrap();
    let items = v.as_array().unwrap();
    // Incidents only, oldest first.
    let titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        ["A社, \"カード\" 情報の漏えい", "B病院のランサムウェア被害", "B病院の続報", "C市のメール誤送信"]
    );
    let first = &items[0];
    // One incident a line, between the brackets.
    let text = read("incidents.json");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), items.len() + 2, "{text}");
    assert_eq!((lines[0], lines[lines.len() - 1]), ("[", "]"));
    // Field order as written in the file (serde_json's Value would sort the keys).
    let keys = serde_json::from_str::<Keys>(lines[1].trim_end_matches(',')).unwrap().0;
    assert_eq!(
        keys,
        [
            "id",
            "title",
            "series_label",
            "url",
            "date",
            "updated",
            "organization",
            "attack",
            "sector",
            "affected",
            "data",
            "disclosed",
            "occurred_from",
            "occurred_to",
            "tags",
            "sources",
            "follows"
        ]
    );
    assert_eq!(first["id"], "2023-001");
    assert_eq!(first["series_label"], "【セキュリティ事件簿#2023-001】");
    assert_eq!(first["url"], "https://example.org/cb/incidents/2023-001/");
    assert_eq!(first["date"], "2023-03-01");
    assert!(first["updated"].is_null());
    assert_eq!(first["organization"], "株式会社A");
    assert_eq!(first["attack"], "不正アクセス");
    assert_eq!(first["sector"], "小売");
    assert_eq!(first["affected"], 1200);
    assert_eq!(first["data"], serde_json::json!(["氏名", "クレジットカード番号"]));
    assert_eq!(first["disclosed"], "2023-02-28");
    assert_eq!(first["occurred_from"], "2022-11-01");
    assert_eq!(first["occurred_to"], "2023-01-31");
    assert_eq!(first["tags"], serde_json::json!(["ECサイト"]));
    assert_eq!(
        first["sources"],
        serde_json::json!([{"title": "発表", "url": "https://example.org/a"}, {"title": "続報", "url": "https://example.org/b;jsessionid=1"}])
    );
    assert!(first["follows"].is_null());
    assert_eq!(items[2]["follows"], "2023-002");
    assert!(items[2]["affected"].is_null());
    assert!(items[3]["id"].is_null());
    assert_eq!(items[3]["url"], "https://example.org/cb/incidents/legacy/");
}

#[test]
fn csv_is_utf8_with_bom_rfc4180_quoted_lists_joined() {
    let bytes = std::fs::read(out().join("incidents.csv")).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a BOM so spreadsheet programs read UTF-8");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines.len(), 6, "header, four incidents, and the empty rest after the last CRLF");
    assert_eq!(
        lines[0],
        "id,title,series_label,url,date,updated,organization,attack,sector,affected,data,disclosed,occurred_from,occurred_to,tags,sources,follows"
    );
    assert_eq!(
        lines[1],
        "2023-001,\"A社, \"\"カード\"\" 情報の漏えい\",【セキュリティ事件簿#2023-001】,https://example.org/cb/incidents/2023-001/,2023-03-01,,株式会社A,不正アクセス,小売,1200,氏名;クレジットカード番号,2023-02-28,2022-11-01,2023-01-31,ECサイト,https://example.org/a;https://example.org/b\\;jsessionid=1,"
    );
    assert!(lines[3].ends_with(",氏名,,,,,,2023-002"), "{}", lines[3]);
    assert!(lines[4].starts_with(",C市のメール誤送信,,"), "{}", lines[4]);
    assert_eq!(lines[5], "");
}

/// The rows of the table with caption `caption` on the stats page, as (label, number) pairs.
fn table(caption: &str) -> Vec<(String, String)> {
    let page = read("stats/index.html");
    let start = page.find(&format!("<caption>{caption}</caption>")).unwrap_or_else(|| panic!("no table {caption}"));
    let body = &page[start..page[start..].find("</table>").unwrap() + start];
    body.split("<tr>")
        .skip(2)
        .map(|row| {
            let cells = cells(row);
            (cells[0].clone(), cells[1].clone())
        })
        .collect()
}

/// The text of each `<th>`/`<td>` cell of a table row, tags removed.
fn cells(row: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = row;
    while let Some(start) = rest.find("<t").filter(|&i| matches!(rest.as_bytes().get(i + 2), Some(b'h' | b'd'))) {
        let open_end = rest[start..].find('>').unwrap() + start + 1;
        let close = rest[open_end..].find("</t").unwrap() + open_end;
        let mut text = String::new();
        let mut in_tag = false;
        for c in rest[open_end..close].chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        out.push(text.trim().to_string());
        rest = &rest[close + 3..];
    }
    out
}

#[test]
fn stats_numbers_match_the_fixture() {
    let pairs = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
    assert_eq!(table("年別の件数（表）"), pairs(&[("2023", "2"), ("2024", "2")]));
    assert_eq!(
        table("攻撃種別ごとの件数（表）"),
        pairs(&[("ランサムウェア", "2"), ("不正アクセス", "1"), ("誤送信", "1")])
    );
    assert_eq!(table("業種ごとの件数（表）"), pairs(&[("医療", "2"), ("小売", "1"), ("自治体", "1")]));
    assert_eq!(table("年別の影響人数（表）"), pairs(&[("2023", "51,200"), ("2024", "30")]));
    assert_eq!(
        table("漏えいした情報 上位15種（表）"),
        pairs(&[("氏名", "3"), ("クレジットカード番号", "1"), ("メールアドレス", "1"), ("診療情報", "1")])
    );
    let page = read("stats/index.html");
    assert!(page.contains("事件 4 件、影響を受けた人数・件数の合計 51,230"));
    // The largest case of 2023 is B病院 with 50,000.
    let largest = &page[page.find("<caption>年別の影響人数の合計と最大の事件</caption>").unwrap()..];
    assert!(largest.contains("B病院のランサムウェア被害</a></td>\n          <td class=\"num\">50,000"));
    // 24 months up to the newest incident (2024-02): 2023-03 has one, 2022-02 is out of range.
    let months = table("直近24か月の月別件数（表）");
    assert_eq!(months.len(), 24);
    assert_eq!(months[0], ("2022-03".to_string(), "0".to_string()));
    assert_eq!(months.last().unwrap(), &("2024-02".to_string(), "1".to_string()));
    assert_eq!(months.iter().find(|m| m.0 == "2023-03").unwrap().1, "1");
}

#[test]
fn charts_are_accessible_svg_with_linked_bars() {
    let page = read("stats/index.html");
    assert_eq!(page.matches("<svg").count(), 6);
    assert!(page.contains("<title id=\"by-attack-title\">攻撃種別ごとの件数</title>"));
    assert!(page.contains("<desc id=\"by-attack-desc\">"));
    assert!(page.contains("aria-labelledby=\"by-attack-title by-attack-desc\""));
    // Bars link to the term and year pages, percent-encoded under the base path.
    assert!(page.contains("<a href=\"/cb/attacks/%E3%83%A9%E3%83%B3%E3%82%B5%E3%83%A0%E3%82%A6%E3%82%A7%E3%82%A2/\"><title>ランサムウェア: 2</title>"));
    assert!(page.contains("<a href=\"/cb/years/2023/\"><title>2023: 2</title>"));
    assert!(!page.contains("<script"), "the stats page needs no JavaScript");
}

#[test]
fn organization_page_lists_every_report_and_the_chain() {
    let org = read("organizations/b病院/index.html");
    let newer = org.find("B病院の続報").unwrap();
    let older = org.find("B病院のランサムウェア被害").unwrap();
    assert!(newer < older, "newest first, like every list");
    for page in ["incidents/2023-002/index.html", "incidents/2024-001/index.html"] {
        let html = read(page);
        assert!(
            html.contains("B病院のランサムウェア被害") && html.contains("B病院の続報"),
            "{page} shows the 続報 chain"
        );
    }
}

#[test]
fn every_term_has_a_feed_announced_on_its_page() {
    let feed = read("attacks/ランサムウェア/feed.xml");
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    assert_eq!(feed.matches("<entry>").count(), 2);
    assert!(feed.contains("<link href=\"https://example.org/cb/attacks/%E3%83%A9%E3%83%B3%E3%82%B5%E3%83%A0%E3%82%A6%E3%82%A7%E3%82%A2/feed.xml\" rel=\"self\""));
    let page = read("attacks/ランサムウェア/index.html");
    assert!(page.contains("<link rel=\"alternate\" type=\"application/atom+xml\""));
    assert!(
        page.contains("href=\"/cb/attacks/%E3%83%A9%E3%83%B3%E3%82%B5%E3%83%A0%E3%82%A6%E3%82%A7%E3%82%A2/feed.xml\"")
    );
    for t in ["tags/病院/feed.xml", "sectors/医療/feed.xml", "organizations/b病院/feed.xml", "data-types/氏名/feed.xml"]
    {
        assert!(out().join(t).is_file(), "{t}");
    }
}

/// The README's table of the dataset's fields is "in this order": it must name the CSV header's
/// columns in the header's order (it once listed `tags` beside `data`).
#[test]
fn readme_lists_the_fields_in_the_files_order() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let table = readme.split("### The dataset").nth(1).expect("README dataset section");
    let documented: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with("| field"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .flat_map(|l| l.split('|').nth(1).unwrap_or("").split(','))
        .map(|f| f.trim().trim_matches('`'))
        .collect();
    let text = read("incidents.csv");
    let header = text.trim_start_matches('\u{feff}').split("\r\n").next().unwrap();
    assert_eq!(documented, header.split(',').collect::<Vec<_>>());
}

/// A cell a spreadsheet would run as a formula starts with `'` in the CSV, and as written in the
/// JSON.
#[test]
fn csv_cells_that_start_as_formulas_are_text() {
    let (_tmp, root) = common::empty_site("csv-formula", "[book]\ntitle = \"x\"\n");
    let org = "=HYPERLINK(\"http://evil\",\"x\"), Inc.";
    let front = format!(
        "---\ntitle: \"-1件の漏えい\"\nid: \"2024-001\"\ndate: 2024-01-05\norganization: '{org}'\ntags: [\"@mention\", 通常]\n---\n本文。\n"
    );
    common::write(&root, "content/incidents/2024/a.md", &front);
    common::build(&root, &[]).success();
    let csv = common::read(&root.join("public"), "incidents.csv");
    let row = csv.split("\r\n").nth(1).unwrap();
    assert!(row.starts_with("2024-001,'-1件の漏えい,"), "{row}");
    assert!(row.contains(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\"), Inc.\","), "{row}");
    assert!(row.contains(",'@mention;通常,"), "{row}");
    let json = common::read(&root.join("public"), "incidents.json");
    assert!(json.contains("\"organization\":\"=HYPERLINK(\\\"http://evil\\\",\\\"x\\\"), Inc.\""), "{json}");
}
