#!/usr/bin/env bats
# Real client libraries, at their default settings, against a Synap master
# and its replica: node-redis 6, ioredis 6 and Valkey GLIDE 2 from npm (all
# three speak RESP3 by default: HELLO 3, then CLIENT SETINFO), and Debian's
# python3-redis 4 (RESP2). With each: PING and HELLO, SET GET INCR DEL EXPIRE
# TTL, a pipeline, MULTI/EXEC, the library's optimistic transaction (WATCH,
# a write from another connection, EXEC aborted, the transaction tried
# again), pub/sub, SCAN over 1000 keys, reads on the replica and writes
# refused there with READONLY; node-redis and ioredis with RESP2 too where
# the replies' types change with the protocol; GLIDE writing to a master
# demoted under it; node-redis's client-side cache over the replica and the
# master, and its WATCH on the replica.
#
# Each check is a script in tests/clients/ (LIB.js or redis-py.py, CHECK,
# the master's, the replica's and a spare master's ports) that prints a
# transcript, one line per step: what the library returned, with its type,
# or the error it threw. A test compares it with the one written here, and
# runs the same script at the same time against a Redis master, replica and
# spare (Debian's redis-server, 7.0.15; not when it is not installed) and
# compares again (HELLO's "server" aside): what is written here is what the
# library does with Redis, and a difference says whose it is.
# The npm packages are those of tests/clients/package-lock.json, installed
# once (npm_ensure) and kept while the lock file does not change. As the
# other tests do with a tool that is missing (sentinel.bats's ioredis test
# among them), a test is skipped, with the reason, only when its library
# cannot be had: no node or npm, npm ci failing (no network), no
# python3-redis, a native module that does not load.

bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl

# One Synap master with a replica, and a spare master, for the file; the
# same of Redis (Debian's redis-server) when there is one; each test starts
# from an empty keyspace.
setup_file() {
	repl_setup
	start_fast_nodes m r
	start_master_node spare -c "$(fast_conf spare.yml)"
	wait_synced m r
	export MASTER_PORT=${NODE_PORT[m]} REPLICA_PORT=${NODE_PORT[r]} SPARE_PORT=${NODE_PORT[spare]}
	REDIS_MASTER_PORT= REDIS_REPLICA_PORT= REDIS_SPARE_PORT=
	! command -v redis-server >/dev/null || start_redis_nodes
	export REDIS_MASTER_PORT REDIS_REPLICA_PORT REDIS_SPARE_PORT
	NPM_WHY=
	command -v node >/dev/null || NPM_WHY="node is not installed"
	[[ -n $NPM_WHY ]] || npm_ensure "$BATS_TEST_DIRNAME/clients" || true
	export CLIENTS_DIR=${NPM_DIR:-$BATS_TEST_DIRNAME/clients} NPM_WHY
}
teardown_file() { repl_teardown; }

setup() {
	NODE_PORT[m]=$MASTER_PORT NODE_PORT[r]=$REPLICA_PORT
	on m flushall >/dev/null
	# the replica too, before the test writes again
	wait_until 10 replies r 0 dbsize
}

# start_redis_nodes: a Redis master, its replica and a spare master, without
# persistence, on free ports in $TEST_DIR; their PIDs go to the pids file
# (with no log: not Synap daemons), so that repl_teardown stops them.
start_redis_nodes() {
	local mp rp sp
	{ read -r mp; read -r rp; read -r sp; } < <(free_port 3)
	# no wait before a full sync (5 s by default)
	redis_node "$mp" --repl-diskless-sync-delay 0
	redis_node "$rp" --replicaof 127.0.0.1 "$mp"
	redis_node "$sp"
	wait_until 20 redis_synced "$mp" "$rp"
	REDIS_MASTER_PORT=$mp REDIS_REPLICA_PORT=$rp REDIS_SPARE_PORT=$sp
}

# redis_node PORT ARGS...: redis-server on PORT, answering PING.
redis_node() {
	local port=$1 dir=$TEST_DIR/redis.$1; shift
	mkdir -p "$dir"
	# fd 3 is bats' own output: a process holding it would hang bats.
	redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
		--logfile "$dir/log" "$@" 3>&- &
	echo "$! " >>"$TEST_DIR/pids"
	wait_until 10 replies_on "$port" PONG ping
}

# replies_on PORT EXPECTED ARGS...: redis-cli -p PORT ARGS... answers EXPECTED.
replies_on() {
	local port=$1 want=$2; shift 2
	[[ $(timeout 10 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null) == "$want" ]]
}

# redis_synced MASTER_PORT REPLICA_PORT: the replica's link is up and it
# holds as many keys as its master.
redis_synced() {
	timeout 10 redis-cli -h 127.0.0.1 -p "$2" info replication | grep -q '^master_link_status:up' &&
		replies_on "$2" "$(timeout 10 redis-cli -h 127.0.0.1 -p "$1" dbsize)" dbsize
}

# run_script OUT LIB CHECK MASTER_PORT REPLICA_PORT SPARE_PORT: runs
# tests/clients/LIB's CHECK against the nodes on those ports (at most 40 s);
# its transcript in OUT, its stderr in OUT.err, its exit status in OUT.rc.
run_script() {
	local out=$1 lib=$2 rc=0; shift 2
	local -a cmd=(node "$CLIENTS_DIR/$lib.js")
	[[ $lib != redis-py ]] || cmd=("$PYTHON" "$CLIENTS_DIR/redis-py.py")
	GLIDE_LOG=$out.glide.log timeout 40 "${cmd[@]}" "$@" >"$out" 2>"$out.err" 3>&- || rc=$?
	echo "$rc" >"$out.rc"
}

# printed OUT WANT WHAT: the run whose transcript is OUT ended well (exit 0)
# and printed exactly WANT; otherwise the difference and its stderr are shown.
printed() {
	local out=$1 want=$2 got rc
	got=$(<"$out") rc=$(<"$out.rc")
	[[ $rc == 0 && $got == "$want" ]] && return 0
	echo "$3 exited with status $rc; its transcript (-expected +printed):" >&2
	diff <(echo "$want") <(echo "$got") >&2
	echo "its stderr:" >&2
	cat "$out.err" >&2
	return 1
}

# client LIB CHECK: LIB's CHECK prints exactly the transcript on stdin
# against the Synap nodes, from an empty keyspace. node-redis and ioredis
# print it with RESP2 too (HELLO's proto 2, their keys under LIB.resp2:)
# for the checks whose replies differ in type between the protocols (HELLO's
# map, nulls, EXEC's replies and null, pub/sub's pushes); the script prints
# it against the Redis nodes (HELLO's server "redis"). The runs go at once;
# every one is compared.
RESP2_CHECKS=" connect basic multi watch pubsub "
client() {
	local lib=$1 check=$2 want out=$TEST_DIR/$1.$2 rc=0 resp2=
	local -a pids=()
	want=$(cat)
	[[ $lib == redis-py || -z $NPM_WHY ]] || skip "$NPM_WHY"
	[[ $RESP2_CHECKS != *" $check "* || ($lib != node-redis && $lib != ioredis) ]] || resp2=1
	if [[ -n $REDIS_MASTER_PORT ]]; then
		timeout 10 redis-cli -h 127.0.0.1 -p "$REDIS_MASTER_PORT" flushall >/dev/null
		wait_until 10 replies_on "$REDIS_REPLICA_PORT" 0 dbsize
		run_script "$out.redis" "$lib" "$check" "$REDIS_MASTER_PORT" "$REDIS_REPLICA_PORT" "$REDIS_SPARE_PORT" &
		pids+=($!)
	fi
	if [[ -n $resp2 ]]; then
		CLIENT_RESP=2 run_script "$out.resp2" "$lib" "$check" "$MASTER_PORT" "$REPLICA_PORT" "$SPARE_PORT" &
		pids+=($!)
	fi
	run_script "$out" "$lib" "$check" "$MASTER_PORT" "$REPLICA_PORT" "$SPARE_PORT"
	((${#pids[@]} == 0)) || wait "${pids[@]}"
	[[ $(<"$out.rc") != 2 ]] || skip "$lib cannot be loaded: $(tail -n 1 "$out.err")"
	printed "$out" "$want" "$lib $check" || rc=1
	if [[ -n $resp2 ]]; then
		local want2=${want//"$lib:"/"$lib.resp2:"}
		want2=${want2//'"proto":3'/'"proto":2'}
		want2=${want2//'"proto",3'/'"proto",2'}
		printed "$out.resp2" "$want2" "$lib $check with RESP2" || rc=1
	fi
	if [[ -n $REDIS_MASTER_PORT ]]; then
		printed "$out.redis" "${want//synap/redis}" "$lib $check against Redis" || rc=1
	fi
	return $rc
}

# cmd_calls NAME COMMAND: the calls of COMMAND in NAME's INFO commandstats.
cmd_calls() {
	local n
	n=$(on "$1" info commandstats | tr -d '\r' | sed -n "s/^cmdstat_$2:calls=\([0-9]*\),.*/\1/p")
	echo "${n:-0}"
}

@test "node-redis at its defaults: PING, and HELLO says RESP3 on the master and on the replica" {
	client node-redis connect <<-'EOF'
		master: PING "PONG"
		master: HELLO {"server":"synap","proto":3,"mode":"standalone","role":"master","modules":[]}
		replica: HELLO {"server":"synap","proto":3,"mode":"standalone","role":"replica","modules":[]}
	EOF
}

@test "node-redis: SET GET INCR DEL EXPIRE TTL EXISTS, an error reply" {
	client node-redis basic <<-'EOF'
		SET k "OK"
		GET k "v1"
		GET missing null
		INCR n 1
		INCR n 2
		INCR k !SimpleError ERR value is not an integer or out of range
		TTL k -1
		EXPIRE k 100 1
		TTL k "99..100"
		TTL missing -2
		DEL k n missing 2
		EXISTS k 0
	EOF
}

@test "node-redis: a pipeline (execAsPipeline), one with a failing command, 100 commands sent together" {
	client node-redis pipeline <<-'EOF'
		pipeline SET a, INCR a, GET a ["OK",2,"2"]
		pipeline SET s, INCR s, SET t !SimpleError ERR value is not an integer or out of range
		GET t "y"
		100 INCR c, the last 100
		GET c "100"
	EOF
}

@test "node-redis: MULTI/EXEC; a command failing inside EXEC (MultiErrorReply); one refused while queued" {
	client node-redis multi <<-'EOF'
		MULTI SET INCR GET EXEC ["OK",11,"11"]
		MULTI SET INCR(string) GET EXEC !MultiErrorReply 1 commands failed, see .replies and .errorIndexes for more information
		  .replies ["OK","!SimpleError ERR value is not an integer or out of range","x"]
		  .errorIndexes [1]
		MULTI SET NOSUCH EXEC !SimpleError ERR unknown command 'NOSUCHCMD', with args beginning with:
		EXISTS q 0
		GET s "x"
	EOF
	assert_equal "11 x" "$(on m mget node-redis:multi:a node-redis:multi:s | paste -sd " ")"
}

@test "node-redis: WATCH, a write from another connection, EXEC throws WatchError, the retry succeeds" {
	client node-redis watch <<-'EOF'
		other connection: SET counter 100 "OK"
		attempt 1: read 10, EXEC !WatchError One (or more) of the watched keys has been changed
		attempt 2: read 100, EXEC ["OK"]
		GET counter "101"
	EOF
	# the winner of the race is on the master and reaches the replica
	assert_equal 101 "$(on m get node-redis:watch:counter)"
	wait_until 10 replies r 101 get node-redis:watch:counter
}

@test "node-redis: SUBSCRIBE and PSUBSCRIBE get what another connection publishes; unsubscribed, nothing" {
	client node-redis pubsub <<-'EOF'
		SUBSCRIBE chan undefined
		PSUBSCRIBE news.* undefined
		PUBLISH chan 1
		PUBLISH news.sport 1
		received message node-redis:pubsub:chan hello
		received pmessage node-redis:pubsub:news.sport goal
		UNSUBSCRIBE chan undefined
		PUNSUBSCRIBE news.* undefined
		PUBLISH chan 0
	EOF
}

@test "node-redis: scanIterator walks 1000 keys, all of them and no other, over several pages" {
	client node-redis scan <<-'EOF'
		SET 1000 keys, OK 1000
		SCAN MATCH: distinct keys 1000
		SCAN MATCH: keys not written 0
		SCAN MATCH: more than one page true
	EOF
	# redis-cli's own SCAN sees the same 1000 keys
	assert_equal 1000 "$(on m --scan --pattern 'node-redis:scan:*' | sort -u | wc -l)"
}

@test "node-redis: the replica serves what the master wrote; a write to it fails with READONLY; a change it applies aborts its EXEC" {
	client node-redis replica <<-'EOF'
		master: SET k "OK"
		master: INCR n 1
		replica: GET k (polled) "from-master"
		replica: GET n "1"
		replica: SET k !SimpleError READONLY You can't write against a read only replica.
		replica: INCR n !SimpleError READONLY You can't write against a read only replica.
		replica: GET k "from-master"
		replica: WATCH k "OK"
		master: SET k "OK"
		replica: GET k (polled) "changed"
		replica: MULTI GET k EXEC !WatchError One (or more) of the watched keys has been changed
		replica: MULTI GET k EXEC ["changed"]
	EOF
	assert_equal changed "$(on r get node-redis:replica:k)"
}

@test "node-redis: clientSideCache on the replica and on the master: a cached GET asks no one, a change by the master invalidates it, the next GET has the new value" {
	client node-redis cache <<-'EOF'
		replica: master: SET k "OK"
		replica: GET k (polled, not cached) "v1-replica"
		replica: GET k "v1-replica"
		replica: GET k "v1-replica"
		replica: GETs the node answered 1
		replica: master: SET k "OK"
		replica: invalidations (polled) "[\"node-redis:cache:k\"]"
		replica: GET k "v2-replica"
		replica: GET k "v2-replica"
		replica: GETs the node answered 2
		replica: cache hits, misses [2,2]
		master: master: SET k "OK"
		master: GET k (polled, not cached) "v1-master"
		master: GET k "v1-master"
		master: GET k "v1-master"
		master: GETs the node answered 1
		master: master: SET k "OK"
		master: invalidations (polled) "[\"node-redis:cache:k\"]"
		master: GET k "v2-master"
		master: GET k "v2-master"
		master: GETs the node answered 2
		master: cache hits, misses [2,2]
	EOF
}

@test "ioredis at its defaults: PING, and HELLO says RESP3 on the master and on the replica" {
	client ioredis connect <<-'EOF'
		master: PING "PONG"
		master: HELLO ["server","synap","proto",3,"mode","standalone","role","master","modules",[]]
		replica: HELLO ["server","synap","proto",3,"mode","standalone","role","replica","modules",[]]
	EOF
}

@test "ioredis: SET GET INCR DEL EXPIRE TTL EXISTS, an error reply" {
	client ioredis basic <<-'EOF'
		SET k "OK"
		GET k "v1"
		GET missing null
		INCR n 1
		INCR n 2
		INCR k !SimpleError ERR value is not an integer or out of range
		TTL k -1
		EXPIRE k 100 1
		TTL k "99..100"
		TTL missing -2
		DEL k n missing 2
		EXISTS k 0
	EOF
}

@test "ioredis: a pipeline, one with a failing command, 100 commands" {
	client ioredis pipeline <<-'EOF'
		pipeline SET a, INCR a, GET a [[null,"OK"],[null,2],[null,"2"]]
		pipeline SET s, INCR s, SET t [[null,"OK"],["!SimpleError ERR value is not an integer or out of range"],[null,"OK"]]
		GET t "y"
		100 INCR c, the last [null,100]
		GET c "100"
	EOF
}

@test "ioredis: MULTI/EXEC; a command failing inside EXEC; one refused while queued (EXECABORT)" {
	client ioredis multi <<-'EOF'
		MULTI SET INCR GET EXEC [[null,"OK"],[null,11],[null,"11"]]
		MULTI SET INCR(string) GET EXEC [[null,"OK"],["!SimpleError ERR value is not an integer or out of range"],[null,"x"]]
		MULTI SET NOSUCH EXEC !SimpleError EXECABORT Transaction discarded because of previous errors.
		EXISTS q 0
		GET s "x"
	EOF
	assert_equal "11 x" "$(on m mget ioredis:multi:a ioredis:multi:s | paste -sd " ")"
}

@test "ioredis: WATCH, a write from another connection, EXEC answers null, the retry succeeds" {
	client ioredis watch <<-'EOF'
		other connection: SET counter 100 "OK"
		attempt 1: read 10, EXEC null
		attempt 2: read 100, EXEC [[null,"OK"]]
		GET counter "101"
	EOF
	# the winner of the race is on the master and reaches the replica
	assert_equal 101 "$(on m get ioredis:watch:counter)"
	wait_until 10 replies r 101 get ioredis:watch:counter
}

@test "ioredis: SUBSCRIBE and PSUBSCRIBE get what another connection publishes; unsubscribed, nothing" {
	client ioredis pubsub <<-'EOF'
		SUBSCRIBE chan 1
		PSUBSCRIBE news.* 2
		PUBLISH chan 1
		PUBLISH news.sport 1
		received message ioredis:pubsub:chan hello
		received pmessage ioredis:pubsub:news.* ioredis:pubsub:news.sport goal
		UNSUBSCRIBE chan 1
		PUNSUBSCRIBE news.* 0
		PUBLISH chan 0
	EOF
}

@test "ioredis: scanStream walks 1000 keys, all of them and no other, over several pages" {
	client ioredis scan <<-'EOF'
		SET 1000 keys, OK 1000
		SCAN MATCH: distinct keys 1000
		SCAN MATCH: keys not written 0
		SCAN MATCH: more than one page true
	EOF
	# redis-cli's own SCAN sees the same 1000 keys
	assert_equal 1000 "$(on m --scan --pattern 'ioredis:scan:*' | sort -u | wc -l)"
}

@test "ioredis: the replica serves what the master wrote; a write to it fails with READONLY" {
	client ioredis replica <<-'EOF'
		master: SET k "OK"
		master: INCR n 1
		replica: GET k (polled) "from-master"
		replica: GET n "1"
		replica: SET k !SimpleError READONLY You can't write against a read only replica.
		replica: INCR n !SimpleError READONLY You can't write against a read only replica.
		replica: GET k "from-master"
	EOF
	assert_equal from-master "$(on r get ioredis:replica:k)"
}

@test "glide at its defaults: PING, and HELLO says RESP3" {
	client glide connect <<-'EOF'
		master: PING "PONG"
		master: HELLO [{"key":"server","value":"synap"},{"key":"proto","value":3},{"key":"mode","value":"standalone"},{"key":"role","value":"master"},{"key":"modules","value":[]}]
	EOF
}

@test "glide: SET GET INCR DEL EXPIRE TTL EXISTS, an error reply" {
	client glide basic <<-'EOF'
		SET k "OK"
		GET k "v1"
		GET missing null
		INCR n 1
		INCR n 2
		INCR k !RequestError An error was signalled by the server: - ResponseError: value is not an integer or out of range
		TTL k -1
		EXPIRE k 100 true
		TTL k "99..100"
		TTL missing -2
		DEL k n missing 2
		EXISTS k 0
	EOF
}

@test "glide: a non-atomic Batch (pipeline), one with a failing command, 100 commands" {
	client glide pipeline <<-'EOF'
		pipeline SET a, INCR a, GET a ["OK",2,"2"]
		pipeline SET s, INCR s, SET t ["OK","!RequestError An error was signalled by the server: - ResponseError: value is not an integer or out of range","OK"]
		pipeline SET s, INCR s, SET t, raiseOnError !RequestError An error was signalled by the server: - ResponseError: value is not an integer or out of range
		GET t "z"
		100 INCR c, the last 100
		GET c "100"
	EOF
}

@test "glide: an atomic Batch (MULTI/EXEC); a command failing inside EXEC; one refused while queued" {
	client glide multi <<-'EOF'
		MULTI SET INCR GET EXEC ["OK",11,"11"]
		MULTI SET INCR(string) GET EXEC ["OK","!RequestError An error was signalled by the server: - ResponseError: value is not an integer or out of range","x"]
		MULTI SET INCR(string) GET EXEC, raiseOnError !RequestError An error was signalled by the server: - ResponseError: value is not an integer or out of range
		MULTI SET NOSUCH EXEC !RequestError An error was signalled by the server: - ResponseError: unknown command 'NOSUCHCMD', with args beginning with:
		EXISTS q 0
		GET s "x"
	EOF
	assert_equal "11 x" "$(on m mget glide:multi:a glide:multi:s | paste -sd " ")"
}

@test "glide: WATCH, a write from another connection, exec answers null, the retry succeeds" {
	client glide watch <<-'EOF'
		other connection: SET counter 100 "OK"
		attempt 1: read 10, EXEC null
		attempt 2: read 100, EXEC ["OK"]
		GET counter "101"
	EOF
	# the winner of the race is on the master and reaches the replica
	assert_equal 101 "$(on m get glide:watch:counter)"
	wait_until 10 replies r 101 get glide:watch:counter
}

@test "glide: subscribe and psubscribe get what another connection publishes; unsubscribed, nothing" {
	client glide pubsub <<-'EOF'
		SUBSCRIBE chan null
		PSUBSCRIBE news.* null
		PUBLISH chan 1
		PUBLISH news.sport 1
		received {"message":"hello","channel":"glide:pubsub:chan","pattern":null}
		received {"message":"goal","channel":"glide:pubsub:news.sport","pattern":"glide:pubsub:news.*"}
		UNSUBSCRIBE chan null
		PUNSUBSCRIBE news.* null
		PUBLISH chan 0
	EOF
}

@test "glide: scan walks 1000 keys, all of them and no other, over several pages" {
	client glide scan <<-'EOF'
		SET 1000 keys, OK 1000
		SCAN MATCH: distinct keys 1000
		SCAN MATCH: keys not written 0
		SCAN MATCH: more than one page true
	EOF
	# redis-cli's own SCAN sees the same 1000 keys
	assert_equal 1000 "$(on m --scan --pattern 'glide:scan:*' | sort -u | wc -l)"
}

@test "glide: with readFrom preferReplica GETs go to the replica, writes to the master; the replica alone is refused as no primary" {
	local m_gets r_gets
	m_gets=$(cmd_calls m get) r_gets=$(cmd_calls r get)
	client glide replica <<-'EOF'
		master: SET k "OK"
		master: INCR n 1
		connect to the replica alone !ClosingError Connection error: Standalone(Received error: No primary node found- ClientError\n)
		replica: GET k (polled) "from-master"
		replica: GET n "1"
		SET k (to the master) "OK"
		replica: GET k (polled) "x"
	EOF
	# every GET went to the replica: at least one per line above
	assert_equal "$m_gets" "$(cmd_calls m get)"
	(($(cmd_calls r get) - r_gets >= 3))
	assert_equal x "$(on r get glide:replica:k)"
}

@test "glide: a master it connected to is made a replica; then writes fail with READONLY, reads go on; promoted again, it takes writes" {
	# Promoted, the spare fences the master it followed (DESIGN: a newer
	# epoch exists), which then refuses writes: that master is one of this
	# test's own, so that the file's master goes on taking them.
	start_master_node m2 -c "$(fast_conf m2.yml)"
	local MASTER_PORT=${NODE_PORT[m2]}
	client glide demoted <<-'EOF'
		spare: SET k "OK"
		master: SET k "OK"
		spare: REPLICAOF the master "OK"
		spare: GET k (polled) "from-master"
		spare: SET k !RequestError An error was signalled by the server: - ReadOnly: You can't write against a read only replica.
		spare: INCR n !RequestError An error was signalled by the server: - ReadOnly: You can't write against a read only replica.
		spare: GET k "from-master"
		spare: REPLICAOF NO ONE "OK"
		spare: SET k "OK"
	EOF
	NODE_PORT[spare]=$SPARE_PORT
	assert_equal "after master" "$(on spare get glide:demoted:k) $(on spare role | head -n 1)"
}

@test "redis-py at its defaults: PING, and HELLO says RESP2 on the master and on the replica" {
	client redis-py connect <<-'EOF'
		master: PING True
		master: HELLO [b'server', b'synap', b'proto', 2, b'mode', b'standalone', b'role', b'master', b'modules', []]
		replica: HELLO [b'server', b'synap', b'proto', 2, b'mode', b'standalone', b'role', b'replica', b'modules', []]
	EOF
}

@test "redis-py: SET GET INCR DEL EXPIRE TTL EXISTS, an error reply" {
	client redis-py basic <<-'EOF'
		SET k True
		GET k b'v1'
		GET missing None
		INCR n 1
		INCR n 2
		INCR k !ResponseError value is not an integer or out of range
		TTL k -1
		EXPIRE k 100 True
		TTL k '99..100'
		TTL missing -2
		DEL k n missing 2
		EXISTS k 0
	EOF
}

@test "redis-py: pipeline(transaction=False), one with a failing command, 100 commands" {
	client redis-py pipeline <<-'EOF'
		pipeline SET a, INCR a, GET a [True, 2, b'2']
		pipeline SET s, INCR s, SET t !ResponseError Command # 2 (INCRBY redis-py:pipeline:s 1) of pipeline caused error: value is not an integer or out of range
		GET t b'y'
		pipeline SET s, INCR s, SET t, raise_on_error=False [True, ResponseError('value is not an integer or out of range'), True]
		100 INCR c, the last 100
		GET c b'100'
	EOF
}

@test "redis-py: pipeline(transaction=True) is MULTI/EXEC; a command failing inside EXEC; one refused while queued" {
	client redis-py multi <<-'EOF'
		MULTI SET INCR GET EXEC [True, 11, b'11']
		MULTI SET INCR(string) GET EXEC !ResponseError Command # 2 (INCRBY redis-py:multi:s 1) of pipeline caused error: value is not an integer or out of range
		MULTI SET INCR(string) GET EXEC, raise_on_error=False [True, ResponseError('value is not an integer or out of range'), b'x']
		MULTI SET NOSUCH EXEC !ResponseError Command # 2 (NOSUCHCMD) of pipeline caused error: unknown command 'NOSUCHCMD', with args beginning with:
		EXISTS q 0
		GET s b'x'
	EOF
	assert_equal "11 x" "$(on m mget redis-py:multi:a redis-py:multi:s | paste -sd " ")"
}

@test "redis-py: transaction(func, key) calls func again after a write from another connection" {
	client redis-py watch <<-'EOF'
		other connection: SET counter 100 True
		transaction(incr_counter, counter) [True]
		values read by incr_counter's calls [10, 100]
		GET counter b'101'
	EOF
	# the winner of the race is on the master and reaches the replica
	assert_equal 101 "$(on m get redis-py:watch:counter)"
	wait_until 10 replies r 101 get redis-py:watch:counter
}

@test "redis-py: pubsub() SUBSCRIBE and PSUBSCRIBE get what another connection publishes; unsubscribed, nothing" {
	client redis-py pubsub <<-'EOF'
		SUBSCRIBE chan None
		PSUBSCRIBE news.* None
		PUBLISH chan 1
		PUBLISH news.sport 1
		UNSUBSCRIBE chan None
		PUNSUBSCRIBE news.* None
		PUBLISH chan 0
		received {'type': 'subscribe', 'pattern': None, 'channel': b'redis-py:pubsub:chan', 'data': 1}
		received {'type': 'psubscribe', 'pattern': None, 'channel': b'redis-py:pubsub:news.*', 'data': 2}
		received {'type': 'message', 'pattern': None, 'channel': b'redis-py:pubsub:chan', 'data': b'hello'}
		received {'type': 'pmessage', 'pattern': b'redis-py:pubsub:news.*', 'channel': b'redis-py:pubsub:news.sport', 'data': b'goal'}
		received {'type': 'unsubscribe', 'pattern': None, 'channel': b'redis-py:pubsub:chan', 'data': 1}
		received {'type': 'punsubscribe', 'pattern': None, 'channel': b'redis-py:pubsub:news.*', 'data': 0}
	EOF
}

@test "redis-py: scan_iter walks 1000 keys, all of them and no other, over several pages" {
	client redis-py scan <<-'EOF'
		SET 1000 keys, True 1000
		scan_iter MATCH: distinct keys 1000
		scan_iter MATCH: keys not written 0
		SCAN MATCH: more than one page True
	EOF
	# redis-cli's own SCAN sees the same 1000 keys
	assert_equal 1000 "$(on m --scan --pattern 'redis-py:scan:*' | sort -u | wc -l)"
}

@test "redis-py: the replica serves what the master wrote; a write to it fails with ReadOnlyError" {
	client redis-py replica <<-'EOF'
		master: SET k True
		master: INCR n 1
		replica: GET k (polled) b'from-master'
		replica: GET n b'1'
		replica: SET k !ReadOnlyError You can't write against a read only replica.
		replica: INCR n !ReadOnlyError You can't write against a read only replica.
		replica: GET k b'from-master'
	EOF
	assert_equal from-master "$(on r get redis-py:replica:k)"
}
