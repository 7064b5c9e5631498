#!/usr/bin/env bash
# Builds the benchmark inputs under bench/work/ (gitignored; never commit them):
#   bench/work/tree/      ~1 GB of real JavaScript from `npm install` of big front-end packages
#   bench/work/longline/  the same 50 MB of JavaScript as one single line and as short lines
# Idempotent: an existing tree is kept (delete bench/work/tree to rebuild it).
# Package versions are pinned so that every run scans the same bytes.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$here/work"
tree="$work/tree"
mkdir -p "$work"

packages=(
  typescript@5.6.3
  @angular/core@18.2.13
  @angular/compiler@18.2.13
  next@15.0.3
  react-dom@18.3.1
  monaco-editor@0.52.0
  three@0.170.0
  pdfjs-dist@4.8.69
  @mui/material@6.1.8
  @mui/icons-material@6.1.8
  aws-sdk@2.1692.0
  firebase@11.0.2
  echarts@5.5.1
  plotly.js-dist@2.35.2
  @tensorflow/tfjs@4.22.0
  lodash@4.17.21
  rxjs@7.8.1
  @babel/standalone@7.26.2
  vue@3.5.13
  svelte@5.2.7
  esbuild-wasm@0.24.0
)

if [ ! -d "$tree/node_modules" ]; then
  echo "building $tree (npm install; a few minutes)" >&2
  rm -rf "$tree"
  mkdir -p "$tree"
  (
    cd "$tree"
    printf '{"name":"keyhound-bench-tree","private":true}\n' >package.json
    npm install --no-audit --no-fund --ignore-scripts --loglevel=error "${packages[@]}" >&2
    # Scan the packages, not npm's bookkeeping. Next's native compiler (140 MB) is over
    # keyhound's --max-file-size and would only be skipped; .bin/ holds symlinks no tool follows.
    rm -rf package-lock.json node_modules/.package-lock.json node_modules/.bin node_modules/@next/swc-*
  )
fi

# The long-line case: 50 MiB of real minified JavaScript (the tree's .js files over 100 KiB,
# in a fixed order), once in short lines (broken after every ';') and once as one single line
# (every newline turned into a space). Same size, same bytes apart from '\n' vs ' '.
ll="$work/longline"
if [ ! -f "$ll/oneline.js" ]; then
  mkdir -p "$ll"
  python3 - "$tree/node_modules" "$ll" <<'EOF'
import os, sys
root, ll = sys.argv[1], sys.argv[2]
want = 50 * 1024 * 1024
paths = sorted(
    os.path.join(d, n)
    for d, _, names in os.walk(root)
    for n in names
    if n.endswith(".js") and not os.path.islink(os.path.join(d, n))
)
data = bytearray()
for p in paths:
    if len(data) >= want:
        break
    if os.path.getsize(p) > 100 * 1024:
        with open(p, "rb") as f:
            data += f.read().replace(b"\r", b"").replace(b";", b";\n")
short = bytes(data[:want])
with open(os.path.join(ll, "short.js"), "wb") as f:
    f.write(short)
with open(os.path.join(ll, "oneline.js"), "wb") as f:
    f.write(short.replace(b"\n", b" "))
EOF
fi

files=$(find "$tree" -type f | wc -l)
bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "tree: $tree: $files files, $bytes bytes ($((bytes / 1024 / 1024)) MiB)" >&2
for f in "$ll"/short.js "$ll"/oneline.js; do
  echo "longline: $f: $(stat -c %s "$f") bytes, $(wc -l <"$f") newlines" >&2
done

# Dense inputs, to keep the cost per keyword hit and per finding linear:
#   dense.js: 50 MiB of nothing but keyword hits (no secret);
#   many.js: 200,000 distinct tokens of a neutral test format on one line, with the rule file
#   tok.toml that finds them (not a real provider format, so nothing here is a real key).
dense="$work/dense"
if [ ! -f "$dense/many.js" ]; then
  mkdir -p "$dense"
  python3 - "$dense" <<'EOF'
import os, random, string, sys
d = sys.argv[1]
with open(os.path.join(d, "dense.js"), "w") as f:
    f.write("const baseURL = openai; " * (50 * 1024 * 1024 // 24))
r = random.Random(1)
alnum = string.ascii_letters + string.digits
with open(os.path.join(d, "many.js"), "w") as f:
    f.write(" ".join("tok_" + "".join(r.choice(alnum) for _ in range(16)) for _ in range(200000)))
with open(os.path.join(d, "tok.toml"), "w") as f:
    f.write("""[provider]
id = "bench"
name = "Bench"
rotation_url = "https://example.invalid"
remediation = "none"

[[rules]]
id = "bench-token"
name = "Bench token"
confidence = "high"
keywords = ["tok_"]
regex = '(?:^|[^A-Za-z0-9_])(?P<secret>tok_[A-Za-z0-9]{16})(?:[^A-Za-z0-9_]|$)'
""")
EOF
fi
