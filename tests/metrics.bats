#!/usr/bin/env bats
# Monitoring: the Prometheus text of GET /metrics and `synap-stat --format
# prometheus` (parsed by promtool where installed, and by a text-format check
# of our own), the alerting rules of share/prometheus, the Grafana dashboard
# of share/grafana checked against the live metrics, and the systemd units of
# share/systemd (keys, systemd-analyze verify, and their ExecStart run under a
# NOTIFY_SOCKET as systemd would).
#
# One master and one replica serve the whole file (setup_file); the units
# test starts its own pair.

# shellcheck disable=SC2016,SC2034,SC2154  # PromQL and Grafana variables in single quotes; NODE_* are repl.bash's
bats_require_minimum_version 1.5.0
load helpers/common
load helpers/repl

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
DASHBOARD=$ROOT/share/grafana/synap-replication.json
ALERTS=$ROOT/share/prometheus/synap-alerts.yml
UNITS=$ROOT/share/systemd

setup_file() {
	new_test_dir
	start_master_node m -c "$(fast_conf m.yml)"
	start_replica_node r1 m -c "$(fast_conf r1.yml)"
	write_keys m k 100
	on m set counter 1 >/dev/null
	wait_synced m r1
	# the shared pair, for the tests (bats runs each in its own process)
	export M_PORT=${NODE_PORT[m]} M_SOCK=${NODE_SOCK[m]}
	export R_PORT=${NODE_PORT[r1]} R_SOCK=${NODE_SOCK[r1]}
}

teardown_file() {
	repl_teardown
}

# Daemons a single test starts are stopped by its own teardown.
setup() {
	PIDS_FILE=$TEST_DIR/pids.$BATS_TEST_NUMBER
}

teardown() {
	stop_daemons
}

# metrics PORT: GET /metrics of the node on PORT.
metrics() { curl -sf --max-time 10 "http://127.0.0.1:$1/metrics"; }

# mstat JQ: one value (jq -r) of the shared master's stats JSON.
mstat() { printf 'STATS\n' | socat -t 5 - "UNIX-CONNECT:$M_SOCK" | jq -r "$1"; }

# stat_prom SOCK: synap-stat --format prometheus of the node at SOCK.
stat_prom() { timeout 20 "$SYNAP_BIN/synap-stat" -s "$1" --format prometheus; }

# sample_names: the metric names of the sample lines of stdin, sorted, unique.
sample_names() { grep -v '^#' | sed -n 's/^\([a-zA-Z_:][a-zA-Z0-9_:]*\).*/\1/p' | sort -u; }

# family_names: the names declared by "# TYPE" lines of stdin, sorted, unique.
family_names() { sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' | sort -u; }

# live_names: every metric name the pair exports (samples and TYPE lines).
live_names() {
	{ metrics "$M_PORT"; metrics "$R_PORT"; } | tee "$TEST_DIR/live.prom" >/dev/null
	{ sample_names <"$TEST_DIR/live.prom"; family_names <"$TEST_DIR/live.prom"; } | sort -u
}

# expr_metric_names: the synap_* metric names in the PromQL of stdin.
expr_metric_names() { grep -oE '\bsynap_[a-zA-Z0-9_:]*' | sort -u; }

# check_text FILE: our own check of the Prometheus text exposition format
# (version 0.0.4): every sample's family has one # HELP and one # TYPE before
# its samples, families are contiguous, types are counter or gauge, counters
# end in _total and nothing else does, names match ^synap_, label names and
# escaped label values are well formed, values are numbers, no series twice.
check_text() {
	"$PYTHON" - "$1" <<'EOF'
import re, sys
NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(r'^(%s)(?:\{((?:%s)(?:,%s)*,?)?\})? (\S+)(?: (-?\d+))?$' % (NAME, LABEL, LABEL))
errors, help_, type_, seen, done, current = [], {}, {}, set(), set(), None
text = open(sys.argv[1], encoding='utf-8').read()
if not text.endswith('\n'):
    errors.append('the text does not end with a newline')
for n, line in enumerate(text.split('\n')[:-1], 1):
    where = 'line %d: %r' % (n, line)
    if line.startswith('#'):
        m = re.match(r'^# (HELP|TYPE) (%s) (.*)$' % NAME, line)
        if not m:
            if re.match(r'^# (HELP|TYPE) ', line):
                errors.append('%s: malformed %s line' % (where, line.split()[1]))
            continue
        kind, name, rest = m.groups()
        if name != current:
            if name in done or name in seen:
                errors.append('%s: family %s is not contiguous' % (where, name))
            if current:
                done.add(current)
            current = name
        table = help_ if kind == 'HELP' else type_
        if name in table:
            errors.append('%s: second %s for %s' % (where, kind, name))
        table[name] = rest
        if kind == 'HELP' and not rest.strip():
            errors.append('%s: empty HELP' % where)
        if kind == 'TYPE' and rest not in ('counter', 'gauge'):
            errors.append('%s: type %s (counter or gauge expected)' % (where, rest))
        continue
    if not line.strip():
        errors.append('%s: empty line' % where)
        continue
    m = SAMPLE.match(line)
    if not m:
        errors.append('%s: not a sample line' % where)
        continue
    name, labels, value = m.group(1), m.group(2) or '', m.group(7)
    if name != current:
        errors.append('%s: sample of %s outside its family (HELP/TYPE first)' % (where, name))
        if current:
            done.add(current)
        current = name
    if name not in help_:
        errors.append('%s: %s has no # HELP' % (where, name))
    if name not in type_:
        errors.append('%s: %s has no # TYPE' % (where, name))
    if not name.startswith('synap_'):
        errors.append('%s: %s does not start with synap_' % (where, name))
    t = type_.get(name)
    if t == 'counter' and not name.endswith('_total'):
        errors.append('%s: counter %s does not end in _total' % (where, name))
    if t == 'gauge' and name.endswith('_total'):
        errors.append('%s: gauge %s ends in _total' % (where, name))
    pairs = re.findall(LABEL, labels)
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        errors.append('%s: a label twice' % where)
    if any(k.startswith('__') for k in keys):
        errors.append('%s: reserved label name' % where)
    try:
        v = float(value)
        if t == 'counter' and v < 0:
            errors.append('%s: negative counter' % where)
    except ValueError:
        errors.append('%s: value %r is not a number' % (where, value))
    series = (name, tuple(sorted(pairs)))
    if series in seen:
        errors.append('%s: series twice' % where)
    seen.add(series)
for name in type_:
    if name not in help_:
        errors.append('%s has # TYPE but no # HELP' % name)
if not seen:
    errors.append('no sample at all')
print('\n'.join(errors))
sys.exit(1 if errors else 0)
EOF
}

# promtool_metrics FILE: promtool check metrics; fails on a parse error
# (exit 1) and on any lint finding (exit 3): the names follow Prometheus's
# conventions, with no exception.
promtool_metrics() {
	local out rc=0
	out=$(promtool check metrics <"$1" 2>&1) || rc=$?
	if ((rc != 0)) || [[ -n $out ]]; then
		echo "promtool check metrics exited $rc on $1:" >&2
		echo "$out" >&2
		return 1
	fi
}

# ---- the exposition -----------------------------------------------------------

@test "metrics: GET /metrics answers 200 with the Prometheus text content type" {
	run curl -s --max-time 10 -o "$TEST_DIR/m.prom" -w '%{http_code} %{content_type}' \
		"http://127.0.0.1:$M_PORT/metrics"
	assert_status 0
	assert_match '^200 text/plain; ?version=0\.0\.4'
	grep -q '^synap_keys 101$' "$TEST_DIR/m.prom"
}

@test "metrics: master and replica text pass our text-format check" {
	metrics "$M_PORT" >"$TEST_DIR/m.prom"
	metrics "$R_PORT" >"$TEST_DIR/r.prom"
	stat_prom "$M_SOCK" >"$TEST_DIR/m.stat.prom"
	stat_prom "$R_SOCK" >"$TEST_DIR/r.stat.prom"
	local f
	for f in m.prom r.prom m.stat.prom r.stat.prom; do
		run check_text "$TEST_DIR/$f"
		[[ $status == 0 ]] || { echo "$f:"; echo "$output"; return 1; } >&2
	done
}

@test "metrics: promtool check metrics parses master and replica text" {
	command -v promtool >/dev/null ||
		skip "promtool is not installed (apt-get install prometheus ships it); text checked by check_text only"
	metrics "$M_PORT" >"$TEST_DIR/m.prom"
	metrics "$R_PORT" >"$TEST_DIR/r.prom"
	stat_prom "$M_SOCK" >"$TEST_DIR/m.stat.prom"
	promtool_metrics "$TEST_DIR/m.prom"
	promtool_metrics "$TEST_DIR/r.prom"
	promtool_metrics "$TEST_DIR/m.stat.prom"
}

@test "metrics: /metrics and synap-stat --format prometheus give the same metrics" {
	local node port sock
	for node in m r; do
		[[ $node == m ]] && { port=$M_PORT sock=$M_SOCK; } || { port=$R_PORT sock=$R_SOCK; }
		metrics "$port" >"$TEST_DIR/$node.http"
		stat_prom "$sock" >"$TEST_DIR/$node.stat"
		# the same families with the same HELP and TYPE, the same series
		run diff <(grep '^#' "$TEST_DIR/$node.http") <(grep '^#' "$TEST_DIR/$node.stat")
		[[ $status == 0 ]] || { echo "$node: HELP/TYPE lines differ:"; echo "$output"; return 1; } >&2
		run diff <(grep -v '^#' "$TEST_DIR/$node.http" | sed 's/ [^ ]*$//') \
			<(grep -v '^#' "$TEST_DIR/$node.stat" | sed 's/ [^ ]*$//')
		[[ $status == 0 ]] || { echo "$node: series differ:"; echo "$output"; return 1; } >&2
		[[ $(sample_names <"$TEST_DIR/$node.http" | wc -l) -ge 20 ]]
	done
}

@test "metrics: per-replica metrics carry one label, replica, the replica's address" {
	local id addr name
	id=$(mstat '.replicas[0].id')
	addr=127.0.0.1:$R_PORT
	assert_equal "$addr" "$(mstat '.replicas[0].address')"
	metrics "$M_PORT" >"$TEST_DIR/m.prom"
	for name in synap_replica_offset synap_replica_lag_operations synap_replica_lag_seconds synap_replica_up; do
		run grep "^$name{" "$TEST_DIR/m.prom"
		assert_status 0
		assert_one_line "$output"
		# {replica="HOST:PORT"} and no other label; the lag in seconds is a float
		if [[ $name == synap_replica_lag_seconds ]]; then
			assert_match "^$name\\{replica=\"$addr\"\\} [0-9]+(\\.[0-9]+)?\$"
		else
			assert_match "^$name\\{replica=\"$addr\"\\} [0-9]+\$"
		fi
	done
	# the run id labels nothing any more (synap_info aside); the old names and the address label are gone
	run grep -v '^synap_info{' "$TEST_DIR/m.prom"
	assert_status 0
	[[ $output != *"$id"* ]]
	run grep -E '^(# (HELP|TYPE) )?(synap_replica_lag_ms|synap_lag_ms|synap_uptime_seconds)\b|[{,]address=' "$TEST_DIR/m.prom"
	assert_status 1
	grep -qx "synap_replica_up{replica=\"$addr\"} 1" "$TEST_DIR/m.prom"
	grep -qx "synap_replica_lag_operations{replica=\"$addr\"} 0" "$TEST_DIR/m.prom"
	grep -qx "synap_replica_offset{replica=\"$addr\"} $(mstat .master_offset)" "$TEST_DIR/m.prom"
	grep -qx "synap_offset $(mstat .master_offset)" "$TEST_DIR/m.prom"
	grep -qx "synap_master_offset $(mstat .master_offset)" "$TEST_DIR/m.prom"
	grep -qx 'synap_connected_replicas 1' "$TEST_DIR/m.prom"
	grep -qx 'synap_role{role="master"} 1' "$TEST_DIR/m.prom"
}

@test "metrics: the replica exports its link, its lag and its role" {
	metrics "$R_PORT" >"$TEST_DIR/r.prom"
	grep -qx 'synap_master_link_up 1' "$TEST_DIR/r.prom"
	grep -qx 'synap_lag_operations 0' "$TEST_DIR/r.prom"
	grep -qE '^synap_lag_seconds [0-9]+(\.[0-9]+)?$' "$TEST_DIR/r.prom"
	run grep -E '^(# (HELP|TYPE) )?(synap_lag_ms|synap_replica_lag_ms|synap_uptime_seconds)\b' "$TEST_DIR/r.prom"
	assert_status 1
	grep -qx 'synap_role{role="replica"} 1' "$TEST_DIR/r.prom"
	# the master's offset as the replica heard it, and what it applied: in sync, the same
	grep -qx "synap_master_offset $(mstat .master_offset)" "$TEST_DIR/r.prom"
	grep -qx "synap_offset $(mstat .master_offset)" "$TEST_DIR/r.prom"
	# when it started, unix seconds: within the last hour, not in the future
	local start now
	start=$(sed -n 's/^synap_start_time_seconds \([0-9][0-9]*\)$/\1/p' "$TEST_DIR/r.prom")
	now=$(date +%s)
	[[ -n $start ]]
	((start <= now && start > now - 3600))
	grep -qx 'synap_keys 101' "$TEST_DIR/r.prom"
	grep -qE '^synap_full_syncs_done_total [1-9]' "$TEST_DIR/r.prom"
	# the master counts the sync it served
	metrics "$M_PORT" | grep -qE '^synap_full_syncs_total [1-9]'
}

# ---- alerting rules -----------------------------------------------------------

@test "alerts: promtool check rules accepts share/prometheus/synap-alerts.yml" {
	command -v promtool >/dev/null || skip "promtool is not installed (apt-get install prometheus ships it)"
	run promtool check rules "$ALERTS"
	assert_status 0
	assert_contains "SUCCESS: 4 rules found"
}

@test "alerts: the four alerts, with summary and description, name only exported metrics" {
	command -v jq >/dev/null || skip "jq is not installed"
	# YAML to JSON with python3 (PyYAML) when it has it, else a plain scan
	local names alerts missing='' n
	if "$PYTHON" -c 'import yaml' 2>/dev/null; then
		"$PYTHON" -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)' \
			"$ALERTS" >"$TEST_DIR/alerts.json"
		alerts=$(jq -r '[.groups[].rules[] | select(.alert)
			| select(.annotations.summary and .annotations.description and .expr) | .alert] | sort | join(" ")' \
			"$TEST_DIR/alerts.json")
		jq -r '.groups[].rules[].expr' "$TEST_DIR/alerts.json" >"$TEST_DIR/alerts.expr"
	else
		alerts=$(sed -n 's/^ *- alert: *//p' "$ALERTS" | sort | tr '\n' ' ' | sed 's/ $//')
		grep -v '^ *#' "$ALERTS" >"$TEST_DIR/alerts.expr"
		n=$(grep -c '^ *summary:' "$ALERTS")
		assert_equal 4 "$n"
		n=$(grep -c '^ *description:' "$ALERTS")
		assert_equal 4 "$n"
	fi
	assert_equal "SynapFrequentFullSyncs SynapMasterOffsetStalled SynapReplicaDisconnected SynapReplicationLagHigh" "$alerts"
	live_names >"$TEST_DIR/live.names"
	names=$(expr_metric_names <"$TEST_DIR/alerts.expr")
	[[ -n $names ]]
	for n in $names; do
		grep -qxF "$n" "$TEST_DIR/live.names" || missing+="$n "
	done
	[[ -z $missing ]] || { echo "not exported by synap: $missing" >&2; return 1; }
}

# stalled_alert INSTANCE: the SynapMasterOffsetStalled alert of the master
# INSTANCE, as an entry of exp_alerts in a promtool rule test.
stalled_alert() {
	cat <<EOF
          - exp_labels: {severity: info, job: synap, instance: "$1"}
            exp_annotations:
              summary: "Synap master $1 is taking no writes"
              description: "The replication offset of the master $1 has not changed in 10 minutes (this alert waits 5 more; less just after Prometheus starts scraping it). The master may simply be idle (no client writes): then ignore it. If writes are expected, check that clients reach it and that it is not refusing them (min_replicas_to_write, writes paused by synap-promote)."
EOF
}

@test "alerts: promtool test rules: each alert fires when it should, and only then" {
	command -v promtool >/dev/null || skip "promtool is not installed (apt-get install prometheus ships it)"
	cp "$ALERTS" "$TEST_DIR/synap-alerts.yml"
	# (an unquoted here-document, for $(stalled_alert ...): \` stands for `)
	cat >"$TEST_DIR/alerts_test.yml" <<EOF
rule_files: [synap-alerts.yml]
evaluation_interval: 15s
tests:
  # high lag: .2 by operations, .3 by time; .4 lags a little, .5 exactly 5 s
  # (not above); none before 1m
  - interval: 15s
    input_series:
      - series: 'synap_replica_lag_operations{job="synap",instance="m:5500",replica="10.0.0.2:5501"}'
        values: '0 20000x20'
      - series: 'synap_replica_lag_seconds{job="synap",instance="m:5500",replica="10.0.0.2:5501"}'
        values: '0 0.3x20'
      - series: 'synap_replica_lag_operations{job="synap",instance="m:5500",replica="10.0.0.3:5501"}'
        values: '0x20'
      - series: 'synap_replica_lag_seconds{job="synap",instance="m:5500",replica="10.0.0.3:5501"}'
        values: '0 9x20'
      - series: 'synap_replica_lag_operations{job="synap",instance="m:5500",replica="10.0.0.4:5501"}'
        values: '500x20'
      - series: 'synap_replica_lag_seconds{job="synap",instance="m:5500",replica="10.0.0.4:5501"}'
        values: '0.1x20'
      - series: 'synap_replica_lag_operations{job="synap",instance="m:5500",replica="10.0.0.5:5501"}'
        values: '10000x20'
      - series: 'synap_replica_lag_seconds{job="synap",instance="m:5500",replica="10.0.0.5:5501"}'
        values: '5x20'
    alert_rule_test:
      - eval_time: 45s
        alertname: SynapReplicationLagHigh
        exp_alerts: []
      - eval_time: 2m
        alertname: SynapReplicationLagHigh
        exp_alerts:
          - exp_labels: {severity: warning, job: synap, instance: "m:5500", replica: "10.0.0.2:5501"}
            exp_annotations:
              summary: "Synap replica 10.0.0.2:5501 lags behind m:5500"
              description: "Replica 10.0.0.2:5501 has been more than 10000 operations or 5 s behind its master m:5500 for 1 minute (20000 operations, 0.300 s). Check the replica's host and the network between them; reads there are stale."
          - exp_labels: {severity: warning, job: synap, instance: "m:5500", replica: "10.0.0.3:5501"}
            exp_annotations:
              summary: "Synap replica 10.0.0.3:5501 lags behind m:5500"
              description: "Replica 10.0.0.3:5501 has been more than 10000 operations or 5 s behind its master m:5500 for 1 minute (0 operations, 9.000 s). Check the replica's host and the network between them; reads there are stale."
  # disconnected: the master's link to .2 drops at 1m; replica n2 is not online
  - interval: 15s
    input_series:
      - series: 'synap_replica_up{job="synap",instance="m:5500",replica="10.0.0.2:5501"}'
        values: '1x4 0x20'
      - series: 'synap_replica_up{job="synap",instance="m:5500",replica="10.0.0.3:5501"}'
        values: '1x24'
      - series: 'synap_master_link_up{job="synap",instance="n1:5501"}'
        values: '1x24'
      - series: 'synap_master_link_up{job="synap",instance="n2:5501"}'
        values: '0x24'
    alert_rule_test:
      - eval_time: 45s
        alertname: SynapReplicaDisconnected
        exp_alerts: []
      - eval_time: 1m30s
        alertname: SynapReplicaDisconnected
        exp_alerts:
          - exp_labels: {severity: warning, job: synap, instance: "n2:5501"}
            exp_annotations:
              summary: "Synap replication link down on n2:5501"
              description: "The replica n2:5501 is not online with its master for 1 minute. The replica reconnects by itself (auto_reconnect); if it does not, see its log and \`synap-stat -s SOCKET\` on both nodes."
      - eval_time: 3m
        alertname: SynapReplicaDisconnected
        exp_alerts:
          - exp_labels: {severity: warning, job: synap, instance: "m:5500", replica: "10.0.0.2:5501"}
            exp_annotations:
              summary: "Synap replication link down on m:5500"
              description: "The master m:5500 has lost its replica 10.0.0.2:5501 for 1 minute. The replica reconnects by itself (auto_reconnect); if it does not, see its log and \`synap-stat -s SOCKET\` on both nodes."
          - exp_labels: {severity: warning, job: synap, instance: "n2:5501"}
            exp_annotations:
              summary: "Synap replication link down on n2:5501"
              description: "The replica n2:5501 is not online with its master for 1 minute. The replica reconnects by itself (auto_reconnect); if it does not, see its log and \`synap-stat -s SOCKET\` on both nodes."
  # full syncs: more than 3 in the last hour
  - interval: 1m
    input_series:
      - series: 'synap_full_syncs_last_hour{job="synap",instance="a:5500"}'
        values: '1 2 3 4 4'
      - series: 'synap_full_syncs_last_hour{job="synap",instance="b:5500"}'
        values: '3x4'
    alert_rule_test:
      - eval_time: 2m
        alertname: SynapFrequentFullSyncs
        exp_alerts: []
      - eval_time: 3m
        alertname: SynapFrequentFullSyncs
        exp_alerts:
          - exp_labels: {severity: warning, job: synap, instance: "a:5500"}
            exp_annotations:
              summary: "Frequent Synap full resynchronisations on a:5500"
              description: "a:5500 served or did 4 full synchronisations in the last hour. Each copies the whole dataset: a replica that keeps needing one is falling out of the replication log (raise log_capacity or log_max_mb) or keeps losing its link (replica_timeout_secs)."
  # stalled: a idle master; b writing; c fenced; d a replica; e idle from 10m
  - interval: 15s
    input_series:
      - series: 'synap_master_offset{job="synap",instance="a:5500"}'
        values: '100x160'
      - series: 'synap_role{job="synap",instance="a:5500",role="master"}'
        values: '1x160'
      - series: 'synap_fenced{job="synap",instance="a:5500"}'
        values: '0x160'
      - series: 'synap_master_offset{job="synap",instance="b:5500"}'
        values: '1+1x160'
      - series: 'synap_role{job="synap",instance="b:5500",role="master"}'
        values: '1x160'
      - series: 'synap_fenced{job="synap",instance="b:5500"}'
        values: '0x160'
      - series: 'synap_master_offset{job="synap",instance="c:5500"}'
        values: '100x160'
      - series: 'synap_role{job="synap",instance="c:5500",role="master"}'
        values: '1x160'
      - series: 'synap_fenced{job="synap",instance="c:5500"}'
        values: '1x160'
      - series: 'synap_master_offset{job="synap",instance="d:5501"}'
        values: '100x160'
      - series: 'synap_role{job="synap",instance="d:5501",role="master"}'
        values: '0x160'
      - series: 'synap_fenced{job="synap",instance="d:5501"}'
        values: '0x160'
      - series: 'synap_master_offset{job="synap",instance="e:5500"}'
        values: '1+1x40 41x120'
      - series: 'synap_role{job="synap",instance="e:5500",role="master"}'
        values: '1x160'
      - series: 'synap_fenced{job="synap",instance="e:5500"}'
        values: '0x160'
    alert_rule_test:
      - eval_time: 4m
        alertname: SynapMasterOffsetStalled
        exp_alerts: []
      - eval_time: 6m
        alertname: SynapMasterOffsetStalled
        exp_alerts:
$(stalled_alert a:5500)
      - eval_time: 23m
        alertname: SynapMasterOffsetStalled
        exp_alerts:
$(stalled_alert a:5500)
      - eval_time: 27m
        alertname: SynapMasterOffsetStalled
        exp_alerts:
$(stalled_alert a:5500)
$(stalled_alert e:5500)
EOF
	run promtool test rules "$TEST_DIR/alerts_test.yml"
	assert_status 0
	assert_contains "SUCCESS"
}

# ---- the Grafana dashboard ----------------------------------------------------

# dashboard_exprs: every target's expr of every panel (rows' nested panels too).
dashboard_exprs() { jq -r '[.. | objects | select(has("targets")) | .targets[]?.expr | select(.)] | .[]' "$DASHBOARD"; }

@test "grafana: the dashboard is JSON with a Prometheus data source and an instance variable" {
	command -v jq >/dev/null || skip "jq is not installed"
	jq -e . "$DASHBOARD" >/dev/null
	jq -e '.schemaVersion >= 36 and (.title | length > 0) and (.uid | length > 0)
		and (.panels | length >= 8)' "$DASHBOARD" >/dev/null
	# ${DS_PROMETHEUS}: a data source variable of type prometheus
	jq -e '.templating.list | any(.name == "DS_PROMETHEUS" and .type == "datasource" and .query == "prometheus")' \
		"$DASHBOARD" >/dev/null
	jq -e '.templating.list | any(.name == "instance" and .type == "query"
		and .datasource.uid == "${DS_PROMETHEUS}")' "$DASHBOARD" >/dev/null
	# every panel and target queries that data source
	run jq -r '.. | objects | select(has("targets")) | [.datasource.uid, (.targets[].datasource.uid)] | .[]' "$DASHBOARD"
	assert_status 0
	[[ -n $output ]]
	assert_equal '${DS_PROMETHEUS}' "$(sort -u <<<"$output")"
	# panel ids are unique, every panel has a title and a grid position
	jq -e '[.panels[].id] | length == (unique | length)' "$DASHBOARD" >/dev/null
	jq -e 'all(.panels[]; (.title | length > 0) and .gridPos.w > 0 and .gridPos.h > 0)' "$DASHBOARD" >/dev/null
	# every query is scoped to the instance variable
	run dashboard_exprs
	[[ -n $output ]]
	local e
	while IFS= read -r e; do
		assert_contains 'instance=~"$instance"' "$e"
	done <<<"$output"
}

@test "grafana: every metric in every panel's query is exported by the live nodes" {
	command -v jq >/dev/null || skip "jq is not installed"
	local names n missing=
	live_names >"$TEST_DIR/live.names"
	names=$(dashboard_exprs | expr_metric_names)
	[[ $(wc -w <<<"$names") -ge 10 ]]
	for n in $names; do
		# exported as a series by the master or the replica, not only declared
		sample_names <"$TEST_DIR/live.prom" | grep -qxF "$n" || missing+="$n "
	done
	[[ -z $missing ]] || { echo "dashboard queries metrics synap does not export: $missing" >&2; return 1; }
}

@test "grafana: the dashboard shows lag, offsets, write rate, syncs, replicas, links, fenced, keys, memory" {
	command -v jq >/dev/null || skip "jq is not installed"
	local all want
	all=$(dashboard_exprs)
	for want in synap_replica_lag_operations synap_replica_lag_seconds synap_offset synap_replica_offset \
		'rate(synap_commands_processed_total' 'rate(synap_offset' \
		'increase(synap_full_syncs_total' 'increase(synap_partial_syncs_total' \
		synap_connected_replicas synap_master_link_up synap_replica_up synap_fenced \
		synap_keys synap_memory_used_bytes; do
		assert_contains "$want" "$all"
	done
	# none of the names or labels synap no longer exports
	run grep -nE 'synap_replica_lag_ms|synap_lag_ms|synap_uptime_seconds|[{][{] *address *[}][}]|[{,]address=' "$DASHBOARD"
	assert_status 1
	# lag per replica: the legend names the replica (its address)
	jq -e '[.. | objects | select(has("targets")) | .targets[]
		| select(.expr | test("synap_replica_lag_(operations|seconds)"))
		| .legendFormat | test("[{][{]replica[}][}]")] | length >= 2 and all' \
		"$DASHBOARD" >/dev/null
	# the lag in time is shown in seconds, its threshold that of the alert (5 s)
	jq -e '[.panels[] | select(any(.targets[]?; .expr | test("synap_replica_lag_seconds")))
		| .fieldConfig.defaults | .unit == "s" and any(.thresholds.steps[]; .value == 5)]
		| length == 1 and all' "$DASHBOARD" >/dev/null
}

@test "grafana: every panel query is valid PromQL (promtool check rules)" {
	command -v promtool >/dev/null || skip "promtool is not installed (apt-get install prometheus ships it)"
	command -v jq >/dev/null || skip "jq is not installed"
	# Grafana's variables replaced as Grafana would, each query a recording rule
	dashboard_exprs | sed 's/\$__rate_interval/1m/g; s/\$__interval/1m/g; s/\$__range/1h/g; s/\$instance/.*/g' |
		jq -R -s '{groups: [{name: "dashboard", rules: [split("\n") | map(select(length > 0))
			| to_entries[] | {record: "dashboard:query_\(.key)", expr: .value}]}]}' >"$TEST_DIR/dashboard-rules.json"
	run promtool check rules "$TEST_DIR/dashboard-rules.json"
	assert_status 0
	assert_contains "SUCCESS"
}

# ---- the systemd units --------------------------------------------------------

# unit_value UNIT KEY: the values of KEY= in UNIT, one a line.
unit_value() { sed -n "s/^$2=//p" "$1"; }

@test "systemd: the units have readiness, the user, directories, restart and hardening" {
	local u unit prog inst bad='' kv key want got
	for u in synap-master.service synap-replica@.service; do
		unit=$UNITS/$u
		[[ -f $unit ]] || { echo "$unit: missing" >&2; return 1; }
		if [[ $u == synap-master.service ]]; then prog=synap-master inst=master
		else prog=synap-replica inst=%i; fi
		for kv in Type=notify Restart=on-failure DynamicUser=yes User=synap RuntimeDirectory=synap \
			RuntimeDirectoryPreserve=yes StateDirectory=synap/$inst ConfigurationDirectory=synap \
			NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
			ProtectKernelTunables=yes ProtectKernelModules=yes ProtectControlGroups=yes \
			'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' RestrictNamespaces=yes \
			LockPersonality=yes MemoryDenyWriteExecute=yes SystemCallArchitectures=native \
			CapabilityBoundingSet= WantedBy=multi-user.target; do
			key=${kv%%=*} want=${kv#*=}
			got=$(unit_value "$unit" "$key")
			[[ $got == "$want" ]] || bad+="$u: $key='$got', want '$want'"$'\n'
		done
		# the daemon, its config, its data in the StateDirectory, its socket in the RuntimeDirectory
		want="/usr/local/bin/$prog -c /etc/synap/$inst.yml --data-dir /var/lib/synap/$inst --control /run/synap/$inst.sock"
		got=$(unit_value "$unit" ExecStart)
		[[ $got == "$want" ]] || bad+="$u: ExecStart='$got', want '$want'"$'\n'
		# a comment says that make install's PREFIX changes the path
		grep -q '^#.*PREFIX' "$unit" || bad+="$u: no comment about PREFIX"$'\n'
		grep -qx '\[Unit\]' "$unit" && grep -qx '\[Service\]' "$unit" && grep -qx '\[Install\]' "$unit" ||
			bad+="$u: a section is missing"$'\n'
	done
	[[ -z $bad ]] || { printf '%s' "$bad" >&2; return 1; }
}

@test "systemd: systemd-analyze verify passes (binaries and man pages of this tree)" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	# ExecStart must name an existing binary: point it at this tree's
	mkdir -p "$TEST_DIR/units"
	local u
	for u in synap-master.service synap-replica@.service; do
		sed "/^ExecStart=/s|/usr/local/bin/|$SYNAP_BIN/|" "$UNITS/$u" >"$TEST_DIR/units/$u"
	done
	# Documentation= man pages: this tree's, laid out as man(1) looks for them
	mkdir -p "$TEST_DIR/man/man1" "$TEST_DIR/man/man5"
	ln -sf "$ROOT"/share/man/*.1 "$TEST_DIR/man/man1/"
	ln -sf "$ROOT"/share/man/*.5 "$TEST_DIR/man/man5/"
	run env MANPATH="$TEST_DIR/man" systemd-analyze verify \
		"$TEST_DIR/units/synap-master.service" "$TEST_DIR/units/synap-replica@r1.service"
	assert_status 0
	assert_output ""        # an unknown key or a bad value is only a warning: none
	# the hardening leaves little exposed (0 best, 10 worst; 2.0 at most)
	run systemd-analyze security --offline=yes --threshold=20 \
		"$TEST_DIR/units/synap-master.service" "$TEST_DIR/units/synap-replica@r1.service"
	assert_status 0
}

# notify_listener NAME: a datagram socket $TEST_DIR/NAME.notify, as systemd's
# NOTIFY_SOCKET, writing each message it receives to $TEST_DIR/NAME.msgs.
notify_listener() {
	local sock=$TEST_DIR/$1.notify out=$TEST_DIR/$1.msgs
	"$PYTHON" - "$sock" "$out" 3>&- <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1)
deadline = time.monotonic() + 120
with open(sys.argv[2], 'a') as out:
    while time.monotonic() < deadline:
        try:
            msg = s.recv(4096)
        except socket.timeout:
            continue
        out.write(msg.decode(errors='replace').rstrip('\n') + '\n')
        out.flush()
EOF
	echo "$! " >>"$PIDS_FILE"     # no log: not a synap daemon
	wait_until 10 test -S "$sock"
}

# unit_cmd UNIT INSTANCE: the unit's ExecStart, with this tree's binaries and
# the test's directories for /etc/synap, /var/lib/synap and /run/synap.
unit_cmd() {
	local words w out=()
	read -r -a words <<<"$(unit_value "$1" ExecStart)"
	for w in "${words[@]}"; do
		w=${w//%i/$2}
		w=${w/#\/usr\/local\/bin\//$SYNAP_BIN/}
		w=${w/#\/etc\/synap\//$TEST_DIR/etc/}
		w=${w/#\/var\/lib\/synap\//$TEST_DIR/state/}
		w=${w/#\/run\/synap\//$TEST_DIR/run/}
		out+=("$w")
	done
	printf '%q ' "${out[@]}"
}

@test "systemd: the units' ExecStart with the example configs notify READY=1 and stop on SIGTERM" {
	local mport rport r1port
	{ read -r mport; read -r rport; read -r r1port; } < <(free_port 3)
	# what systemd makes: the configuration, state and runtime directories
	mkdir -p "$TEST_DIR/etc" "$TEST_DIR/state/master" "$TEST_DIR/state/r1" "$TEST_DIR/run"
	sed -e "s/^  port: 5500\$/  port: $mport/" \
	    -e "s/^  replica_listen_address: \"127.0.0.1:15501\"/  replica_listen_address: \"127.0.0.1:$rport\"/" \
		"$ROOT/share/master.yml" >"$TEST_DIR/etc/master.yml"
	sed -e "s/^  port: 5501\$/  port: $r1port/" \
	    -e "s/^  master_address: \"127.0.0.1:15501\"/  master_address: \"127.0.0.1:$rport\"/" \
	    -e "s/^  reconnect_delay_ms: 5000/  reconnect_delay_ms: 200/" \
		"$ROOT/share/replica.yml" >"$TEST_DIR/etc/r1.yml"
	grep -q "port: $mport" "$TEST_DIR/etc/master.yml"
	grep -q "127.0.0.1:$rport" "$TEST_DIR/etc/master.yml"
	grep -q "port: $r1port" "$TEST_DIR/etc/r1.yml"
	grep -q "127.0.0.1:$rport" "$TEST_DIR/etc/r1.yml"

	notify_listener master
	notify_listener r1
	NODE_PORT[um]=$mport NODE_SOCK[um]=$TEST_DIR/run/master.sock
	NODE_LOG[um]=$TEST_DIR/state/master.log
	NODE_CMD[um]=$(unit_cmd "$UNITS/synap-master.service" master)
	NOTIFY_SOCKET=$TEST_DIR/master.notify launch_node um
	NODE_PORT[ur1]=$r1port NODE_SOCK[ur1]=$TEST_DIR/run/r1.sock
	NODE_LOG[ur1]=$TEST_DIR/state/r1.log
	NODE_CMD[ur1]=$(unit_cmd "$UNITS/synap-replica@.service" r1)
	NOTIFY_SOCKET=$TEST_DIR/r1.notify launch_node ur1

	# readiness, as Type=notify waits for it
	wait_until 10 grep -qx 'READY=1' "$TEST_DIR/master.msgs"
	wait_until 10 grep -qx 'READY=1' "$TEST_DIR/r1.msgs"
	# the control sockets in the RuntimeDirectory; the pair replicates
	on um set unit-key v >/dev/null
	wait_synced um ur1
	run "$SYNAP_BIN/synap-stat" -s "$TEST_DIR/run/r1.sock" -o role,sync_state
	assert_status 0
	assert_output "replica online"

	# systemctl stop: SIGTERM, exit 0, STOPPING=1 first
	kill_node ur1 TERM
	kill_node um TERM
	grep -qx 'STOPPING=1' "$TEST_DIR/master.msgs"
	grep -qx 'STOPPING=1' "$TEST_DIR/r1.msgs"
}
