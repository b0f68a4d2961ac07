#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz the scenario parser and the result reader with libFuzzer (clang,
# ASan + UBSan, leak detection), SECONDS per target, one target after the
# other, and print per target: runs, execs/s, crashes, leaks, timeouts
# (hangs), OOMs, corpus size.  Not part of './run.sh test' or ctest.
#
#   tests/fuzz/run.sh [SECONDS [TARGET...]]      (default 60 s; every target)
#   tests/fuzz/run.sh 0                          build and make the seeds only
#
# Targets: scenario, probes, result, report (tests/fuzz/fuzz_*.c).
# Everything goes to build-fuzz/ (CC=clang-14 by default, or $FUZZ_CC): the
# corpora under build-fuzz/fuzz/corpus/ grow from run to run; findings are
# build-fuzz/fuzz/artifacts/TARGET/{crash,leak,timeout,oom}-*; replay one
# with build-fuzz/fuzz/fuzz_TARGET FILE.  Exit status: 0 nothing found,
# 1 something found, 2 could not build.
set -euo pipefail

secs=${1:-60}
shift || true
all=(scenario probes result report)
targets=("${@:-${all[@]}}")
src=$(cd "$(dirname "$0")/../.." && pwd)
bld=$src/build-fuzz
out=$bld/fuzz
cc=${FUZZ_CC:-$(command -v clang-14 || command -v clang || true)}
# per-input time limit: the report target's bootstraps take well under 1 s
timeout=${FUZZ_TIMEOUT:-10}
# at most this many findings a target before it is not restarted again
max_findings=${FUZZ_MAX_FINDINGS:-10}

die() { echo "fuzz: $*" >&2; exit 2; }

[[ $secs =~ ^[0-9]+$ ]] || die "SECONDS must be a whole number, got '$secs'"
for t in "${targets[@]}"; do
	[[ " ${all[*]} " == *" $t "* ]] || die "unknown target '$t': one of ${all[*]}"
done
[ -n "$cc" ] || die "no clang found (apt-get install clang-14, or set FUZZ_CC)"
# libFuzzer's runtime is in libclang-rt-14-dev on Debian 12
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' |
	"$cc" -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null ||
	die "$cc cannot link -fsanitize=fuzzer: install libclang-rt-14-dev (apt-get install libclang-rt-14-dev)"

# ---- build: the real code instrumented, then each target against it ----
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
mkdir -p "$bld"
echo "fuzz: building with $cc into $bld"
CC=$cc cmake -S "$src" -B "$bld" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" \
	-DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" -DMMSTALL_SANITIZE=ON -DMMSTALL_STATIC_GUEST=OFF \
	>"$bld/fuzz-cmake.log" 2>&1 || { cat "$bld/fuzz-cmake.log"; die "cmake failed"; }
cmake --build "$bld" --target mmstall_core -j2 >"$bld/fuzz-build.log" 2>&1 ||
	{ tail -40 "$bld/fuzz-build.log"; die "building mmstall_core failed"; }
mkdir -p "$out"
read -ra libs <<<"$(pkg-config --libs jansson libcgroup liburing)"
build() { # NAME EXTRA-FLAGS
	"$cc" -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE $san $2 -I"$src" -I"$bld" \
		"$src/tests/fuzz/$1.c" "$bld/libmmstall_core.a" "${libs[@]}" -lpthread -lm -o "$out/$1" ||
		die "building $1 failed"
}
build fuzz_seeds ""
for t in "${targets[@]}"; do
	build "fuzz_$t" -fsanitize=fuzzer
done

# ---- seeds and dictionaries ----
rm -rf "$out/seeds"
"$out/fuzz_seeds" "$out/seeds" "$src"/tests/fuzz/seeds/result/*.json || die "making the seeds failed"
cp "$src"/tests/fuzz/seeds/result/*.json "$out/seeds/result/"
# the result format's documented keys, as JSON keys
grep -o '`[a-z][a-z0-9_]*`' "$src/results/README.md" | tr -d '`' | sort -u |
	sed 's/.*/"\\"&\\""/' >"$out/seeds/result.dict"
printf '"<mmfuzz>"\n"null"\n"true"\n"1e300"\n"-1"\n"1.5"\n"18446744073709551616"\n"[]"\n"{}"\n' \
	>>"$out/seeds/result.dict"
cp "$out/seeds/result.dict" "$out/seeds/report.dict"
printf '"\\x00"\n"\\"rule\\""\n"\\"basis\\""\n"\\"absolute\\""\n"\\"reps_auto_max\\""\n' >>"$out/seeds/report.dict"
[ "$secs" -gt 0 ] || { echo "fuzz: built into $out; seeds in $out/seeds"; exit 0; }

# ---- run each target for secs; restarted after each finding ----
scratch=$(mktemp -d /dev/shm/mmstall-fuzz.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$scratch"' EXIT
found_any=0
report=()
for t in "${targets[@]}"; do
	corpus=$out/corpus/$t arts=$out/artifacts/$t log=$out/logs/$t.log
	mkdir -p "$corpus" "$arts" "$(dirname "$log")"
	: >"$log"
	ls "$arts" | sort >"$scratch/before"
	runs=0 findings=0 start=$(date +%s)
	echo "fuzz: $t for ${secs}s (log $log)"
	while :; do
		left=$((secs - ($(date +%s) - start)))
		[ "$left" -gt 0 ] || break
		set +e
		FUZZ_TMPDIR=$scratch "$out/fuzz_$t" -max_total_time="$left" -timeout="$timeout" \
			-rss_limit_mb=2048 -print_final_stats=1 -dict="$out/seeds/$t.dict" \
			-artifact_prefix="$arts/" "$corpus" "$out/seeds/$t" >>"$log" 2>&1
		code=$?
		set -e
		runs=$(grep -a '^stat::number_of_executed_units:' "$log" | awk '{s += $2} END {print s + 0}')
		[ $code -eq 0 ] && break
		findings=$((findings + 1))
		[ $findings -ge "$max_findings" ] && { echo "fuzz: $t: $findings findings, not restarted" >&2; break; }
	done
	took=$(($(date +%s) - start))
	new=$(ls "$arts" | sort | comm -13 "$scratch/before" -)
	count() { grep -c "^$1-" <<<"$new" || true; }
	crashes=$(count crash) leaks=$(count leak) timeouts=$(count timeout) ooms=$(count oom)
	[ $((crashes + leaks + timeouts + ooms)) -eq 0 ] || found_any=1
	report+=("$(printf '%-9s %12s %8s %8s %6s %9s %5s %7s' "$t" "$runs" "$((runs / (took ? took : 1)))" \
		"$crashes" "$leaks" "$timeouts" "$ooms" "$(ls "$corpus" | wc -l)")")
done

echo
printf '%-9s %12s %8s %8s %6s %9s %5s %7s\n' target runs execs/s crashes leaks timeouts ooms corpus
printf '%s\n' "${report[@]}"
[ $found_any -eq 0 ] || echo "findings: $out/artifacts/TARGET/ (replay: $out/fuzz_TARGET FILE)"
exit $found_any
