# persist-hooks.bash - the set-up shared by persistence.bats and
# snapshot.bats: the common, replication and persistence helpers, and the
# hooks of a file whose tests each start their own nodes. Each test gets its
# own directory; after it its nodes are stopped and its tmpfs mounts undone.

# shellcheck source=tests/helpers/common.bash
source "$BATS_TEST_DIRNAME/helpers/common.bash"
# shellcheck source=tests/helpers/repl.bash
source "$BATS_TEST_DIRNAME/helpers/repl.bash"
# shellcheck source=tests/helpers/persist.bash
source "$BATS_TEST_DIRNAME/helpers/persist.bash"

setup() { repl_setup; }
teardown() { persist_teardown; }
