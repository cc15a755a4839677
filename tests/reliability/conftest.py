"""The reliability suites run real ansible-playbook processes: the integration suite's fixtures.

tests/integration goes on sys.path first: its conftest and the helper modules the suites share with the integration
tests (playbook_run, test_blue_green, deploy_races) import each other by basename, and a session that collects only
tests/reliability (make reliability) would not find them otherwise."""

import pathlib
import sys

INTEGRATION = pathlib.Path(__file__).resolve().parents[1] / "integration"
if str(INTEGRATION) not in sys.path:
    sys.path.insert(0, str(INTEGRATION))

from integration.conftest import collections_path, run_playbook  # noqa: F401,E402  pylint: disable=unused-import,wrong-import-position
