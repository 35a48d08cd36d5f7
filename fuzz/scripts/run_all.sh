#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) one after the other, each on one core under
# nice, keeping the corpus in corpus/<target>/ and the log in logs/<target>.log; then minimizes
# each corpus in place.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
mkdir -p logs
export RUSTC_BOOTSTRAP=1
run() {
  local target=$1; shift
  echo "== $target: ${secs}s" >&2
  nice -n 10 cargo fuzz run "$@" "$target" "corpus/$target" -- \
    -max_total_time="$secs" -print_final_stats=1 $DICT >"logs/$target.log" 2>&1
  echo "== $target: exit $?" >&2
}
minimize() {
  local target=$1; shift
  # In place: corpus/<target>/ keeps only inputs that add coverage (this is what is committed).
  nice -n 10 cargo fuzz cmin "$@" "$target" >"logs/$target-cmin.log" 2>&1
  echo "== $target: cmin exit $?, $(ls "corpus/$target" | wc -l) inputs" >&2
}
DICT=-dict=dicts/url.dict run url -a
DICT=-dict=dicts/frontmatter.dict run frontmatter -a
DICT=-dict=dicts/markdown.dict run markdown -a
DICT= run site_build -a --sanitizer none --target-dir target/nosan
for t in url frontmatter markdown; do minimize "$t" -a; done
minimize site_build -a --sanitizer none --target-dir target/nosan
echo "== done" >&2
