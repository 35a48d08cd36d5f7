/*
 * casebook search: client-side full-text search over the bigram index that `casebook build`
 * writes under /search/ (format and design: docs/search.md).
 *
 * The core (normalize, bigrams, shard loading through an injected loader, search, ranking,
 * highlight ranges) touches no DOM: node can require() this file. In a browser the API is
 * window.CasebookSearch and the page's #search-form is wired up when the document is ready.
 * Index text is only ever put into the page with textContent / text nodes, never as markup.
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module && module.exports) {
    module.exports = api;
  } else {
    root.CasebookSearch = api;
  }
  if (typeof window !== "undefined" && typeof document !== "undefined" && document.getElementById) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { api.mount(document, window); });
    } else {
      api.mount(document, window);
    }
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  /** Version of the index format this file reads (src/render/search.rs: FORMAT). */
  var FORMAT = 1;
  /** Positional codes are `position * FIELDS + field`; fields 0 title, 1 organization, 2 terms. */
  var FIELDS = 3;
  /** Rank of a match found only in the body (after the three fields). */
  var TIER_BODY = 3;
  /** Results shown at once (and added by "さらに表示"). */
  var PAGE = 20;
  /** The characters words are made of: Rust's char::is_alphanumeric. */
  var WORD = /[\p{Alphabetic}\p{N}]/u;
  /** Digits of meta.attackOf when it is a string (search.rs: ATTACK_DIGITS). */
  var ATTACK_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  /** Characters that belong to the character before them (for highlight mapping). */
  var COMBINING = /[\p{M}\uff9e\uff9f]/u;

  var MESSAGES = {
    short: "2文字以上の語で検索してください（1文字の語と記号は検索に使えません）",
    error: "検索データを読み込めませんでした。ページを再読み込みしてください。",
    loading: "検索データを読み込んでいます…",
  };

  /** NFKC, then lowercase: what the build does to every indexed text. */
  function normalize(text) {
    return String(text).normalize("NFKC").toLowerCase();
  }

  function isWord(ch) {
    return WORD.test(ch);
  }

  /**
   * The search terms of a query: runs of word characters of the normalized query, two or more
   * characters long, without repeats. `hasText` tells a too-short query from an empty one;
   * `dropped` are the one-character words left out (a bigram index cannot look them up).
   */
  function parseQuery(query) {
    var norm = normalize(query == null ? "" : query);
    var runs = [];
    var cur = "";
    for (var ch of norm) {
      if (isWord(ch)) {
        cur += ch;
      } else if (cur) {
        runs.push(cur);
        cur = "";
      }
    }
    if (cur) runs.push(cur);
    var terms = [];
    var dropped = [];
    for (var r of runs) {
      var into = Array.from(r).length >= 2 ? terms : dropped;
      if (into.indexOf(r) < 0) into.push(r);
    }
    return { terms: terms, hasText: runs.length > 0, dropped: dropped };
  }

  /** FNV-1a over the two code points, then the murmur3 finalizer (search.rs: bigram_hash). */
  function bigramHash(a, b) {
    var h = 0x811c9dc5 | 0;
    h = Math.imul(h ^ a, 0x01000193);
    h = Math.imul(h ^ b, 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }

  function shardOf(hash, bits) {
    return bits === 0 ? 0 : hash >>> (32 - bits);
  }

  /** The bigrams of a term, in order: `{key, a, b, hash}`. */
  function bigrams(term) {
    var cps = Array.from(term, function (c) { return c.codePointAt(0); });
    var out = [];
    for (var i = 0; i + 1 < cps.length; i++) {
      out.push({
        key: String.fromCodePoint(cps[i], cps[i + 1]),
        a: cps[i],
        b: cps[i + 1],
        hash: bigramHash(cps[i], cps[i + 1]),
      });
    }
    return out;
  }

  function varint(r) {
    var v = 0;
    var mul = 1;
    var byte;
    do {
      byte = r.b[r.p++];
      if (byte === undefined) throw new Error("truncated search index");
      v += (byte & 0x7f) * mul;
      mul *= 128;
    } while (byte & 0x80);
    return v;
  }

  /** A shard: bigram → record (byte ranges of its field and body postings, decoded lazily). */
  function parseShard(bytes) {
    var map = new Map();
    var r = { b: bytes, p: 0 };
    while (r.p < bytes.length) {
      var a = varint(r);
      var b = varint(r);
      var fieldLen = varint(r);
      var bodyLen = varint(r);
      var start = r.p;
      map.set(String.fromCodePoint(a, b), {
        bytes: bytes,
        field: [start, start + fieldLen],
        body: [start + fieldLen, start + fieldLen + bodyLen],
        fieldMap: null,
        bodyDocs: null,
      });
      r.p = start + fieldLen + bodyLen;
    }
    return map;
  }

  /** Field postings of a record: document → sorted positional codes. */
  function fieldPostings(rec) {
    if (!rec.fieldMap) {
      var map = new Map();
      var r = { b: rec.bytes, p: rec.field[0] };
      if (r.p < rec.field[1]) {
        var n = varint(r);
        var doc = 0;
        for (var i = 0; i < n; i++) {
          doc += varint(r);
          var count = varint(r);
          var codes = new Array(count);
          var last = 0;
          for (var k = 0; k < count; k++) {
            last += varint(r);
            codes[k] = last;
          }
          map.set(doc, codes);
        }
      }
      rec.fieldMap = map;
    }
    return rec.fieldMap;
  }

  /** Body postings of a record: sorted documents (from a delta list or a bitmap). */
  function bodyPostings(rec) {
    if (!rec.bodyDocs) {
      var b = rec.bytes;
      var s = rec.body[0];
      var e = rec.body[1];
      var docs = [];
      if (s < e && b[s] === 1) {
        for (var i = s + 1; i < e; i++) {
          var byte = b[i];
          if (!byte) continue;
          for (var bit = 0; bit < 8; bit++) {
            if (byte & (1 << bit)) docs.push((i - s - 1) * 8 + bit);
          }
        }
      } else if (s < e) {
        var r = { b: b, p: s + 1 };
        var n = varint(r);
        var d = 0;
        for (var k = 0; k < n; k++) {
          d += varint(r);
          docs.push(d);
        }
      }
      rec.bodyDocs = docs;
    }
    return rec.bodyDocs;
  }

  function hasCode(codes, c) {
    var lo = 0;
    var hi = codes.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (codes[mid] === c) return true;
      if (codes[mid] < c) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  function intersect(a, b) {
    var out = [];
    var i = 0;
    var j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) {
        out.push(a[i]);
        i++;
        j++;
      } else if (a[i] < b[j]) {
        i++;
      } else {
        j++;
      }
    }
    return out;
  }

  /**
   * The documents that contain `term`, each with its best tier: 0 title, 1 organization,
   * 2 terms (verified as a substring through positions), 3 body (every bigram present).
   */
  function matchTerm(records) {
    var out = new Map();
    if (records.some(function (r) { return !r; })) return out;
    var lists = records.map(fieldPostings);
    if (lists.every(function (l) { return l.size > 0; })) {
      var smallest = lists.reduce(function (a, b) { return a.size <= b.size ? a : b; });
      smallest.forEach(function (_, doc) {
        var first = lists[0].get(doc);
        if (!first) return;
        var best = TIER_BODY;
        for (var j = 0; j < first.length && best > 0; j++) {
          var c = first[j];
          var ok = true;
          for (var i = 1; i < lists.length && ok; i++) {
            var codes = lists[i].get(doc);
            ok = codes !== undefined && hasCode(codes, c + FIELDS * i);
          }
          if (ok && c % FIELDS < best) best = c % FIELDS;
        }
        if (best < TIER_BODY) out.set(doc, best);
      });
    }
    var unique = records.filter(function (r, i) { return records.indexOf(r) === i; });
    var bodies = unique.map(bodyPostings).sort(function (a, b) { return a.length - b.length; });
    var docs = bodies[0];
    for (var k = 1; k < bodies.length && docs.length; k++) docs = intersect(docs, bodies[k]);
    for (var d of docs) {
      if (!out.has(d)) out.set(d, TIER_BODY);
    }
    return out;
  }

  function prepareMeta(m) {
    if (!m || m.format !== FORMAT) throw new Error("unsupported search index format");
    var yearOf = new Int32Array(m.count);
    var at = 0;
    for (var run of m.yearRuns) {
      yearOf.fill(m.years[run[0]], at, at + run[1]);
      at += run[1];
    }
    m.yearOf = yearOf;
    if (typeof m.attackOf === "string") {
      var codes = new Int32Array(m.count);
      for (var i = 0; i < m.count; i++) codes[i] = ATTACK_DIGITS.indexOf(m.attackOf.charAt(i));
      m.attackOf = codes;
    }
    return m;
  }

  /**
   * An index read through `loader(path, kind, version)`, where `path` is relative to the
   * search directory (`meta.json`, `index/12.bin`, `docs/3.json`), `kind` is "json" (resolve
   * to the parsed value) or "bytes" (resolve to a Uint8Array), and `version` is the index
   * version from meta.json (null for meta.json itself), for cache busting.
   */
  function Index(loader) {
    this.loader = loader;
    this.meta = null;
    this.metaPromise = null;
    this.shardPromises = new Map();
    this.shardData = new Map();
    this.chunkPromises = new Map();
    this.chunkData = new Map();
  }

  Index.prototype.load = function () {
    var self = this;
    if (!this.metaPromise) {
      this.metaPromise = Promise.resolve()
        .then(function () { return self.loader("meta.json", "json", null); })
        .then(function (m) {
          self.meta = prepareMeta(m);
          return self.meta;
        });
      this.metaPromise.catch(function () { self.metaPromise = null; });
    }
    return this.metaPromise;
  };

  Index.prototype.shard = function (n) {
    var self = this;
    if (!this.shardPromises.has(n)) {
      var p = Promise.resolve()
        .then(function () { return self.loader("index/" + n + ".bin", "bytes", self.meta.version); })
        .then(function (bytes) {
          self.shardData.set(n, parseShard(bytes));
        });
      p.catch(function () { self.shardPromises.delete(n); });
      this.shardPromises.set(n, p);
    }
    return this.shardPromises.get(n);
  };

  Index.prototype.record = function (gram) {
    var shard = this.shardData.get(shardOf(gram.hash, this.meta.shardBits));
    return (shard && shard.get(gram.key)) || null;
  };

  /**
   * Searches. `options.year` (e.g. "2024") and `options.attack` (an attack name from
   * meta.attacks) filter. Resolves to `{status, terms, total, hits: [{doc, score}]}` where
   * status is "empty" (no query and no filter), "short" (no term of two characters), "none"
   * or "ok"; hits are ranked by score (the sum over terms of each term's best tier: title,
   * organization, terms, body) and then newest first. With a filter and no query, every entry
   * the filters let through is a hit, newest first: the one page that lists, say, one year's
   * ransomware cases. `dropped` are the one-character words the query left out.
   */
  Index.prototype.search = function (query, options) {
    var self = this;
    var opts = options || {};
    var q = parseQuery(query);
    var result = function (status, hits) {
      return { status: status, terms: q.terms, dropped: q.dropped, total: hits.length, hits: hits };
    };
    if (!q.terms.length && (q.hasText || !(opts.year || opts.attack))) {
      return Promise.resolve(result(q.hasText ? "short" : "empty", []));
    }
    return this.load().then(function (meta) {
      var pass = filterOf(meta, opts);
      if (!q.terms.length) {
        var all = [];
        for (var d = 0; d < meta.count; d++) if (pass(d)) all.push({ doc: d, score: 0 });
        return result(all.length ? "ok" : "none", all);
      }
      var grams = q.terms.map(bigrams);
      var need = new Set();
      grams.forEach(function (gs) {
        gs.forEach(function (g) { need.add(shardOf(g.hash, meta.shardBits)); });
      });
      var shards = Array.from(need).sort(function (a, b) { return a - b; });
      return Promise.all(shards.map(function (s) { return self.shard(s); })).then(function () {
        var scores = null;
        grams.forEach(function (gs) {
          var m = matchTerm(gs.map(function (g) { return self.record(g); }));
          if (!scores) {
            scores = m;
            return;
          }
          var next = new Map();
          scores.forEach(function (s, d) {
            if (m.has(d)) next.set(d, s + m.get(d));
          });
          scores = next;
        });
        var hits = [];
        scores.forEach(function (score, doc) {
          if (pass(doc)) hits.push({ doc: doc, score: score });
        });
        hits.sort(function (a, b) { return a.score - b.score || a.doc - b.doc; });
        return result(hits.length ? "ok" : "none", hits);
      });
    });
  };

  /** Whether a document passes the year and attack filters of `opts`. */
  function filterOf(meta, opts) {
    var year = opts.year ? Number(opts.year) : 0;
    var attack = 0;
    if (opts.attack) {
      attack = -1;
      meta.attacks.forEach(function (a, i) { if (a[0] === opts.attack) attack = i + 1; });
    }
    return function (doc) {
      return !(year && meta.yearOf[doc] !== year) && !(attack && meta.attackOf[doc] !== attack);
    };
  }

  Index.prototype.chunk = function (n) {
    var self = this;
    if (!this.chunkPromises.has(n)) {
      var p = Promise.resolve()
        .then(function () { return self.loader("docs/" + n + ".json", "json", self.meta.version); })
        .then(function (rows) { self.chunkData.set(n, rows); });
      p.catch(function () { self.chunkPromises.delete(n); });
      this.chunkPromises.set(n, p);
    }
    return this.chunkPromises.get(n);
  };

  /** The display records of documents `ids`, in that order. */
  Index.prototype.docs = function (ids) {
    var self = this;
    return this.load().then(function (meta) {
      var chunks = [];
      ids.forEach(function (id) {
        var c = Math.floor(id / meta.docChunk);
        if (chunks.indexOf(c) < 0) chunks.push(c);
      });
      return Promise.all(chunks.map(function (c) { return self.chunk(c); })).then(function () {
        return ids.map(function (id) {
          var row = self.chunkData.get(Math.floor(id / meta.docChunk))[id % meta.docChunk];
          return {
            doc: id,
            url: row[0],
            kind: row[1] === "i" ? "incident" : "article",
            id: row[2],
            label: row[2] ? "【" + meta.seriesLabel + "#" + row[2] + "】" : "",
            title: row[3],
            date: row[4],
            year: Number(row[4].slice(0, 4)),
            organization: row[5],
            attack: row[6],
            terms: row[7],
            excerpt: row[8],
          };
        });
      });
    });
  };

  /**
   * Where the normalized `terms` occur in `text`: merged `[start, end)` ranges of UTF-16
   * indices into the original text. Each character (with the marks that follow it) is
   * normalized on its own, so every range maps back onto whole original characters.
   */
  function highlight(text, terms) {
    if (!text || !terms || !terms.length) return [];
    var norm = "";
    var starts = [];
    var ends = [];
    var i = 0;
    while (i < text.length) {
      var j = i + (text.codePointAt(i) > 0xffff ? 2 : 1);
      while (j < text.length) {
        var cp = text.codePointAt(j);
        var ch = String.fromCodePoint(cp);
        if (!COMBINING.test(ch)) break;
        j += ch.length;
      }
      var piece = normalize(text.slice(i, j));
      for (var k = 0; k < piece.length; k++) {
        starts.push(i);
        ends.push(j);
      }
      norm += piece;
      i = j;
    }
    var ranges = [];
    terms.forEach(function (t) {
      var at = norm.indexOf(t);
      while (at >= 0) {
        ranges.push([starts[at], ends[at + t.length - 1]]);
        at = norm.indexOf(t, at + 1);
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var merged = [];
    ranges.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    });
    return merged;
  }

  /**
   * What to show of a result: highlight ranges in its title, organization, attack and excerpt,
   * the terms (tags, data, sector) that match, and whether the match is only in the body text.
   */
  function describe(doc, terms) {
    var d = {
      title: highlight(doc.title, terms),
      organization: highlight(doc.organization, terms),
      attack: highlight(doc.attack, terms),
      excerpt: highlight(doc.excerpt, terms),
      terms: [],
    };
    doc.terms.forEach(function (name) {
      var r = highlight(name, terms);
      if (r.length) d.terms.push({ name: name, ranges: r });
    });
    // Listed by a filter alone, nothing was searched for: no "本文に一致".
    d.bodyOnly = terms.length > 0 && !d.title.length && !d.organization.length && !d.attack.length &&
      !d.excerpt.length && !d.terms.length;
    return d;
  }

  /** `2024-01-30` → `2024年1月30日`. */
  function dateJa(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? m[1] + "年" + Number(m[2]) + "月" + Number(m[3]) + "日" : iso;
  }

  // ---------------------------------------------------------------------------------------
  // The page (browser only).

  function el(document, tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text != null) e.textContent = text;
    return e;
  }

  /** Appends `text` to `parent`, with the `ranges` wrapped in <mark>. */
  function appendMarked(document, parent, text, ranges) {
    var at = 0;
    (ranges || []).forEach(function (r) {
      if (r[0] > at) parent.appendChild(document.createTextNode(text.slice(at, r[0])));
      parent.appendChild(el(document, "mark", null, text.slice(r[0], r[1])));
      at = r[1];
    });
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
  }

  /** Only site-relative paths and http(s) URLs become links. */
  function safeUrl(url) {
    return typeof url === "string" && (/^\/(?!\/)/.test(url) || /^https?:\/\//i.test(url));
  }

  function renderHit(document, doc, terms) {
    var d = describe(doc, terms);
    var li = el(document, "li", "search-result");
    var card = el(document, "article", "card card--" + doc.kind);
    var h = el(document, "h2", "card__title");
    var a = el(document, "a");
    if (safeUrl(doc.url)) a.setAttribute("href", doc.url);
    if (doc.label) a.appendChild(el(document, "span", "series-label", doc.label));
    appendMarked(document, a, doc.title, d.title);
    h.appendChild(a);
    card.appendChild(h);

    var meta = el(document, "p", "card__meta");
    var time = el(document, "time", null, dateJa(doc.date));
    time.setAttribute("datetime", doc.date);
    meta.appendChild(time);
    if (doc.kind === "article") meta.appendChild(el(document, "span", "badge badge--article", "記事"));
    [["organization", "組織", "fact--org"], ["attack", "種別", "fact--attack"]].forEach(function (f) {
      if (!doc[f[0]]) return;
      var span = el(document, "span", "fact " + f[2]);
      span.appendChild(el(document, "span", "fact__label", f[1]));
      span.appendChild(document.createTextNode(" "));
      appendMarked(document, span, doc[f[0]], d[f[0]]);
      meta.appendChild(span);
    });
    card.appendChild(meta);

    if (doc.excerpt) {
      var p = el(document, "p", "search-result__excerpt");
      appendMarked(document, p, doc.excerpt, d.excerpt);
      card.appendChild(p);
    }
    if (d.terms.length) {
      var ul = el(document, "ul", "tag-list search-result__terms");
      ul.setAttribute("aria-label", "一致した分類");
      d.terms.forEach(function (t) {
        var item = el(document, "li");
        appendMarked(document, item, t.name, t.ranges);
        ul.appendChild(item);
      });
      card.appendChild(ul);
    }
    if (d.bodyOnly) card.appendChild(el(document, "p", "search-result__where", "本文に一致"));
    li.appendChild(card);
    return li;
  }

  function browserLoader(base, fetchFn) {
    return function (path, kind, version) {
      var url = base + path + (version ? "?v=" + encodeURIComponent(version) : "");
      return fetchFn(url, version ? {} : { cache: "no-cache" }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " " + url);
        return kind === "json" ? r.json() : r.arrayBuffer().then(function (b) { return new Uint8Array(b); });
      });
    };
  }

  function fillSelect(document, select, options, wanted) {
    while (select.options.length > 1) select.remove(1);
    options.forEach(function (o) {
      var opt = el(document, "option", null, o.label);
      opt.value = o.value;
      select.appendChild(opt);
    });
    select.value = options.some(function (o) { return o.value === wanted; }) ? wanted : "";
  }

  /**
   * The status line for a search result: how many were found for what, or why nothing was
   * looked up. `filters` are the year and attack chosen ("" when none).
   */
  function statusText(res, query, filters) {
    var count = res.total.toLocaleString("ja-JP") + "件";
    var chosen = [filters.year ? filters.year + "年" : "", filters.attack || ""].filter(Boolean).join("・");
    if (res.status === "empty") return "";
    if (res.status === "short") return MESSAGES.short;
    if (!res.terms.length) {
      return res.status === "none" ? chosen + "の記事はありません。" : chosen + "の記事：" + count;
    }
    var shownQuery = "「" + query.trim() + "」";
    var text = res.status === "none" ? shownQuery + "に一致する記事は見つかりませんでした。" : shownQuery + "の検索結果：" + count;
    if (res.dropped && res.dropped.length) {
      text += "（1文字の語「" + res.dropped.join("」「") + "」は検索に使っていません）";
    }
    return text;
  }

  /** Wires up #search-form, #search-status, #search-results and #search-more. */
  function mount(document, window) {
    var form = document.getElementById("search-form");
    if (!form || form.getAttribute("data-mounted")) return null;
    form.setAttribute("data-mounted", "1");
    var input = form.querySelector("[name=q]");
    var yearSel = form.querySelector("[name=year]");
    var attackSel = form.querySelector("[name=attack]");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    var more = document.getElementById("search-more");
    var moreBox = more && more.parentNode;
    var index = new Index(browserLoader(form.getAttribute("data-index") || "search/", window.fetch.bind(window)));

    var params = new URLSearchParams(window.location.search);
    input.value = params.get("q") || "";
    var wanted = { year: params.get("year") || "", attack: params.get("attack") || "" };
    var seq = 0;
    var current = null;
    var shown = 0;
    var timer = 0;

    function say(text) {
      status.textContent = text;
    }

    function updateUrl() {
      var p = new URLSearchParams(window.location.search);
      [["q", input.value.trim()], ["year", yearSel.value], ["attack", attackSel.value]].forEach(function (kv) {
        if (kv[1]) p.set(kv[0], kv[1]);
        else p.delete(kv[0]);
      });
      var qs = p.toString();
      var url = window.location.pathname + (qs ? "?" + qs : "") + window.location.hash;
      try {
        window.history.replaceState(null, "", url);
      } catch (e) {
        // file:// pages may refuse; the search still works.
      }
    }

    function showMore(my) {
      var slice = current.hits.slice(shown, shown + PAGE);
      shown += slice.length;
      return index.docs(slice.map(function (h) { return h.doc; })).then(function (docs) {
        if (my !== seq) return;
        docs.forEach(function (doc) { list.appendChild(renderHit(document, doc, current.terms)); });
        if (moreBox) moreBox.hidden = shown >= current.total;
      });
    }

    function run() {
      clearTimeout(timer);
      var my = ++seq;
      updateUrl();
      var query = input.value;
      var filters = { year: yearSel.value, attack: attackSel.value };
      if (!index.meta && query.trim()) say(MESSAGES.loading);
      return index.search(query, filters).then(function (res) {
        if (my !== seq) return null;
        current = res;
        shown = 0;
        list.textContent = "";
        if (moreBox) moreBox.hidden = true;
        say(statusText(res, query, filters));
        return res.status === "ok" ? showMore(my) : null;
      }).catch(function (e) {
        if (my === seq) say(MESSAGES.error);
        if (window.console) window.console.error(e);
      });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(run, 200);
    }

    input.addEventListener("input", later);
    yearSel.addEventListener("change", run);
    attackSel.addEventListener("change", run);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      run();
    });
    if (more) more.addEventListener("click", function () { if (current) showMore(seq); });

    index.load().then(function (meta) {
      fillSelect(document, yearSel, meta.years.map(function (y) {
        return { value: String(y), label: y + "年" };
      }), wanted.year);
      fillSelect(document, attackSel, meta.attacks.map(function (a) {
        return { value: a[0], label: a[0] + "（" + a[1] + "）" };
      }), wanted.attack);
      form.classList.add("is-ready");
      if (input.value || yearSel.value || attackSel.value) run();
    }, function (e) {
      say(MESSAGES.error);
      if (window.console) window.console.error(e);
    });
    return index;
  }

  return {
    FORMAT: FORMAT,
    PAGE: PAGE,
    MESSAGES: MESSAGES,
    normalize: normalize,
    parseQuery: parseQuery,
    bigrams: bigrams,
    bigramHash: bigramHash,
    shardOf: shardOf,
    parseShard: parseShard,
    Index: Index,
    open: function (loader) { return new Index(loader); },
    highlight: highlight,
    describe: describe,
    dateJa: dateJa,
    renderHit: renderHit,
    statusText: statusText,
    mount: mount,
  };
});
