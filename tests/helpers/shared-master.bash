# The hooks of a test file whose tests share one master: it starts before
# the first test and stops after the last; a daemon a single test starts is
# stopped by that test's teardown. Each test starts from an empty keyspace
# unless the file sets FLUSH_BETWEEN_TESTS=0, and runs the file's
# test_setup function first when there is one.

# shellcheck source=tests/helpers/common.bash
source "$BATS_TEST_DIRNAME/helpers/common.bash"

setup_file() {
	new_test_dir
	start_master
}

teardown_file() {
	stop_daemons
	remove_test_dir
}

setup() {
	PIDS_FILE=$TEST_DIR/pids.$BATS_TEST_NUMBER
	if [[ ${FLUSH_BETWEEN_TESTS:-1} == 1 ]]; then
		rcli flushall >/dev/null
	fi
	if declare -F test_setup >/dev/null; then
		test_setup
	fi
}

teardown() {
	stop_daemons
}
