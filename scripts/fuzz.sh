#!/usr/bin/env bash
# Fuzzes Vigil's readers with libFuzzer (the package in Fuzz/; see Fuzz/README.md).
#
#   scripts/fuzz.sh [seconds-per-target] [target…]
#
# Builds Fuzz/ (debug, AddressSanitizer, libFuzzer coverage; in Fuzz/.build, one job), then
# runs each target (default: all) for the given time (default 60 s). A crash does not end a
# target's time: libFuzzer is started again on the grown corpus until the time is spent
# (at most $FUZZ_MAX_RUNS runs), so a target reports every crash it hit, not just the first.
# Per target it prints the executions (libFuzzer's stat::number_of_executed_units, summed
# over its runs), exec/s, and each crash, out-of-memory or timeout with its input's path and
# where it happened. Exits 1 when any target crashed, 2 when the build failed.
#
#   --seeds          regenerate the seed corpus Fuzz/Corpus with make-seeds, then stop
#   --build-only     build and stop
#
# Environment: FUZZ_WORK (scratch, default /tmp/vigil-fuzz: per target the grown corpus,
# artifacts/ holding the crashing inputs, and the logs; never Fuzz/Corpus), FUZZ_MAX_RUNS
# (default 20), FUZZ_TIMEOUT (seconds one input may take, default 20), FUZZ_RSS_MB (2048).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzz="$root/Fuzz"
work="${FUZZ_WORK:-/tmp/vigil-fuzz}"
max_runs="${FUZZ_MAX_RUNS:-20}"
timeout_s="${FUZZ_TIMEOUT:-20}"
rss_mb="${FUZZ_RSS_MB:-2048}"
all_targets=(csv npy npz safetensors detector-config detector-weights kdd cifar10 mnist gzip)

declare -A max_len=(
    [csv]=4096 [npy]=4096 [npz]=8192 [safetensors]=16384 [detector-config]=16384 [detector-weights]=16384
    [kdd]=8192 [cifar10]=8192 [mnist]=4096 [gzip]=8192
)

mode=fuzz
seconds=60
targets=()
for argument in "$@"; do
    case "$argument" in
        --seeds) mode=seeds ;;
        --build-only) mode=build ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *[!0-9]*) targets+=("$argument") ;;
        *) seconds="$argument" ;;
    esac
done
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
    [ -n "${max_len[$target]:-}" ] || { echo "fuzz.sh: unknown target '$target' (targets: ${all_targets[*]})" >&2; exit 2; }
done

swift_bin="$(dirname "$(readlink -f "$(command -v swift)")")"
symbolizer="$swift_bin/llvm-symbolizer"
build_flags=(
    --package-path "$fuzz" -c debug -j 1
    -Xswiftc -sanitize=address
    -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table
)

build() {
    local product
    for product in "$@"; do
        echo "== building $product" >&2
        if ! swift build "${build_flags[@]}" --product "$product" > "$work/build-$product.log" 2>&1; then
            grep -v 'Cannot export local symbol' "$work/build-$product.log" | grep -E 'error:' -A3 | head -40 >&2
            echo "fuzz.sh: building $product failed (log: $work/build-$product.log)" >&2
            exit 2
        fi
    done
}

mkdir -p "$work"
bin="$(swift build "${build_flags[@]}" --show-bin-path 2>/dev/null)"

if [ "$mode" = seeds ]; then
    build make-seeds
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$bin/make-seeds" "$fuzz/Corpus"
    exit $?
fi

build "${targets[@]/#/fuzz-}"
[ "$mode" = build ] && exit 0

# Where a crash happened: the sanitizer's or Swift's message and the first Vigil frame.
describe() {
    local log="$1" what frame
    what="$(grep -m1 -oE 'Fatal error: .*|ERROR: AddressSanitizer: [a-z-]+|ERROR: libFuzzer: (out-of-memory \(malloc\([0-9]+\)\)|out-of-memory \(used: [0-9]+Mb[^)]*\)|timeout after [0-9]+ seconds|deadly signal)' "$log")"
    frame="$(grep -m1 -E '^ +#[0-9]+ .* in .*/Sources/Vigil[A-Za-z]*/' "$log" | sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in ([^ ]+) (.*)$/\1 \2/')"
    if [ -n "$frame" ]; then
        local symbol="${frame%% *}" location="${frame#* }"
        symbol="$(swift demangle --simplified "$symbol" 2>/dev/null | head -c 160)"
        frame="$symbol at ${location#"$root/"}"
    else
        frame="(no Vigil frame)"
    fi
    printf '%s | %s' "${what:-unknown}" "$frame"
}

status=0
summary=()
for target in "${targets[@]}"; do
    dir="$work/$target"
    mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/logs" "$dir/scratch"
    options=(
        -rss_limit_mb="$rss_mb" -max_len="${max_len[$target]}" -timeout="$timeout_s"
        -print_final_stats=1 -detect_leaks=0 -artifact_prefix="$dir/artifacts/"
    )
    [ -f "$fuzz/Dictionaries/$target.dict" ] && options+=(-dict="$fuzz/Dictionaries/$target.dict")
    echo "== fuzz-$target: ${seconds}s (work: $dir)"
    executions=0
    runs=0
    crashes=()
    start=$SECONDS
    deadline=$((SECONDS + seconds))
    while [ $((deadline - SECONDS)) -gt 0 ] && [ "$runs" -lt "$max_runs" ]; do
        runs=$((runs + 1))
        log="$dir/logs/run-$runs.log"
        before="$(ls "$dir/artifacts")"
        # New units go to the scratch corpus (first folder); Fuzz/Corpus is only read.
        SWIFT_BACKTRACE=enable=no ASAN_SYMBOLIZER_PATH="$symbolizer" ASAN_OPTIONS="detect_leaks=0:symbolize=1" \
            VIGIL_FUZZ_SCRATCH="$dir/scratch" VIGIL_FUZZ_CORPUS="$fuzz/Corpus" \
            "$bin/fuzz-$target" "${options[@]}" -max_total_time=$((deadline - SECONDS)) \
            "$dir/corpus" "$fuzz/Corpus/$target" > "$log" 2>&1
        code=$?
        units="$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')"
        executions=$((executions + ${units:-0}))
        new="$(comm -13 <(echo "$before") <(ls "$dir/artifacts"))"
        if [ -n "$new" ]; then
            for artifact in $new; do
                crashes+=("$dir/artifacts/$artifact | $(describe "$log") | log $log")
            done
        elif [ "$code" -ne 0 ]; then
            crashes+=("(no input saved; exit $code) | $(describe "$log") | log $log")
        fi
        [ "$code" -eq 0 ] && break
    done
    elapsed=$((SECONDS - start))
    [ "$elapsed" -gt 0 ] || elapsed=1
    echo "   executions: $executions ($((executions / elapsed)) exec/s over ${elapsed}s, $runs run(s)); crashes: ${#crashes[@]}"
    for crash in "${crashes[@]}"; do echo "   crash: $crash"; done
    summary+=("$(printf '%-17s %10s execs %6s exec/s  %3s crash(es)' "$target" "$executions" "$((executions / elapsed))" "${#crashes[@]}")")
    [ ${#crashes[@]} -gt 0 ] && status=1
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit $status
