#!/bin/sh
# seeds.sh NAME DIR: write the seed corpus of harness NAME into DIR, made from the
# project's tests (objects of tests/progs, assembler tests, generated traffic, random
# programs, control requests). Needs `make` (build/progs, build/pktgen) first.
set -e
name=$1 dir=$2
cd "$(dirname "$0")/../.."
mkdir -p "$dir"
case $name in
obj)
	cp build/progs/*.o "$dir"/ 2>/dev/null || true ;;
asm)
	cp tests/asm/*.data "$dir"/ 2>/dev/null || true
	[ -d ../shared/conformance ] && cp ../shared/conformance/*.data "$dir"/ || true ;;
pcap)
	for c in ipv4_tcp ipv6_ext vlan truncated random sizes; do
		build/pktgen --count 4 "$c" "$dir/$c.pcap" >/dev/null
	done ;;
vm)
	[ -x build/rand/rdiff ] && build/rand/rdiff --emit-seeds "$dir" --count 200 >/dev/null
	true ;;
image)
	for o in build/progs/*.v3.o; do
		for l in 1 4; do
			build/hxdp compile "$o" -o "$dir/$(basename "$o" .o).l$l.img" --lanes $l \
				>/dev/null 2>&1 || true
		done
	done ;;
ctl)
	i=0
	while read -r line; do
		i=$((i + 1))
		printf '%s\n' "$line" > "$dir/req$i"
	done <<'REQ'
{"cmd":"hello"}
{"cmd":"stats"}
{"cmd":"prog.show"}
{"cmd":"map.show"}
{"cmd":"map.dump","name":"flows"}
{"cmd":"map.lookup","name":"inbound_allow","key":"00500600"}
{"cmd":"map.update","name":"inbound_allow","key":"00500600","value":"01","flags":0}
{"cmd":"map.delete","name":"inbound_allow","key":"00500600"}
{"cmd":"map.getnext","name":"flows"}
{"cmd":"prog.load","path":"build/progs/xdp_pass.v3.o"}
{"cmd":"feed","path":"tests/fuzz/corpus/pcap/seed.pcap"}
{"cmd":"ports"}
REQ
	;;
esac
