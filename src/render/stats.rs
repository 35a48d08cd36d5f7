//! `/stats/`: counts across incidents, as SVG bar charts drawn at build time (no JavaScript, no
//! chart library in the browser) with the same numbers in a table beside each chart.
//!
//! The charts are inlined into the page and coloured by CSS classes, so they follow the theme's
//! light and dark colours. Every bar links to its year or term page.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::Datelike;
use tera::Value;

use super::theme::group_digits;
use super::values::{Links, obj, series_label};
use super::xml::escape;
use crate::config::{Config, TaxonomyField};
use crate::site::Site;
use crate::url;

/// One bar: label, value, link.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub url: Option<String>,
}

const TOP_DATA: usize = 15;
const MONTHS: usize = 24;

/// Incidents per value of a front-matter field, largest first, linked to the term pages when
/// the field has a taxonomy.
fn by_field(site: &Site, links: &Links, field: TaxonomyField) -> Vec<Bar> {
    if let Some(t) = site.taxonomies.iter().position(|t| t.config.field == field) {
        return site.taxonomies[t]
            .terms
            .iter()
            .enumerate()
            .map(|(k, term)| {
                let incidents = term.entries.iter().filter(|&&i| site.entries[i].is_incident()).count() as u64;
                Bar { label: term.name.clone(), value: incidents, url: Some(links.term[t][k].clone()) }
            })
            .filter(|b| b.value > 0)
            .collect();
    }
    // No taxonomy for this field: count by term key, unlinked.
    let mut counts: BTreeMap<String, (String, u64)> = BTreeMap::new();
    for e in site.incidents() {
        for v in crate::site::taxonomy_values(e, field) {
            counts.entry(url::key(v)).or_insert_with(|| (v.to_string(), 0)).1 += 1;
        }
    }
    let mut bars: Vec<Bar> = counts.into_values().map(|(label, value)| Bar { label, value, url: None }).collect();
    bars.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
    bars
}

/// The last `MONTHS` months up to the newest incident (not today: the page must not change by
/// itself from one day to the next).
fn by_month(site: &Site) -> Vec<Bar> {
    let Some(newest) = site.incidents().map(|e| e.meta.date.day).max() else { return Vec::new() };
    let index = |d: chrono::NaiveDate| d.year() as i64 * 12 + d.month0() as i64;
    let end = index(newest);
    let start = end - MONTHS as i64 + 1;
    let mut counts = vec![0u64; MONTHS];
    for e in site.incidents() {
        let m = index(e.meta.date.day);
        if m >= start {
            counts[(m - start) as usize] += 1;
        }
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(k, value)| {
            let m = start + k as i64;
            Bar { label: format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1), value, url: None }
        })
        .collect()
}

pub fn value(site: &Site, config: &Config, links: &Links) -> Value {
    let years: Vec<&crate::site::Year> = site.years.iter().rev().filter(|y| y.incidents > 0).collect();
    let year_bar = |y: &crate::site::Year, value: u64| Bar {
        label: y.year.to_string(),
        value,
        url: Some(links.year_url(y.year).to_string()),
    };
    let per_year: Vec<Bar> = years.iter().map(|y| year_bar(y, y.incidents as u64)).collect();
    let affected_year: Vec<Bar> = years.iter().map(|y| year_bar(y, y.affected)).collect();
    let mut data = by_field(site, links, TaxonomyField::Data);
    data.truncate(TOP_DATA);

    // The largest case of each year, for the table beside the affected chart.
    let largest: Vec<Value> = years
        .iter()
        .map(|y| {
            let best = y
                .entries
                .iter()
                .filter(|&&i| site.entries[i].is_incident())
                .filter_map(|&i| site.entries[i].meta.affected.map(|a| (a, i)))
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            let case = best.map_or(Value::none(), |(a, i)| {
                let e = &site.entries[i];
                obj(vec![
                    ("title", format!("{}{}", series_label(config, e), e.meta.title).into()),
                    ("url", links.entry[i].as_str().into()),
                    ("affected_fmt", group_digits(a).into()),
                ])
            });
            obj(vec![
                ("year", y.year.into()),
                ("url", links.year_url(y.year).into()),
                ("total_fmt", group_digits(y.affected).into()),
                ("largest", case),
            ])
        })
        .collect();

    let charts = vec![
        chart("by-year", "年別の件数", "公表年ごとの事件の件数", "年", &per_year, Orientation::Vertical),
        chart(
            "by-attack",
            "攻撃種別ごとの件数",
            "攻撃種別ごとの事件の件数",
            "攻撃種別",
            &by_field(site, links, TaxonomyField::Attack),
            Orientation::Horizontal,
        ),
        chart(
            "by-sector",
            "業種ごとの件数",
            "業種ごとの事件の件数",
            "業種",
            &by_field(site, links, TaxonomyField::Sector),
            Orientation::Horizontal,
        ),
        chart(
            "affected-by-year",
            "年別の影響人数",
            "公表年ごとの影響を受けた人数・件数の合計",
            "年",
            &affected_year,
            Orientation::Vertical,
        ),
        chart(
            "top-data",
            "漏えいした情報 上位15種",
            "漏えいした情報の種類ごとの事件の件数（上位15）",
            "情報の種類",
            &data,
            Orientation::Horizontal,
        ),
        chart(
            "by-month",
            "直近24か月の月別件数",
            "最新の事件までの24か月の、月ごとの事件の件数",
            "月",
            &by_month(site),
            Orientation::Vertical,
        ),
    ];
    let incidents = site.incidents().count();
    // Saturating like each year's total: a typo of many digits must not overflow the sum.
    let affected = site.years.iter().fold(0u64, |sum, y| sum.saturating_add(y.affected));
    obj(vec![
        ("incidents", incidents.into()),
        ("affected_fmt", group_digits(affected).into()),
        ("charts", Value::from(charts)),
        ("largest_by_year", Value::from(largest)),
    ])
}

#[derive(Clone, Copy, PartialEq)]
enum Orientation {
    Horizontal,
    Vertical,
}

/// A chart object for the template: `{id, title, description, label, svg, rows: [{label, url, value, value_fmt}]}`.
fn chart(id: &str, title: &str, description: &str, label: &str, bars: &[Bar], o: Orientation) -> Value {
    let svg = match o {
        Orientation::Horizontal => hbar(id, title, description, bars),
        Orientation::Vertical => vbar(id, title, description, bars),
    };
    let rows: Vec<Value> = bars
        .iter()
        .map(|b| {
            obj(vec![
                ("label", b.label.as_str().into()),
                ("url", b.url.clone().into()),
                ("value", b.value.into()),
                ("value_fmt", group_digits(b.value).into()),
            ])
        })
        .collect();
    obj(vec![
        ("id", id.into()),
        ("title", title.into()),
        ("description", description.into()),
        ("label", label.into()),
        ("svg", Value::safe_string(&svg)),
        ("rows", Value::from(rows)),
    ])
}

/// Shortens a label to `max` characters for the chart; the table beside it has the full text.
fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

fn open_svg(out: &mut String, id: &str, title: &str, description: &str, width: u32, height: u32) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(description)
    );
}

fn bar_link(out: &mut String, b: &Bar, inner: &str) {
    match &b.url {
        Some(u) => {
            let _ = write!(
                out,
                "<a href=\"{}\"><title>{}: {}</title>{inner}</a>",
                escape(u),
                escape(&b.label),
                group_digits(b.value)
            );
        }
        None => {
            let _ = write!(out, "<g><title>{}: {}</title>{inner}</g>", escape(&b.label), group_digits(b.value));
        }
    }
}

/// Horizontal bars: one row per category, label on the left, value after the bar.
fn hbar(id: &str, title: &str, description: &str, bars: &[Bar]) -> String {
    const W: u32 = 640;
    const ROW: u32 = 28;
    const LABEL: u32 = 190;
    const AREA: u32 = 370;
    let height = (bars.len() as u32).max(1) * ROW + 8;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let mut out = String::with_capacity(256 + bars.len() * 300);
    open_svg(&mut out, id, title, description, W, height);
    for (k, b) in bars.iter().enumerate() {
        let y = 4 + k as u32 * ROW;
        let len = ((b.value as f64 / max as f64) * AREA as f64).round().max(if b.value > 0 { 1.0 } else { 0.0 }) as u32;
        let inner = format!(
            "<text class=\"chart__label\" x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text><rect class=\"chart__bar\" x=\"{LABEL}\" y=\"{ry}\" width=\"{len}\" height=\"{h}\" rx=\"2\"/><text class=\"chart__value\" x=\"{vx}\" y=\"{ty}\">{value}</text>",
            lx = LABEL - 8,
            ty = y + 19,
            label = escape(&short(&b.label, 11)),
            ry = y + 4,
            h = ROW - 8,
            vx = LABEL + len + 6,
            value = group_digits(b.value),
        );
        bar_link(&mut out, b, &inner);
    }
    out.push_str("</svg>");
    out
}

/// Vertical bars: time on the horizontal axis, labels under the bars (thinned when crowded).
fn vbar(id: &str, title: &str, description: &str, bars: &[Bar]) -> String {
    const W: u32 = 640;
    const H: u32 = 260;
    const TOP: u32 = 24;
    const BOTTOM: u32 = 36;
    let n = bars.len().max(1) as u32;
    let slot = W / n;
    let bar_w = (slot * 7 / 10).max(2);
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let area = H - TOP - BOTTOM;
    // Show every label when they fit, else every k-th.
    let every = (n as usize).div_ceil(12).max(1);
    let mut out = String::with_capacity(256 + bars.len() * 300);
    open_svg(&mut out, id, title, description, W, H);
    let _ = write!(out, "<line class=\"chart__axis\" x1=\"0\" y1=\"{y}\" x2=\"{W}\" y2=\"{y}\"/>", y = H - BOTTOM);
    for (k, b) in bars.iter().enumerate() {
        let x = k as u32 * slot + (slot - bar_w) / 2;
        let h = ((b.value as f64 / max as f64) * area as f64).round() as u32;
        let y = H - BOTTOM - h;
        let mut inner =
            format!("<rect class=\"chart__bar\" x=\"{x}\" y=\"{y}\" width=\"{bar_w}\" height=\"{h}\" rx=\"2\"/>");
        if n <= 12 {
            let _ = write!(
                inner,
                "<text class=\"chart__value\" x=\"{cx}\" y=\"{vy}\" text-anchor=\"middle\">{v}</text>",
                cx = x + bar_w / 2,
                vy = y.saturating_sub(4).max(10),
                v = group_digits(b.value)
            );
        }
        if k % every == 0 || k + 1 == bars.len() {
            let _ = write!(
                inner,
                "<text class=\"chart__label\" x=\"{cx}\" y=\"{ly}\" text-anchor=\"middle\">{l}</text>",
                cx = x + bar_w / 2,
                ly = H - BOTTOM + 18,
                l = escape(&b.label)
            );
        }
        bar_link(&mut out, b, &inner);
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_is_accessible_and_links_bars() {
        let bars = vec![
            Bar { label: "ランサムウェア".into(), value: 12, url: Some("/attacks/x/".into()) },
            Bar { label: "<script>".into(), value: 3, url: None },
        ];
        let s = hbar("a", "攻撃種別", "説明", &bars);
        assert!(s.contains("<title id=\"a-title\">攻撃種別</title><desc id=\"a-desc\">説明</desc>"));
        assert!(s.contains("<a href=\"/attacks/x/\">"));
        assert!(s.contains("&lt;script&gt;") && !s.contains("<script>"));
        assert!(s.contains(">12</text>"));
        let v = vbar("b", "年", "d", &bars);
        assert!(v.starts_with("<svg") && v.ends_with("</svg>"));
    }

    #[test]
    fn labels_are_shortened_for_charts_only() {
        assert_eq!(short("クレジットカード番号", 11), "クレジットカード番号");
        assert_eq!(short("とても長い組織名の株式会社サンプル", 6), "とても長い…");
    }
}
