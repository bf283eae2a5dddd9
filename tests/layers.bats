#!/usr/bin/env bats
# The layer rule of lib/LAYERS (tests/check-layers): the tree keeps it, and
# the check catches what breaks it, in a scratch copy of the sources.

setup() {
	root=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	check=$root/tests/check-layers
	scratch=$BATS_TEST_TMPDIR/tree
	mkdir -p "$scratch"
	cp -r "$root/lib" "$root/cmd" "$scratch/"
}

@test "layers: the tree has no upward include and no include cycle" {
	run "$check" "$root"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ok: "*", 0 problems"* ]]
}

@test "layers: an include of a higher layer fails, naming the file and line" {
	# data/store.c reaching up into the server layer
	local line
	line=$(($(grep -n '^#include "' "$scratch/lib/data/store.c" | tail -n 1 | cut -d: -f1) + 1))
	sed -i "${line}i #include \"server/client.h\"" "$scratch/lib/data/store.c"
	run "$check" "$scratch"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"lib/data/store.c:$line: includes \"server/client.h\": layer server is above data"* ]]
	[[ $output == *"FAILED"* ]]
}

@test "layers: cmd/ may include any layer, but lib/ never includes cmd/ or the node" {
	echo '#include "node.h"' >>"$scratch/lib/repl/role.h"
	run "$check" "$scratch"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"lib/repl/role.h:"*"includes \"node.h\": layer node is above repl"* ]]
	[[ $output != *"cmd/"*"is above"* ]]
}

@test "layers: an include cycle between modules of one layer fails, naming both" {
	# ident.h <-> repl.h are one layer; repl.h already includes ident.h
	echo '#include "repl/repl.h"' >>"$scratch/lib/repl/ident.c"
	run "$check" "$scratch"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"include cycle between lib/repl/ident, lib/repl/repl"* ]]
	[[ $output == *"lib/repl/ident -> lib/repl/repl (lib/repl/ident.c:"* ]]
	[[ $output == *"lib/repl/repl -> lib/repl/ident (lib/repl/repl.h:"* ]]
}

@test "layers: a file outside every layer, or an include of no file, fails" {
	mkdir -p "$scratch/lib/extra"
	echo 'int x;' >"$scratch/lib/extra/x.c"
	echo '#include "core/nosuch.h"' >>"$scratch/lib/core/buf.c"
	run "$check" "$scratch"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"lib/extra/x.c: belongs to no layer"* ]]
	[[ $output == *"lib/core/buf.c:"*"includes \"core/nosuch.h\", which is no file of the tree"* ]]
}

@test "layers: the order is read from lib/LAYERS: moving a layer changes the verdict" {
	# With repl listed below persist, persist's includes of nothing above
	# still pass, but repl's includes of persist point up.
	awk '$1 == "persist" { held = $0; next } { print } $1 == "repl" { print held }' \
		"$root/lib/LAYERS" >"$scratch/lib/LAYERS"
	run "$check" "$scratch"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"lib/repl/"*"includes \"persist/"*": layer persist is above repl"* ]]
}
