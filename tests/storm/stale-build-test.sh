#!/bin/bash
# The rig's guard against a stale fork binary (fork_build_stale in
# lib.sh, which storm.sh calls before it runs the default fork build):
# a build whose stamp names another commit than the tree's head is stale;
# one built from the head, one without a stamp and one without a tree
# are not.  Run by 'make lint'; needs git only.
set -euo pipefail

# shellcheck source=tests/storm/lib.sh
. "$(dirname "$0")/lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g() { git -C "$work/tree" -c user.name=test -c user.email=test@localhost.invalid "$@"; }
git init -q "$work/tree"
g commit -q --allow-empty -m one
old=$(g rev-parse HEAD)
g commit -q --allow-empty -m two
head=$(g rev-parse HEAD)
mkdir -p "$work/dco/src/openvpn"
bin=$work/dco/src/openvpn/openvpn
: >"$bin"
stamp=$work/dco/.dco-fork-build

fails=0
expect() {
    local want=$1 what=$2 got=fresh
    if fork_build_stale "$bin" "$work/tree"; then
        got=stale
    fi
    if [[ $got == "$want" ]]; then
        printf '==> %s: %s\n' "$what" "$got"
    else
        printf 'FAIL: %s: %s, expected %s\n' "$what" "$got" "$want" >&2
        fails=$((fails + 1))
    fi
}

printf '%s ccache gcc --enable-dco\n' "$old" >"$stamp"
expect stale "built from the commit before the head"
printf '%s ccache gcc --enable-dco\n' "$head" >"$stamp"
expect fresh "built from the head"
rm "$stamp"
expect fresh "no build-tree stamp (a binary built elsewhere)"
printf '%s ccache gcc --enable-dco\n' "$old" >"$stamp"
rm -rf "$work/tree"
expect fresh "no tree to compare with"
[[ $fails == 0 ]]
