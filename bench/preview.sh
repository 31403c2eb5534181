#!/usr/bin/env bash
# Preview latency of `jixiao serve` (issue 26, item 2): from a save of a department's data file
# to the updated page image, on the department a person edits (1 department × 20 projects,
# xinjiang), median of EDITS saves (examples/preview_latency.rs).          target: ≤ 100 ms
#
#   bench/preview.sh [-e EDITS] [--departments N]   (default 9 edits; 1 department)
#
# Printed per edit and as medians: the event the open page reloads on (/events), the page
# (/d/<file>), the first page's image with the new picture, and the files on disk. The
# browser polls /events every 50 ms (src/html/preview.html.j2), which a person sees on top
# (25 ms on average); the example polls every millisecond so that the server's part is timed.
set -euo pipefail

EDITS=9
DEPTS=1
while [ $# -gt 0 ]; do
    case "$1" in
        -e | --edits) EDITS=$2; shift 2 ;;
        --departments) DEPTS=$2; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/{/^#/p}' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${BIN:-$TARGET_DIR/release/jixiao}
echo "== building (release): jixiao, examples/gen_corpus and examples/preview_latency" >&2
cargo build --release --quiet --bin jixiao --example gen_corpus --example preview_latency
WORK=$(mktemp -d "${TMPDIR:-/tmp}/jixiao-preview.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$TARGET_DIR/release/examples/gen_corpus" --departments "$DEPTS" --projects 20 --style xinjiang \
    --seed 20240601 --out "$WORK/data" >/dev/null 2>&1
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')" >&2
"$TARGET_DIR/release/examples/preview_latency" --bin "$BIN" --data "$WORK/data" \
    --templates "$ROOT/templates" --edits "$EDITS"
