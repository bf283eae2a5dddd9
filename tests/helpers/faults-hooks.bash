# faults-hooks.bash - the set-up shared by faults.bats and limits.bats: the
# common, replication, network namespace and fault helpers, and the hooks of
# a file whose tests each start their own nodes. Before the first test,
# netns_probe finds out what the machine allows; each test gets its own
# directory; after it its nodes are woken and stopped and its namespaces
# removed (faults_teardown). A file may redefine teardown after loading this.

# shellcheck source=tests/helpers/common.bash
source "$BATS_TEST_DIRNAME/helpers/common.bash"
# shellcheck source=tests/helpers/repl.bash
source "$BATS_TEST_DIRNAME/helpers/repl.bash"
# shellcheck source=tests/helpers/netns.bash
source "$BATS_TEST_DIRNAME/helpers/netns.bash"
# shellcheck source=tests/helpers/faults.bash
source "$BATS_TEST_DIRNAME/helpers/faults.bash"

setup_file() { netns_probe; }
setup() { repl_setup; }
teardown() { faults_teardown; }
