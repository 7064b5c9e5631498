#!/usr/bin/env bash
# The steps of keyhound's GitHub Action (action.yml), one subcommand per step, so that they run
# (and are tested) the same outside GitHub. Inputs come as INPUT_* variables, set by action.yml.
#
#   cache-key  which keyhound to install, as a cache key, and where it goes
#   install    cargo install it, unless the cache already restored it
#   scan       pick what to scan from the event, run keyhound once: annotations on stdout, SARIF,
#              a Markdown summary for $GITHUB_STEP_SUMMARY, outputs `findings` and `sarif-file`
#   verdict    fail when there are findings and fail-on-findings is true
set -euo pipefail

action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
out=${GITHUB_OUTPUT:-/dev/null}

fail() {
  echo "::error title=keyhound::$*"
  exit 2
}

# Reads a field of the event payload ($GITHUB_EVENT_PATH), e.g. `pull_request.base.sha`.
event_field() {
  [[ -n ${GITHUB_EVENT_PATH:-} && -f $GITHUB_EVENT_PATH ]] || return 0
  python3 - "$GITHUB_EVENT_PATH" "$1" <<'PY'
import json, sys
value = json.load(open(sys.argv[1], encoding="utf-8"))
for part in sys.argv[2].split("."):
    value = value.get(part) if isinstance(value, dict) else None
print(value if isinstance(value, str) else "")
PY
}

cache_key() {
  local key
  if [[ -n ${INPUT_VERSION:-} ]]; then
    key="keyhound-${RUNNER_OS:-local}-v$INPUT_VERSION"
  else
    # The action's own sources, hashed: a new ref builds anew, the same ref comes from the cache.
    key="keyhound-${RUNNER_OS:-local}-src-$(cd "$action_path" &&
      find Cargo.toml Cargo.lock build.rs src rules -type f 2>/dev/null | LC_ALL=C sort |
      xargs sha256sum | sha256sum | cut -c1-16)"
  fi
  echo "key=$key" >>"$out"
  echo "dir=${RUNNER_TOOL_CACHE:-$HOME/.cache}/keyhound-action/$key" >>"$out"
}

install() {
  local dir=${INSTALL_DIR:?INSTALL_DIR is not set}
  if [[ -x $dir/bin/keyhound ]]; then
    echo "keyhound: using the cached build in $dir"
  elif [[ -n ${INPUT_VERSION:-} ]]; then
    cargo install keyhound --locked --version "$INPUT_VERSION" --root "$dir"
  else
    cargo install --locked --path "$action_path" --root "$dir"
  fi
  echo "$dir/bin" >>"${GITHUB_PATH:-/dev/null}"
  "$dir/bin/keyhound" --version
}

# Sets `range` from the mode and the event: empty means the whole repository and its history.
choose_range() {
  range=""
  case ${INPUT_MODE:-auto} in
  full) ;;
  auto)
    case ${GITHUB_EVENT_NAME:-} in
    pull_request | pull_request_target)
      local base head
      base=$(event_field pull_request.base.sha)
      head=$(event_field pull_request.head.sha)
      [[ -n $base && -n $head ]] || fail "the pull_request event has no base and head commits"
      range="$base..$head"
      ;;
    push)
      local before after
      before=$(event_field before)
      after=$(event_field after)
      # A new branch has no `before` (all zeros): scan everything it holds.
      if [[ -n $before && -n $after && ! $before =~ ^0+$ ]]; then
        range="$before..$after"
      fi
      ;;
    esac
    ;;
  *..*) range=$INPUT_MODE ;;
  *) fail "mode must be auto, full or a commit range A..B, not \`$INPUT_MODE\`" ;;
  esac
}

# History needs the commits: actions/checkout fetches only one unless told `fetch-depth: 0`.
check_history() {
  local path=$1
  git -C "$path" rev-parse --git-dir >/dev/null 2>&1 || return 0
  if [[ $(git -C "$path" rev-parse --is-shallow-repository) == true ]]; then
    fail "this is a shallow clone, so the git history that keyhound must scan is missing. Set \`fetch-depth: 0\` on actions/checkout (with: fetch-depth: 0)."
  fi
  if [[ -n $range ]]; then
    local end
    for end in "${range%%..*}" "${range##*..}"; do
      git -C "$path" cat-file -e "$end^{commit}" 2>/dev/null ||
        fail "commit $end of the range $range is not in the checkout. Set \`fetch-depth: 0\` on actions/checkout."
    done
  fi
}

scan() {
  local path=${INPUT_PATH:-.}
  local sarif=${INPUT_SARIF_FILE:-keyhound.sarif}
  local tmp
  tmp=$(mktemp -d)
  choose_range
  check_history "$path"

  local args=(scan "$path" --format github --exit-code 0
    --report "sarif=$sarif" --report "markdown=$tmp/summary.md" --report "json=$tmp/report.json")
  [[ -n $range ]] && args+=(--range "$range")
  [[ ${INPUT_VALIDATE:-false} == true ]] && args+=(--validate)
  local extra=()
  read -r -a extra <<<"${INPUT_ARGS:-}"
  args+=("${extra[@]}")

  echo "keyhound ${args[*]}" >&2
  local code=0
  keyhound "${args[@]}" || code=$?
  if [[ -f $tmp/summary.md ]]; then
    cat "$tmp/summary.md" >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
  fi
  [[ $code -eq 0 ]] || fail "the scan failed (exit code $code); see the messages above"
  local findings
  findings=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["stats"]["findings"])' "$tmp/report.json")
  echo "findings=$findings" >>"$out"
  echo "sarif-file=$sarif" >>"$out"
  rm -rf "$tmp"
}

verdict() {
  local findings=${FINDINGS:-0}
  if [[ ${INPUT_FAIL_ON_FINDINGS:-true} == true && $findings -gt 0 ]]; then
    echo "::error title=keyhound::keyhound found $findings secret finding(s): rotate each key, then remove it (see the job summary)."
    exit 1
  fi
  echo "keyhound: $findings finding(s)."
}

case ${1:-} in
cache-key) cache_key ;;
install) install ;;
scan) scan ;;
verdict) verdict ;;
*)
  echo "usage: $0 cache-key|install|scan|verdict" >&2
  exit 2
  ;;
esac
