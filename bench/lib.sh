# Helpers shared by bench/run.sh and bench/scale.sh (sourced, not run). They read the
# globals BIN (release jixiao), GEN (release examples/gen_corpus), ROOT, WORK, SEED and CAP
# (a command to run each build under, e.g. prlimit; may be empty).

# corpus NAME DEPTS PROJECTS STYLE [gen_corpus args…]: generate $WORK/NAME/data and check it
# has no errors.
corpus() {
    local dir=$WORK/$1/data
    "$GEN" --departments "$2" --projects "$3" --style "$4" --seed "$SEED" --out "$dir" "${@:5}" \
        2>/dev/null
    checked "$dir" >/dev/null
    echo "$dir"
}

# checked DIR: run `jixiao check`; fail on errors; print the number of projects.
checked() {
    local summary
    summary=$("$BIN" check "$1" --templates "$ROOT/templates" 2>&1 | tail -n 1) || true
    case "$summary" in
        *"：0 个错误"*) ;;
        *) echo "bench: $1 does not pass jixiao check: $summary" >&2; exit 1 ;;
    esac
    sed -E 's/^.*，([0-9]+) 个项目.*$/\1/' <<<"$summary"
}

# CPU seconds all processes have used so far (user + nice + system + irq + softirq).
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
busy() { awk -v hz="$HZ" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat; }

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# A command to run each build under (the size scenarios cap its address space).
CAP=()
# timed DATA OUT [build args…]: one build; sets T_WALL, T_KB, T_CPU, T_OTHER.
timed() {
    local data=$1 out=$2 b0 b1 t0 t1
    shift 2
    b0=$(busy)
    t0=$(date +%s%N)
    /usr/bin/time -o "$WORK/time" -f '%e %M %U %S' "${CAP[@]}" \
        "$BIN" build "$data" --out "$out" --templates "$ROOT/templates" "$@" 2>"$WORK/build.log" || {
        echo "bench: build failed; last lines of its log:" >&2
        tail -n 20 "$WORK/build.log" >&2
        exit 1
    }
    t1=$(date +%s%N)
    b1=$(busy)
    T_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    T_KB=$(tail -n 1 "$WORK/time" | awk '{ print $2 }')
    T_CPU=$(tail -n 1 "$WORK/time" | awk '{ printf "%.2f", $3 + $4 }')
    T_OTHER=$(awk -v a="$b0" -v b="$b1" -v c="$T_CPU" 'BEGIN { o = b - a - c; printf "%.2f", o < 0 ? 0 : o }')
}

