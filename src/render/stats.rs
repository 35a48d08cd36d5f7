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
use crate::site::{Site, Year};
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

/// Longest run of years drawn with the years without incidents among them; past it (a date
/// mistyped by decades) the years with none are left out rather than drawn as a flat line.
const MAX_YEAR_SPAN: i32 = 60;

/// One bar per year, oldest first, from the first year with incidents (`years`, oldest first)
/// to the last, with a zero bar for each year without any between them, so that a gap in the
/// series shows as one. A bar links to its year's page when there is one (a year without
/// incidents has one only when it has articles).
fn year_bars(years: &[&Year], links: &Links, value: impl Fn(&Year) -> u64) -> Vec<Bar> {
    let bar = |year: i32, value: u64| {
        let url = links.year_url(year);
        Bar { label: year.to_string(), value, url: (!url.is_empty()).then(|| url.to_string()) }
    };
    let (Some(first), Some(last)) = (years.first(), years.last()) else { return Vec::new() };
    if last.year - first.year >= MAX_YEAR_SPAN {
        return years.iter().map(|y| bar(y.year, value(y))).collect();
    }
    let mut given = years.iter().peekable();
    (first.year..=last.year)
        .map(|year| match given.next_if(|y| y.year == year) {
            Some(y) => bar(year, value(y)),
            None => bar(year, 0),
        })
        .collect()
}

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
/// itself from one day to the next), and the first of them as year × 12 + zero-based month.
fn by_month(site: &Site) -> (Vec<Bar>, i64) {
    let Some(newest) = site.incidents().map(|e| e.meta.date.day).max() else { return (Vec::new(), 0) };
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
    let bars = counts
        .into_iter()
        .enumerate()
        .map(|(k, value)| {
            let m = start + k as i64;
            Bar { label: format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1), value, url: None }
        })
        .collect();
    (bars, start)
}

pub fn value(site: &Site, config: &Config, links: &Links) -> Value {
    let years: Vec<&Year> = site.years.iter().rev().filter(|y| y.incidents > 0).collect();
    let per_year = year_bars(&years, links, |y| y.incidents as u64);
    let affected_year = year_bars(&years, links, |y| y.affected);
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

    let (months, first_month) = by_month(site);
    let charts = vec![
        chart("by-year", "年別の件数", "事件簿に掲載した年ごとの事件の件数", "年", "件数", &per_year, Layout::Years),
        chart(
            "by-attack",
            "攻撃種別ごとの件数",
            "攻撃種別ごとの事件の件数",
            "攻撃種別",
            "件数",
            &by_field(site, links, TaxonomyField::Attack),
            Layout::Horizontal,
        ),
        chart(
            "by-sector",
            "業種ごとの件数",
            "業種ごとの事件の件数",
            "業種",
            "件数",
            &by_field(site, links, TaxonomyField::Sector),
            Layout::Horizontal,
        ),
        chart(
            "affected-by-year",
            "年別の影響人数",
            "事件簿に掲載した年ごとの、影響を受けた人数・件数の合計",
            "年",
            // People and records summed, not incidents: named as on /years/.
            "影響件数",
            &affected_year,
            Layout::Years,
        ),
        chart(
            "top-data",
            "漏えいした情報 上位15種",
            "漏えいした情報の種類ごとの事件の件数（上位15）",
            "情報の種類",
            "件数",
            &data,
            Layout::Horizontal,
        ),
        chart(
            "by-month",
            "直近24か月の月別件数",
            "最新の事件までの24か月の、月ごとの事件の件数",
            "月",
            "件数",
            &months,
            Layout::Months { first: first_month },
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

/// How a chart is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    /// One row per name (attack, sector, kind of data): names are long, so they get a line each.
    Horizontal,
    /// One column per year, oldest on the left.
    Years,
    /// One column per month, oldest on the left, from `first` (year × 12 + zero-based month).
    Months { first: i64 },
}

/// Width of every chart in SVG units. The SVG is drawn this many CSS px wide and only shrinks to
/// fit a narrower column: on a desktop its text is FONT px, near the page's, and on a 390 px
/// phone (a 358 px column) still ~11.7 px. A 640-wide chart shrunk to a phone left 14-unit
/// labels at ~8 px.
const W: f64 = 460.0;
/// Font size of chart text in SVG units. style.css gives `.chart__label` and `.chart__value`
/// this size; labels are measured with it to keep them apart and inside the chart.
const FONT: f64 = 15.0;
/// Least space between two labels on one line.
const GAP: f64 = 6.0;
/// Least length of the bar of a non-zero value: next to a value a thousand times larger it would
/// round to nothing, and there would be no bar to see or link to click.
const MIN_BAR: f64 = 2.0;

/// A chart object for the template:
/// `{id, title, description, label, value_label, time, svg, rows: [{label, url, value, value_fmt}]}`.
fn chart(id: &str, title: &str, description: &str, label: &str, value_label: &str, bars: &[Bar], l: Layout) -> Value {
    let svg = match l {
        Layout::Horizontal => hbar(id, title, description, bars),
        Layout::Years | Layout::Months { .. } => vbar(id, title, description, bars, l),
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
        ("value_label", value_label.into()),
        // Rows keyed by year or month, which the table keeps on one line.
        ("time", (l != Layout::Horizontal).into()),
        ("svg", Value::safe_string(&svg)),
        ("rows", Value::from(rows)),
    ])
}

/// Width of `s` in SVG units, estimated on the wide side so that labels kept apart by it do not
/// touch: ideographs and kana take a full em, digits 0.64 em (as in DejaVu Sans, the widest
/// common fallback for Latin text).
fn text_width(s: &str) -> f64 {
    let ems: f64 = s
        .chars()
        .map(|c| match c {
            '0'..='9' => 0.64,
            '.' | ',' | ':' | ';' | '\'' | '!' | '|' | '-' | '(' | ')' | ' ' | 'i' | 'j' | 'l' | 'I' => 0.4,
            'M' | 'W' | 'm' | 'w' => 1.0,
            c if c.is_ascii() => 0.72,
            _ => 1.0,
        })
        .sum();
    ems * FONT
}

/// `label` cut to fit `max` units, ending in "…"; the table beside the chart has the full text.
fn fit(label: &str, max: f64) -> String {
    if text_width(label) <= max {
        return label.to_string();
    }
    let room = max - text_width("…");
    let mut out = String::new();
    let mut width = 0.0;
    for c in label.chars() {
        width += text_width(c.encode_utf8(&mut [0; 4]));
        if width > room {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// A value short enough to stand above a narrow column (4.3万, 427万, 1.2億); exact below 10,000.
/// The bar's `<title>` and the table have the exact number.
fn compact(v: u64) -> String {
    const UNITS: [(u128, &str); 4] =
        [(10_000, "万"), (100_000_000, "億"), (1_000_000_000_000, "兆"), (10_000_000_000_000_000, "京")];
    if v < 10_000 {
        return group_digits(v);
    }
    let v = u128::from(v);
    for (k, &(unit, name)) in UNITS.iter().enumerate() {
        let whole = (v + unit / 2) / unit;
        // 9,999.6万 is 1億, not 10,000万.
        if whole >= 10_000 && k + 1 < UNITS.len() {
            continue;
        }
        let tenths = (v * 10 + unit / 2) / unit;
        return match tenths {
            t if t >= 100 => format!("{}{name}", group_digits(u64::try_from(whole).unwrap_or(u64::MAX))),
            t if t % 10 == 0 => format!("{}{name}", t / 10),
            t => format!("{}.{}{name}", t / 10, t % 10),
        };
    }
    group_digits(u64::try_from(v).unwrap_or(u64::MAX))
}

/// A coordinate to a tenth of a unit, as short as it can be written ("12", "12.5").
struct N(f64);

impl std::fmt::Display for N {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `+ 0.0` turns -0 into 0.
        write!(f, "{}", (self.0 * 10.0).round() / 10.0 + 0.0)
    }
}

/// Length of the bar of `value` when `max` fills `full`: zero for zero, else at least MIN_BAR.
fn bar_len(value: u64, max: u64, full: f64) -> f64 {
    if value == 0 { 0.0 } else { (value as f64 / max.max(1) as f64 * full).max(MIN_BAR) }
}

fn open_svg(out: &mut String, id: &str, title: &str, description: &str, height: f64) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(description),
        w = N(W),
        h = N(height),
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
    const ROW: f64 = 28.0;
    const PAD: f64 = 2.0;
    // Ten ideographs; a longer name is cut rather than pushed off the left edge.
    const LABEL_MAX: f64 = 10.0 * FONT;
    let labels: Vec<String> = bars.iter().map(|b| fit(&b.label, LABEL_MAX)).collect();
    let values: Vec<String> = bars.iter().map(|b| group_digits(b.value)).collect();
    // The label column is as wide as the longest label, so short names leave the bars more room.
    let label_end = PAD + labels.iter().map(|l| text_width(l)).fold(0.0, f64::max);
    let bar_x = label_end + 8.0;
    let value_w = values.iter().map(|v| text_width(v)).fold(0.0, f64::max);
    let area = W - bar_x - 6.0 - value_w - PAD;
    let height = bars.len().max(1) as f64 * ROW + 8.0;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    let mut out = String::with_capacity(256 + bars.len() * 300);
    open_svg(&mut out, id, title, description, height);
    for (k, b) in bars.iter().enumerate() {
        let y = 4.0 + k as f64 * ROW;
        let len = bar_len(b.value, max, area);
        let inner = format!(
            "<text class=\"chart__label\" x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text><rect class=\"chart__bar\" x=\"{bx}\" y=\"{ry}\" width=\"{len}\" height=\"{h}\" rx=\"2\"/><text class=\"chart__value\" x=\"{vx}\" y=\"{ty}\">{value}</text>",
            lx = N(label_end),
            ty = N(y + 19.0),
            label = escape(&labels[k]),
            bx = N(bar_x),
            ry = N(y + 4.0),
            len = N(len),
            h = N(ROW - 8.0),
            vx = N(bar_x + len + 6.0),
            value = values[k],
        );
        bar_link(&mut out, b, &inner);
    }
    out.push_str("</svg>");
    out
}

/// A label under the axis: the bar it names, its text, centre and width.
#[derive(Debug)]
struct Tick {
    bar: usize,
    text: String,
    x: f64,
    width: f64,
}

impl Tick {
    fn new(bar: usize, text: String, x: f64) -> Tick {
        let width = text_width(&text);
        Tick { bar, text, x, width }
    }
}

/// The candidates, taken in order of priority, that fit inside the chart and keep clear of every
/// label kept before them on the same line. A label near an edge is moved in rather than
/// clipped.
fn place(candidates: impl IntoIterator<Item = Tick>) -> Vec<Tick> {
    let mut kept: Vec<Tick> = Vec::new();
    for mut t in candidates {
        if t.width > W {
            continue;
        }
        t.x = t.x.clamp(t.width / 2.0, W - t.width / 2.0);
        if kept.iter().all(|k| (k.x - t.x).abs() >= (k.width + t.width) / 2.0 + GAP) {
            kept.push(t);
        }
    }
    kept
}

/// The first of `steps` at which the widest label fits between two labelled bars (`slot` apart)
/// and `place` keeps every label: a label moved in from an edge comes nearer its neighbour.
fn thin<I: Iterator<Item = Tick>>(
    steps: impl IntoIterator<Item = usize>,
    slot: f64,
    widest: f64,
    ticks: impl Fn(usize) -> I,
) -> Option<Vec<Tick>> {
    steps
        .into_iter()
        .filter(|&step| step as f64 * slot >= widest + GAP)
        .map(|step| (ticks(step).count(), place(ticks(step))))
        .find(|(all, kept)| kept.len() == *all)
        .map(|(_, kept)| kept)
}

/// Every `step`-th year counted back from the newest, so the newest is always named and the
/// labels are evenly spaced, with `step` as small as lets them fit.
fn year_ticks(bars: &[Bar], slot: f64, centre: impl Fn(usize) -> f64) -> Vec<Tick> {
    let n = bars.len();
    let widest = bars.iter().map(|b| text_width(&b.label)).fold(0.0, f64::max);
    let ticks = |step: usize| {
        (0..n)
            .rev()
            .filter(move |k| (n - 1 - k).is_multiple_of(step))
            .map(|k| Tick::new(k, bars[k].label.clone(), centre(k)))
    };
    // One label, the newest, fits unless it is wider than the chart.
    thin(1..=n, slot, widest, ticks).unwrap_or_else(|| place(ticks(n.max(1))))
}

/// Two lines of labels: months ("4月") every `step` months, and under them the year of each
/// January and of the first labelled month.
fn month_ticks(first: i64, n: usize, slot: f64, centre: impl Fn(usize) -> f64) -> [Vec<Tick>; 2] {
    let month = |k: usize| first + k as i64;
    let ticks = |step: usize| {
        (0..n)
            .filter(move |&k| month(k).rem_euclid(12) % step as i64 == 0)
            .map(|k| Tick::new(k, format!("{}月", month(k).rem_euclid(12) + 1), centre(k)))
    };
    // A step that divides 12 labels the same months every year, January among them.
    let months = thin([1, 2, 3, 4, 6, 12], slot, text_width("12月"), ticks).unwrap_or_else(|| place(ticks(12)));
    let year = |t: &Tick| Tick::new(t.bar, format!("{}年", month(t.bar).div_euclid(12)), t.x);
    // Januaries first: when the first month's year would collide with the next January's, the
    // first gives way (the months before that January are of the year before it).
    let januaries = months.iter().filter(|t| month(t.bar).rem_euclid(12) == 0).map(year);
    let first_year = months.first().filter(|t| month(t.bar).rem_euclid(12) != 0).map(year);
    let years = place(januaries.chain(first_year));
    [months, years]
}

/// Vertical bars: time on the horizontal axis, labels under the bars (thinned when crowded).
fn vbar(id: &str, title: &str, description: &str, bars: &[Bar], layout: Layout) -> String {
    // Room above the tallest bar for its value.
    const TOP: f64 = 24.0;
    const AREA: f64 = 180.0;
    const PAD: f64 = 4.0;
    const LINE: f64 = FONT + 5.0;
    let n = bars.len().max(1);
    let slot = (W - 2.0 * PAD) / n as f64;
    // Capped so that a chart of one or two years is not a few slabs.
    let bar_w = (slot * 0.7).clamp(2.0, 64.0);
    let centre = |k: usize| PAD + slot * (k as f64 + 0.5);
    let rows: Vec<Vec<Tick>> = match layout {
        Layout::Months { first } => month_ticks(first, bars.len(), slot, centre).into(),
        Layout::Years | Layout::Horizontal => vec![year_ticks(bars, slot, centre)],
    };
    let axis = TOP + AREA;
    let height = axis + 6.0 + rows.len() as f64 * LINE;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    // Values above the bars only when every one fits its column: a value spilling over the next
    // column would read as that column's. They may come closer than labels (a 4-unit gap, not
    // GAP), as bars of different heights set them at different heights.
    let values: Vec<String> = bars.iter().map(|b| compact(b.value)).collect();
    let show_values = n <= 12 && values.iter().all(|v| text_width(v) + 4.0 <= slot);
    let mut out = String::with_capacity(256 + bars.len() * 300);
    open_svg(&mut out, id, title, description, height);
    let _ =
        write!(out, "<line class=\"chart__axis\" x1=\"0\" y1=\"{y}\" x2=\"{w}\" y2=\"{y}\"/>", y = N(axis), w = N(W));
    for (k, b) in bars.iter().enumerate() {
        let cx = centre(k);
        let h = bar_len(b.value, max, AREA);
        let y = axis - h;
        let mut inner = format!(
            "<rect class=\"chart__bar\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"2\"/>",
            x = N(cx - bar_w / 2.0),
            y = N(y),
            w = N(bar_w),
            h = N(h)
        );
        if show_values {
            let _ = write!(
                inner,
                "<text class=\"chart__value\" x=\"{x}\" y=\"{y}\" text-anchor=\"middle\">{v}</text>",
                x = N(cx),
                y = N((y - 4.0).max(FONT + 1.0)),
                v = values[k]
            );
        }
        for (line, row) in rows.iter().enumerate() {
            for t in row.iter().filter(|t| t.bar == k) {
                let _ = write!(
                    inner,
                    "<text class=\"chart__label\" x=\"{x}\" y=\"{y}\" text-anchor=\"middle\">{l}</text>",
                    x = N(t.x),
                    y = N(axis + (line + 1) as f64 * LINE),
                    l = escape(&t.text)
                );
            }
        }
        bar_link(&mut out, b, &inner);
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One `<text>` of a chart: its text, left and right edges (by the estimate the layout uses)
    /// and baseline.
    #[derive(Debug)]
    struct Text {
        text: String,
        left: f64,
        right: f64,
        y: f64,
    }

    fn number(n: roxmltree::Node, attr: &str) -> f64 {
        n.attribute(attr).unwrap_or_else(|| panic!("{attr} missing")).parse().unwrap()
    }

    fn texts(svg: &str) -> Vec<Text> {
        let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| {
                let (x, text) = (number(n, "x"), n.text().unwrap_or("").to_string());
                let w = text_width(&text);
                let (left, right) = match n.attribute("text-anchor") {
                    Some("middle") => (x - w / 2.0, x + w / 2.0),
                    Some("end") => (x - w, x),
                    _ => (x, x + w),
                };
                Text { text, left, right, y: number(n, "y") }
            })
            .collect()
    }

    /// Every text inside the viewBox, and clear of the other texts of its line by GAP (values
    /// above vertical bars by 4).
    #[track_caller]
    fn assert_texts_fit(svg: &str) {
        let texts = texts(svg);
        for t in &texts {
            assert!(t.left >= 0.0 && t.right <= W, "{t:?} outside 0..{W} in {svg}");
        }
        for (i, a) in texts.iter().enumerate() {
            for b in &texts[i + 1..] {
                if a.y == b.y {
                    assert!(a.right + 4.0 <= b.left || b.right + 4.0 <= a.left, "{a:?} and {b:?} overlap in {svg}");
                }
            }
        }
    }

    /// (title, `size` attribute: "height" or "width") of each bar.
    fn bars_of(svg: &str, size: &str) -> Vec<(String, f64)> {
        let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
        doc.descendants()
            .filter(|n| n.has_tag_name("rect"))
            .map(|r| {
                let link = r.parent().expect("a bar is in its link");
                let title = link.children().find(|c| c.has_tag_name("title")).and_then(|t| t.text()).unwrap_or("");
                (title.to_string(), number(r, size))
            })
            .collect()
    }

    fn months(first: i64, counts: &[u64]) -> Vec<Bar> {
        counts
            .iter()
            .enumerate()
            .map(|(k, &value)| {
                let m = first + k as i64;
                Bar { label: format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1), value, url: None }
            })
            .collect()
    }

    fn years(values: &[u64]) -> Vec<Bar> {
        values
            .iter()
            .enumerate()
            .map(|(k, &value)| Bar { label: (2000 + k).to_string(), value, url: Some(format!("/years/{}/", 2000 + k)) })
            .collect()
    }

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
        let v = vbar("b", "年", "d", &bars, Layout::Years);
        assert!(v.starts_with("<svg") && v.ends_with("</svg>"));
    }

    #[test]
    fn month_labels_keep_apart_inside_the_chart_for_any_first_month() {
        // The audit's chart: 24 months from 2022-03, labelled "2022-03" every other month 26
        // units apart, the first clipped at the left edge.
        for first in (2022 * 12)..(2023 * 12) {
            let bars = months(first, &[3; MONTHS]);
            let svg = vbar("m", "月別", "d", &bars, Layout::Months { first });
            assert_texts_fit(&svg);
            let labels: Vec<String> = texts(&svg).into_iter().map(|t| t.text).collect();
            // At least a label a quarter, every January with its year.
            assert!(labels.iter().filter(|l| l.ends_with('月')).count() >= 7, "{labels:?}");
            let (a, b) = (first.div_euclid(12) + 1, (first + MONTHS as i64 - 1).div_euclid(12));
            for y in a..=b {
                assert!(labels.contains(&format!("{y}年")), "{first}: {labels:?}");
            }
            assert_eq!(labels.iter().filter(|l| l.as_str() == "1月").count(), 2, "{labels:?}");
            // Every bar keeps its full month and count for hover and screen readers.
            let titles: Vec<String> = bars_of(&svg, "height").into_iter().map(|b| b.0).collect();
            assert_eq!(titles, bars.iter().map(|b| format!("{}: 3", b.label)).collect::<Vec<_>>());
        }
        let svg = vbar("m", "月別", "d", &months(2022 * 12 + 2, &[1; MONTHS]), Layout::Months { first: 2022 * 12 + 2 });
        let labels: Vec<String> = texts(&svg).into_iter().map(|t| t.text).collect();
        assert_eq!(labels[..2], ["4月".to_string(), "2022年".to_string()], "the first year is named too");
    }

    #[test]
    fn year_labels_keep_apart_and_name_the_newest() {
        for n in 1..=80 {
            let svg = vbar("y", "年別", "d", &years(&vec![1234; n]), Layout::Years);
            assert_texts_fit(&svg);
            let labels: Vec<String> = texts(&svg).into_iter().map(|t| t.text).collect();
            assert!(labels.contains(&(2000 + n - 1).to_string()), "{n}: {labels:?}");
        }
    }

    #[test]
    fn large_values_above_bars_are_short_or_left_out() {
        let values = [53_535_424, 44_587_962, 52_221_910, 47_302_639, 49_295_723, 45_122_239, 44_773_439];
        let svg = vbar("a", "影響", "d", &years(&values), Layout::Years);
        assert_texts_fit(&svg);
        assert!(svg.contains(">5,354万</text>"), "{svg}");
        for n in 1..=12 {
            assert_texts_fit(&vbar("a", "影響", "d", &years(&vec![u64::MAX; n]), Layout::Years));
        }
    }

    #[test]
    fn a_tiny_value_still_has_a_bar() {
        // The audit's 3,518 next to 4,269,560 was drawn 0 high: nothing to see or click.
        let svg = vbar("a", "影響", "d", &years(&[2_886_646, 4_269_560, 3_518, 0]), Layout::Years);
        let heights: Vec<f64> = bars_of(&svg, "height").into_iter().map(|b| b.1).collect();
        assert!(heights[2] >= MIN_BAR, "{heights:?}");
        assert_eq!(heights[3], 0.0, "zero stays zero");
        let bars = [
            Bar { label: "多い".into(), value: 1_000_000, url: None },
            Bar { label: "少ない".into(), value: 1, url: None },
            Bar { label: "なし".into(), value: 0, url: None },
        ];
        let widths: Vec<f64> = bars_of(&hbar("h", "h", "d", &bars), "width").into_iter().map(|b| b.1).collect();
        assert!(widths[1] >= MIN_BAR && widths[2] == 0.0, "{widths:?}");
    }

    #[test]
    fn long_names_are_cut_to_fit_the_chart() {
        let bars: Vec<Bar> = [
            "電気・ガス・熱供給・水道業（発電所を含む）",
            "Emotetを含むマルウェア感染によるなりすましメール送信",
            "WWWWWWWWWWWWWWWWWWWWWWWWWW",
            "官",
        ]
        .iter()
        .enumerate()
        .map(|(k, l)| Bar { label: l.to_string(), value: 123_456 / (k as u64 + 1), url: None })
        .collect();
        let svg = hbar("h", "業種", "d", &bars);
        assert_texts_fit(&svg);
        assert!(svg.contains(">電気・ガス・熱供給…</text>"), "{svg}");
        assert!(svg.contains(">官</text>"));
        // Chart labels only: the bar's title keeps the name whole.
        assert!(svg.contains("<title>電気・ガス・熱供給・水道業（発電所を含む）: 123,456</title>"));
    }

    #[test]
    fn charts_without_bars_are_empty() {
        for svg in [
            hbar("e", "t", "d", &[]),
            vbar("e", "t", "d", &[], Layout::Years),
            vbar("e", "t", "d", &[], Layout::Months { first: 0 }),
        ] {
            assert!(roxmltree::Document::parse(&svg).is_ok() && !svg.contains("<text"), "{svg}");
        }
    }

    #[test]
    fn labels_are_shortened_for_charts_only() {
        assert_eq!(fit("クレジットカード番号", 10.0 * FONT), "クレジットカード番号");
        assert_eq!(fit("とても長い組織名の株式会社サンプル", 6.0 * FONT), "とても長い…");
        assert!(text_width(&fit("Financial Services & Insurance", 10.0 * FONT)) <= 10.0 * FONT);
    }

    #[test]
    fn compact_values_round_to_man_and_oku() {
        let cases = [
            (0, "0"),
            (9_999, "9,999"),
            (10_000, "1万"),
            (12_345, "1.2万"),
            (99_960, "10万"),
            (4_269_560, "427万"),
            (53_535_424, "5,354万"),
            (99_995_000, "1億"),
            (120_000_000, "1.2億"),
            (12_345_678_901, "123億"),
            (u64::MAX, "1,845京"),
        ];
        for (v, s) in cases {
            assert_eq!(compact(v), s, "{v}");
        }
    }

    #[test]
    fn coordinates_are_written_short() {
        assert_eq!(N(12.0).to_string(), "12");
        assert_eq!(N(12.54).to_string(), "12.5");
        assert_eq!(N(-0.01).to_string(), "0");
    }
}
