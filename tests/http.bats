#!/usr/bin/env bats
# HTTP/1.1 on the client port: the routes, /kv semantics, keep-alive, bad
# requests, and requirepass for both HTTP and RESP.

load helpers/shared-master

test_setup() {
	BODY=$(mktemp "$TEST_DIR/body.XXXX")
	HDRS=$(mktemp "$TEST_DIR/hdrs.XXXX")
}

# http METHOD PATH [CURL ARGS...]: status in $STATUS, body in $BODY, headers
# in $HDRS (CRs removed).
http() {
	local method=$1 path=$2; shift 2
	STATUS=$(curl -s --max-time 5 -X "$method" -o "$BODY" -D "$HDRS" -w '%{http_code}' \
		"$@" "http://127.0.0.1:$PORT$path")
	sed -i 's/\r$//' "$HDRS"
}

# header NAME: the value of response header NAME (case-insensitive).
header() { sed -n "s/^$1: *//Ip" "$HDRS" | head -1; }

assert_json_error() {
	jq -e '.error | type == "string" and length > 0' "$BODY" >/dev/null ||
		{ echo "not a JSON error: $(cat "$BODY")" >&2; false; }
	assert_equal "application/json" "$(header content-type)"
}

@test "GET /health answers 200 JSON with the role" {
	http GET /health
	assert_equal 200 "$STATUS"
	assert_equal "application/json" "$(header content-type)"
	run jq -r .role "$BODY"
	assert_output "master"
}

@test "GET /api/replication/stats answers 200 with the stats JSON" {
	rcli mset a 1 b 2 >/dev/null
	http GET /api/replication/stats
	assert_equal 200 "$STATUS"
	jq -e '.role == "master" and .keys == 2 and (.replid | test("^[0-9a-f]{40}$"))
		and (.master_offset | type == "number") and (.replicas | type == "array")' "$BODY"
}

@test "GET /metrics answers Prometheus text with synap_keys and the command counter" {
	http GET /metrics
	assert_equal 200 "$STATUS"
	assert_match '^text/plain' "$(header content-type)"
	run cat "$BODY"
	assert_contains "# TYPE synap_keys gauge"
	assert_match $'\nsynap_keys 0\n'
	assert_match $'\nsynap_commands_processed_total [0-9]+'
}

@test "PUT /kv/KEY stores a binary body that GET and redis-cli read back exactly" {
	"$PYTHON" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 3)' >"$TEST_DIR/v"
	http PUT /kv/bin --data-binary @"$TEST_DIR/v"
	assert_equal 200 "$STATUS"
	http GET /kv/bin
	assert_equal 200 "$STATUS"
	cmp "$TEST_DIR/v" "$BODY"
	assert_equal 768 "$(header content-length)"
	run rcli strlen bin
	assert_output "768"
	rcli --raw get bin | head -c 768 | cmp - "$TEST_DIR/v"
}

@test "PUT /kv/KEY replaces the value and GET reads a value set over RESP" {
	rcli set k from-resp >/dev/null
	http GET /kv/k
	assert_equal 200 "$STATUS"
	assert_equal "from-resp" "$(cat "$BODY")"
	http PUT /kv/k --data-binary 'from-http'
	assert_equal 200 "$STATUS"
	run rcli get k
	assert_output "from-http"
}

@test "PUT /kv/KEY?ttl=SECONDS sets a TTL that redis-cli sees" {
	http PUT "/kv/t?ttl=100" --data-binary v
	assert_equal 200 "$STATUS"
	run rcli ttl t
	assert_match '^(99|100)$'
	http PUT /kv/t --data-binary v2
	run rcli ttl t
	assert_output "-1"
}

@test "PUT /kv/KEY with a bad ttl is 400 and stores nothing" {
	http PUT "/kv/t?ttl=abc" --data-binary v
	assert_equal 400 "$STATUS"
	assert_json_error
	http PUT "/kv/t?ttl=0" --data-binary v
	assert_equal 400 "$STATUS"
	run rcli exists t
	assert_output "0"
}

@test "GET /kv of a missing key is 404 with a JSON error" {
	http GET /kv/nope
	assert_equal 404 "$STATUS"
	assert_json_error
}

@test "DELETE /kv/KEY deletes the key and a missing key is 404" {
	rcli set k v >/dev/null
	http DELETE /kv/k
	assert_equal 200 "$STATUS"
	run rcli exists k
	assert_output "0"
	http DELETE /kv/k
	assert_equal 404 "$STATUS"
	assert_json_error
}

@test "percent-escapes in /kv/KEY are decoded: a%20b is the key 'a b'" {
	http PUT /kv/a%20b --data-binary spaced
	assert_equal 200 "$STATUS"
	run rcli get "a b"
	assert_output "spaced"
	rcli set "x/y" slashed >/dev/null
	http GET /kv/x%2Fy
	assert_equal 200 "$STATUS"
	assert_equal "slashed" "$(cat "$BODY")"
}

@test "HEAD answers the headers of GET without a body" {
	http GET /health
	local len
	len=$(header content-length)
	printf 'HEAD /health HTTP/1.1\r\nHost: t\r\n\r\n' | raw_tcp >"$BODY"
	run head -1 "$BODY"
	assert_output $'HTTP/1.1 200 OK\r'
	assert_match $'\r\nContent-Length: '"$len"$'\r\n' "$(cat "$BODY")"
	# nothing after the blank line that ends the headers
	[[ $(tail -c 4 "$BODY" | od -An -c | tr -d ' ') == '\r\n\r\n' ]]
}

@test "keep-alive: two requests on one connection get two responses" {
	rcli set k v >/dev/null
	run curl -sv --max-time 5 "http://127.0.0.1:$PORT/health" --next "http://127.0.0.1:$PORT/kv/k"
	assert_status 0
	assert_match 'Re-using existing connection|Reusing existing connection'
	assert_match $'"role":"master".*\nv|v.*"role":"master"'
	printf 'GET /kv/k HTTP/1.1\r\nHost: t\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n' | raw_tcp >"$BODY"
	assert_equal 2 "$(grep -o 'HTTP/1.1 200 OK' "$BODY" | wc -l)"
}

@test "Connection: close makes the server close after the response" {
	printf 'GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' | tcp_talk >"$BODY"
	run head -1 "$BODY"
	assert_output $'HTTP/1.1 200 OK\r'
}

@test "POST /kv/KEY is 405 method not allowed with an Allow header" {
	http POST /kv/x --data-binary v
	assert_equal 405 "$STATUS"
	assert_json_error
	assert_match 'GET' "$(header allow)"
	run rcli exists x
	assert_output "0"
}

@test "an unknown route is 404 with a JSON error" {
	http GET /nope
	assert_equal 404 "$STATUS"
	assert_json_error
	http GET /kv
	assert_equal 404 "$STATUS"
}

@test "headers over 16 KB get 431 and the connection is closed" {
	{
		printf 'GET /health HTTP/1.1\r\nHost: t\r\nX-Big: '
		head -c 20000 /dev/zero | tr '\0' a
		printf '\r\n\r\n'
	} | tcp_talk >"$BODY"
	run head -1 "$BODY"
	assert_match '^HTTP/1.1 431 '
	http GET /health
	assert_equal 200 "$STATUS"
}

@test "a bad Content-Length gets 400 and the connection is closed" {
	printf 'PUT /kv/k HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\nv' | tcp_talk >"$BODY"
	run head -1 "$BODY"
	assert_match '^HTTP/1.1 400 '
	printf 'PUT /kv/k HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\nv' | tcp_talk >"$BODY"
	run head -1 "$BODY"
	assert_match '^HTTP/1.1 400 '
	run rcli exists k
	assert_output "0"
}

@test "a PUT with chunked transfer encoding gets 501 and the connection is closed" {
	printf 'PUT /kv/c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' |
		tcp_talk >"$BODY"
	run head -1 "$BODY"
	assert_match '^HTTP/1.1 501 '
	run rcli exists c
	assert_output "0"
}

@test "a PUT without Content-Length gets 411" {
	printf 'PUT /kv/c HTTP/1.1\r\nHost: t\r\n\r\n' | raw_tcp >"$BODY"
	run head -1 "$BODY"
	assert_match '^HTTP/1.1 411 '
}

@test "an empty key or a malformed percent-escape is 400" {
	http PUT /kv/ --data-binary v
	assert_equal 400 "$STATUS"
	assert_json_error
	http GET /kv/a%zz
	assert_equal 400 "$STATUS"
	assert_json_error
}

@test "an HTTP/1.0 request is answered and its connection closed" {
	printf 'GET /health HTTP/1.0\r\n\r\n' | tcp_talk >"$BODY"
	run head -1 "$BODY"
	assert_match $'^HTTP/1.[01] 200 OK\r$'
	assert_equal master "$(sed '1,/^\r$/d' "$BODY" | jq -r .role)"
}

# --- requirepass -----------------------------------------------------------

start_with_password() {
	local conf
	conf=$(write_conf pass.yml <<<'server: {requirepass: s3cret}')
	start_master -c "$conf"
}

@test "with requirepass /kv needs Authorization: Bearer and /health does not" {
	start_with_password
	http PUT /kv/k --data-binary v
	assert_equal 401 "$STATUS"
	assert_json_error
	http GET /kv/k -H 'Authorization: Bearer wrong'
	assert_equal 401 "$STATUS"
	http PUT /kv/k --data-binary v -H 'Authorization: Bearer s3cret'
	assert_equal 200 "$STATUS"
	http GET /kv/k -H 'Authorization: Bearer s3cret'
	assert_equal 200 "$STATUS"
	assert_equal v "$(cat "$BODY")"
	http GET /health
	assert_equal 200 "$STATUS"
}

@test "with requirepass RESP commands need AUTH first" {
	start_with_password
	run rcli get k
	assert_output "NOAUTH Authentication required."
	run bash -c "printf 'AUTH wrong\nAUTH s3cret\nSET k v\nGET k\n' | redis-cli -h 127.0.0.1 -p $PORT --no-raw"
	assert_output $'(error) WRONGPASS invalid username-password pair or user is disabled.\nOK\nOK\n"v"'
	run redis-cli -h 127.0.0.1 -p "$PORT" --no-auth-warning -a s3cret get k
	assert_output "v"
}
