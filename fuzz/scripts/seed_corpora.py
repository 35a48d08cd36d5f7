#!/usr/bin/env python3
"""Writes the seed inputs of each fuzz target into fuzz/corpus/<target>/ (run from anywhere).

Seeds come from the sample site (content/**/*.md) and the test fixtures (tests/fixtures/**):
whole entries for `frontmatter`, bodies for `markdown` (after a flag byte), terms, ids and
base URLs for `url`, and NUL-separated groups of three entries for `site_build` (an input that
starts with `---` is taken as entry files as written), plus a few random byte strings that
drive `site_build`'s generator.
"""
import glob, hashlib, os, random, re

FUZZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(FUZZ)


def put(target, data):
    d = os.path.join(FUZZ, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), 'wb') as f:
        f.write(data)


def split(t):
    parts = t.split('\n---\n', 1)
    return parts[0], (parts[1] if len(parts) > 1 else '')


files = sorted(glob.glob(os.path.join(REPO, 'content/**/*.md'), recursive=True))
files += sorted(glob.glob(os.path.join(REPO, 'tests/fixtures/**/*.md'), recursive=True))
texts = [open(f, encoding='utf-8').read() for f in files]

for t in texts[::3]:
    fm, body = split(t)
    put('frontmatter', fm + '\n---\n' + body[:300])
for extra in [
    "\ufeff---\r\ntitle: t\r\ndate: 2024-01-30\r\norganization: X\r\n---\r\nb\r\n",
    "---\ntitle: t\n",
    "---\n---\n",
    "---\ntitle: t\ndate: 2024-01-30\naffected: -3\noccurred: { from: 2024-02-01, to: 2024-01-01 }\n---\n",
    "---\ntitle: [a]\ndate: 2024-01-30\nsources:\n  - title: a\n    url: javascript:alert(1)\nextra: {x: 1}\ndraft: maybe\n---\n",
]:
    put('frontmatter', extra)

for t in texts[::2]:
    fm, body = split(t)
    if body:
        put('markdown', b'\x01' + body[:1500].encode())
put('markdown', b'\x01## 1.\xe7\xb5\x8c\xe7\xb7\xaf\n\n## {#custom}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~x~~\n\n- [x] done\n\n[^1]: n\n<!-- more -->\n')
put('markdown', b'\x00**\xe5\xbc\xb7\xe8\xaa\xbf**\n\xe6\xac\xa1\n')

words = set()
for t in texts:
    fm, _ = split(t)
    for m in re.finditer(r'^(organization|attack|sector|slug|id|follows): *(.+)$', fm, re.M):
        words.add(m.group(2).strip().strip('"'))
    for m in re.finditer(r'^(tags|data): *\[(.*)\]$', fm, re.M):
        for w in m.group(2).split(','):
            words.add(w.strip().strip('"'))
for w in sorted(words)[:40]:
    put('url', w)
for w in ["ＤＤｏＳ", "ﾗﾝｻﾑｳｪｱ", "．．", "a/b\\c?d#e%f g", "https://example.org/cb/", "/事件簿/", "/%E4%BA%8B/", "http://x", "J\u030c"]:
    put('url', w)

random.seed(1)
for i in range(0, len(texts) - 3, 5):
    group = []
    for t in texts[i:i + 3]:
        fm, body = split(t)
        group.append(fm + '\n---\n' + body[:200])
    put('site_build', '\0'.join(group))
for n in (16, 64, 256, 1024):
    put('site_build', bytes(random.randrange(256) for _ in range(n)))
