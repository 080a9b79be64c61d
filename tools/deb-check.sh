#!/usr/bin/env bash
# CI: build the Debian packages (debian/, dpkg-buildpackage) from a clean
# copy of the tree, check them with lintian (no error, no warning), install
# them with dpkg, check what they hold, build the installed examples
# against the installed library (pkg-config and find_package), run the demo
# against the INSTALLED /usr/libexec/xhp/vif-bridge (-> /usr/sbin/xhp-hotplug
# -> the installed libxhp.so.1), then purge them and check nothing is left.
# Usage (as root on Debian 12): bash tools/deb-check.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-deb}
pkgs=(libxhp1 libxhp-dev xhp-hotplug)

fail() {
	echo "deb-check: $*"
	exit 1
}

# Capture command output before matching it: under pipefail, `cmd | grep -q`
# fails at random when grep exits first and cmd dies of SIGPIPE.
for p in "${pkgs[@]}" libxhp; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	if [[ $status == *'install ok installed'* ]]; then
		fail "$p is already installed here; not touching it"
	fi
done
bash tools/deps.sh

# A clean copy: the files git knows (tracked, or new and not ignored), so
# that neither build directories nor the package build's own output
# (obj-*/, debian/<package>/) touch the tree.
rm -rf "$build"
mkdir -p "$build"
build=$(cd "$build" && pwd)
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
src="$build/libxhp-${version%-*}"
mkdir "$src"
git ls-files -z -c -o --exclude-standard |
	tar --null -T - --ignore-failed-read -cf - 2>/dev/null |
	tar -xf - -C "$src"
(cd "$src" && DEB_BUILD_OPTIONS="parallel=2 nocheck" \
	dpkg-buildpackage -us -uc -b >"$build/build.log" 2>&1) || {
	tail -n 40 "$build/build.log"
	fail "dpkg-buildpackage failed (log: $build/build.log)"
}
changes=$build/libxhp_${version}_$(dpkg --print-architecture).changes
debs=()
for p in "${pkgs[@]}"; do
	debs+=("$build/${p}_${version}_$(dpkg --print-architecture).deb")
	dpkg-deb -f "${debs[-1]}" Package Version Depends | tr '\n' ' '
	echo
done

# Errors and warnings fail; overrides (debian/*.lintian-overrides) each
# say why they are there.
rc=0
out=$(lintian --fail-on error,warning "$changes" 2>&1) || rc=$?
grep -v 'running with root privileges' <<<"$out" || true
[ $rc -eq 0 ] || fail "lintian: errors or warnings (above)"
echo "deb-check: lintian clean"

trap 'dpkg --purge "${pkgs[@]}" >/dev/null 2>&1 || true' EXIT
dpkg -i "${debs[@]}" >"$build/dpkg-i.log" 2>&1 || {
	cat "$build/dpkg-i.log"
	fail "dpkg -i failed"
}

# What each package holds.
for f in /usr/share/man/man8/xhp-hotplug.8.gz \
	/usr/share/man/man3/libxhp.3.gz \
	/usr/share/bash-completion/completions/xhp-hotplug \
	/usr/share/bash-completion/completions/xhp-devd \
	/usr/share/doc/xhp-hotplug/examples/xen-backend-tap.rules \
	/usr/share/doc/libxhp-dev/examples/inprocess-vif.c \
	/usr/share/doc/libxhp1/copyright; do
	[ -e "$f" ] || fail "not installed: $f"
done
for p in vif-bridge vif-openvswitch vif-route block; do
	test "$(readlink -f /usr/libexec/xhp/$p)" = /usr/sbin/xhp-hotplug ||
		fail "/usr/libexec/xhp/$p is not a link to /usr/sbin/xhp-hotplug"
done
libs=$(ldd /usr/sbin/xhp-hotplug)
grep -Eq "libxhp\.so\.1 => (/usr)?/lib/" <<<"$libs" ||
	fail "xhp-hotplug does not load the installed libxhp: $libs"
ownership=$(dpkg -S /usr/include/xhp/xhp.h /usr/sbin/xhp-hotplug \
	"$(readlink -f /usr/lib/*/libxhp.so.1)")
echo "$ownership"

# Consumers of the installed package: the .pc file alone (no other .pc
# needed; --static asks for nothing more, as there is no libxhp.a), and
# the installed examples through find_package(xhp).
pcdir=$(dirname /usr/lib/*/pkgconfig/libxhp.pc)
pc() { PKG_CONFIG_LIBDIR=$pcdir pkg-config "$@"; }
pc --modversion libxhp
libs=$(pc --static --libs libxhp)
[ "${libs% }" = "-lxhp" ] ||
	fail "pkg-config --static --libs libxhp: '$libs', expected '-lxhp'"
# shellcheck disable=SC2046
cc -Wall -Werror /usr/share/doc/libxhp-dev/examples/inprocess-vif.c \
	$(pc --cflags --libs libxhp) -o "$build/pc-inprocess-vif"
"$build/pc-inprocess-vif" -h
cmake -S /usr/share/doc/libxhp-dev/examples -B "$build/examples" >/dev/null
cmake --build "$build/examples" >/dev/null
"$build/examples/xhp-example-run-script" --help

# The demo and its test xenstore daemon, from the tree (built in the
# clean copy), against the installed program.
cmake -S "$src" -B "$build/demo" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	>/dev/null
cmake --build "$build/demo" -j2 --target xhp-demo xhp-test-xenstored \
	>/dev/null
"$build/demo/tests/demo/xhp-demo" /usr/libexec/xhp/vif-bridge

dpkg --purge "${pkgs[@]}" >/dev/null
trap - EXIT
left=$(ls -d /usr/sbin/xhp-hotplug /usr/libexec/xhp /usr/include/xhp \
	/usr/lib/*/libxhp.so* /usr/lib/*/cmake/xhp /usr/share/doc/libxhp* \
	/usr/share/doc/xhp-hotplug \
	/usr/share/bash-completion/completions/xhp-hotplug \
	/usr/share/bash-completion/completions/xhp-devd 2>/dev/null || true)
[ -z "$left" ] || fail "left after dpkg --purge: $left"
echo "deb-check: ${pkgs[*]} build, are lintian clean, install, run the demo, purge cleanly"
