#!/usr/bin/env bats
# make install / make uninstall: the tree under DESTDIR$(PREFIX), file modes,
# the systemd units' ExecStart rewritten for PREFIX, the installed man pages
# and completions usable, and uninstall removing exactly what install put.
#
# The tests run `make install` from the repository root and must never
# compile: they are skipped when `make -q` says the build is not up to date
# (run `make` first; `make test` does).

# shellcheck disable=SC2016  # $(VAR) in single quotes is make's
bats_require_minimum_version 1.5.0
load helpers/common

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# mk ARGS...: make in the repository root, quietly.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$ROOT" "$@"; }

# make_var NAME: the value of NAME in the Makefile (PROGRAMS, ...).
make_var() {
	printf 'print-var: ; @echo $(%s)\n' "$1" |
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$ROOT" -f Makefile -f - print-var
}

setup_file() {
	new_test_dir
	NOT_BUILT=
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -q --no-print-directory -C "$ROOT" all >/dev/null 2>&1; then
		NOT_BUILT="the build is not up to date (make -q all fails): run make first, so install does not compile"
	fi
	export NOT_BUILT
	PROGRAMS=$(make_var PROGRAMS)
	export PROGRAMS
	# The tree every test reads: make install with the default paths.
	DEST=$TEST_DIR/dest
	export DEST
	if [[ -z $NOT_BUILT ]]; then
		mk install DESTDIR="$DEST" PREFIX=/usr/local >"$TEST_DIR/install.log" 2>&1 ||
			echo "$?" >"$TEST_DIR/install.failed"
	fi
}

teardown_file() {
	remove_test_dir
}

setup() {
	[[ -z $NOT_BUILT ]] || skip "$NOT_BUILT"
	if [[ -f $TEST_DIR/install.failed ]]; then
		echo "make install DESTDIR=$DEST PREFIX=/usr/local failed; its output:" >&2
		cat "$TEST_DIR/install.log" >&2
		return 1
	fi
}

# expected_files: every file `make install` puts under PREFIX=/usr/local,
# "MODE PATH" one a line, sorted by path.
expected_files() {
	local p
	{
		for p in $PROGRAMS; do
			echo "755 usr/local/bin/$p"
			echo "644 usr/local/share/man/man1/$p.1"
			echo "644 usr/local/share/bash-completion/completions/$p"
			echo "644 usr/local/share/zsh/site-functions/_$p"
		done
		echo "644 usr/local/share/man/man5/synap.yml.5"
		echo "644 usr/local/share/synap/master.yml"
		echo "644 usr/local/share/synap/replica.yml"
		echo "644 usr/local/share/synap/snapshot-format.md"
		echo "644 usr/local/share/synap/grafana/synap-replication.json"
		echo "644 usr/local/share/synap/prometheus/synap-alerts.yml"
		echo "644 usr/local/lib/systemd/system/synap-master.service"
		echo "644 usr/local/lib/systemd/system/synap-replica@.service"
	} | sort -k 2
}

# files_in DIR: "MODE PATH" of every file under DIR (not directories).
files_in() { (cd "$1" && find . -type f -printf '%m %P\n' | sort -k 2); }

@test "install: PROGRAMS lists the five programs" {
	assert_equal "synap-master synap-replica synap-stat synap-promote synap-snapshot" "$PROGRAMS"
}

@test "install: DESTDIR holds exactly the expected files with their modes" {
	run diff -u <(expected_files) <(files_in "$DEST")
	if ((status != 0)); then
		echo "expected (-) versus installed (+):" >&2
		echo "$output" >&2
		return 1
	fi
}

@test "install: installed files are byte copies of the sources (units aside)" {
	local p bad=
	for p in $PROGRAMS; do
		cmp -s "$ROOT/bin/$p" "$DEST/usr/local/bin/$p" || bad+="bin/$p "
		cmp -s "$ROOT/share/man/$p.1" "$DEST/usr/local/share/man/man1/$p.1" || bad+="$p.1 "
		cmp -s "$ROOT/completions/bash/$p" "$DEST/usr/local/share/bash-completion/completions/$p" || bad+="bash/$p "
		cmp -s "$ROOT/completions/zsh/_$p" "$DEST/usr/local/share/zsh/site-functions/_$p" || bad+="zsh/_$p "
	done
	cmp -s "$ROOT/share/master.yml" "$DEST/usr/local/share/synap/master.yml" || bad+="master.yml "
	cmp -s "$ROOT/share/grafana/synap-replication.json" \
		"$DEST/usr/local/share/synap/grafana/synap-replication.json" || bad+="grafana "
	cmp -s "$ROOT/share/prometheus/synap-alerts.yml" \
		"$DEST/usr/local/share/synap/prometheus/synap-alerts.yml" || bad+="prometheus "
	[[ -z $bad ]] || { echo "differ from their sources: $bad" >&2; return 1; }
}

@test "install: the installed programs run (--version)" {
	local p out
	for p in $PROGRAMS; do
		[[ -x $DEST/usr/local/bin/$p ]] || { echo "$p is not executable" >&2; return 1; }
		out=$("$DEST/usr/local/bin/$p" --version) || { echo "$p --version failed" >&2; return 1; }
		assert_match "^$p [0-9]" "$out"
	done
}

@test "install: the units' ExecStart names \$(PREFIX)/bin, the rest is unchanged" {
	local u unit prog
	# the default PREFIX keeps the path of the sources
	for u in synap-master.service synap-replica@.service; do
		unit=$DEST/usr/local/lib/systemd/system/$u
		prog=${u%%@*}; prog=${prog%.service}
		assert_match "^ExecStart=/usr/local/bin/$prog " "$(grep '^ExecStart=' "$unit")"
		cmp -s "$ROOT/share/systemd/$u" "$unit"
	done
	# another PREFIX rewrites ExecStart, and only ExecStart
	local other=$TEST_DIR/opt
	mk install DESTDIR="$other" PREFIX=/opt/synap
	for u in synap-master.service synap-replica@.service; do
		unit=$other/opt/synap/lib/systemd/system/$u
		prog=${u%%@*}; prog=${prog%.service}
		run grep -c '^ExecStart=' "$unit"
		assert_output 1
		run grep '^ExecStart=' "$unit"
		assert_match "^ExecStart=/opt/synap/bin/$prog -c /etc/synap/"
		[[ -x $other/opt/synap/bin/$prog ]]
		run diff "$ROOT/share/systemd/$u" "$unit"
		assert_equal 1 "$status"
		# one changed line: "<" the source's ExecStart, ">" the rewritten one
		assert_equal 2 "$(grep -c '^[<>] ' <<<"$output")"
		assert_match "> ExecStart=/opt/synap/bin/$prog "
		assert_match "< ExecStart=/usr/local/bin/$prog "
	done
	mk uninstall DESTDIR="$other" PREFIX=/opt/synap
}

@test "install: the installed man pages render with mandoc -T ascii" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	local page out name title bad=
	for page in "$DEST"/usr/local/share/man/man1/*.1 "$DEST"/usr/local/share/man/man5/*.5; do
		name=$(basename "$page")
		out=$(mandoc -T ascii "$page" 2>&1) || { bad+="$name: mandoc exited $?"$'\n'; continue; }
		out=${out//?$'\b'/}      # no overstrike (bold, underline)
		# the title line names the page, and it has a NAME and a SYNOPSIS or DESCRIPTION
		title=${name%.*}
		[[ $(head -n 1 <<<"$out") == *"${title^^}(${name##*.})"* ]] ||
			bad+="$name: title line is '$(head -n 1 <<<"$out")'"$'\n'
		grep -qx 'NAME' <<<"$out" || bad+="$name: no NAME section"$'\n'
		grep -qxE 'SYNOPSIS|DESCRIPTION' <<<"$out" || bad+="$name: no SYNOPSIS or DESCRIPTION"$'\n'
	done
	[[ -z $bad ]] || { printf '%s' "$bad" >&2; return 1; }
	# man finds them through MANPATH
	if command -v man >/dev/null; then
		run env MANPATH="$DEST/usr/local/share/man" man -w synap-stat
		assert_status 0
		assert_equal "$DEST/usr/local/share/man/man1/synap-stat.1" "$output"
		run env MANPATH="$DEST/usr/local/share/man" man -w 5 synap.yml
		assert_equal "$DEST/usr/local/share/man/man5/synap.yml.5" "$output"
	fi
}

@test "install: the installed completions load (bash complete -p, zsh #compdef)" {
	local p
	for p in $PROGRAMS; do
		run bash -c 'source "$1" && complete -p "$2"' _ \
			"$DEST/usr/local/share/bash-completion/completions/$p" "$p"
		assert_status 0
		assert_match "$p\$"
		assert_equal "#compdef $p" "$(head -n 1 "$DEST/usr/local/share/zsh/site-functions/_$p")"
	done
}

@test "install: systemd-analyze verify passes for units installed with a real PREFIX" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	# PREFIX without DESTDIR: ExecStart names a binary that exists, and the
	# units' Documentation= man pages are found under MANPATH.
	local prefix=$TEST_DIR/prefix units=$TEST_DIR/prefix/lib/systemd/system
	mk install PREFIX="$prefix"
	run env MANPATH="$prefix/share/man" systemd-analyze verify \
		"$units/synap-master.service" "$units/synap-replica@r1.service"
	mk uninstall PREFIX="$prefix"
	assert_status 0
	assert_output ""        # warnings (an unknown key, a bad value) exit 0 but print
}

@test "install: make uninstall removes every file install put there, no more" {
	local d=$TEST_DIR/un
	mk install DESTDIR="$d" PREFIX=/usr/local
	# files that are not Synap's, in directories install shares or owns
	mkdir -p "$d/usr/local/share/man/man1"
	echo keep >"$d/usr/local/bin/other-tool"
	echo keep >"$d/usr/local/share/man/man1/other-tool.1"
	echo keep >"$d/usr/local/share/synap/local.yml"
	mk uninstall DESTDIR="$d" PREFIX=/usr/local
	run files_in "$d"
	assert_output "644 usr/local/bin/other-tool
644 usr/local/share/man/man1/other-tool.1
644 usr/local/share/synap/local.yml"
	# Synap's own empty directories are gone, the one holding a file is kept
	[[ ! -e $d/usr/local/share/synap/grafana && ! -e $d/usr/local/share/synap/prometheus ]]
	[[ -d $d/usr/local/share/synap ]]
}

@test "install: make uninstall of a clean install leaves no file behind" {
	local d=$TEST_DIR/clean
	mk install DESTDIR="$d" PREFIX=/usr/local
	mk uninstall DESTDIR="$d" PREFIX=/usr/local
	run find "$d" -not -type d
	assert_output ""
	[[ ! -e $d/usr/local/share/synap ]]
	# and a second uninstall is harmless
	mk uninstall DESTDIR="$d" PREFIX=/usr/local
}
