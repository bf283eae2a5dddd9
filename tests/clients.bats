#!/usr/bin/env bats
# Real client libraries, at their default settings, against a Synap master
# and its replica: node-redis 6, ioredis 6 and Valkey GLIDE 2 from npm (all
# three speak RESP3 by default: HELLO 3, then CLIENT SETINFO), and Debian's
# python3-redis 4 (RESP2). With each: PING and HELLO, SET GET INCR DEL EXPIRE
# TTL, a pipeline, MULTI/EXEC, the library's optimistic transaction (WATCH,
# a write from another connection, the transaction tried again), pub/sub,
# SCAN over 1000 keys, reads on the replica and writes refused there with
# READONLY; node-redis and ioredis again with RESP2.
#
# Each check is a script in tests/clients/ (LIB.js or redis-py.py, CHECK,
# the master's and the replica's ports) that prints a transcript, one line
# per step: what the library returned, with its type, or the error it
# threw. A test compares it with the one written here, then runs the same
# script against a Redis master and replica (Debian's redis-server, 7.0.15)
# and compares again (HELLO's "server" aside): what is written here is what
# the library does with Redis.
# The npm packages are those of tests/clients/package-lock.json, installed
# once (npm_ensure) and kept while the lock file does not change. A test
# is skipped only when its library cannot be had (no node or npm, no
# network for npm, no python3-redis, a native module that does not load).

bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl

# One Synap pair for the file, and one Redis pair (Debian's redis-server)
# when there is one; each test starts from an empty keyspace.
setup_file() {
	repl_setup
	start_fast_nodes m r
	wait_synced m r
	export MASTER_PORT=${NODE_PORT[m]} REPLICA_PORT=${NODE_PORT[r]}
	REDIS_MASTER_PORT= REDIS_REPLICA_PORT=
	! command -v redis-server >/dev/null || start_redis_pair
	export REDIS_MASTER_PORT REDIS_REPLICA_PORT
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

# start_redis_pair: a Redis master and its replica, without persistence, on
# free ports in $TEST_DIR; their PIDs go to the pids file (with no log: not
# Synap daemons), so that repl_teardown stops them.
start_redis_pair() {
	local mp rp
	{ read -r mp; read -r rp; } < <(free_port 2)
	redis_node "$mp"
	redis_node "$rp" --replicaof 127.0.0.1 "$mp"
	wait_until 20 redis_synced "$mp" "$rp"
	REDIS_MASTER_PORT=$mp REDIS_REPLICA_PORT=$rp
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

# transcript LIB CHECK [MASTER_PORT REPLICA_PORT]: what tests/clients/LIB's
# CHECK prints against the Synap pair, or the pair on those ports (in
# $output; the script's stderr in $TEST_DIR/LIB.CHECK.err), its exit status
# in $status; skips the test when the library cannot be had.
transcript() {
	local lib=$1 check=$2 mp=${3:-$MASTER_PORT} rp=${4:-$REPLICA_PORT} err=$TEST_DIR/$1.$2.err
	local -a cmd=(node "$CLIENTS_DIR/$lib.js")
	if [[ $lib == redis-py ]]; then
		cmd=("$PYTHON" "$CLIENTS_DIR/redis-py.py")
	else
		[[ -z $NPM_WHY ]] || skip "$NPM_WHY"
	fi
	status=0
	output=$(GLIDE_LOG=$TEST_DIR/glide.log timeout 40 "${cmd[@]}" "$check" "$mp" "$rp" 2>"$err" 3>&-) ||
		status=$?
	((status != 2)) || skip "$lib cannot be loaded: $(tail -n 1 "$err")"
}

# printed WANT WHAT: the last transcript ended well (exit 0) and is exactly
# WANT; otherwise the difference and the script's stderr are shown.
printed() {
	[[ $status == 0 && $output == "$1" ]] && return 0
	echo "$2 exited with status $status; its transcript (-expected +printed):" >&2
	diff <(echo "$1") <(echo "$output") >&2
	echo "its stderr:" >&2
	cat "$TEST_DIR/${2%% *}.${2#* }.err" >&2
	return 1
}

# client LIB CHECK: LIB's CHECK prints exactly the transcript on stdin
# against the Synap pair, and so against the Redis pair (HELLO's server
# aside), from an empty keyspace: the transcripts written here are what the
# libraries do with Redis.
client() {
	local want
	want=$(cat)
	transcript "$1" "$2"
	printed "$want" "$1 $2" || return 1
	[[ -n $REDIS_MASTER_PORT ]] || return 0
	timeout 10 redis-cli -h 127.0.0.1 -p "$REDIS_MASTER_PORT" flushall >/dev/null
	wait_until 10 replies_on "$REDIS_REPLICA_PORT" 0 dbsize
	transcript "$1" "$2" "$REDIS_MASTER_PORT" "$REDIS_REPLICA_PORT"
	printed "${want//synap/redis}" "$1 $2 (against Redis)"
}

# resp2_same LIB: each check of LIB (a Node.js client taking CLIENT_RESP)
# prints the same transcript with RESP2 as at its default, HELLO's proto
# aside, each from an empty keyspace.
resp2_same() {
	local lib=$1 check want
	for check in connect basic pipeline multi watch pubsub scan replica; do
		setup
		transcript "$lib" "$check"
		assert_status 0
		want=${output//'"proto",3'/'"proto",2'}
		want=${want//'"proto":3'/'"proto":2'}
		setup
		CLIENT_RESP=2 transcript "$lib" "$check"
		assert_status 0
		if [[ $output != "$want" ]]; then
			echo "$lib $check: RESP3 (-) and RESP2 (+) differ:" >&2
			diff <(echo "$want") <(echo "$output") >&2
			return 1
		fi
	done
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

@test "node-redis: the replica serves what the master wrote; a write to it fails with READONLY" {
	client node-redis replica <<-'EOF'
		master: SET k "OK"
		master: INCR n 1
		replica: GET k (polled) "from-master"
		replica: GET n "1"
		replica: SET k !SimpleError READONLY You can't write against a read only replica.
		replica: INCR n !SimpleError READONLY You can't write against a read only replica.
		replica: GET k "from-master"
	EOF
	assert_equal from-master "$(on r get node-redis:replica:k)"
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

@test "node-redis with RESP: 2 prints what it prints at its default (RESP3), but HELLO's proto" {
	resp2_same node-redis
}

@test "ioredis with protocol: 2 prints what it prints at its default (RESP3), but HELLO's proto" {
	resp2_same ioredis
}
