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
# where it happened (the message and first Vigil frame), grouped into distinct crashes.
# Exits 1 when any target crashed, 2 when the build failed.
#
#   --seeds          regenerate the seed corpus Fuzz/Corpus with make-seeds, then stop
#
# The seed corpus is not kept in git: a run without Fuzz/Corpus writes it first (make-seeds,
# deterministic), since the detector targets read their fixed half from it.
#   --build-only     build and stop
#
# Environment: FUZZ_WORK (scratch, default /tmp/vigil-fuzz: per target the grown corpus,
# artifacts/ holding the crashing inputs, and the logs; never Fuzz/Corpus), FUZZ_MAX_RUNS
# (default 100), FUZZ_TIMEOUT (seconds one input may take, default 20), FUZZ_RSS_MB (2048).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzz="$root/Fuzz"
work="${FUZZ_WORK:-/tmp/vigil-fuzz}"
max_runs="${FUZZ_MAX_RUNS:-100}"
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
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
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

if [ ! -d "$fuzz/Corpus" ]; then
    build make-seeds
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$bin/make-seeds" "$fuzz/Corpus" || exit 2
fi

# What a crash was and where: Swift's or the sanitizer's message (or the runtime-failure
# frame of a bare trap such as an overflow) and the first Vigil frame, demangled.
describe() {
    local log="$1" what frame
    what="$(grep -m1 -oE '(Fatal error|Precondition failed|Assertion failed): .*|ERROR: AddressSanitizer: [a-z-]+|ERROR: libFuzzer: (out-of-memory \(malloc\([0-9]+\)\)|out-of-memory \(used: [0-9]+Mb[^)]*\)|timeout after [0-9]+ seconds)' "$log" | head -c 200)"
    [ -n "$what" ] || what="$(grep -m1 -oE 'in Swift runtime failure: [a-zA-Z ]+' "$log" | sed 's/^in //; s/ *$//')"
    [ -n "$what" ] || what="$(grep -m1 -oE 'ERROR: libFuzzer: [a-z -]+' "$log")"
    frame="$(grep -m1 -E '^ +#[0-9]+ 0x[0-9a-f]+ in \$s[^ ]* [^ ]*/Sources/Vigil[A-Za-z]*/[^ ]*:[0-9]+' "$log" | sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in ([^ ]+) (.*)$/\1 \2/')"
    if [ -n "$frame" ]; then
        local symbol="${frame%% *}" location="${frame#* }"
        symbol="$(swift demangle --simplified --compact "$symbol" 2>/dev/null | head -c 160)"
        location="${location#"$root/"}"
        frame="$symbol at ${location#*/Sources/../}"
    else
        frame="(no Vigil frame)"
    fi
    printf '%s | %s' "${what:-unknown}" "$frame"
}

status=0
summary=()
for target in "${targets[@]}"; do
    dir="$work/$target"
    mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/logs" "$dir/scratch" "$dir/skip"
    options=(
        -rss_limit_mb="$rss_mb" -max_len="${max_len[$target]}" -timeout="$timeout_s"
        -print_final_stats=1 -detect_leaks=0 -artifact_prefix="$dir/artifacts/"
    )
    [ -f "$fuzz/Dictionaries/$target.dict" ] && options+=(-dict="$fuzz/Dictionaries/$target.dict")
    seeds=()
    [ -d "$fuzz/Corpus/$target" ] && seeds=("$fuzz/Corpus/$target")
    echo "== fuzz-$target: ${seconds}s (work: $dir)"
    executions=0
    runs=0
    crashes=()
    declare -A distinct=()
    start=$SECONDS
    deadline=$((SECONDS + seconds))
    while [ $((deadline - SECONDS)) -gt 0 ] && [ "$runs" -lt "$max_runs" ]; do
        runs=$((runs + 1))
        log="$dir/logs/run-$runs.log"
        # New units go to the scratch corpus (first folder); Fuzz/Corpus is only read.
        SWIFT_BACKTRACE=enable=no ASAN_SYMBOLIZER_PATH="$symbolizer" ASAN_OPTIONS="detect_leaks=0:symbolize=1" \
            VIGIL_FUZZ_SCRATCH="$dir/scratch" VIGIL_FUZZ_CORPUS="$fuzz/Corpus" VIGIL_FUZZ_SKIP="$dir/skip" \
            "$bin/fuzz-$target" "${options[@]}" -max_total_time=$((deadline - SECONDS)) \
            "$dir/corpus" "${seeds[@]}" > "$log" 2>&1
        code=$?
        units="$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')"
        executions=$((executions + ${units:-0}))
        [ "$code" -eq 0 ] && break
        input="$(grep -m1 -oE 'Test unit written to .*' "$log" | sed 's/^Test unit written to //')"
        signature="$(describe "$log")"
        crashes+=("${input:-(no input saved; exit $code)} | $signature")
        [ -n "${distinct[$signature]:-}" ] || distinct[$signature]="${input:-?} (log: $log)"
        if ! grep -q 'INITED' "$log"; then
            # It crashed on the empty input or a seed, before fuzzing began: every later run
            # would too, so pass that input over from now on (it is reported above).
            if [ -z "$input" ] || [ ! -f "$input" ] || cmp -s "$input" "$dir/skip/$(basename "$input")"; then
                echo "   fuzz.sh: fuzz-$target crashes before fuzzing starts and the input cannot be skipped; stopping" >&2
                break
            fi
            cp "$input" "$dir/skip/"
        fi
    done
    elapsed=$((SECONDS - start))
    [ "$elapsed" -gt 0 ] || elapsed=1
    echo "   executions: $executions ($((executions / elapsed)) exec/s over ${elapsed}s, $runs run(s)); crashes: ${#crashes[@]} (${#distinct[@]} distinct)"
    for crash in "${crashes[@]}"; do echo "   crash: $crash"; done
    for signature in "${!distinct[@]}"; do echo "   distinct: $signature | first input ${distinct[$signature]}"; done
    summary+=("$(printf '%-17s %10s execs %6s exec/s  %3s crash(es), %2s distinct' "$target" "$executions" "$((executions / elapsed))" "${#crashes[@]}" "${#distinct[@]}")")
    [ ${#crashes[@]} -gt 0 ] && status=1
    unset distinct
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit $status
