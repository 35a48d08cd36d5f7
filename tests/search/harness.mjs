// Runs the shipped search.js of a built site against its index, for tests/search.rs and for
// measuring download sizes (docs/search.md).
//
//   node tests/search/harness.mjs <output dir> '<json request>'
//
// The request is `{"cases": [{"query", "year"?, "attack"?, "docs"?}], "hashes": [[a, b]],
// "normalize": ["text"], "render": <bool>}`. Each case runs on a fresh index (a first query:
// nothing cached) and reports the files it read and their bytes. Prints one JSON object.

import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

const [, , out, requestText] = process.argv;
const request = JSON.parse(requestText);
const require = createRequire(import.meta.url);
const S = require(join(out, "search.js"));

/** A loader over the output directory that records what it reads. */
function loader(log) {
  return async (path, kind, version) => {
    if (path.includes("..")) throw new Error(`bad path ${path}`);
    const bytes = await readFile(join(out, "search", path));
    log.push({ path, bytes: bytes.length, version });
    return kind === "json" ? JSON.parse(bytes.toString("utf8")) : new Uint8Array(bytes);
  };
}

// A minimal DOM: enough for renderHit, serialized with escaping so a test can check that index
// text never becomes markup. Setting innerHTML or outerHTML throws.
class Node {
  constructor(tag) {
    this.tag = tag;
    this.children = [];
    this.attrs = {};
    this.className = "";
  }
  appendChild(c) {
    this.children.push(c);
    return c;
  }
  setAttribute(k, v) {
    this.attrs[k] = String(v);
  }
  set textContent(t) {
    this.children = [{ text: String(t) }];
  }
  set innerHTML(_) {
    throw new Error("innerHTML used");
  }
  set outerHTML(_) {
    throw new Error("outerHTML used");
  }
}
const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
function html(n) {
  if ("text" in n) return esc(n.text);
  let attrs = n.className ? ` class="${esc(n.className)}"` : "";
  for (const [k, v] of Object.entries(n.attrs)) attrs += ` ${k}="${esc(v)}"`;
  return `<${n.tag}${attrs}>${n.children.map(html).join("")}</${n.tag}>`;
}
const fakeDocument = {
  createElement: (tag) => new Node(tag),
  createTextNode: (text) => ({ text: String(text) }),
};

async function runCase(c) {
  const log = [];
  const index = S.open(loader(log));
  const res = await index.search(c.query, { year: c.year || "", attack: c.attack || "" });
  const want = c.docs == null ? S.PAGE : c.docs;
  const shown = res.hits.slice(0, want);
  const docs = await index.docs(shown.map((h) => h.doc));
  const hits = docs.map((d, i) => {
    const hit = { ...d, score: shown[i].score, describe: S.describe(d, res.terms) };
    if (request.render) hit.html = html(S.renderHit(fakeDocument, d, res.terms));
    return hit;
  });
  return {
    query: c.query,
    status: res.status,
    terms: res.terms,
    dropped: res.dropped,
    total: res.total,
    statusText: S.statusText(res, c.query, { year: c.year || "", attack: c.attack || "" }),
    hits,
    files: log.map((l) => l.path),
    bytes: log.reduce((n, l) => n + l.bytes, 0),
    versions: [...new Set(log.map((l) => l.version))],
  };
}

const result = { cases: [] };
for (const c of request.cases || []) result.cases.push(await runCase(c));
result.hashes = (request.hashes || []).map(([a, b]) => S.bigramHash(a, b));
result.normalize = (request.normalize || []).map((t) => S.normalize(t));
result.short = S.MESSAGES.short;
process.stdout.write(JSON.stringify(result));
