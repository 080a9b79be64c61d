#!/usr/bin/env bash
# The unit tests and the quicker integration tests under valgrind
# (memcheck, --leak-check=full, --error-exitcode=99), through CTest's
# memcheck mode; a valgrind error fails the test and this script. The
# exit code is 99, not 1, so that a CLI run that is expected to fail
# (exit 1) cannot hide an error in it.
# The tests that run the CLI as a process also check the CLI itself:
# valgrind follows children and skips every other program they run.
# Usage (as root, after tools/deps.sh): bash tools/valgrind.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-valgrind}

# Plain build: valgrind and the sanitizers do not mix.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DXHP_SANITIZE=OFF >/dev/null
cmake --build "$build" -j2

# Followed: the test and our CLI (and the test xenstored). Not followed:
# shells, Xen's scripts, iproute2, OVS, util-linux and xenstore tools.
skip='*/sh,*/bash,*/dash,/etc/xen/*,*/ip,*/bridge,*/tc,*/sysctl,*/ovs-*'
skip+=',*/ovsdb-*,*/losetup,*/truncate,*/mkfs*,*/mke2fs,*/blkid,*/logger'
skip+=',*/xenstore*,*/flock,*/stat,*/readlink,*/sed,*/grep,*/cat,*/awk'
skip+=',*/mawk,*/expr,*/head,*/tr,*/cut,*/sleep,*/rm,*/mkdir,*/which'
skip+=',*/ifconfig,*/iptables,*/brctl,*/env'
opts="--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
opts+=" --show-leak-kinds=definite --track-fds=no --num-callers=30"
opts+=" --trace-children=yes --trace-children-skip=$skip"
opts+=" --suppressions=$PWD/tools/valgrind.supp"

# Unit tests, and integration tests of a few seconds each. Not
# test-script and test-block: valgrind 3.19 lacks pidfd_open(2), which the
# script runner needs (its block helper case is in test-block).
tests='^(test-cli|test-lock|test-xs-contract|test-bridge-netlink'
tests+='|test-bridge-vif|test-route|test-badinput|test-interrupt-block)$'

log="$build/valgrind.log"
: >"$log"
rm -f "$build"/Testing/Temporary/MemoryChecker.*.log
rc=0
memcheck() {
	ctest --test-dir "$build" -T memcheck -j2 --output-on-failure \
		--timeout 600 \
		--overwrite MemoryCheckCommand="$(command -v valgrind)" \
		--overwrite MemoryCheckCommandOptions="$opts" "$@" 2>&1 |
		grep -v 'DartConfiguration.tcl' | tee -a "$log"
}
# DartConfiguration.tcl is not needed: the command and options are given.
memcheck -L unit || rc=1
memcheck -R "$tests" || rc=1
# Defects in the memcheck logs (partial: a test and its CLI children
# share one file; their exit codes are what counts).
if grep -l -E 'ERROR SUMMARY: [1-9]' \
	"$build"/Testing/Temporary/MemoryChecker.*.log 2>/dev/null; then
	echo "valgrind found errors (logs above)"
	rc=1
fi
[ $rc -eq 0 ] && echo "valgrind: clean"
exit $rc
