//! The client-side search index written under `/search/` (the design is in docs/search.md).
//!
//! The index is a character-bigram index: text is normalized (NFKC, then lowercase), cut into
//! runs of letters and digits, and every pair of adjacent characters in a run is a key. A query
//! of two or more characters is found by intersecting the postings of its bigrams, so
//! `ランサム` finds `ランサムウェア` without any word segmenter. Files:
//!
//! - `search/meta.json`: counts, the layout of the other files, the series label, and
//!   per-document facets (year, attack) for the filters.
//! - `search/index/<n>.bin`: posting shards. A bigram lives in shard `hash(bigram) >> (32 - bits)`,
//!   so a query downloads only the shards of its own bigrams. Each bigram has *field*
//!   postings (title, organization, terms, with positions, so that a match is verified as a
//!   substring and ranked by field) and *body* postings (documents only: a delta list or a
//!   bitmap, whichever is smaller).
//! - `search/docs/<n>.json`: what a result shows (URL, kind, series id, title, date,
//!   organization, attack, terms, excerpt), `DOC_CHUNK` documents a file, loaded only for the results on screen.
//!
//! Document numbers are indices into `site.entries` (newest first). Everything is written in a
//! fixed order, so the files are byte-identical whatever the number of threads.

use std::collections::HashMap;

use rayon::prelude::*;
use unicode_normalization::UnicodeNormalization;

use super::Page;
use super::values::{Links, series_label};
use crate::config::Config;
use crate::content::Entry;
use crate::site::Site;
use crate::url::nfkc_stable;

/// Version of the file format, checked by search.js.
pub const FORMAT: u32 = 1;
/// Field numbers in positional postings: `code = position * FIELDS + field`.
pub const FIELD_TITLE: u32 = 0;
pub const FIELD_ORGANIZATION: u32 = 1;
pub const FIELD_TERMS: u32 = 2;
const FIELDS: u32 = 3;
/// Documents per `search/docs/<n>.json`.
pub const DOC_CHUNK: usize = 8;
/// Characters of the stored excerpt.
const EXCERPT_CHARS: usize = 80;
/// Posting shards are made about this large (the shard count is a power of two).
const TARGET_SHARD_BYTES: usize = 8 * 1024;
/// At most `1 << MAX_SHARD_BITS` posting shards.
const MAX_SHARD_BITS: u32 = 12;
/// Positions past this are not indexed (a code must fit beside the bigram key in a `u64`).
const MAX_POSITION: usize = 1 << 20;
/// Documents per parallel indexing batch. Every batch has its own maps, with a vector per
/// bigram, merged at the end: a few batches per thread allocate and merge less than many small
/// ones, but maps much larger than the caches make every insertion slower.
const MIN_BATCH: usize = 256;
const MAX_BATCH: usize = 2048;

/// The index files of `/search/`.
pub fn files(site: &Site, config: &Config, links: &Links) -> Vec<Page> {
    let n = site.entries.len();

    // Postings, built in batches of documents in parallel. Each batch splits its bigrams into
    // `PARTS` maps by key, so the batches are merged (in document order) and encoded one part
    // at a time, in parallel too: no single large map, and no serial merge.
    let batch = n.div_ceil(4 * rayon::current_num_threads()).clamp(MIN_BATCH, MAX_BATCH);
    let mut batches: Vec<Vec<PartMap>> = (0..n.div_ceil(batch))
        .into_par_iter()
        .with_max_len(1)
        .map(|b| {
            let mut p = Postings::default();
            for i in b * batch..((b + 1) * batch).min(n) {
                p.add_document(i as u32, &site.entries[i]);
            }
            p.into_parts()
        })
        .collect();
    let parts: Vec<Vec<PartMap>> =
        (0..PARTS).map(|part| batches.iter_mut().map(|b| std::mem::take(&mut b[part])).collect()).collect();
    drop(batches);

    // One encoded record per bigram, in key order.
    let mut records: Vec<(u64, u32, Vec<u8>)> = parts
        .into_par_iter()
        .with_max_len(1)
        .flat_map_iter(|maps| {
            let mut maps = maps.into_iter();
            let mut merged = maps.next().unwrap_or_default();
            for later in maps {
                for (key, lists) in later {
                    let mine = merged.entry(key).or_default();
                    mine.field.extend(lists.field);
                    mine.body.append(lists.body);
                }
            }
            merged.into_iter().map(move |(k, mut lists)| {
                let (a, b) = unpack_key(k);
                (k, bigram_hash(a, b), encode_record(a, b, &mut lists, n))
            })
        })
        .collect();
    records.par_sort_unstable_by_key(|r| r.0);
    let records: Vec<(u32, Vec<u8>)> = records.into_iter().map(|(_, hash, bytes)| (hash, bytes)).collect();

    let total: usize = records.iter().map(|r| r.1.len()).sum();
    let mut bits = 0;
    while bits < MAX_SHARD_BITS && total >> bits > TARGET_SHARD_BYTES {
        bits += 1;
    }
    // Each shard made at its final size: grown by doubling, the shards were copied about twice.
    let mut sizes = vec![0usize; 1 << bits];
    for (hash, bytes) in &records {
        sizes[shard_of(*hash, bits)] += bytes.len();
    }
    let mut shards: Vec<Vec<u8>> = sizes.into_iter().map(Vec::with_capacity).collect();
    for (hash, bytes) in records {
        shards[shard_of(hash, bits)].extend_from_slice(&bytes);
    }

    let chunks: Vec<Vec<u8>> = (0..n.div_ceil(DOC_CHUNK))
        .into_par_iter()
        .map(|c| {
            let docs: Vec<Doc> =
                (c * DOC_CHUNK..((c + 1) * DOC_CHUNK).min(n)).map(|i| Doc::new(site, config, links, i)).collect();
            json_bytes(&docs)
        })
        .collect();

    // A version over every file, so browsers never mix a new meta.json with old shards.
    let mut version = Fnv64::new();
    for bytes in shards.iter().chain(chunks.iter()) {
        version.write(&(bytes.len() as u64).to_le_bytes());
        version.write(bytes);
    }

    let (years, year_runs) = year_runs(&site.entries);
    let (attacks, attack_of) = attack_facet(&site.entries);
    let meta = serde_json::json!({
        "format": FORMAT,
        "version": format!("{:016x}", version.0),
        "count": n,
        "shardBits": bits,
        "shards": shards.len(),
        "docChunk": DOC_CHUNK,
        "docChunks": chunks.len(),
        "seriesLabel": config.series.label,
        "years": years,
        "yearRuns": year_runs,
        "attacks": attacks,
        "attackOf": attack_codes(&attack_of),
    });

    let mut pages = Vec::with_capacity(shards.len() + chunks.len() + 1);
    pages.push(Page { path: "search/meta.json".into(), bytes: json_bytes(&meta) });
    for (s, bytes) in shards.into_iter().enumerate() {
        pages.push(Page { path: format!("search/index/{s}.bin"), bytes });
    }
    for (c, bytes) in chunks.into_iter().enumerate() {
        pages.push(Page { path: format!("search/docs/{c}.json"), bytes });
    }
    pages
}

/// JSON with `<`, `>` and `&` written as `\u003c`, `\u003e`, `\u0026`: the same data for
/// `JSON.parse`, but front-matter text in the index never looks like markup, whatever a server
/// or a reader does with the file. (The three characters can only occur inside strings.)
fn json_bytes<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let raw = serde_json::to_vec(value).unwrap_or_default();
    if memchr::memchr3(b'<', b'>', b'&', &raw).is_none() {
        return raw;
    }
    let mut out = Vec::with_capacity(raw.len() + 64);
    let mut from = 0;
    for at in memchr::memchr3_iter(b'<', b'>', b'&', &raw) {
        out.extend_from_slice(&raw[from..at]);
        out.extend_from_slice(match raw[at] {
            b'<' => b"\\u003c",
            b'>' => b"\\u003e",
            _ => b"\\u0026",
        });
        from = at + 1;
    }
    out.extend_from_slice(&raw[from..]);
    out
}

/// Text as both the index and search.js compare it: NFKC, then lowercase (full-width and
/// half-width forms, and ASCII case, fold together).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut piece = String::new();
    // Characters for which `nfkc_stable` holds are their own NFKC and never combine with a neighbour, so
    // the text is normalized piecewise between them (with the character before each piece, which
    // a combining mark may compose with): the same result as normalizing it whole, much faster
    // on Japanese prose. Lowercasing happens on the way, in the same pass.
    let mut rest = text;
    while !rest.is_empty() {
        let slow = rest.char_indices().find(|&(_, c)| !nfkc_stable(c)).map_or(rest.len(), |(i, _)| i);
        let (fast, tail) = rest.split_at(slow);
        let start = fast.char_indices().last().map_or(0, |(i, _)| i);
        let at = out.len();
        out.push_str(&fast[..start]);
        // Stable characters lowercase as ASCII does: the others among them have no case.
        out[at..].make_ascii_lowercase();
        let end = tail.char_indices().find(|&(_, c)| nfkc_stable(c)).map_or(tail.len(), |(i, _)| i);
        piece.clear();
        piece.extend(rest[start..slow + end].nfkc());
        if piece.contains('Σ') {
            // The final sigma rule depends on the neighbours: leave it to the standard library.
            return text.nfkc().collect::<String>().to_lowercase();
        }
        for c in piece.chars() {
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else if nfkc_stable(c) {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
        }
        rest = &tail[end..];
    }
    out
}

/// Characters that make up words; everything else separates them. The same class as
/// `[\p{Alphabetic}\p{N}]` in search.js.
fn is_word(c: char) -> bool {
    match c {
        '\0'..='\x7f' => c.is_ascii_alphanumeric(),
        '\u{3001}' | '\u{3002}' => false,
        _ if nfkc_stable(c) => true,
        _ => c.is_alphanumeric(),
    }
}

/// Calls `f(key, position)` for every bigram of the normalized `text`: a pair of adjacent
/// word characters, at the character index of its first character.
fn bigrams(text: &str, mut f: impl FnMut(u64, usize)) {
    let mut prev: Option<char> = None;
    for (pos, c) in text.chars().enumerate() {
        if !is_word(c) {
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            f(pack_key(p, c), pos - 1);
        }
        prev = Some(c);
    }
}

fn pack_key(a: char, b: char) -> u64 {
    ((a as u64) << 21) | b as u64
}

fn unpack_key(k: u64) -> (u32, u32) {
    ((k >> 21) as u32, (k & 0x1f_ffff) as u32)
}

/// FNV-1a over the two code points, then the murmur3 finalizer. search.js computes the same.
pub fn bigram_hash(a: u32, b: u32) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for cp in [a, b] {
        h ^= cp;
        h = h.wrapping_mul(0x0100_0193);
    }
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

fn shard_of(hash: u32, bits: u32) -> usize {
    if bits == 0 { 0 } else { (hash >> (32 - bits)) as usize }
}

/// The postings of one bigram.
#[derive(Default)]
struct Lists {
    /// `(document, code)` in document order; codes are sorted when encoded.
    field: Vec<(u32, u32)>,
    /// Documents whose body has the bigram.
    body: DocList,
}

/// Documents in ascending order without repeats, held as the varint differences (the first from
/// 0) that a record's list form stores: on a large site the body postings are most of the
/// index's memory, and as bytes they take about a quarter of what `u32`s do.
#[derive(Default)]
struct DocList {
    deltas: Vec<u8>,
    count: u32,
    /// The last document added, when `count > 0`.
    last: u32,
}

impl DocList {
    /// Adds `doc`, which is never below the last one added; adding the last one again does nothing.
    fn push(&mut self, doc: u32) {
        if self.count > 0 && doc == self.last {
            return;
        }
        let prev = if self.count > 0 { self.last } else { 0 };
        put_varint(&mut self.deltas, u64::from(doc - prev));
        self.count += 1;
        self.last = doc;
    }

    /// Appends a list whose documents all come after this one's.
    fn append(&mut self, later: DocList) {
        if later.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = later;
            return;
        }
        let (first, len) = get_varint(&later.deltas);
        put_varint(&mut self.deltas, first - u64::from(self.last));
        self.deltas.extend_from_slice(&later.deltas[len..]);
        self.count += later.count;
        self.last = later.last;
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let bytes = &self.deltas[..];
        let (mut at, mut doc) = (0, 0u64);
        std::iter::from_fn(move || {
            let delta = match *bytes.get(at)? {
                // Most differences fit in one byte.
                b @ 0..0x80 => {
                    at += 1;
                    u64::from(b)
                }
                _ => {
                    let (delta, len) = get_varint(&bytes[at..]);
                    at += len;
                    delta
                }
            };
            doc += delta;
            Some(doc as u32)
        })
    }
}

impl FromIterator<u32> for DocList {
    fn from_iter<I: IntoIterator<Item = u32>>(docs: I) -> DocList {
        let mut list = DocList::default();
        docs.into_iter().for_each(|d| list.push(d));
        list
    }
}

type PartMap = HashMap<u64, Lists, KeyHash>;

/// How many maps a batch's postings are split into, by key (a power of two).
const PARTS: usize = 64;

/// Slots of a batch's cache of recently used bigrams (a power of two; 128 KiB).
const RECENT_BITS: u32 = 13;

/// One batch's postings while its documents are indexed: each bigram's lists in the order first
/// seen, found through `index`, with a direct-mapped cache of recent bigrams in front. A body
/// repeats most of its bigrams and a corpus's documents share most of theirs, so nearly every
/// lookup is one multiplication and one comparison instead of a hash-map probe, and a bigram
/// repeated in a body is dropped there without touching its list (the lookups were over a third
/// of the index's time).
struct Postings {
    index: HashMap<u64, u32, KeyHash>,
    lists: Vec<(u64, Lists)>,
    recent: Box<[Recent; 1 << RECENT_BITS]>,
}

/// A slot of [`Postings::recent`].
#[derive(Clone, Copy)]
struct Recent {
    /// 0 when empty: NUL is not a word character, so no bigram's key is 0.
    key: u64,
    /// Position in `lists`.
    at: u32,
    /// The last document added to the bigram's body list, or `NO_DOC`.
    body_last: u32,
}

const NO_DOC: u32 = u32::MAX;

impl Default for Postings {
    fn default() -> Postings {
        let empty = Recent { key: 0, at: 0, body_last: NO_DOC };
        Postings { index: HashMap::default(), lists: Vec::new(), recent: Box::new([empty; 1 << RECENT_BITS]) }
    }
}

/// The top `bits` bits of `key` mixed by a Fibonacci multiplication: an index into a table of
/// `1 << bits` entries.
fn spread(key: u64, bits: u32) -> usize {
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize
}

fn recent_slot(key: u64) -> usize {
    spread(key, RECENT_BITS)
}

fn part_of(key: u64) -> usize {
    spread(key, PARTS.trailing_zeros())
}

/// A fast hasher for bigram keys (the output never depends on map order: keys are sorted).
#[derive(Default, Clone, Copy)]
struct KeyHash;

impl std::hash::BuildHasher for KeyHash {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(0)
    }
}

struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u64(&mut self, k: u64) {
        self.0 = (self.0 ^ k).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }
}

impl Postings {
    fn add_document(&mut self, doc: u32, e: &Entry) {
        let m = &e.meta;
        let mut title = m.title.clone();
        if let Some(id) = e.id() {
            title.push('\n');
            title.push_str(id);
        }
        let organization = m.organization.clone().unwrap_or_default();
        let terms = entry_terms(e).join("\n");
        for (field, text) in [(FIELD_TITLE, title), (FIELD_ORGANIZATION, organization), (FIELD_TERMS, terms)] {
            self.add_field(doc, field, &normalize(&text));
        }
        self.add_body(doc, &normalize(&html_text(&e.html)));
    }

    /// Adds the bigrams of one field of `doc` (normalized text) with their positions.
    fn add_field(&mut self, doc: u32, field: u32, text: &str) {
        bigrams(text, |key, pos| {
            if pos < MAX_POSITION {
                self.lists(key).field.push((doc, pos as u32 * FIELDS + field));
            }
        });
    }

    /// Adds `doc` to the body list of every bigram of its body (normalized text), with its own
    /// lookup rather than [`Postings::lists`]: this loop runs for every character of every body,
    /// and going through `lists` (not inlined) cost 1.8% of a build's instructions.
    fn add_body(&mut self, doc: u32, text: &str) {
        bigrams(text, |key, _| {
            let slot = &mut self.recent[recent_slot(key)];
            if slot.key == key {
                if slot.body_last != doc {
                    slot.body_last = doc;
                    self.lists[slot.at as usize].1.body.push(doc);
                }
            } else {
                let at = self.position(key);
                self.lists[at as usize].1.body.push(doc);
                self.recent[recent_slot(key)] = Recent { key, at, body_last: doc };
            }
        });
    }

    /// The lists of `key` (added when new), through the cache of recent bigrams.
    fn lists(&mut self, key: u64) -> &mut Lists {
        let slot = self.recent[recent_slot(key)];
        let at = if slot.key == key {
            slot.at
        } else {
            let at = self.position(key);
            let body = &self.lists[at as usize].1.body;
            let body_last = if body.count > 0 { body.last } else { NO_DOC };
            self.recent[recent_slot(key)] = Recent { key, at, body_last };
            at
        };
        &mut self.lists[at as usize].1
    }

    /// The position of `key`'s lists, added when new.
    fn position(&mut self, key: u64) -> u32 {
        let next = self.lists.len() as u32;
        let at = *self.index.entry(key).or_insert(next);
        if at == next {
            self.lists.push((key, Lists::default()));
        }
        at
    }

    /// The lists split into `PARTS` maps by key, for merging part by part.
    fn into_parts(self) -> Vec<PartMap> {
        let mut parts: Vec<PartMap> = (0..PARTS).map(|_| PartMap::default()).collect();
        for (key, lists) in self.lists {
            parts[part_of(key)].insert(key, lists);
        }
        parts
    }
}

/// The taxonomy-like values of an entry that rank as "terms": attack, sector, tags, data.
fn entry_terms(e: &Entry) -> Vec<&str> {
    let m = &e.meta;
    let mut v: Vec<&str> = Vec::new();
    v.extend(m.attack.as_deref());
    v.extend(m.sector.as_deref());
    v.extend(m.tags.iter().map(String::as_str));
    v.extend(m.data.iter().map(String::as_str));
    v
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The varint at the start of `bytes` (written by `put_varint`) and its length in bytes.
fn get_varint(bytes: &[u8]) -> (u64, usize) {
    let mut v = 0u64;
    for (i, &b) in bytes.iter().enumerate() {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return (v, i + 1);
        }
    }
    (v, bytes.len())
}

/// One bigram's record in a shard:
///
/// ```text
/// varint a, varint b            the two code points
/// varint F, varint B            byte lengths of the two parts
/// F bytes: varint docs, then per document: varint (doc - previous doc), varint count,
///          count varints of codes (the first as is, then differences); code = pos * 3 + field
/// B bytes: empty, or 0 then varint count then document differences, or 1 then a bitmap
///          (bit d % 8 of byte d / 8 is document d)
/// ```
fn encode_record(a: u32, b: u32, lists: &mut Lists, doc_count: usize) -> Vec<u8> {
    let mut field = Vec::new();
    if !lists.field.is_empty() {
        // By document, then code; repeats dropped. (The documents are in order already.)
        lists.field.sort_unstable();
        lists.field.dedup();
        let by_doc = lists.field.chunk_by(|x, y| x.0 == y.0);
        field.reserve(3 * lists.field.len() + 4);
        put_varint(&mut field, by_doc.clone().count() as u64);
        let mut prev = 0;
        for run in by_doc {
            let doc = run[0].0;
            put_varint(&mut field, u64::from(doc - prev));
            prev = doc;
            put_varint(&mut field, run.len() as u64);
            let mut last = 0;
            for &(_, c) in run {
                put_varint(&mut field, u64::from(c - last));
                last = c;
            }
        }
    }
    let mut body = Vec::new();
    let docs = &lists.body;
    if docs.count > 0 {
        let mut list = vec![0u8];
        put_varint(&mut list, u64::from(docs.count));
        let list_len = list.len() + docs.deltas.len();
        let bitmap_len = 1 + (docs.last as usize / 8 + 1).min(doc_count.div_ceil(8));
        if bitmap_len < list_len {
            body = vec![0u8; bitmap_len];
            body[0] = 1;
            for d in docs.iter() {
                body[1 + d as usize / 8] |= 1 << (d % 8);
            }
        } else {
            list.extend_from_slice(&docs.deltas);
            body = list;
        }
    }
    let mut out = Vec::with_capacity(field.len() + body.len() + 12);
    put_varint(&mut out, u64::from(a));
    put_varint(&mut out, u64::from(b));
    put_varint(&mut out, field.len() as u64);
    put_varint(&mut out, body.len() as u64);
    out.extend_from_slice(&field);
    out.extend_from_slice(&body);
    out
}

/// What one result shows, as a JSON array:
/// `[url, kind ("i" or "a"), series id (when the entry has a series label, else ""), title,
/// date, organization, attack, [terms], excerpt]`. search.js builds the label from the id and
/// `seriesLabel` in meta.json, as `values::series_label` does.
#[derive(serde::Serialize)]
struct Doc(String, &'static str, String, String, String, String, String, Vec<String>, String);

impl Doc {
    fn new(site: &Site, config: &Config, links: &Links, i: usize) -> Doc {
        let e = &site.entries[i];
        let m = &e.meta;
        let terms: Vec<String> = {
            let mut v: Vec<String> = Vec::new();
            for t in m.sector.iter().chain(&m.tags).chain(&m.data) {
                if !v.contains(t) && m.attack.as_ref() != Some(t) {
                    v.push(t.clone());
                }
            }
            v
        };
        Doc(
            links.entry[i].clone(),
            if e.is_incident() { "i" } else { "a" },
            if series_label(config, e).is_empty() { String::new() } else { e.id().unwrap_or_default().to_string() },
            m.title.clone(),
            crate::content::iso_date(m.date.day),
            m.organization.clone().unwrap_or_default(),
            m.attack.clone().unwrap_or_default(),
            terms,
            excerpt(&html_text(&e.summary_html), EXCERPT_CHARS),
        )
    }
}

/// The first `max` characters of `text` with runs of whitespace collapsed, `…` when cut.
fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for word in text.split_whitespace() {
        if count > 0 {
            if count >= max {
                out.push('…');
                return out;
            }
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count >= max {
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

/// The distinct publication years (newest first) and `[[year index, count], ...]` runs over
/// the documents in order.
fn year_runs(entries: &[Entry]) -> (Vec<i32>, Vec<[usize; 2]>) {
    let of = |e: &Entry| chrono::Datelike::year(&e.meta.date.day);
    let mut years: Vec<i32> = entries.iter().map(of).collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let mut runs: Vec<[usize; 2]> = Vec::new();
    for e in entries {
        let y = years.iter().position(|&y| y == of(e)).unwrap_or(0);
        match runs.last_mut() {
            Some(r) if r[0] == y => r[1] += 1,
            _ => runs.push([y, 1]),
        }
    }
    (years, runs)
}

/// The attacks `[[name, count], ...]` (most frequent first, then by name) and, per document,
/// 1 + the index of its attack, or 0. Attacks are grouped like taxonomy terms (NFKC and ASCII
/// case folded) and named as first written.
fn attack_facet(entries: &[Entry]) -> (Vec<(String, usize)>, Vec<usize>) {
    let mut by_key: HashMap<String, (String, usize)> = HashMap::new();
    for e in entries.iter().rev() {
        if let Some(a) = &e.meta.attack {
            by_key.entry(crate::url::key(a)).or_insert_with(|| (a.clone(), 0)).1 += 1;
        }
    }
    let mut list: Vec<(String, String, usize)> = by_key.into_iter().map(|(k, (name, c))| (k, name, c)).collect();
    list.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let index: HashMap<&str, usize> = list.iter().enumerate().map(|(i, a)| (a.0.as_str(), i + 1)).collect();
    let of = entries
        .iter()
        .map(|e| e.meta.attack.as_deref().map_or(0, |a| index.get(crate::url::key(a).as_str()).copied().unwrap_or(0)))
        .collect();
    (list.into_iter().map(|(_, name, c)| (name, c)).collect(), of)
}

/// Digits of the compact per-document attack string: one character per document.
const ATTACK_DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The per-document attack numbers as a string of one digit each (`ATTACK_DIGITS`), or as an
/// array when there are too many attacks for one digit.
fn attack_codes(of: &[usize]) -> serde_json::Value {
    if of.iter().all(|&a| a < ATTACK_DIGITS.len()) {
        of.iter().map(|&a| ATTACK_DIGITS[a] as char).collect::<String>().into()
    } else {
        of.into()
    }
}

/// The text of an HTML fragment: tags dropped (block-level ones and `<br>` become line
/// breaks, so words on either side stay apart), `<script>`/`<style>` contents and comments
/// skipped, the basic and numeric character references decoded.
pub fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    // A byte search: `<` and `&` are ASCII, so their byte offsets are character boundaries.
    while let Some(p) = memchr::memchr2(b'<', b'&', rest.as_bytes()) {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        if rest.starts_with('&') {
            let (decoded, len) = entity(rest);
            match decoded {
                Some(c) => out.push(c),
                None => out.push('&'),
            }
            rest = &rest[len..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        if !rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?')) {
            // A lone `<` (not a tag).
            out.push('<');
            rest = &rest[1..];
            continue;
        }
        let after = rest[1..].trim_start_matches('/');
        let len = after.bytes().take_while(u8::is_ascii_alphanumeric).count();
        // Every name that matters below has at most 10 letters.
        let mut lower = [0u8; 10];
        let name = match after.as_bytes().get(..len) {
            Some(n) if n.len() <= lower.len() => {
                lower[..n.len()].copy_from_slice(n);
                lower[..n.len()].make_ascii_lowercase();
                std::str::from_utf8(&lower[..n.len()]).unwrap_or("")
            }
            _ => "",
        };
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let closing = rest[1..].starts_with('/');
        rest = &rest[end..];
        if !closing && (name == "script" || name == "style") {
            let close = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = match lower.find(&close) {
                Some(e) => &rest[rest[e..].find('>').map_or(rest.len(), |g| e + g + 1)..],
                None => "",
            };
            continue;
        }
        if is_block(name) {
            out.push('\n');
        }
    }
    out.push_str(rest);
    out
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "br"
            | "div"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "pre"
            | "blockquote"
            | "table"
            | "thead"
            | "tbody"
            | "tr"
            | "td"
            | "th"
            | "hr"
            | "section"
            | "article"
            | "figure"
            | "figcaption"
            | "img"
            | "details"
            | "summary"
    )
}

/// Decodes the character reference at the start of `s` (which starts with `&`): the character,
/// if recognized, and the number of bytes consumed.
fn entity(s: &str) -> (Option<char>, usize) {
    let Some(semi) = s[1..].find(';').filter(|&e| e <= 10).map(|e| e + 1) else { return (None, 1) };
    let name = &s[1..semi];
    let c = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let num = name.strip_prefix('#');
            let code = num.and_then(|n| match n.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => n.parse().ok(),
            });
            code.and_then(char::from_u32)
        }
    };
    match c {
        Some(c) => (Some(c), semi + 1),
        None => (None, 1),
    }
}

/// 64-bit FNV-1a.
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Fnv64 {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_folds_width_and_case() {
        assert_eq!(normalize("ＶＰＮ"), "vpn");
        assert_eq!(normalize("Emotet"), "emotet");
        assert_eq!(normalize("ﾗﾝｻﾑｳｪｱ"), "ランサムウェア");
        assert_eq!(normalize("㈱"), "(株)");
        // Piecewise normalization composes across the pieces like whole-string NFKC.
        for t in ["か\u{3099}き", "ｶﾞｷﾞ漢字", "Ａか\u{3099}", "\u{3099}あ", "é\u{301}x", "ΟΔΟΣ ab", "個人情報（氏名）"]
        {
            assert_eq!(normalize(t), t.nfkc().collect::<String>().to_lowercase(), "{t}");
        }
    }

    #[test]
    fn bigrams_stay_inside_words() {
        let mut v = Vec::new();
        bigrams("ab c、de", |k, p| v.push((unpack_key(k), p)));
        let k = |a: char, b: char| (a as u32, b as u32);
        assert_eq!(v, vec![(k('a', 'b'), 0), (k('d', 'e'), 5)]);
    }

    #[test]
    fn html_text_drops_tags_and_decodes_entities() {
        let t = html_text(
            "<p>ランサム<strong>ウェア</strong> &amp; &lt;x&gt; &#x41;&#66;</p><script>var a='<p>';</script><p>次</p><!-- c -->",
        );
        assert_eq!(t, "\nランサムウェア & <x> AB\n\n次\n");
        assert_eq!(html_text("a < b &unknown; c"), "a < b &unknown; c");
    }

    #[test]
    fn json_never_holds_markup_characters() {
        let bytes = json_bytes(&serde_json::json!({ "t": "<script>a && b</script>" }));
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"t":"\u003cscript\u003ea \u0026\u0026 b\u003c/script\u003e"}"#
        );
        let back: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back["t"], "<script>a && b</script>");
    }

    #[test]
    fn excerpts_are_cut_by_characters() {
        assert_eq!(excerpt("  一二三  四五 ", 10), "一二三 四五");
        assert_eq!(excerpt("一二三四五", 3), "一二三…");
    }

    #[test]
    fn bitmaps_replace_dense_lists() {
        let mut lists = Lists { field: vec![], body: (0..100).collect() };
        assert_eq!(lists.body.iter().collect::<Vec<_>>(), (0..100).collect::<Vec<_>>());
        let r = encode_record('a' as u32, 'b' as u32, &mut lists, 100);
        // a, b, F = 0, B = 1 + 13, then the bitmap flag.
        assert_eq!(&r[..5], &[b'a', b'b', 0, 14, 1]);
        let mut sparse = Lists { field: vec![(3, 4), (3, 1), (3, 4), (9, 0)], body: [5, 5, 900].into_iter().collect() };
        let r = encode_record('a' as u32, 'b' as u32, &mut sparse, 1000);
        assert_eq!(&r[2..4], &[8, 5]);
        assert_eq!(&r[4..], &[2, 3, 2, 1, 3, 6, 1, 0, 0, 2, 5, 0xff, 0x06]);
    }

    #[test]
    fn document_lists_append_in_order() {
        let mut a: DocList = [0, 3, 3, 200].into_iter().collect();
        a.append([300, 70_000].into_iter().collect());
        a.append(DocList::default());
        assert_eq!((a.count, a.last), (5, 70_000));
        assert_eq!(a.iter().collect::<Vec<_>>(), [0, 3, 200, 300, 70_000]);
        let mut empty = DocList::default();
        empty.append([7].into_iter().collect());
        assert_eq!(empty.iter().collect::<Vec<_>>(), [7]);
        assert_eq!(get_varint(&[0xff, 0x06]), (0x37f, 2));
    }

    #[test]
    fn postings_match_a_plain_map_when_cached_bigrams_collide() {
        // Two bigrams sharing a slot of the recent cache, interleaved within and across documents.
        let mut words: Vec<String> = Vec::new();
        let first = pack_key('漢', '字');
        let other = ('一'..='鿿')
            .flat_map(|a| ('ぁ'..='ん').map(move |b| (a, b)))
            .find(|&(a, b)| pack_key(a, b) != first && recent_slot(pack_key(a, b)) == recent_slot(first))
            .unwrap();
        words.push("漢字".into());
        words.push(format!("{}{}", other.0, other.1));
        let docs = [
            format!("{0} {1} {0} {1}", words[0], words[1]),
            format!("{0} {0}", words[1]),
            format!("{0} 漢字語 {1} {0}", words[0], words[1]),
        ];
        let mut postings = Postings::default();
        // Per bigram: its (document, code) pairs and the documents of its body list.
        type Plain = HashMap<u64, (Vec<(u32, u32)>, Vec<u32>)>;
        let mut plain = Plain::new();
        for (doc, text) in docs.iter().enumerate() {
            let doc = doc as u32;
            postings.add_field(doc, FIELD_TITLE, text);
            postings.add_body(doc, text);
            bigrams(text, |key, pos| {
                let e = plain.entry(key).or_default();
                e.0.push((doc, pos as u32 * FIELDS + FIELD_TITLE));
                if e.1.last() != Some(&doc) {
                    e.1.push(doc);
                }
            });
        }
        assert_eq!(postings.lists.len(), plain.len());
        for (key, lists) in &postings.lists {
            let (field, body) = &plain[key];
            assert_eq!(&lists.field, field);
            assert_eq!(&lists.body.iter().collect::<Vec<_>>(), body);
        }
    }

    #[test]
    fn shard_hash_is_stable() {
        // The same values are checked against search.js in tests/search.rs.
        assert_eq!(bigram_hash('ラ' as u32, 'ン' as u32), bigram_hash(0x30e9, 0x30f3));
        assert_eq!(shard_of(0xffff_ffff, 0), 0);
        assert_eq!(shard_of(0xffff_ffff, 4), 15);
    }
}
