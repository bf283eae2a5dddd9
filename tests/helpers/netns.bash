# netns.bash - network namespaces for the fault-injection tests; load after
# helpers/common and helpers/repl.
# shellcheck disable=SC2034,SC2154
#
# A test may put its daemons into two network namespaces of its own ("sides"
# m and r), joined by one veth pair, and break that link for real:
#
#   ns_link_down SIDE / ns_link_up SIDE   a partition: packets vanish, no side
#                                         hears of it (no FIN, no RST)
#   ns_qdisc SIDE QDISC ARGS...           tc on SIDE's end of the pair (its
#   ns_qdisc_clear SIDE                   egress): tbf, or netem where the
#                                         kernel has sch_netem
#
# Each namespace has its own loopback, where its daemons' client ports
# listen; only the replication listener of a master in side m listens on the
# veth address NS_IP[m]. Nothing is reachable from outside the namespaces.
#
# netns_probe (in setup_file) tells what this machine allows and exports the
# reasons for skipping: NETNS_WHY (namespaces, veth), TBF_WHY, NETEM_WHY; an
# empty reason means usable.
#
# This file redefines ready, on and digest (common.bash, repl.bash) so that
# they reach a daemon inside a namespace through `ip netns exec`; daemons
# outside any namespace are reached as before.

declare -gA NODE_NS PORT_NS NS_NAME NS_IF NS_IP

# netns_probe: try a namespace, a veth pair, tbf and netem once; export
# NETNS_WHY, TBF_WHY and NETEM_WHY (why not, or empty).
netns_probe() {
	local ns=synap-probe-$$-$RANDOM out
	NETNS_WHY='' TBF_WHY='' NETEM_WHY=''
	if [[ $(id -u) != 0 ]]; then
		NETNS_WHY="network namespaces need root"
	elif ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
		NETNS_WHY="ip and tc (iproute2) are not installed"
	elif ! out=$(ip netns add "$ns" 2>&1); then
		NETNS_WHY="ip netns add failed: $out"
	elif ! out=$(ip link add sprobe0 netns "$ns" type veth peer name sprobe1 netns "$ns" 2>&1) ||
		! out=$(ip -n "$ns" link set sprobe0 up 2>&1); then
		NETNS_WHY="cannot make a veth pair in a namespace: $out"
	fi
	if [[ -n $NETNS_WHY ]]; then
		TBF_WHY=$NETNS_WHY NETEM_WHY=$NETNS_WHY
	else
		out=$(ip netns exec "$ns" tc qdisc add dev sprobe0 root tbf rate 1mbit burst 16kb latency 50ms 2>&1) ||
			TBF_WHY="tc tbf unavailable: $out"
		ip netns exec "$ns" tc qdisc del dev sprobe0 root 2>/dev/null
		out=$(ip netns exec "$ns" tc qdisc add dev sprobe0 root netem delay 1ms 2>&1) ||
			NETEM_WHY="tc netem unavailable (sch_netem not in this kernel?): $out"
	fi
	ip netns del "$ns" 2>/dev/null
	export NETNS_WHY TBF_WHY NETEM_WHY
}

# ns_pair: two namespaces, sides m and r, joined by a veth pair:
# NS_NAME[side], NS_IF[side] (its end), NS_IP[side] (10.77.0.1 m, 10.77.0.2 r).
# They are listed in $TEST_DIR/netns for ns_teardown.
ns_pair() {
	local tag side
	tag=${TEST_DIR##*.}                 # mktemp's random suffix: unique
	tag=${tag//[^A-Za-z0-9]/x}
	NS_IP[m]=10.77.0.1 NS_IP[r]=10.77.0.2
	for side in m r; do
		NS_NAME[$side]=synap-$tag-$side
		NS_IF[$side]=sy${tag:0:8}$side
		echo "${NS_NAME[$side]}" >>"$TEST_DIR/netns"
		ip netns add "${NS_NAME[$side]}" || return 1
		ip -n "${NS_NAME[$side]}" link set lo up || return 1
	done
	ip link add "${NS_IF[m]}" netns "${NS_NAME[m]}" type veth \
		peer name "${NS_IF[r]}" netns "${NS_NAME[r]}" || return 1
	for side in m r; do
		ip -n "${NS_NAME[$side]}" addr add "${NS_IP[$side]}/30" dev "${NS_IF[$side]}" || return 1
		ip -n "${NS_NAME[$side]}" link set "${NS_IF[$side]}" up || return 1
	done
}

# ns_lan SIDE=IP...: one namespace per SIDE (a host), each with IP/24 on a
# veth whose other end is a port of one bridge in a namespace of its own
# (the switch): every host reaches every other, as on one LAN. Sets
# NS_NAME[side], NS_IF[side], NS_IP[side]; listed for ns_teardown.
ns_lan() {
	local tag lan spec side ip i=0
	tag=${TEST_DIR##*.}
	tag=${tag//[^A-Za-z0-9]/x}
	lan=synap-$tag-lan
	echo "$lan" >>"$TEST_DIR/netns"
	ip netns add "$lan" || return 1
	ip -n "$lan" link add br0 type bridge || return 1
	ip -n "$lan" link set br0 up || return 1
	for spec in "$@"; do
		side=${spec%%=*} ip=${spec#*=} i=$((i + 1))
		NS_NAME[$side]=synap-$tag-$side NS_IF[$side]=eth0 NS_IP[$side]=$ip
		echo "${NS_NAME[$side]}" >>"$TEST_DIR/netns"
		ip netns add "${NS_NAME[$side]}" || return 1
		ip -n "${NS_NAME[$side]}" link set lo up || return 1
		ip link add "sy${tag:0:6}$i" netns "$lan" type veth peer name eth0 netns "${NS_NAME[$side]}" || return 1
		ip -n "$lan" link set "sy${tag:0:6}$i" master br0 up || return 1
		ip -n "${NS_NAME[$side]}" addr add "$ip/24" dev eth0 || return 1
		ip -n "${NS_NAME[$side]}" link set eth0 up || return 1
	done
}

# ns_teardown: delete the namespaces of this test (their veth pair goes with
# them once their daemons are gone). Call it before remove_test_dir.
ns_teardown() {
	local ns
	[[ -f $TEST_DIR/netns ]] || return 0
	while read -r ns; do
		ip netns del "$ns" 2>/dev/null
	done <"$TEST_DIR/netns"
	rm -f "$TEST_DIR/netns"
}

ns_link_down() { ip -n "${NS_NAME[$1]}" link set "${NS_IF[$1]}" down; }
ns_link_up() { ip -n "${NS_NAME[$1]}" link set "${NS_IF[$1]}" up; }

# ns_qdisc SIDE QDISC ARGS...: QDISC as the root qdisc of SIDE's veth end.
ns_qdisc() {
	local side=$1; shift
	ip netns exec "${NS_NAME[$side]}" tc qdisc replace dev "${NS_IF[$side]}" root "$@"
}

ns_qdisc_clear() {
	ip netns exec "${NS_NAME[$1]}" tc qdisc del dev "${NS_IF[$1]}" root 2>/dev/null || true
}

# ns_qdisc_stat SIDE FIELD: "sent" bytes or "dropped" packets of SIDE's qdisc.
ns_qdisc_stat() {
	ip netns exec "${NS_NAME[$1]}" tc -s qdisc show dev "${NS_IF[$1]}" |
		sed -nE "s/.*Sent ([0-9]+) bytes [0-9]+ pkt \(dropped ([0-9]+),.*/\\1 \\2/p" | head -n 1 |
		{ read -r sent dropped; case $2 in sent) echo "${sent:-0}" ;; *) echo "${dropped:-0}" ;; esac; }
}

# ns_free_port VAR: set VAR to a port free here and not handed out before in
# this test (free_port keeps that record): the namespaces' ports do not show
# here.
ns_free_port() {
	printf -v "$1" '%s' "$(free_port)"
}

# ns_node NAME SIDE PROGRAM ARGS...: like new_node (repl.bash), inside SIDE's
# namespace: PROGRAM --host 127.0.0.1 -p PORT -d DIR ARGS...
ns_node() {
	local name=$1 side=$2 prog=$3 port; shift 3
	ns_free_port port
	ns_node_as "$name" "$side" "$port" "$prog" --host 127.0.0.1 -p "$port" \
		-d "$TEST_DIR/$name" "$@"
}

# ns_node_as NAME SIDE PORT PROGRAM ARGS...: daemon NAME inside SIDE's
# namespace with exactly ARGS (which must make it use client port PORT and
# data dir $TEST_DIR/NAME).
ns_node_as() {
	local name=$1 side=$2 port=$3 prog=$4 dir=$TEST_DIR/$1; shift 4
	mkdir -p "$dir"
	NODE_NS[$name]=${NS_NAME[$side]}
	PORT_NS[$port]=${NS_NAME[$side]}
	NODE_PORT[$name]=$port NODE_DIR[$name]=$dir
	NODE_SOCK[$name]=$dir/synap.sock NODE_LOG[$name]=$dir/synap.log
	NODE_CMD[$name]=$(printf '%q ' ip netns exec "${NS_NAME[$side]}" "$SYNAP_BIN/$prog" "$@")
	launch_node "$name"      # `ip netns exec` execs: NODE_PID is the daemon's
}

# --- the helpers that reach a daemon over TCP, namespace-aware --------------

# in_ns NS: the words that run a command inside NS (none for "").
in_ns() { [[ -z $1 ]] || printf '%s\n' ip netns exec "$1"; }

ready() {
	local r pre
	mapfile -t pre < <(in_ns "${PORT_NS[$1]:-}")
	r=$("${pre[@]}" redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)
	[[ $r == PONG || $r == NOAUTH* ]] && [[ -S $2 ]]
}

on() {
	local n=$1 pre; shift
	mapfile -t pre < <(in_ns "${NODE_NS[$n]:-}")
	timeout 30 "${pre[@]}" redis-cli -h 127.0.0.1 -p "${NODE_PORT[$n]}" "$@"
}

digest() {
	local pre
	mapfile -t pre < <(in_ns "${NODE_NS[$1]:-}")
	timeout 5 "${pre[@]}" redis-cli -h 127.0.0.1 -p "${NODE_PORT[$1]}" debug digest
}
