#!/bin/sh
# Install the Debian packages hxdp needs, only those missing. Safe to run repeatedly.
set -e
pkgs="make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev libpcap-dev libjson-c-dev
      bpftool linux-libc-dev libxdp-dev iproute2 gnuplot-nox verilator yosys valgrind
      iputils-ping socat ethtool"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq $missing >/dev/null
