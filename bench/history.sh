#!/usr/bin/env bash
# Full-history benchmark, one command: bench/history.sh
#
# Builds (once, cached in $BENCH_DIR) a git repository whose history is every release of an npm
# package (default @types/node: ~2,300 releases), one commit per release, then compares in one
# hyperfine run:
#   - git cat-file --batch-all-objects --batch   (reading every object once: the floor)
#   - keyhound scan --history-only REPO          (git objects only, like cat-file)
#   - keyhound scan REPO                         (work tree + history: the default)
#   - kingfisher scan REPO --no-validate         (PyPI kingfisher-bin)
#   - keyhound scan PLANTED                      (same history + a key added and removed at the
#                                                 tip: provenance must walk every commit)
# and measures peak RSS with /usr/bin/time -v. Results go to $BENCH_DIR/results/history-*.md.
#
# Settings (environment): BENCH_DIR (default /tmp/keyhound-bench), BENCH_PACKAGE (@types/node),
# BENCH_VERSIONS (how many releases, newest last; 0 = all), BENCH_RUNS (hyperfine runs, 3).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
BENCH_DIR="${BENCH_DIR:-/tmp/keyhound-bench}"
PACKAGE="${BENCH_PACKAGE:-@types/node}"
VERSIONS="${BENCH_VERSIONS:-0}"
RUNS="${BENCH_RUNS:-3}"
SLUG="$(echo "$PACKAGE" | tr -c 'A-Za-z0-9\n' '-')"
TGZ="$BENCH_DIR/tgz-$SLUG"
REPO="$BENCH_DIR/history-$SLUG-$VERSIONS"
PLANTED="$REPO-planted"
OUT="$BENCH_DIR/results"
mkdir -p "$BENCH_DIR" "$TGZ" "$OUT"

need() { command -v "$1" >/dev/null || { echo "history.sh: needs $1 ($2)" >&2; exit 2; }; }
need git "apt-get install git"
need npm "apt-get install npm"
need hyperfine "apt-get install hyperfine"
need /usr/bin/time "apt-get install time"
command -v kingfisher >/dev/null || pip install --quiet kingfisher-bin
need kingfisher "pip install kingfisher-bin"

# 1. Every release's tarball, from the npm registry (npm's own client; skipped when present).
LIST="$BENCH_DIR/versions-$SLUG.txt"
if [ ! -s "$LIST" ]; then
    npm view "$PACKAGE" versions --json 2>/dev/null |
        python3 -c "import json,sys; [print(sys.argv[1]+'@'+v) for v in json.load(sys.stdin)]" "$PACKAGE" >"$LIST"
fi
if [ "$VERSIONS" != 0 ]; then
    tail -n "$VERSIONS" "$LIST" >"$LIST.$VERSIONS"
    LIST="$LIST.$VERSIONS"
fi
missing="$BENCH_DIR/missing.txt"
: >"$missing"
while read -r spec; do
    v="${spec##*@}"
    [ -s "$TGZ/$(echo "${spec%@*}" | sed 's#^@##; s#/#-#g')-$v.tgz" ] || echo "$spec" >>"$missing"
done <"$LIST"
if [ -s "$missing" ]; then
    echo "downloading $(wc -l <"$missing") tarballs of $PACKAGE into $TGZ" >&2
    (cd "$TGZ" && xargs -a "$missing" -n 25 -P 8 sh -c 'npm pack --silent "$@" >/dev/null 2>&1 || true' _)
fi

# 2. The repository: one commit per release, packed, with HEAD checked out.
if [ ! -d "$REPO/.git" ]; then
    rm -rf "$REPO"
    python3 "$HERE/build-history-repo.py" "$TGZ" "$LIST" "$REPO"
    git -C "$REPO" repack -a -d -q
    git -C "$REPO" reset -q --hard main
fi

# 3. The same history plus a key added and then removed at the tip: its provenance walk has to
#    read every commit's tree. The key is random, built from pieces, never stored in this script.
if [ ! -d "$PLANTED/.git" ]; then
    rm -rf "$PLANTED"
    git clone -q "$REPO" "$PLANTED"
    python3 - "$PLANTED/config.js" <<'PY'
import random, string, sys
a = string.ascii_letters + string.digits + "-_"
r = random.Random(7)
part = lambda n: "".join(r.choice(a) for _ in range(n))
key = "sk-" + "proj-" + part(74) + "T3Blbk" + "FJ" + part(74)
open(sys.argv[1], "w").write('export const client = new OpenAI({ apiKey: "%s" });\n' % key)
PY
    git -C "$PLANTED" -c user.name=Bench -c user.email=bench@example.com add config.js
    git -C "$PLANTED" -c user.name=Bench -c user.email=bench@example.com commit -q -m "add client"
    git -C "$PLANTED" -c user.name=Bench -c user.email=bench@example.com rm -q config.js
    git -C "$PLANTED" -c user.name=Bench -c user.email=bench@example.com commit -q -m "remove key"
    git -C "$PLANTED" repack -a -d -q
fi

# 4. keyhound, release build.
(cd "$ROOT" && cargo build --release --quiet)
KH="$ROOT/target/release/keyhound"

# 5. What was measured, and how busy the machine was.
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
REPORT="$OUT/history-$STAMP.md"
{
    echo "# History benchmark $STAMP"
    echo
    echo "- machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- keyhound $(git -C "$ROOT" rev-parse --short HEAD), $(git --version), $(kingfisher --version)"
    echo "- repository: $PACKAGE, $(git -C "$REPO" rev-list --count HEAD) commits, $(git -C "$REPO" count-objects -v | awk '/size-pack/ {printf "%.0f MiB packed", $2/1024}')"
    git -C "$REPO" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' |
        awk '{n[$1]++; s[$1]+=$2} END {for (t in n) printf "- %s: %d objects, %.1f MiB\n", t, n[t], s[t]/1048576}' | sort
    echo
} >"$REPORT"

# 6. One hyperfine run: the floor, keyhound, kingfisher.
hyperfine --warmup 1 --runs "$RUNS" --ignore-failure --export-markdown "$OUT/history-$STAMP-hyperfine.md" \
    -n "git cat-file --batch-all-objects --batch" "git -C $REPO cat-file --batch-all-objects --batch >/dev/null" \
    -n "keyhound scan --history-only" "$KH scan --quiet --history-only --format json -o /dev/null $REPO" \
    -n "keyhound scan (work tree + history)" "$KH scan --quiet --format json -o /dev/null $REPO" \
    -n "keyhound scan, findings + provenance" "$KH scan --quiet --format json -o /dev/null $PLANTED" \
    -n "kingfisher scan --no-validate" "kingfisher --quiet --no-update-check scan --no-validate --format json -o /dev/null $REPO"
cat "$OUT/history-$STAMP-hyperfine.md" >>"$REPORT"
echo "- load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$REPORT"

# 7. Peak memory.
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {printf "%.0f MB", $2/1024}'; }
{
    echo
    echo "| peak RSS | |"
    echo "|---|---|"
    echo "| keyhound scan (work tree + history) | $(rss "$KH" scan --quiet --format json -o /dev/null "$REPO") |"
    echo "| keyhound scan, findings + provenance | $(rss "$KH" scan --quiet --format json -o /dev/null "$PLANTED") |"
    echo "| kingfisher scan --no-validate | $(rss kingfisher --quiet --no-update-check scan --no-validate --format json -o /dev/null "$REPO") |"
    echo
    echo "keyhound on the planted repository: $("$KH" scan --quiet --format json "$PLANTED" |
        python3 -c "import json,sys; d=json.load(sys.stdin); s=d['stats']; print(len(d['findings']), 'finding(s),', s['provenance_commits'], 'commits walked for provenance')")"
} >>"$REPORT"
cat "$REPORT"
