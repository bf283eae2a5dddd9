#!/usr/bin/env bats
# Man pages and shell completions against the programs' own option tables
# (`PROG --list-options`) and the configuration key table of lib/core/conf.c:
# an option or a key added without its documentation or completion fails here.
#
# Self-contained (no tests/helpers): the programs are taken from $SYNAP_BIN,
# default <repo>/bin, and only those that are built are checked.

setup() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	BIN=${SYNAP_BIN:-$ROOT/bin}
	MAN=$ROOT/share/man
	PROGS=()
	local p
	for p in synap-master synap-replica synap-snapshot synap-stat synap-promote; do
		[ -x "$BIN/$p" ] && PROGS+=("$p")
	done
	if [ "${#PROGS[@]}" -eq 0 ]; then
		echo "no Synap program built in $BIN" >&2
		return 1
	fi
}

# options PROG: the lines of `PROG --list-options`, "--NAME ARG SHORT COMPLETE".
options() {
	"$BIN/$1" --list-options
}

# has_word FILE WORD: WORD occurs in FILE, not as part of a longer option name.
has_word() {
	local w=${2//./\\.}
	grep -Eq -- "(^|[^A-Za-z0-9_-])$w([^A-Za-z0-9_-]|\$)" "$1"
}

# complete_bash PROG WORD...: what the bash completion of PROG offers for the
# command line WORD... (the last word is the one being completed), one a line.
complete_bash() {
	local prog=$1 file=$ROOT/completions/bash/$1 fn
	shift
	fn=$(sed -n "s/^complete -F \([^ ]*\) $prog\$/\1/p" "$file")
	[ -n "$fn" ] || { echo "$file: no 'complete -F FUNCTION $prog'" >&2; return 1; }
	bash -c 'f=$1 fn=$2; shift 2; source "$f" || exit 1
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); "$fn" || exit 1
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' _ "$file" "$fn" "$@" | LC_ALL=C sort
}

# conf_keys: the dotted keys of the table in lib/core/conf.c.
conf_keys() {
	sed -n '/^static const struct conf_key keys\[\] = {/,/^};/p' "$ROOT/lib/core/conf.c" |
		grep -oE '"[a-z_]+\.[a-z0-9_]+"' | tr -d '"'
}

@test "docs: completions/gen --check finds the committed completions up to date" {
	run "$ROOT/completions/gen" --check "$BIN"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: every option of every program is in its bash and zsh completions" {
	local prog long arg short comp missing= f w
	for prog in "${PROGS[@]}"; do
		for f in "$ROOT/completions/bash/$prog" "$ROOT/completions/zsh/_$prog"; do
			if [ ! -f "$f" ]; then
				missing+="  $f: no such file"$'\n'
				continue
			fi
			while read -r long arg short comp; do
				has_word "$f" "$long" || missing+="  $f: $long"$'\n'
				[ "$short" = - ] || has_word "$f" "$short" || missing+="  $f: $short ($long)"$'\n'
				case $comp in
				-|file|dir|socket) ;;
				*) for w in $comp; do
					has_word "$f" "$w" || missing+="  $f: $long value '$w'"$'\n'
				   done ;;
				esac
			done < <(options "$prog")
		done
	done
	[ -z "$missing" ] || { printf 'missing from the completions:\n%s' "$missing"; return 1; }
}

@test "docs: bash completion offers the options, their words, files and directories" {
	local prog long arg short comp got want bad= opt
	mkdir -p "$BATS_TEST_TMPDIR/c/adir"
	: >"$BATS_TEST_TMPDIR/c/afile"
	for prog in "${PROGS[@]}"; do
		want=$(options "$prog" | awk '{ print $1 }' | LC_ALL=C sort)
		got=$(complete_bash "$prog" "$prog" --)
		[ "$got" = "$want" ] || bad+="$prog --<TAB>: got [$got] want [$want]"$'\n'
		while read -r long arg short comp; do
			[ "$arg" = - ] && continue
			case $comp in
			-) want= ;;
			file|socket) want=$(printf '%s\n' "$BATS_TEST_TMPDIR/c/adir" "$BATS_TEST_TMPDIR/c/afile") ;;
			dir) want=$BATS_TEST_TMPDIR/c/adir ;;
			*) want=$(printf '%s\n' $comp | LC_ALL=C sort) ;;
			esac
			for opt in "$long" "$short"; do
				[ "$opt" = - ] && continue
				case $comp in
				-|file|socket|dir) got=$(complete_bash "$prog" "$prog" "$opt" "$BATS_TEST_TMPDIR/c/a") ;;
				*) got=$(complete_bash "$prog" "$prog" "$opt" "") ;;
				esac
				[ "$got" = "$want" ] || bad+="$prog $opt <TAB>: got [$got] want [$want]"$'\n'
			done
		done < <(options "$prog")
	done
	[ -z "$bad" ] || { printf '%s' "$bad"; return 1; }
}

@test "docs: man pages lint clean with mandoc -T lint -W warning" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	local f out rc bad= n=0 prog
	for prog in "${PROGS[@]}"; do
		[ -f "$MAN/$prog.1" ] || bad+="$MAN/$prog.1: missing"$'\n'
	done
	[ -f "$MAN/synap.yml.5" ] || bad+="$MAN/synap.yml.5: missing"$'\n'
	for f in "$MAN"/*.[1-9]; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		rc=0
		out=$(mandoc -T lint -W warning "$f" 2>&1) || rc=$?
		[ -z "$out" ] || bad+="$out"$'\n'
		[ "$rc" -eq 0 ] || bad+="$f: mandoc exited $rc"$'\n'
	done
	[ "$n" -gt 0 ] || bad+="no man page in $MAN"$'\n'
	[ -z "$bad" ] || { printf '%s' "$bad"; return 1; }
}

@test "docs: every option of every program is documented in its man page" {
	local prog long arg short comp page name missing=
	for prog in "${PROGS[@]}"; do
		page=$MAN/$prog.1
		[ -f "$page" ] || { missing+="  $page: no such file"$'\n'; continue; }
		while read -r long arg short comp; do
			name=${long#--}
			[ "$name" = list-options ] && continue
			# an item of the option list: ".It Fl c Ar file , Fl -config Ar file"
			if ! grep -Eq -- "^\.It .*Fl \\\\?-$name([^A-Za-z0-9_-]|\$)" "$page"; then
				missing+="  $page: .It Fl -$name"$'\n'
			elif [ "$short" != - ] &&
			     ! grep -E -- "^\.It .*Fl \\\\?-$name([^A-Za-z0-9_-]|\$)" "$page" |
				grep -Eq -- "Fl ${short#-}([^A-Za-z0-9_-]|\$)"; then
				missing+="  $page: Fl ${short#-} beside Fl -$name"$'\n'
			fi
		done < <(options "$prog")
	done
	[ -z "$missing" ] || { printf 'undocumented options:\n%s' "$missing"; return 1; }
}

@test "docs: synap.yml(5) documents exactly the keys of lib/core/conf.c" {
	local page=$MAN/synap.yml.5 key keys documented missing= n=0
	[ -f "$page" ]
	keys=$(conf_keys)
	for key in $keys; do
		n=$((n + 1))
		grep -Eq "^\.It Ic ${key//./\\.}( |\$)" "$page" || missing+="  undocumented: $key"$'\n'
	done
	# the parse of the table must have found it
	[ "$n" -ge 10 ] || { echo "found only $n keys in lib/core/conf.c's table"; return 1; }
	documented=$(sed -n 's/^\.It Ic \([a-z_]*\.[a-z0-9_]*\).*/\1/p' "$page")
	for key in $documented; do
		grep -qxF "$key" <<<"$keys" || missing+="  documented but not in lib/core/conf.c: $key"$'\n'
	done
	[ -z "$missing" ] || { printf '%s' "$missing"; return 1; }
}

@test "docs: bash completions pass bash -n" {
	local prog f bad=
	for prog in "${PROGS[@]}"; do
		f=$ROOT/completions/bash/$prog
		bash -n "$f" 2>&1 || bad+="$f"$'\n'
	done
	[ -z "$bad" ] || { printf 'syntax errors in:\n%s' "$bad"; return 1; }
}

@test "docs: zsh completions pass zsh -n" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	local prog f bad=
	for prog in "${PROGS[@]}"; do
		f=$ROOT/completions/zsh/_$prog
		head -n 1 "$f" | grep -qx "#compdef $prog" || bad+="$f: first line is not '#compdef $prog'"$'\n'
		zsh -n "$f" 2>&1 || bad+="$f: zsh -n failed"$'\n'
	done
	[ -z "$bad" ] || { printf '%s' "$bad"; return 1; }
}

@test "docs: the README's configuration reference lists exactly the keys of lib/core/conf.c" {
	local readme=$ROOT/README.md keys listed key missing=
	keys=$(conf_keys)
	listed=$(sed -n 's/^| `\([a-z_]*\.[a-z0-9_]*\)` |.*/\1/p' "$readme")
	[ "$(wc -l <<<"$listed")" -ge 10 ] || { echo "no configuration table found in README.md"; return 1; }
	for key in $keys; do
		grep -qxF "$key" <<<"$listed" || missing+="  not in README.md: $key"$'\n'
	done
	for key in $listed; do
		grep -qxF "$key" <<<"$keys" || missing+="  in README.md but not in lib/core/conf.c: $key"$'\n'
	done
	[ -z "$missing" ] || { printf '%s' "$missing"; return 1; }
}
