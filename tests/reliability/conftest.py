"""The reliability suites run real ansible-playbook processes: the integration suite's fixtures."""

from integration.conftest import collections_path, run_playbook  # noqa: F401  pylint: disable=unused-import
