#!/usr/bin/env bash
# CI: build the Debian package (cpack -G DEB) in its own build directory,
# install it with dpkg, run the demo against the INSTALLED
# /usr/libexec/xhp/vif-bridge (-> /usr/sbin/xhp-hotplug -> the installed
# libxhp.so.1), then purge the package and check nothing is left.
# Usage (as root on Debian 12): bash tools/deb-check.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-deb}
pkg=libxhp

# Capture command output before matching it: under pipefail, `cmd | grep -q`
# fails at random when grep exits first and cmd dies of SIGPIPE.
status=$(dpkg-query -W -f='${Status}' $pkg 2>/dev/null || true)
if [[ $status == *'install ok installed'* ]]; then
	echo "deb-check: $pkg is already installed here; not touching it"
	exit 1
fi
bash tools/deps.sh

# Only what the package and the demo need: the library, the CLI, the demo
# and its test xenstore daemon (install would otherwise build everything).
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON \
	>/dev/null
cmake --build "$build" -j2 --target xhp xhp-hotplug xhp-demo \
	xhp-test-xenstored
rm -f "$build"/*.deb
(cd "$build" && cpack -G DEB >cpack.log) || {
	cat "$build/cpack.log"
	exit 1
}
deb=$(echo "$build"/${pkg}_*.deb)
dpkg-deb -f "$deb" Package Version Depends

trap 'dpkg --purge $pkg >/dev/null 2>&1 || true' EXIT
dpkg -i "$deb"
test "$(readlink -f /usr/libexec/xhp/vif-bridge)" = /usr/sbin/xhp-hotplug
libs=$(ldd /usr/sbin/xhp-hotplug)
grep -Eq "libxhp\.so\.1 => (/usr)?/lib/" <<<"$libs" || {
	echo "deb-check: xhp-hotplug does not load the installed libxhp:"
	ldd /usr/sbin/xhp-hotplug
	exit 1
}
# A consumer of the installed package, through its .pc file alone (no
# other .pc needed) and through find_package(xhp).
PKG_CONFIG_LIBDIR=$(dirname /usr/lib/*/pkgconfig/libxhp.pc) \
	pkg-config --modversion libxhp
# shellcheck disable=SC2046
cc -Wall -Werror examples/inprocess-vif.c $(PKG_CONFIG_LIBDIR=$(dirname \
	/usr/lib/*/pkgconfig/libxhp.pc) pkg-config --cflags --libs libxhp) \
	-o "$build/pc-inprocess-vif"
"$build/pc-inprocess-vif" -h
cmake -S examples -B "$build/examples" >/dev/null
cmake --build "$build/examples" >/dev/null
"$build/examples/xhp-example-run-script" --help
"$build/tests/demo/xhp-demo" /usr/libexec/xhp/vif-bridge

dpkg --purge $pkg
trap - EXIT
left=$(ls -d /usr/sbin/xhp-hotplug /usr/libexec/xhp /usr/include/xhp \
	/usr/lib/*/libxhp.so* 2>/dev/null || true)
if [ -n "$left" ]; then
	echo "deb-check: left after dpkg --purge: $left"
	exit 1
fi
echo "deb-check: $(basename "$deb") installs, runs the demo, removes cleanly"
