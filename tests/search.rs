//! `/search/`: the index written by `casebook build` for `tests/fixtures/search`, and the shipped
//! `search.js` run against it under node (`tests/search/harness.mjs`): Japanese substring
//! matches, Latin case and width folding, the too-short state, filters, ranking, highlighting
//! and escaping. The node part is skipped (with a message) only when `node` is not installed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;
use serde_json::{Value, json};

/// Builds a copy of the search fixture with `--jobs <jobs>` into `<tmp>/out`.
fn build_fixture(jobs: &str) -> (TempDir, PathBuf) {
    let (tmp, root) = site_from_fixture("search");
    let out = tmp.join("out");
    build(&root, &["--output", out.to_str().unwrap(), "--jobs", jobs]).success();
    (tmp, out)
}

/// The fixture built once, shared by the tests that only read it (under the target's temporary
/// directory, since statics are never dropped; what earlier runs left is removed first).
fn shared() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(tmp).unwrap();
        for e in std::fs::read_dir(tmp).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("casebook-shared-search-")
                && (pid == std::process::id().to_string() || !Path::new("/proc").join(pid).exists())
            {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        let dir = tmp.join(format!("casebook-shared-search-{}", std::process::id()));
        let root = dir.join("site");
        copy_dir(&fixture("search"), &root);
        let out = dir.join("out");
        build(&root, &["--output", out.to_str().unwrap(), "--jobs", "2"]).success();
        out
    })
}

fn node_available() -> bool {
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ => {
            eprintln!("note: `node` is not installed; skipping the search.js checks");
            false
        }
    }
}

/// Runs the harness on `out` with `request`; None when node is missing.
fn harness(out: &Path, request: &Value) -> Option<Value> {
    if !node_available() {
        return None;
    }
    let script = manifest_dir().join("tests").join("search").join("harness.mjs");
    let o = Command::new("node").arg(&script).arg(out).arg(request.to_string()).output().expect("run node");
    assert!(
        o.status.success(),
        "harness failed\n--- stdout:\n{}\n--- stderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    Some(serde_json::from_slice(&o.stdout).expect("harness prints JSON"))
}

/// Runs one query (with optional filters) and returns the harness's answer for it.
fn query(q: &str, year: &str, attack: &str) -> Option<Value> {
    let req = json!({ "render": true, "cases": [{ "query": q, "year": year, "attack": attack, "docs": 100 }] });
    harness(shared(), &req).map(|r| r["cases"][0].clone())
}

/// The URLs of the results, in rank order.
fn urls(case: &Value) -> Vec<String> {
    case["hits"].as_array().unwrap().iter().map(|h| h["url"].as_str().unwrap().to_string()).collect()
}

fn incident(id: &str) -> String {
    format!("/cb/incidents/{id}/")
}

const ARTICLE: &str = "/cb/articles/review-2023/";

#[test]
fn index_files_are_listed_in_meta() {
    let out = shared();
    let meta: Value = serde_json::from_str(&read(out, "search/meta.json")).unwrap();
    assert_eq!(meta["format"], 1);
    assert_eq!(meta["count"], 8);
    assert_eq!(meta["years"], json!([2024, 2023, 2022, 2021]));
    // Newest first: 2024 ×4 (three incidents and the article), 2023 ×2, 2022, 2021.
    assert_eq!(meta["yearRuns"], json!([[0, 4], [1, 2], [2, 1], [3, 1]]));
    assert_eq!(meta["attacks"][0], json!(["ランサムウェア", 2]));
    // One digit per document: 1 + the attack's index in `attacks`, 0 for none (the article).
    assert_eq!(meta["attackOf"], "53101264");
    let shards = meta["shards"].as_u64().unwrap();
    assert_eq!(shards, 1 << meta["shardBits"].as_u64().unwrap());
    for s in 0..shards {
        assert!(out.join(format!("search/index/{s}.bin")).is_file(), "shard {s}");
    }
    for c in 0..meta["docChunks"].as_u64().unwrap() {
        assert!(out.join(format!("search/docs/{c}.json")).is_file(), "doc chunk {c}");
    }
    // Nothing else under search/ but the page itself.
    let tree = read_tree(&out.join("search"));
    let expected = 2 + shards as usize + meta["docChunks"].as_u64().unwrap() as usize;
    assert_eq!(tree.len(), expected, "{:?}", tree.keys().collect::<Vec<_>>());
    assert_eq!(meta["seriesLabel"], "セキュリティ事件簿");
    // Documents carry the series id (search.js adds the label) and the URL with the base path.
    let docs: String =
        (0..meta["docChunks"].as_u64().unwrap()).map(|c| read(out, &format!("search/docs/{c}.json"))).collect();
    assert!(docs.contains(r#"["/cb/incidents/2024-010/","i","2024-010","「サンプルオンラインストア」"#), "{docs}");
    assert!(docs.contains(r#"["/cb/articles/review-2023/","a","","2023年の事件を振り返る""#), "{docs}");
    // No body is shipped whole: only a short excerpt of the summary.
    assert!(!docs.contains("復旧作業は完了しています"), "only the first paragraph is stored");
}

#[test]
fn index_is_byte_identical_across_job_counts() {
    let (_a, one) = build_fixture("1");
    let (_b, two) = build_fixture("2");
    let a = read_tree(&one.join("search"));
    let b = read_tree(&two.join("search"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "search/{path} differs between --jobs 1 and --jobs 2");
    }
    assert_eq!(std::fs::read(one.join("search.js")).unwrap(), std::fs::read(two.join("search.js")).unwrap());
}

#[test]
fn search_page_loads_the_script_and_explains_itself_without_it() {
    let html = read(shared(), "search/index.html");
    assert!(html.contains(r#"<script src="/cb/search.js" defer></script>"#), "{html}");
    assert!(html.contains(r#"href="/cb/search.css""#));
    assert!(html.contains(r#"data-index="/cb/search/""#));
    assert!(html.contains(r#"name="q""#) && html.contains(r#"name="year""#) && html.contains(r#"name="attack""#));
    let noscript = &html[html.find("<noscript>").expect("noscript")..html.find("</noscript>").unwrap()];
    assert!(noscript.contains("JavaScript が必要"), "{noscript}");
    assert!(noscript.contains(r#"href="/cb/years/""#), "links to browse without search: {noscript}");
    assert!(html.contains(r#"id="search-status""#) && html.contains(r#"role="status""#));
    assert!(shared().join("search.js").is_file() && shared().join("search.css").is_file());
}

#[test]
fn katakana_prefix_finds_the_whole_word_ranked_by_field_then_date() {
    let Some(c) = query("ランサム", "", "") else { return };
    assert_eq!(c["status"], "ok");
    // Title match, then attack (a term), then body-only matches newest first: the 2024-12
    // incident and the 2024-01 article mention ランサムウェア only in their bodies, and rank
    // below the older incidents that have it in the title or as their attack.
    assert_eq!(urls(&c), vec![incident("2024-010"), incident("2023-070"), incident("2024-030"), ARTICLE.into()]);
    let scores: Vec<i64> = c["hits"].as_array().unwrap().iter().map(|h| h["score"].as_i64().unwrap()).collect();
    assert_eq!(scores, vec![0, 2, 3, 3]);
    let first = &c["hits"][0];
    assert_eq!(first["label"], "【セキュリティ事件簿#2024-010】");
    assert_eq!(first["date"], "2024-05-10");
    // The match is highlighted in the title: 「サンプルオンラインストア」へのランサム|ウェア...
    let title = first["title"].as_str().unwrap();
    let range = &first["describe"]["title"][0];
    let (s, e) = (range[0].as_u64().unwrap() as usize, range[1].as_u64().unwrap() as usize);
    let utf16: Vec<u16> = title.encode_utf16().collect();
    assert_eq!(String::from_utf16(&utf16[s..e]).unwrap(), "ランサム");
    assert!(
        first["html"].as_str().unwrap().contains("へのランサム</mark>ウェア")
            || first["html"].as_str().unwrap().contains("<mark>ランサム</mark>ウェア")
    );
    // A body-only match says so.
    assert_eq!(c["hits"][2]["describe"]["bodyOnly"], true);
    assert!(c["hits"][2]["html"].as_str().unwrap().contains("本文に一致"));
}

#[test]
fn kanji_compound_finds_the_longer_phrase() {
    let Some(c) = query("個人情報", "", "") else { return };
    assert_eq!(urls(&c), vec![incident("2024-010"), incident("2022-005")]);
    assert!(c["hits"][1]["html"].as_str().unwrap().contains("<mark>個人情報</mark>の漏えい"));
}

#[test]
fn latin_queries_fold_case_and_width() {
    for q in ["VPN", "vpn", "ＶＰＮ", "Vpn"] {
        let Some(c) = query(q, "", "") else { return };
        assert_eq!(urls(&c), vec![incident("2024-020")], "{q}");
    }
    let Some(c) = query("emotet", "", "") else { return };
    assert_eq!(urls(&c), vec![incident("2023-050")]);
    // Full-width text in the index is found by ASCII, and half-width katakana by full-width.
    let Some(c) = query("usb", "", "") else { return };
    assert_eq!(urls(&c), vec![incident("2021-001")]);
    let Some(c) = query("サンプル", "", "") else { return };
    assert_eq!(urls(&c), vec![incident("2024-010"), incident("2021-001")], "title before organization");
    assert!(c["hits"][1]["html"].as_str().unwrap().contains("株式会社<mark>ｻﾝﾌﾟﾙ</mark>"));
}

#[test]
fn several_words_must_all_match() {
    let Some(c) = query("VPN 病院", "", "") else { return };
    assert_eq!(urls(&c), vec![incident("2024-020")]);
    let Some(c) = query("ランサム 物流", "", "") else { return };
    assert_eq!(urls(&c), vec![incident("2023-070")]);
}

#[test]
fn no_result_and_too_short_queries() {
    let Some(c) = query("存在しない語句", "", "") else { return };
    assert_eq!(c["status"], "none");
    assert_eq!(c["total"], 0);
    // Every bigram of ウェアラン is in 2024-010's title (ランサムウェア, アラート), but not the
    // phrase: positions rule it out.
    let Some(c) = query("ウェアラン", "", "") else { return };
    assert_eq!(c["status"], "none", "{c}");
    for q in ["ラ", "a", "Ｖ", " 個 "] {
        let Some(c) = query(q, "", "") else { return };
        assert_eq!(c["status"], "short", "{q}");
        assert_eq!(c["total"], 0);
        // A one-character query downloads nothing but (at most) meta.json.
        assert!(c["files"].as_array().unwrap().iter().all(|f| f == "meta.json"), "{c}");
    }
    let Some(c) = query("  ", "", "") else { return };
    assert_eq!(c["status"], "empty");
    assert_eq!(c["statusText"], "");
    let Some(c) = query("C++", "", "") else { return };
    assert_eq!(c["status"], "short");
    assert_eq!(c["statusText"], "2文字以上の語で検索してください（1文字の語と記号は検索に使えません）");
}

/// A one-character word in a longer query is left out, and the status line says so.
#[test]
fn one_character_words_are_named_when_left_out() {
    let Some(c) = query("ランサム 社", "", "") else { return };
    assert_eq!(c["terms"], json!(["ランサム"]));
    assert_eq!(c["dropped"], json!(["社"]));
    let text = c["statusText"].as_str().unwrap();
    assert!(text.starts_with("「ランサム 社」の検索結果："), "{text}");
    assert!(text.ends_with("（1文字の語「社」は検索に使っていません）"), "{text}");
}

/// A year or attack chosen without a query lists every entry it lets through, newest first
/// (before, the page showed nothing and said nothing).
#[test]
fn filters_without_a_query_list_their_entries() {
    let Some(c) = query("", "", "ランサムウェア") else { return };
    assert_eq!(c["status"], "ok");
    assert_eq!(urls(&c), vec![incident("2024-010"), incident("2023-070")]);
    assert_eq!(c["statusText"], "ランサムウェアの記事：2件");
    // Nothing was searched for, so nothing is said to match in the body.
    for hit in c["hits"].as_array().unwrap() {
        assert_eq!(hit["describe"]["bodyOnly"], false, "{hit}");
    }
    // No shard of the index is needed, only the documents shown.
    assert!(c["files"].as_array().unwrap().iter().all(|f| !f.as_str().unwrap().starts_with("index/")), "{c}");
    let Some(c) = query("", "2023", "ランサムウェア") else { return };
    assert_eq!(urls(&c), vec![incident("2023-070")]);
    assert_eq!(c["statusText"], "2023年・ランサムウェアの記事：1件");
    let Some(c) = query("", "2023", "誤送信") else { return };
    assert_eq!(c["status"], "none");
    assert_eq!(c["statusText"], "2023年・誤送信の記事はありません。");
}

#[test]
fn year_and_attack_filters() {
    let Some(c) = query("ランサム", "2023", "") else { return };
    assert_eq!(urls(&c), vec![incident("2023-070")]);
    let Some(c) = query("ランサム", "2024", "") else { return };
    assert_eq!(urls(&c), vec![incident("2024-010"), incident("2024-030"), ARTICLE.into()]);
    let Some(c) = query("ランサム", "", "ランサムウェア") else { return };
    assert_eq!(urls(&c), vec![incident("2024-010"), incident("2023-070")]);
    let Some(c) = query("メール", "", "誤送信") else { return };
    assert_eq!(urls(&c), vec![incident("2022-005")]);
    let Some(c) = query("ランサム", "2023", "誤送信") else { return };
    assert_eq!(c["status"], "none");
}

#[test]
fn index_text_is_never_markup() {
    let Some(c) = query("USBメモリ", "", "") else { return };
    let html = c["hits"][0]["html"].as_str().unwrap();
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    let Some(c) = query("太字", "", "") else { return };
    let html = c["hits"][0]["html"].as_str().unwrap();
    assert!(html.contains("&lt;b&gt;<mark>太字</mark>&lt;/b&gt;"), "{html}");
}

#[test]
fn a_query_downloads_only_its_shards_with_the_index_version() {
    let Some(c) = query("ランサム", "", "") else { return };
    let files: Vec<&str> = c["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert_eq!(files[0], "meta.json");
    assert!(files.iter().skip(1).all(|f| f.starts_with("index/") || f.starts_with("docs/")), "{files:?}");
    let meta: Value = serde_json::from_str(&read(shared(), "search/meta.json")).unwrap();
    // meta.json is read unversioned, everything after it with meta's version.
    assert_eq!(c["versions"], json!([null, meta["version"]]));
}

#[test]
fn rust_and_javascript_agree_on_hashing_and_normalization() {
    use casebook::render::search::{bigram_hash, normalize};
    let pairs: Vec<(char, char)> = vec![('ラ', 'ン'), ('個', '人'), ('v', 'p'), ('🔒', 'a'), ('0', '1')];
    let texts = ["ＶＰＮ", "Emotet", "ﾗﾝｻﾑｳｪｱ", "㈱テスト", "か\u{3099}", "ΟΔΟΣ Σ", "İstanbul", "①２③"];
    let req = json!({
        "hashes": pairs.iter().map(|&(a, b)| json!([a as u32, b as u32])).collect::<Vec<_>>(),
        "normalize": texts,
    });
    let Some(r) = harness(shared(), &req) else { return };
    for (i, &(a, b)) in pairs.iter().enumerate() {
        assert_eq!(r["hashes"][i].as_u64().unwrap(), u64::from(bigram_hash(a as u32, b as u32)), "{a}{b}");
    }
    for (i, t) in texts.iter().enumerate() {
        assert_eq!(r["normalize"][i].as_str().unwrap(), normalize(t), "{t}");
    }
}

/// A generated site of 600 incidents: several posting shards, document numbers past one varint
/// byte, dense lists stored as bitmaps. Every entry whose text contains a query is found; the
/// field matches (title, organization, terms: scores below 3) are exactly the entries whose
/// fields contain it, title matches score 0; results are ranked by score, then newest first.
#[test]
fn generated_site_agrees_with_a_brute_force_scan() {
    use casebook::render::search::normalize;
    if !node_available() {
        return;
    }
    let (tmp, root) = empty_site("search-gen", "[book]\ntitle = \"生成\"\n");
    let words = [
        "ランサムウェア",
        "個人情報",
        "漏えい",
        "不正アクセス",
        "VPN",
        "Emotet",
        "サーバー",
        "委託先",
        "クレジットカード",
        "メール",
        "誤送信",
        "暗号化",
        "病院",
        "大学",
        "自治体",
        "フィッシング",
        "パスワード",
        "バックアップ",
        "脆弱性",
        "ｻﾝﾌﾟﾙ",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut pick = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    struct Gen {
        url: String,
        title: String,
        fields: String,
        body: String,
    }
    let mut entries = Vec::new();
    for i in 0..600 {
        let year = 2019 + i % 6;
        let id = format!("{year}-{:03}", i / 6 + 1);
        let date = format!("{year}-{:02}-{:02}", 1 + (i / 6) % 12, 1 + (i / 72) % 28);
        let title = format!("{}の{}と{}について", words[pick(20)], words[pick(20)], words[pick(20)]);
        let org = format!("株式会社{}", words[pick(20)]);
        let attack = words[pick(6)];
        let tags = [words[pick(20)], words[pick(20)]];
        let body: Vec<String> =
            (0..6).map(|_| format!("{}の{}が発生しました。", words[pick(20)], words[pick(20)])).collect();
        let (p1, p2) = (body[..3].concat(), body[3..].concat());
        let text = format!(
            "---\ntitle: \"{title}\"\nid: \"{id}\"\ndate: {date}\norganization: \"{org}\"\nattack: \"{attack}\"\ntags: [\"{}\", \"{}\"]\n---\n\n{p1}\n\n{p2}\n",
            tags[0], tags[1],
        );
        write(&root, &format!("content/incidents/{year}/{id}.md"), &text);
        let fields = format!("{title}\n{org}\n{attack}\n{}\n{}", tags[0], tags[1]);
        entries.push(Gen { url: format!("/incidents/{id}/"), title, fields, body: format!("{p1}\n{p2}") });
    }
    let out = tmp.join("out");
    build(&root, &["--output", out.to_str().unwrap()]).success();
    let meta: Value = serde_json::from_str(&read(&out, "search/meta.json")).unwrap();
    assert!(meta["shards"].as_u64().unwrap() > 1, "{meta}");

    let queries =
        ["ランサム", "個人情報の漏え", "サンプル", "vpn", "ウェア", "カード", "バック", "emotetの", "ーの", "病院"];
    let cases: Vec<Value> = queries.iter().map(|q| json!({ "query": q, "docs": 1000 })).collect();
    let r = harness(&out, &json!({ "cases": cases })).unwrap();
    for (k, q) in queries.iter().enumerate() {
        let c = &r["cases"][k];
        let hits = c["hits"].as_array().unwrap();
        let nq = normalize(q);
        let score = |url: &str| hits.iter().find(|h| h["url"] == url).map(|h| h["score"].as_i64().unwrap());
        let (mut in_fields, mut anywhere) = (0, 0);
        for e in &entries {
            let field = normalize(&e.fields).contains(&nq);
            if field || normalize(&e.body).contains(&nq) {
                anywhere += 1;
                let s = score(&e.url).unwrap_or_else(|| panic!("{q}: {} missing", e.url));
                if normalize(&e.title).contains(&nq) {
                    assert_eq!(s, 0, "{q}: {} is a title match", e.url);
                }
                if field {
                    in_fields += 1;
                    assert!(s < 3, "{q}: {} is a field match", e.url);
                }
            }
        }
        let field_hits = hits.iter().filter(|h| h["score"].as_i64().unwrap() < 3).count();
        assert_eq!(field_hits, in_fields, "{q}: field matches are verified");
        assert!(anywhere > 0 && hits.len() >= anywhere, "{q}");
        eprintln!("{q}: {anywhere} entries contain it, {} results ({in_fields} in fields)", hits.len());
        for w in hits.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            let (sa, sb) = (a["score"].as_i64().unwrap(), b["score"].as_i64().unwrap());
            assert!(sa < sb || (sa == sb && a["date"].as_str() >= b["date"].as_str()), "{q}: {a} before {b}");
        }
    }
}
