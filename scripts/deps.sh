#!/bin/sh
# deps.sh - install the Debian 12 packages vxscope needs to build and test.
# As root: apt-get installs what is missing.  Otherwise: print the exact command and fail.
# VXS_DEPS=build installs only what the build needs (no tshark, no test peers).
set -eu

BUILD_PKGS="build-essential make clang libpcap-dev libjansson-dev libcmocka-dev libmicrohttpd-dev zlib1g-dev libclang-rt-14-dev pkg-config libndpi-dev"
TEST_PKGS="time tshark tcpdump iproute2 ethtool iptables nftables tcpreplay softflowd tcptrace libndpi-bin nginx-light curl iperf3 python3 iputils-ping chromium fonts-dejavu-core sip-tester openssl unbound dnsmasq-base bind9-dnsutils"
case "${VXS_DEPS:-all}" in
build) want="$BUILD_PKGS" ;;
*) want="$BUILD_PKGS $TEST_PKGS" ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "vxscope needs these Debian packages:$missing" >&2
	echo "install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer "no" without a prompt.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections 2>/dev/null || true
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
