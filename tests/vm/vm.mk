# Make targets of the fork's qemu guest (tests/vm/README.md).  Included by
# the top-level Makefile; VM_RELEASE=debian12 picks Debian 12's guest,
# VM_RELEASE=debian13-bpo trixie-backports' kernel 7.3 and openvpn 2.7.8.

.PHONY: vm-guest vm-up vm-down

vm-guest:
	tests/vm/vm.sh build

vm-up:
	tests/vm/vm.sh up

vm-down:
	tests/vm/vm.sh down
