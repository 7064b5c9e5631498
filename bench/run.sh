#!/usr/bin/env bash
# Regenerates the tables of BENCHMARKS.md: `bench/run.sh [tree|longline|dense|rules|all]` prints Markdown on
# stdout (progress on stderr). Needs hyperfine, ripgrep, python3 and, for the comparison with
# kingfisher, `pip install kingfisher-bin`; inputs are built by bench/tree.sh under bench/work/.
#
# Environment: ROUNDS (default 3) hyperfine rounds, each with WARMUP (1) warm-up and RUNS (3)
# timed runs of every command; THREADS (default: nproc) for every tool; KF_RUNS (2) for kingfisher.
# BEFORE (rules mode only): a commit whose build joins the comparison, e.g. the engine before a change.
# VECTORSCAN=1 (rules mode only): a build of HEAD with the `vectorscan` feature joins it too (needs
# libvectorscan-dev or libhyperscan-dev).
# HISTORY=REPO (rules mode only): the same builds also scan that repository's history alone
# (`--history-only`), e.g. the one bench/history.sh builds under /tmp/keyhound-bench.
set -euo pipefail

what="${1:-all}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
work="$here/work"
tree="$work/tree"
ll="$work/longline"
dense="$work/dense"
rounds="${ROUNDS:-3}"
warmup="${WARMUP:-1}"
runs="${RUNS:-3}"
kf_runs="${KF_RUNS:-2}"
threads="${THREADS:-$(nproc)}"
out="$work/results"
mkdir -p "$out"

for tool in hyperfine rg python3; do
  command -v "$tool" >/dev/null || {
    echo "bench/run.sh: $tool is missing (apt-get install hyperfine ripgrep python3)" >&2
    exit 2
  }
done

echo "building keyhound (release)" >&2
cargo build --release --quiet --manifest-path "$repo/Cargo.toml" >&2
target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$repo/Cargo.toml" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
kh="$target_dir/release/keyhound"
"$here/tree.sh"

# The keyword literals of the rules keyhound runs at its default confidence (medium): the same
# literals ripgrep is asked to find, so both do the same first-stage work.
mapfile -t keywords < <("$kh" rules list --format json | python3 -c '
import json, sys
seen = []
for r in json.load(sys.stdin):
    if r["confidence"] in ("medium", "high"):
        for k in r["keywords"]:
            if k not in seen:
                seen.append(k)
print("\n".join(seen))')
rg_args=(-F --no-ignore --hidden -c -j "$threads")
for k in "${keywords[@]}"; do rg_args+=(-e "$k"); done
q() { printf '%q ' "$@"; }

kh_tree="$(q "$kh" scan "$tree" -f jsonl --no-ignore -j "$threads" --exit-code 0)"
rg_tree="$(q rg "${rg_args[@]}" "$tree")"
kf_tree=""
if command -v kingfisher >/dev/null; then
  # No validation, no update check, no git history: a plain scan of the files, offline.
  kf_tree="$(q kingfisher scan "$tree" --git-history none --no-validate --no-update-check \
    -j "$threads" -f jsonl -q)"
fi

# One hyperfine run per round, so that the tools alternate and a burst of load from elsewhere
# hits every tool rather than one; results are the median over all rounds.
bench() { # name, runs, then "label=command" pairs
  local name="$1" n="$2"
  shift 2
  local args=() r
  for pair in "$@"; do args+=(-n "${pair%%=*}" "${pair#*=}"); done
  for r in $(seq 1 "$rounds"); do
    echo "[$name round $r/$rounds] load: $(uptime | sed 's/.*load average: //')" >&2
    uptime | sed 's/.*load average: //' >"$out/$name.$r.load"
    hyperfine -N -i --style basic --warmup "$warmup" --runs "$n" \
      --export-json "$out/$name.$r.json" "${args[@]}" >&2
  done
}

# Median of every command over all rounds, and each command's ratio to the first one,
# computed round by round (same conditions) and then taken as the median over rounds.
table() { # name
  python3 - "$out" "$1" "$rounds" <<'EOF'
import json, statistics, sys
out, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
per_round, loads = [], []
for r in range(1, rounds + 1):
    with open(f"{out}/{name}.{r}.json") as f:
        per_round.append({x["command"]: x for x in json.load(f)["results"]})
    loads.append(open(f"{out}/{name}.{r}.load").read().strip())
cmds = list(per_round[0])
base = cmds[0]
print(f"| command | wall median [s] | wall min [s] | wall max [s] | runs | wall ÷ {base} "
      f"(median; each round) | CPU user+sys [s] | CPU ÷ {base} |")
print("|---|---:|---:|---:|---:|---|---:|---:|")
cpu = lambda pr, c: pr[c]["user"] + pr[c]["system"]
for c in cmds:
    times = [t for pr in per_round for t in pr[c]["times"]]
    ratios = [pr[c]["median"] / pr[base]["median"] for pr in per_round]
    cpus = [cpu(pr, c) for pr in per_round]
    cpu_ratios = [cpu(pr, c) / cpu(pr, base) for pr in per_round]
    print(f"| {c} | {statistics.median(times):.3f} | {min(times):.3f} | {max(times):.3f} | "
          f"{len(times)} | **{statistics.median(ratios):.2f}** "
          f"({', '.join(f'{x:.2f}' for x in ratios)}) | {statistics.median(cpus):.3f} | "
          f"{statistics.median(cpu_ratios):.2f} |")
print()
print("Load average (1, 5, 15 min) at the start of each round: " + "; ".join(loads) + ".")
EOF
}

# What each tool saw: keyhound's own counters, against the files on disk.
counts_tree() {
  local ks kf="{}"
  ks="$("$kh" scan "$tree" -f json --no-ignore -j "$threads" --exit-code 0 -q |
    python3 -c 'import json,sys; s=json.load(sys.stdin)["stats"]; print(json.dumps(s))')"
  if [ -n "$kf_tree" ]; then
    # kingfisher's JSON lines end with an audit record holding its own counters.
    kf="$( (eval "$kf_tree" || true) 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    rec = json.loads(line)
    if "audit" in rec:
        print(json.dumps(rec["audit"]["repositories"][0]["stats"]))')"
  fi
  python3 - "$tree" "$ks" "$(rg --files --no-ignore --hidden "$tree" | wc -l)" "$kf" <<'EOF'
import json, os, sys
root, ks, rg_files, kf = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
files = text = binary = text_bytes = all_bytes = links = 0
for d, dirs, names in os.walk(root):
    for n in names:
        p = os.path.join(d, n)
        if os.path.islink(p):
            links += 1
            continue
        files += 1
        size = os.path.getsize(p)
        all_bytes += size
        with open(p, "rb") as f:
            if b"\0" in f.read(8192):
                binary += 1
            else:
                text += 1
                text_bytes += size
print("| | files | text files | binary files | bytes scanned |")
print("|---|---:|---:|---:|---:|")
print(f"| on disk (`find`-like walk; {links} symlinks not followed) | {files} | {text} | {binary} | {text_bytes} of {all_bytes} |")
print(f"| keyhound (`stats`) | {ks['files_scanned'] + ks['skipped_binary']} | {ks['files_scanned']} | {ks['skipped_binary']} | {ks['bytes_scanned']} |")
print(f"| ripgrep (`rg --files --no-ignore --hidden`) | {rg_files} | | | |")
if kf:
    print(f"| kingfisher (`blobs_scanned`, `bytes_scanned`; it reads binary files too) | {kf['blobs_scanned']} | | | {kf['bytes_scanned']} |")
print()
print(f"Findings at default settings: keyhound {ks['findings']}" + (f", kingfisher {kf['findings']}" if kf else "") + ".")
EOF
}

echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -1))," \
  "keyhound $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD || echo '+changes')," \
  "$(rg --version | head -1), $(hyperfine --version)$(command -v kingfisher >/dev/null && echo ", $(kingfisher --version)")." \
  "Page cache warm (every command has a warm-up run); rounds: $rounds, runs per round: $runs."
echo

if [ "$what" = tree ] || [ "$what" = all ]; then
  echo "## Tree: keyhound vs ripgrep"
  echo
  echo "Commands (threads: $threads):"
  echo
  echo "- rg: \`${rg_tree//$repo\//}\`"
  echo "- keyhound: \`${kh_tree//$repo\//}\`"
  [ -z "$kf_tree" ] || echo "- kingfisher: \`${kf_tree//$repo\//}\`"
  echo
  echo "Keywords given to ripgrep (${#keywords[@]}): $(printf '`%s` ' "${keywords[@]}")"
  echo
  counts_tree
  echo
  echo "ripgrep's keyword hits: $( (eval "$rg_tree" || true) | awk -F: '{s+=$NF} END {print s+0}')" \
    "matching lines in $( (eval "$rg_tree" || true) | wc -l) files (keyhound runs its regexes" \
    "around each of these)."
  echo
  bench tree "$runs" "rg=$rg_tree" "keyhound=$kh_tree"
  table tree
  echo
  if [ -n "$kf_tree" ]; then
    echo "## Tree: keyhound vs kingfisher ($(kingfisher --version))"
    echo
    saved_rounds="$rounds"
    rounds=1
    bench kingfisher "$kf_runs" "keyhound=$kh_tree" "kingfisher=$kf_tree"
    table kingfisher
    rounds="$saved_rounds"
    echo
  fi
fi

if [ "$what" = longline ] || [ "$what" = all ]; then
  echo "## Long lines: one 50 MiB line vs the same bytes in short lines"
  echo
  echo "- short.js: $(stat -c %s "$ll/short.js") bytes, $(wc -l <"$ll/short.js") lines"
  echo "- oneline.js: $(stat -c %s "$ll/oneline.js") bytes, $(wc -l <"$ll/oneline.js") newlines"
  echo
  echo "Same commands as for the tree, on one file (keyhound: \`-f jsonl --exit-code 0\`; rg: the same keywords)."
  echo
  bench longline "$runs" \
    "keyhound short=$(q "$kh" scan "$ll/short.js" -f jsonl --exit-code 0)" \
    "keyhound oneline=$(q "$kh" scan "$ll/oneline.js" -f jsonl --exit-code 0)" \
    "rg short=$(q rg "${rg_args[@]}" "$ll/short.js")" \
    "rg oneline=$(q rg "${rg_args[@]}" "$ll/oneline.js")"
  table longline
  echo
fi

if [ "$what" = dense ] || [ "$what" = all ]; then
  echo "## Dense input: many keyword hits, many findings"
  echo
  echo "- dense.js: $(stat -c %s "$dense/dense.js") bytes of \`const baseURL = openai; \` repeated (two keyword hits every 24 bytes, no secret)"
  echo "- many.js: 200,000 distinct tokens of a neutral test format on one line, found by the rule file \`bench/work/dense/tok.toml\` (keyhound's own rules are loaded too)"
  echo
  n_many="$("$kh" scan "$dense/many.js" --rules "$dense/tok.toml" -f jsonl --exit-code 0 | wc -l)"
  echo "Findings in many.js: $n_many."
  echo
  bench dense "$runs" \
    "keyhound dense.js=$(q "$kh" scan "$dense/dense.js" -f jsonl --exit-code 0)" \
    "keyhound many.js=$(q "$kh" scan "$dense/many.js" --rules "$dense/tok.toml" -f jsonl --exit-code 0)"
  table dense
  echo
fi

# A build of `rev` (a commit) from its committed files into $work/variant-NAME, with `keep` (a
# shell glob) the only rule files left when given; prints the binary's path.
variant() { # name, rev, [keep], [cargo features]
  local name="$1" rev="$2" keep="${3:-}" features="${4:-}" dir="$work/variant-$1"
  rm -rf "$dir" && mkdir -p "$dir"
  # -m: files dated now, so cargo rebuilds them (and re-embeds rules/) in the shared target dir.
  git -C "$repo" archive "$rev" | tar -x -m -C "$dir"
  if [ -n "$keep" ]; then
    find "$dir/rules" -name '*.toml' ! -name "$keep" -delete
  fi
  echo "building keyhound variant $name ($rev${keep:+, rules/$keep only}${features:+, --features $features})" >&2
  CARGO_TARGET_DIR="$work/target-variants" cargo build --release --quiet \
    --manifest-path "$dir/Cargo.toml" ${features:+--features "$features"} >&2
  cp "$work/target-variants/release/keyhound" "$work/keyhound-$name"
  echo "$work/keyhound-$name"
}

if [ "$what" = rules ] || [ "$what" = all ]; then
  openai_only="$(variant openai-only HEAD openai.toml)"
  before=""
  [ -z "${BEFORE:-}" ] || before="$(variant before "$BEFORE")"
  vectorscan=""
  [ -z "${VECTORSCAN:-}" ] || vectorscan="$(variant vectorscan HEAD "" vectorscan)"
  n_all="$("$kh" rules list --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
  n_openai="$("$openai_only" rules list --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
  echo "## Rules: the cost of every provider's rules"
  echo
  echo "The same tree, the same command (\`scan TREE -f jsonl --no-ignore -j $threads --exit-code 0\`),"
  echo "builds: HEAD with only \`rules/openai.toml\` ($n_openai rules), HEAD with every rule"
  echo "($n_all)${VECTORSCAN:+, the same built with \`--features vectorscan\`}${BEFORE:+, and $BEFORE with every rule of its own};"
  echo "each with decoding on (the default) and off."
  echo
  for mode in decode no-decode; do
    extra=()
    [ "$mode" = decode ] || extra=(--no-decode)
    cmds=("openai only=$(q "$openai_only" scan "$tree" -f jsonl --no-ignore -j "$threads" --exit-code 0 "${extra[@]}")"
      "all providers=$(q "$kh" scan "$tree" -f jsonl --no-ignore -j "$threads" --exit-code 0 "${extra[@]}")")
    [ -z "$before" ] || cmds+=("all providers, $BEFORE=$(q "$before" scan "$tree" -f jsonl --no-ignore -j "$threads" --exit-code 0 "${extra[@]}")")
    [ -z "$vectorscan" ] || cmds+=("all providers, vectorscan=$(q "$vectorscan" scan "$tree" -f jsonl --no-ignore -j "$threads" --exit-code 0 "${extra[@]}")")
    echo "### Decoding $([ "$mode" = decode ] && echo on || echo off)"
    echo
    bench "rules-$mode" "$runs" "${cmds[@]}"
    table "rules-$mode"
    echo
  done
  if [ -n "${HISTORY:-}" ]; then
    commits="$(git -C "$HISTORY" rev-list --all --count)"
    echo "### History audit"
    echo
    echo "\`scan --history-only REPO -f jsonl -j $threads --exit-code 0\`, REPO: \`$(basename "$HISTORY")\`"
    echo "($commits commits, $(du -sh "$HISTORY/.git" | cut -f1) of packed objects), decoding on."
    echo
    cmds=()
    for b in "openai only=$openai_only" "all providers=$kh" ${before:+"all providers, $BEFORE=$before"} \
      ${vectorscan:+"all providers, vectorscan=$vectorscan"}; do
      cmds+=("${b%%=*}=$(q "${b#*=}" scan --history-only "$HISTORY" -f jsonl -j "$threads" --exit-code 0)")
    done
    bench rules-history "$runs" "${cmds[@]}"
    table rules-history
    echo
  fi
fi
