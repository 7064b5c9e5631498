#!/usr/bin/env bash
# Runs every fuzz target in turn on one core, for SECONDS_PER_TARGET (default 600) each, and keeps
# libFuzzer's output in logs/<target>.log (the figures of fuzz/README.md come from their last
# lines). Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#   fuzz/run.sh                     all targets, 10 minutes each
#   SECONDS_PER_TARGET=60 fuzz/run.sh decoders rule_loader
set -euo pipefail
cd "$(dirname "$0")"

secs="${SECONDS_PER_TARGET:-600}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(detect_blob decoders rule_loader config_loader baseline_reader)
fi

cargo +nightly fuzz build
# The detector's seeds hold keys in real formats, so they are generated, never committed.
cargo +nightly run --quiet --example seed_detect_blob -- corpus/detect_blob

mkdir -p logs
for t in "${targets[@]}"; do
  # Bigger inputs for the scanners, where slow paths grow with the input.
  case "$t" in
    detect_blob | decoders) max_len=16384 ;;
    *) max_len=4096 ;;
  esac
  mkdir -p "corpus/$t"
  echo "==> $t (${secs}s)"
  cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -timeout=10 -max_len="$max_len" \
    -print_final_stats=1 2>&1 | tee "logs/$t.log" | grep -E '^#[0-9]+ +DONE|ERROR|Test unit written' || true
done
