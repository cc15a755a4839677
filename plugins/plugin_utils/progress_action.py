# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin of the modules that do long work: runs the module as ansible.builtin's ``normal`` action does,
and meanwhile prints where it is, one line per ``progress_interval`` seconds.

How progress travels: the module writes facts to a small JSON file (``module_utils/progress.py``) whose path this
action passes in the environment variable ``GRAPHOPS_NEO4J_PROGRESS_FILE``, the way ansible-core's
``ActionBase._execute_module`` passes ``ANSIBLE_ASYNC_DIR`` to async modules (appended to ``self._task.environment``
for the one call).  The module's result does not change: it runs exactly as without this plugin, in the same call,
and the variable never reaches its arguments or ``invocation``.  While ``_execute_module`` blocks, a thread of the
worker process reads the file every ``progress_interval`` seconds and prints a line with ``Display.display``; in a
worker process ansible-core sends display calls over the queue to the controller process (``Display.set_queue``,
``Display._proxy``), which writes them to stdout, where AWX's job output records them.

Progress needs the module to run on the controller (the ``local`` connection: the implicit localhost, a task
delegated to localhost, an AWX execution environment), where this process can read the file.  Elsewhere, when the
task runs asynchronously itself (``async:``, polled by ansible-core's task executor through ``async_status``), with
``no_log`` (it asks for no output about the task), or with ``progress_interval: 0``, the module runs exactly as
before and prints nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import tempfile
import threading
import time

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.graphops.neo4j.plugins.module_utils import progress


class ProgressActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ProgressActionModule, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        wrap_async = self._task.async_val and not self._connection.has_native_async
        interval = self._progress_interval()
        if wrap_async or not interval or self._task.no_log or not self._runs_on_controller():
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        else:
            result = merge_hash(result, self._execute_with_progress(task_vars, interval))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _progress_interval(self):
        """The task's progress_interval (the module validates it; anything unusable here means no progress)."""
        value = self._task.args.get("progress_interval", progress.DEFAULT_INTERVAL)
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
        return value if value > 0 else None

    def _runs_on_controller(self):
        return getattr(self._connection, "transport", None) == "local"

    def _execute_with_progress(self, task_vars, interval):
        folder = tempfile.mkdtemp(prefix="graphops-neo4j-progress-")
        path = os.path.join(folder, "progress.json")
        stop = threading.Event()
        label = "[%s] %s" % (self._host_label(task_vars), self._task.action.split(".")[-1])
        watcher = threading.Thread(target=self._watch, args=(path, interval, stop, label),
                                   name="graphops-neo4j-progress", daemon=True)
        environment = self._task.environment
        added = len(environment)
        environment.append({progress.PROGRESS_FILE_ENV: path})
        watcher.start()
        try:
            return self._execute_module(task_vars=task_vars)
        finally:
            del environment[added]
            stop.set()
            watcher.join()
            shutil.rmtree(folder, ignore_errors=True)

    def _host_label(self, task_vars):
        host = self._task.delegate_to and (task_vars or {}).get("inventory_hostname")
        name = (task_vars or {}).get("inventory_hostname", "localhost")
        return "%s -> %s" % (host, self._task.delegate_to) if host else name

    def _watch(self, path, interval, stop, label):
        """One line per ``interval`` while the module runs; nothing before the first interval has passed."""
        while not stop.wait(interval):
            state = progress.read(path)
            if state is not None:
                self._display.display("%s: %s" % (label, progress.describe(state, now=time.time())))
