"""Test-only Ansible callback: record every task result as JSON for tests/integration/conftest.py.

Enabled by the ``run_playbook`` fixture through ANSIBLE_CALLBACKS_ENABLED; it writes to the file named
by GRAPHOPS_TEST_RESULTS after every result, so the file is complete even when a play aborts.  The
file holds ``{"tasks": [{"task", "host", "status", "result"}, ...]}`` in the order the results arrived.
"""

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: graphops_test_results
type: aggregate
short_description: write task results to a JSON file for the test suite
description:
  - Test-only. Writes every task result to the file named by the GRAPHOPS_TEST_RESULTS environment variable.
requirements:
  - enable in configuration
"""


class CallbackModule(CallbackBase):
    """Collect module results per task and keep them in a JSON file."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "graphops_test_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._path = os.environ.get("GRAPHOPS_TEST_RESULTS")
        self._records = []

    def _record(self, result, status, **flags):
        data = {k: v for k, v in dict(result.result).items() if not k.startswith("_ansible")}
        for key, value in flags.items():
            data.setdefault(key, value)
        self._records.append({
            "task": result.task.get_name(),
            "host": result.host.get_name(),
            "status": status,
            "result": data,
        })
        if self._path:
            tmp = self._path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump({"tasks": self._records}, handle, default=str)
            os.replace(tmp, self._path)

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed", failed=True)

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped", skipped=True)

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable", unreachable=True)
