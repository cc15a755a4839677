"""The reliability suites run real ansible-playbook processes: the integration suite's fixtures and helpers.

tests/integration goes on sys.path first: its conftest and the scenario helpers the suites reuse
(test_blue_green, test_rolling_upgrade, ...) import their neighbours (playbook_run, plays) by bare name, which
otherwise only works when pytest collected tests/integration in the same session."""

import os
import sys

INTEGRATION = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration")
if INTEGRATION not in sys.path:
    sys.path.insert(0, INTEGRATION)

from integration.conftest import collections_path, run_playbook  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position


# make reliability runs two pytest-xdist workers with --dist loadgroup: the concurrency suite (about half of the
# CPU time) on one, the other full suites one after another on the other, so the two cores stay busy.
def pytest_collection_modifyitems(items):
    import pytest  # pylint: disable=import-outside-toplevel
    for item in items:
        if item.get_closest_marker("reliability") and not item.get_closest_marker("xdist_group"):
            group = "concurrency" if item.module.__name__.endswith("test_concurrency") else "the other suites"
            item.add_marker(pytest.mark.xdist_group(group))
