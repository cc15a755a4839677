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
