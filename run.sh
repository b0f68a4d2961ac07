#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, test and run mmstall on Debian 12, as root.
#
#   ./run.sh          install what is missing, build, and show where the
#                     inversion lives today: Debian 6.1, 6.12 and the newest
#                     kernel in Debian's archive (resolved now, named in the
#                     output), 3 interleaved runs each of the ps-latency,
#                     dirty-throttle and swap scenarios ('mmstall compare'),
#                     into results/<stamp>-default/<scenario>/; one table on
#                     screen: scenario x kernel x lock probe, reproduced or
#                     not; each scenario's full report (report.html,
#                     report.mail.txt, report.txt) in its directory
#   ./run.sh build    install what is missing and build (build/)
#   ./run.sh test     also build build-asan/ (ASan+UBSan) and run every test:
#                     all of them in build/ (VM tests included, not the real
#                     kernel build: ctest -L kbuild), the unit tests again in
#                     build-asan/; non-zero exit if any fails
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"

PACKAGES=(build-essential cmake pkg-config libjansson-dev libcgroup-dev
	  liburing-dev qemu-system-x86 busybox-static fio e2fsprogs cpio
	  xz-utils zstd lz4 kmod chromium parallel
	  git rsync make gcc bc bison flex libelf-dev libssl-dev)
BUILD=build
BUILD_ASAN=build-asan

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
	sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//p}' "$0"
}

# Packages of PACKAGES that dpkg does not report as installed, one a line.
missing_packages() {
	local p status

	for p in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[[ $status == "install ok installed" ]] || echo "$p"
	done
}

install_packages() {
	local missing

	step "Checking Debian packages"
	command -v dpkg-query >/dev/null ||
		die "dpkg-query not found: run.sh expects Debian 12; install by hand: ${PACKAGES[*]}"
	mapfile -t missing < <(missing_packages)
	if ((${#missing[@]} == 0)); then
		echo "all ${#PACKAGES[@]} packages installed"
		return
	fi
	# Root is needed only to install: say what is missing, so an admin can.
	((EUID == 0)) ||
		die "missing packages: ${missing[*]}; run as root, or: sudo apt-get install ${missing[*]}"
	step "Installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y "${missing[@]}"
}

# build_dir DIR [cmake options...]
build_dir() {
	local dir=$1

	shift
	step "Configuring $dir/ ($*)"
	cmake -S . -B "$dir" "$@"
	step "Building $dir/"
	cmake --build "$dir" -j"$(nproc)"
}

build() {
	build_dir "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
}

run_tests() {
	local failed=()

	build_dir "$BUILD_ASAN" -DCMAKE_BUILD_TYPE=Debug -DMMSTALL_SANITIZE=ON
	# -LE kbuild: the real kernel build (ctest -L kbuild) is run by hand
	step "Running all tests in $BUILD/ (unit and vm; not the kbuild one)"
	(cd "$BUILD" && ctest --output-on-failure -LE kbuild) || failed+=("$BUILD/")
	step "Running unit tests under ASan+UBSan in $BUILD_ASAN/"
	(cd "$BUILD_ASAN" && ctest --output-on-failure -LE 'vm|kbuild') || failed+=("$BUILD_ASAN/")
	if ((${#failed[@]})); then
		step "FAILED: tests in ${failed[*]} (see the output above)"
		exit 1
	fi
	step "All tests passed"
}

# The default job's scenarios: the paths that tell today's kernels apart
# (docs/kernel-notes.md): read-fault I/O under io.max, the write-fault retry
# dirty-throttled, anonymous swap-in under io.cost.
DEFAULT_SCENARIOS=(ps-latency dirty-throttle swap)
DEFAULT_KERNELS=(--kernel 6.1=deb:linux-image-6.1 --kernel 6.12=deb:linux-image-6.12 --kernel newest=deb:latest)
DEFAULT_RUN=(--reps 3)

run_default() {
	local out scen dirs=() failed=() rc t0=$SECONDS

	out="results/$(date -u +%Y%m%d-%H%M%S)-default"
	mkdir -p "$out"
	step "Where the inversion lives: Debian 6.1, 6.12 and the newest kernel in the archive (deb:latest)," \
		"${#DEFAULT_SCENARIOS[@]} scenarios, 3 runs each, into $out/"
	for scen in "${DEFAULT_SCENARIOS[@]}"; do
		step "Scenario $scen"
		rc=0
		mkdir -p "$out/$scen"
		"$BUILD/mmstall" compare "${DEFAULT_KERNELS[@]}" "${DEFAULT_RUN[@]}" --scenario "$scen" \
			--results "$out/$scen" >"$out/$scen/report.txt" || rc=$?
		# a failed run is counted in the reports; only a compare that could not run stops us
		((rc <= 1)) || failed+=("$scen (exit $rc)")
		[[ -d $out/$scen ]] && dirs+=("$out/$scen")
	done
	((${#dirs[@]})) || die "no scenario could run; see the messages above"
	step "Where the inversion lives"
	"$BUILD/mmstall" report --format kernels "${dirs[@]}" | tee "$out/kernels.txt" || true
	((${#failed[@]} == 0)) || die "could not run: ${failed[*]}; results and console logs in $out/"
	step "Done in $((SECONDS - t0)) s: $out/kernels.txt; per scenario $out/<scenario>/report.txt," \
		"report.html and report.mail.txt"
}

main() {
	local cmd=${1:-run}

	case $cmd in
	run | build | test) ;;
	-h | --help | help)
		usage
		exit 0
		;;
	*)
		usage >&2
		die "unknown command '$cmd' (expected nothing, 'build' or 'test')"
		;;
	esac
	(($# <= 1)) || die "too many arguments: $*"

	install_packages
	build
	case $cmd in
	test) run_tests ;;
	run) run_default ;;
	esac
}

main "$@"
