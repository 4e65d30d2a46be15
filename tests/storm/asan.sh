#!/bin/bash
# The fork's server built with AddressSanitizer and UndefinedBehaviorSanitizer
# (gcc; the sanitizer runtimes linked statically, so the guest needs no
# libasan; --as-needed keeps the binary from needing libnsl, which
# configure adds where it is installed and the guests do not have) through
# the storms of storm-ci on the real module: by default
# N=256, one storm each of storm, overrun, sighup, sigterm and tcp-setup.
# Every report is fatal to the server and leaks are checked when it exits
# (storm.sh, STORM_SANITIZE=1); report.py fails the run on any report as
# on any stale instance.  The clients are the -O2 build.
# Env: as ci.sh (STORM_CI_N, STORM_CI_SCENARIOS, STORM_CI_EXTRA, ...).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer' \
    LDFLAGS='-fsanitize=address,undefined -static-libasan -static-libubsan -Wl,--as-needed' \
    "$STORM_REPO/contrib/build-tree" fork asan-server
client=$(first_existing "$STORM_REPO/build/fork/dco/src/openvpn/openvpn")
[[ -x $client ]] || die "the -O2 build for the clients is missing: make build"

export STORM_SANITIZE=1
export FORK_OPENVPN=$STORM_REPO/build/fork/asan-server/src/openvpn/openvpn
export CLIENT_OPENVPN=${CLIENT_OPENVPN:-$client}
export STORM_CI_N=${STORM_CI_N:-256}
export STORM_CI_K=${STORM_CI_K:-1}
export STORM_CI_SOAK=${STORM_CI_SOAK:-0}
export STORM_CI_EXTRA=${STORM_CI_EXTRA-overrun sighup sigterm tcp-setup}
exec "$STORM_DIR/ci.sh"
