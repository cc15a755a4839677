"""The reliability suites run real ansible-playbook processes: the integration suite's fixtures."""

import os
import sys

# integration/conftest.py imports its helpers (playbook_run, plays) by their names, as pytest's rootdir import of
# tests/integration provides when that folder is collected; make reliability collects only tests/reliability.
INTEGRATION = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration")
if INTEGRATION not in sys.path:
    sys.path.append(INTEGRATION)

from integration.conftest import collections_path, run_playbook  # noqa: E402,F401  pylint: disable=unused-import,wrong-import-position
