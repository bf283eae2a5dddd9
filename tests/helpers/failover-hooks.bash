# failover-hooks.bash - the set-up shared by failover.bats, failover-wait.bats
# and failover-random.bats: the common, replication and failover helpers, and
# the hooks of a file whose tests each start their own nodes. Each test gets
# its own directory; after it its nodes are stopped, their logs shown first
# when it failed.

# shellcheck source=tests/helpers/common.bash
source "$BATS_TEST_DIRNAME/helpers/common.bash"
# shellcheck source=tests/helpers/repl.bash
source "$BATS_TEST_DIRNAME/helpers/repl.bash"
# shellcheck source=tests/helpers/failover.bash
source "$BATS_TEST_DIRNAME/helpers/failover.bash"

setup() { repl_setup; }
teardown() { repl_teardown_logged; }
