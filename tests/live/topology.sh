#!/bin/sh
# Live topology: host A and host B in their own network namespaces, the emulated NIC
# between them in a third, wired with veth pairs:
#
#   ns A: a0 10.0.0.2/24 ==veth== na [hxdp dev attach --tap hxa] ns N: hxa 10.0.0.1/24
#   ns B: b0 192.168.1.2/24 ==veth== nb [hxdp dev attach --tap hxb] ns N: hxb 192.168.1.1/24
#
# The device owns the wires (na, nb); the host of N sees it through the taps.
# 1. firewall (N's kernel forwards what the firewall PASSes): A, inside, reaches B by
#    ping, UDP and TCP; B cannot reach A until `hxdp map update` opens a service.
# 2. router, swapped in live (N's forwarding off): the XDP program alone forwards A<->B
#    through its DEVMAP; `hxdp map delete` of the route cuts B off.
# Veth peers leave TCP/UDP checksums to offload (CHECKSUM_PARTIAL), which a frame on a
# real wire never does and AF_XDP cannot see: the hosts turn tx checksum offload off.
# Usage: tests/live/topology.sh [HXDP] [xdp|packet]  (I/O mode of the ports, default
# auto). Prints ok/FAIL/skip lines and a summary.
H=${1:-build/hxdp}
MODE=${2:-auto}
case $H in /*) ;; *) H="$PWD/$H" ;; esac
cd "$(dirname "$0")/../.." || exit 2
P=0 F=0 S=0
ok() { echo "ok live($MODE): $1"; P=$((P + 1)); }
bad() { echo "FAIL live($MODE): $1${2:+: $2}"; F=$((F + 1)); }
summary() { echo "$P passed, $F failed, $S skipped"; exit 0; }
skipall() { echo "skip live topology ($MODE): $1"; S=$((S + 1)); summary; }
t() { name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi; }
tnot() { name=$1; shift; if "$@" >/dev/null 2>&1; then bad "$name" "it went through"; else ok "$name"; fi; }

[ "$(id -u)" -eq 0 ] || skipall "needs root (network namespaces)"
[ -c /dev/net/tun ] || skipall "no /dev/net/tun"
command -v ip >/dev/null || skipall "iproute2 is not installed"
if ! command -v ping >/dev/null || ! command -v socat >/dev/null || ! command -v ethtool >/dev/null; then
	echo "# live: installing iputils-ping socat ethtool"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iputils-ping socat ethtool >/dev/null 2>&1
	command -v ping >/dev/null && command -v socat >/dev/null && command -v ethtool >/dev/null ||
		skipall "ping, socat and ethtool are needed (apt-get install iputils-ping socat ethtool failed)"
fi
sfx=$$
A=hxA$sfx N=hxN$sfx B=hxB$sfx DEV=live$sfx
T=$(mktemp -d /tmp/hxdp-live.XXXXXX)
export HXDP_RUNDIR="${HXDP_RUNDIR:-$T/run}"
cleanup() {
	"$H" dev stop --dev $DEV >/dev/null 2>&1
	for n in $A $N $B; do ip netns del $n 2>/dev/null; done
	rm -rf "$T"
}
trap 'cleanup; summary' EXIT
trap 'exit 1' INT TERM
ip netns add $A 2>/dev/null && ip netns add $N && ip netns add $B ||
	skipall "cannot create network namespaces (ip netns add failed)"
ip link add a0 netns $A type veth peer name na netns $N &&
	ip link add b0 netns $B type veth peer name nb netns $N || skipall "cannot create veth pairs"
ip -n $A addr add 10.0.0.2/24 dev a0
ip -n $B addr add 192.168.1.2/24 dev b0
for x in "$A a0" "$B b0" "$N na" "$N nb" "$A lo" "$B lo" "$N lo"; do
	set -- $x
	ip -n $1 link set $2 up
done
ip -n $A route add default via 10.0.0.1
ip netns exec $A ethtool -K a0 tx off >/dev/null 2>&1
ip netns exec $B ethtool -K b0 tx off >/dev/null 2>&1
ip -n $B route add default via 192.168.1.1
ip netns exec $N sysctl -qw net.ipv4.ip_forward=1

inN() { ip netns exec $N "$@"; }
if ! inN "$H" dev start --dev $DEV --engine vm >"$T/start" 2>&1; then
	bad "device starts in namespace N" "$(cat "$T/start")"
	exit 0
fi
ok "device starts in namespace N"
if ! "$H" dev attach --dev $DEV --iface na --tap hxa --mode $MODE >"$T/att" 2>&1 ||
   ! "$H" dev attach --dev $DEV --iface nb --tap hxb --mode $MODE >>"$T/att" 2>&1; then
	bad "attach na, nb with taps" "$(cat "$T/att")"
	exit 0
fi
ok "attach na, nb (taps hxa, hxb): $("$H" -j dev show --dev $DEV | grep -o '"io":"[a-z_]*"' | sort -u | tr '\n' ' ')"
ip -n $N addr add 10.0.0.1/24 dev hxa
ip -n $N addr add 192.168.1.1/24 dev hxb

pingA() { ip netns exec $A ping -c 2 -i 0.2 -W 1 "$@" 192.168.1.2; }
pingB() { ip netns exec $B ping -c 2 -i 0.2 -W 1 10.0.0.2; }
# udp NS_FROM NS_TO ADDR PORT: does a datagram get through?
udp() {
	rm -f "$T/udp"
	ip netns exec $2 timeout 3 socat -u UDP-RECV:$4 OPEN:"$T/udp",creat &
	sleep 0.3
	for i in 1 2 3; do
		echo "datagram $i" | ip netns exec $1 socat -u - UDP-SENDTO:$3:$4
		sleep 0.2
	done
	sleep 0.3
	kill $! 2>/dev/null
	wait $! 2>/dev/null
	grep -q datagram "$T/udp" 2>/dev/null
}
tcp() {
	rm -f "$T/tcp"
	ip netns exec $2 timeout 5 socat -u TCP-LISTEN:$4,reuseaddr OPEN:"$T/tcp",creat &
	sleep 0.3
	echo "hello over tcp" | ip netns exec $1 timeout 4 socat -u - TCP:$3:$4,connect-timeout=3
	sleep 0.3
	kill $! 2>/dev/null
	wait $! 2>/dev/null
	grep -q "hello over tcp" "$T/tcp" 2>/dev/null
}

t "no program: the device passes, N forwards (ping A->B)" pingA

# ---- firewall ----
t "load the firewall live" "$H" prog load build/progs/xdp_firewall.v3.o \
	--maps tests/progs/xdp_firewall.maps.json --dev $DEV
t "firewall: ping from the inside (A->B) passes" pingA
t "firewall: UDP A->B:5000 passes" udp $A $B 192.168.1.2 5000
t "firewall: TCP A->B:8080 passes" tcp $A $B 192.168.1.2 8080
tnot "firewall: ping from outside (B->A) is blocked" pingB
tnot "firewall: UDP B->A:5353 is blocked" udp $B $A 10.0.0.2 5353
t "hxdp map update opens udp/5353 inbound" "$H" map update name inbound_allow \
	key hex 14 e9 11 00 value hex 01 00 00 00 --dev $DEV
t "firewall: UDP B->A:5353 now passes" udp $B $A 10.0.0.2 5353
t "firewall counted drops" sh -c "'$H' -j map lookup name fw_stats key 3 0 0 0 --dev $DEV | grep -qv '\"value\":0}'"
"$H" dev show --dev $DEV | sed 's/^/# /'

# ---- router ----
mac() { ip -n $1 -o link show $2 | sed -E 's/.*link\/ether ([0-9a-f:]+).*/\1/' | tr ':' ' '; }
ifx() { printf '%02x 00 00 00' "$(ip -n $N -o link show $1 | cut -d: -f1)"; }
# neighbours stay resolved; the router passes ARP to N's stack anyway
ip netns exec $N sysctl -qw net.ipv4.ip_forward=0
tnot "forwarding off in N: nothing crosses without a program that forwards" pingA
t "swap in the router live" "$H" prog load build/progs/xdp_router.v3.o --dev $DEV
t "router: tx_ports[0] = na" "$H" map update name tx_ports key 0 0 0 0 value hex $(ifx na) --dev $DEV
t "router: tx_ports[1] = nb" "$H" map update name tx_ports key 1 0 0 0 value hex $(ifx nb) --dev $DEV
t "router: route 192.168.1.0/24 -> port 1" "$H" map update name routes \
	key hex 18 00 00 00 c0 a8 01 00 value hex 01 00 00 00 $(mac $B b0) $(mac $N hxb) --dev $DEV
t "router: route 10.0.0.0/24 -> port 0" "$H" map update name routes \
	key hex 18 00 00 00 0a 00 00 00 value hex 00 00 00 00 $(mac $A a0) $(mac $N hxa) --dev $DEV
t "router: ping A->B forwarded by the XDP program (ttl 63)" \
	sh -c "ip netns exec $A ping -c 2 -i 0.2 -W 1 192.168.1.2 | grep -q 'ttl=63'"
t "router: UDP B->A forwarded" udp $B $A 10.0.0.2 6000
t "router: TCP A->B forwarded" tcp $A $B 192.168.1.2 8081
t "router: redirects counted" sh -c "'$H' -j dev stats --dev $DEV | grep -qv '\"redirect\":0,'"
t "hxdp map delete removes the route to B" "$H" map delete name routes \
	key hex 18 00 00 00 c0 a8 01 00 --dev $DEV
tnot "router: B is unreachable without its route" pingA
"$H" dev stats --dev $DEV | sed 's/^/# /'
t "detach na" "$H" dev detach --iface na --dev $DEV
t "dev stop" "$H" dev stop --dev $DEV
