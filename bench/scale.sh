#!/usr/bin/env bash
# The scaling curve (issue 26, item 3): `jixiao build` of 1, 10, 100, 1,000 and 10,000 projects,
# as one-project departments and as 20-project departments, with --jobs 1 and --jobs 2: wall
# seconds, CPU seconds (user + sys) and peak RSS, the median of R runs each (default 1).
#
#   bench/scale.sh [-r RUNS] [--max N] [--sizes "N ..."] [--append]
#
# --max: the largest size (default 10000); --sizes: the sizes to run (default "1 10 100 1000
# 10000"); --append: add rows to bench/scale.csv instead of starting it anew (to complete a
# curve whose run was cut off).
#
# Writes bench/scale.csv (one row per size, layout and jobs) and, when python3 has
# matplotlib (pip install matplotlib), bench/scale.png (bench/plot_scale.py). Each build runs
# with --force into a fresh output directory, capped at 10 GiB of address space. Corpora come
# from examples/gen_corpus.rs (fixed seed, xinjiang style: one one-page 项目支出绩效目标表 per
# project). The last column is CPU seconds other processes used meanwhile: non-zero means the
# machine was not quiet.
set -euo pipefail

RUNS=1
MAX=10000
SIZES="1 10 100 1000 10000"
APPEND=0
while [ $# -gt 0 ]; do
    case "$1" in
        -r | --runs) RUNS=$2; shift 2 ;;
        --max) MAX=$2; shift 2 ;;
        --sizes) SIZES=$2; shift 2 ;;
        --append) APPEND=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/{/^#/p}' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release/jixiao
GEN=$TARGET_DIR/release/examples/gen_corpus
SEED=20240601
echo "== building (release): jixiao and examples/gen_corpus" >&2
cargo build --release --quiet --bin jixiao --example gen_corpus
WORK=$(mktemp -d "${TMPDIR:-/tmp}/jixiao-scale.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
CAP=(prlimit --as=$((10 << 30)) --)

CSV=$ROOT/bench/scale.csv
[ "$APPEND" = 1 ] && [ -f "$CSV" ] ||
    echo "projects,layout,jobs,wall_s,cpu_s,peak_rss_mb,other_cpu_s,runs,revision" >"$CSV"
REV=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
for n in $SIZES; do
    [ "$n" -le "$MAX" ] || continue
    for layout in one twenty; do
        if [ "$layout" = one ]; then depts=$n per=1; else
            [ "$n" -ge 20 ] || continue
            depts=$((n / 20)) per=20
        fi
        data=$(corpus "$layout-$n" "$depts" "$per" xinjiang)
        for jobs in 1 2; do
            walls=() cpus=() rss=() others=()
            for ((i = 1; i <= RUNS; i++)); do
                out=$WORK/out
                rm -rf "$out"
                timed "$data" "$out" --force --jobs "$jobs"
                rm -rf "$out"
                walls+=("$T_WALL") cpus+=("$T_CPU") rss+=("$T_KB") others+=("$T_OTHER")
            done
            w=$(printf '%s\n' "${walls[@]}" | median)
            c=$(printf '%s\n' "${cpus[@]}" | median)
            m=$(printf '%s\n' "${rss[@]}" | median | awk '{ printf "%.0f", $1 / 1024 }')
            o=$(printf '%s\n' "${others[@]}" | median)
            echo "$n,$layout,$jobs,$w,$c,$m,$o,$RUNS,$REV" | tee -a "$CSV" >&2
        done
        rm -rf "$WORK/$layout-$n"
    done
done
if python3 -c 'import matplotlib' 2>/dev/null; then
    python3 "$ROOT/bench/plot_scale.py" "$CSV" "$ROOT/bench/scale.png"
    echo "== bench/scale.png" >&2
else
    echo "== no matplotlib: bench/scale.png not drawn (pip install matplotlib)" >&2
fi
