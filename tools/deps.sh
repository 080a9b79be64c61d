#!/usr/bin/env bash
# Install what libxhp needs to build and test on Debian 12 (run as root).
# The one list of packages: README's commands and .ci/run call this.
set -euo pipefail

build_pkgs=(cmake gcc g++ make pkg-config libxen-dev libmnl-dev
	libblkid-dev libjansson-dev libxml2-dev
	libcmocka-dev clang clang-format libclang-rt-14-dev)
test_pkgs=(iproute2 util-linux e2fsprogs kmod openvswitch-switch
	xenstore-utils xen-utils-common net-tools valgrind bsdutils
	dpkg-dev file nftables debhelper lintian
	libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients
	qemu-system-x86 gnuplot-nox)

missing=()
for p in "${build_pkgs[@]}" "${test_pkgs[@]}"; do
	# No `| grep -q` under pipefail: an early grep exit is a SIGPIPE.
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $st == *"install ok installed"* ]] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# openvswitch-switch and xen-utils-common try to start services;
	# without systemd (containers, CI) that can fail the install. The
	# tests start their own daemons, so services stay off meanwhile.
	policy=/usr/sbin/policy-rc.d
	own_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		own_policy=1
	fi
	rc=0
	apt-get install -y -qq --no-install-recommends "${missing[@]}" \
		>/tmp/xhp-apt.log 2>&1 || rc=$?
	[ -z "$own_policy" ] || rm -f "$policy"
	if [ $rc -ne 0 ]; then
		tail -n 30 /tmp/xhp-apt.log
		exit 1
	fi
fi
echo "deps: all installed"
