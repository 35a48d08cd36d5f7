// Measures the search index of a built site (the figures in docs/search.md):
//
//   node tests/search/measure.mjs <output dir> [query ...]
//
// Prints the number and total size of the index files under search/ (the page itself left
// out), and for each query, run as a first query on an empty cache, the files it downloads
// (meta.json, posting shards, the document chunks of the first page of results) with their
// raw and gzip sizes, and the time the search took in node.

import { createRequire } from "node:module";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";

const [, , out, ...argQueries] = process.argv;
const queries = argQueries.length ? argQueries : ["ランサム", "個人情報", "VPN", "Emotet", "ランサムウェア 病院"];
const require = createRequire(import.meta.url);
const S = require(join(out, "search.js"));
const dir = join(out, "search");

function walk(d, acc) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) walk(p, acc);
    else if (relative(dir, p) !== "index.html") acc.push(p);
  }
  return acc;
}

const files = walk(dir, []);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const size = (f) => statSync(f).size;
const group = (prefix) => files.filter((f) => relative(dir, f).startsWith(prefix));
const gz = (f) => gzipSync(readFileSync(f), { level: 6 }).length;
const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
console.log(`entries: ${meta.count}`);
console.log(`index files: ${files.length} (1 meta.json, ${meta.shards} shards, ${meta.docChunks} doc chunks)`);
console.log(`total: ${sum(files.map(size))} bytes (${kib(sum(files.map(size)))}); gzip ${kib(sum(files.map(gz)))}`);
for (const [label, prefix] of [["meta.json", "meta.json"], ["shards", "index"], ["doc chunks", "docs"]]) {
  const g = group(prefix);
  console.log(`  ${label}: ${sum(g.map(size))} bytes (${kib(sum(g.map(size)))}), gzip ${kib(sum(g.map(gz)))}`);
}
console.log(`search.js: ${size(join(out, "search.js"))} bytes, gzip ${gz(join(out, "search.js"))}`);

for (const q of queries) {
  const log = [];
  const index = S.open(async (path, kind) => {
    const bytes = readFileSync(join(dir, path));
    log.push({ path, raw: bytes.length, gz: gzipSync(bytes).length });
    return kind === "json" ? JSON.parse(bytes.toString("utf8")) : new Uint8Array(bytes);
  });
  await index.load();
  const t0 = performance.now();
  const res = await index.search(q);
  const t1 = performance.now();
  await index.docs(res.hits.slice(0, S.PAGE).map((h) => h.doc));
  const kinds = { meta: 0, shards: 0, docs: 0 };
  for (const l of log) kinds[l.path === "meta.json" ? "meta" : l.path.startsWith("index/") ? "shards" : "docs"] += l.raw;
  console.log(
    `query ${JSON.stringify(q)}: ${res.total} results; first query downloads ${log.length} files, ` +
      `${sum(log.map((l) => l.raw))} bytes (${kib(sum(log.map((l) => l.raw)))}; gzip ${kib(sum(log.map((l) => l.gz)))}): ` +
      `meta ${kinds.meta}, shards ${kinds.shards} (${log.filter((l) => l.path.startsWith("index/")).length}), ` +
      `docs ${kinds.docs} (${log.filter((l) => l.path.startsWith("docs/")).length}); search ${(t1 - t0).toFixed(1)} ms`,
  );
}
