#!/usr/bin/env bash
# Staged-scan latency (`keyhound scan --staged`, the pre-commit path) in a large repository.
#
# Builds, once, a repository of tens of thousands of real files committed in one commit (by
# default the Python standard library and the globally installed npm packages found on this
# machine; set KEYHOUND_BENCH_SOURCES to other directories), stages a few changed and new files,
# and times the whole process, start to exit, with hyperfine. Results go in BENCHMARKS.md.
#
# Usage: bench/staged.sh            (KEYHOUND=path/to/keyhound to time another binary)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/bench/work/staged
repo=$work/repo
bin=${KEYHOUND:-$root/target/release/keyhound}

if [[ -z ${KEYHOUND:-} ]]; then
  cargo build --release --quiet
fi

py=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])' 2>/dev/null || true)
npm_root=$(npm root -g 2>/dev/null || true)
sources=${KEYHOUND_BENCH_SOURCES:-"$py $npm_root"}

if [[ ! -f $repo/.built ]]; then
  rm -rf "$repo"
  mkdir -p "$repo"
  git -C "$repo" init -q
  i=0
  for src in $sources; do
    [[ -d $src ]] || continue
    i=$((i + 1))
    # Copy regular files only, without compiled caches.
    (cd "$src" && find . -type f -not -name '*.pyc' -not -path '*/__pycache__/*' -print0 |
      tar --null -T - -cf -) | (mkdir -p "$repo/src$i" && cd "$repo/src$i" && tar -xf -)
  done
  git -C "$repo" add -A
  git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q -m "import"
  touch "$repo/.built"
fi

cd "$repo"
git reset -q --hard
git clean -qfdx -e .built
files=$(git ls-files | wc -l)
trees=$(git ls-tree -r -t HEAD | grep -c ' tree ' || true)

# A few staged changes: two edited files deep in the tree and one new file. The new file holds
# a key built at run time (never a literal in this script), so the scan has something to report.
mapfile -t some < <(git ls-files '*.py' | head -n 2000 | tail -n 2)
for f in "${some[@]}"; do printf '\n# edited for the staged benchmark\nx = 1\n' >>"$f"; done
key=$("$bin" --version >/dev/null && python3 - <<'PY'
import random, string
r = random.Random(7)
a = string.ascii_letters + string.digits + "_-"
part = lambda: "".join(r.choice(a) for _ in range(74))
print("sk-proj-" + part() + "T3" + "BlbkFJ" + part())
PY
)
mkdir -p newpkg && printf 'OPENAI_API_KEY = "%s"\n' "$key" >newpkg/settings.py
git add "${some[@]}" newpkg/settings.py
git diff --cached --stat | tail -n 1

echo "repository: $files files, $trees trees; load: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc)"
"$bin" scan --staged --format text >/dev/null && { echo "expected a finding"; exit 1; } || true
hyperfine --warmup 5 --runs 50 -i -N \
  "$bin scan --staged --quiet" \
  "git diff --cached --quiet"
