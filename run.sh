#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, test and run mmstall on Debian 12, as root.
#
#   ./run.sh          install what is missing, build, compare the Debian 6.1
#                     and 6.12 kernels ('mmstall compare', 5 interleaved runs
#                     of the default scenario each) into results/<stamp>-default:
#                     the comparison and the per-kernel table on screen,
#                     report.html and report.mail.txt in that directory
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
	sed -n '4,15s/^# \{0,1\}//p' "$0"
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

run_default() {
	local out rc=0 report_rc=0 t0=$SECONDS

	out="results/$(date -u +%Y%m%d-%H%M%S)-default"
	step "Comparing the default kernels (Debian 6.1 = baseline, 6.12; 5 runs each) into $out/"
	"$BUILD/mmstall" compare --reps 5 --results "$out" || rc=$?
	# Failed runs still leave the others' results: show what there is.
	if [[ -d $out ]]; then
		step "Per run: every kernel and probe, p99 against the control probe's"
		"$BUILD/mmstall" report --format runs "$out" || report_rc=$?
	fi
	((rc == 0)) || die "mmstall compare failed (exit $rc); results and console logs in $out/"
	((report_rc == 0)) || die "mmstall report $out failed (exit $report_rc)"
	step "Done in $((SECONDS - t0)) s: $out/report.html, $out/report.mail.txt"
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
