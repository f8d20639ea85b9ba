#!/bin/sh
# dev.sh - the two set-up commands of the README, on a fresh Debian 12 machine.
#
#   ./dev.sh example   install what the build needs, build, and run `vxscope analyze` on the
#                      bundled example capture (examples/seed-504.pcapng)
#   ./dev.sh check     install what the build and the tests need, build (release and
#                      ASan+UBSan, -Werror), and run every test tier (tests/run.sh)
#
# As root, missing Debian packages are installed with apt-get; otherwise the exact
# `sudo apt-get install ...` line is printed and nothing else happens.
set -eu
cd "$(dirname "$0")"
case "${1:-}" in
example)
	VXS_DEPS=build scripts/deps.sh
	make -s -j2 build/release/vxscope
	exec build/release/vxscope analyze examples/seed-504.pcapng
	;;
check)
	scripts/deps.sh
	exec tests/run.sh
	;;
*)
	echo "usage: ./dev.sh example | check" >&2
	exit 1
	;;
esac
