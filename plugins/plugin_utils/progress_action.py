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

That is the path on the controller (the ``local`` connection: the implicit localhost, a task delegated to
localhost, an AWX execution environment).  Over any other connection (ssh...) the file is on the target: the
module runs in the background under ansible-core's ``async_wrapper`` and the action reads the job file and the
progress file with one ``cat`` over the task's connection per poll, then returns the module's output parsed as a
foreground run's (see ``_execute_remotely_with_progress``; docs/progress.md).  When the task runs asynchronously
itself (``async:``, polled by ansible-core's task executor through ``async_status``), with ``no_log`` (it asks for
no output about the task), with ``progress_interval: 0``, in check mode over a remote connection, or over a
connection with async of its own (winrm, psrp), the module runs exactly as before and prints nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shlex
import shutil
import tempfile
import threading
import time
import uuid

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash
from ansible.vars.clean import remove_internal_keys

from ansible_collections.graphops.neo4j.plugins.module_utils import progress


# async_wrapper's time limit for a module run remotely with progress (seconds): a backstop, not a timeout.
ASYNC_LIMIT = 7 * 24 * 3600
FIRST_POLL = 0.05
MAX_POLL = 1.0
JOB_PROGRESS_SEPARATOR = "--graphops-neo4j-progress--"


class ProgressActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ProgressActionModule, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        wrap_async = self._task.async_val and not self._connection.has_native_async
        interval = self._progress_interval()
        if wrap_async or not interval or self._task.no_log or (
                not self._runs_on_controller() and not self._can_poll_remotely()):
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        elif self._runs_on_controller():
            result = merge_hash(result, self._execute_with_progress(task_vars, interval))
        else:
            result = merge_hash(result, self._execute_remotely_with_progress(task_vars, interval))
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

    def _can_poll_remotely(self):
        """Elsewhere the module runs under ansible-core's async_wrapper and the progress file is read with a
        POSIX ``cat`` over the task's connection: not on connections with their own async (winrm, psrp), not
        on Windows shells, and not in check mode (nothing long runs there, so no wrapper is worth its cost)."""
        return (not self._connection.has_native_async and not getattr(self._connection._shell, "_IS_WINDOWS", False)
                and not self._play_context.check_mode)

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

    # ----- over any connection: the module runs under async_wrapper, the action reads its files remotely ---------

    def _execute_remotely_with_progress(self, task_vars, interval):
        """Runs the module in the background on the target with ansible-core's ``async_wrapper`` (as a task with
        ``async:`` and ``poll:`` does), and, over the task's own connection, reads the wrapper's job file and the
        module's progress file: one ``cat`` per poll, no module run per poll.  When the job file holds the
        module's output, that output goes through the same parsing and cleaning as a synchronous run's
        (``ActionBase._parse_returned_data``, ``remove_internal_keys``), so the result is the one the module
        returned, without the async keys (``ansible_job_id``, ``finished``, ``results_file``)."""
        # Next to the job file, in the async folder of the user the module runs as (become included), which
        # async_wrapper creates before it starts the module; removed with the job file.
        async_dir = self._remote_expand_user(self.get_shell_option("async_dir", default="~/.ansible_async"))
        path = self._connection._shell.join_path(async_dir, "graphops-neo4j-progress-%s.json" % uuid.uuid4().hex)
        label = "[%s] %s" % (self._host_label(task_vars), self._task.action.split(".")[-1])
        environment = self._task.environment
        added = len(environment)
        environment.append({progress.PROGRESS_FILE_ENV: path})
        # async_wrapper kills the module after async_val seconds (and after 5 s when it is 0): the module's own
        # timeouts bound its work, so the wrapper's limit is only a backstop.
        saved, self._task.async_val = self._task.async_val, ASYNC_LIMIT
        try:
            launched = self._execute_module(task_vars=task_vars, wrap_async=True)
        finally:
            self._task.async_val = saved
            del environment[added]
        job = launched.get("results_file")
        if launched.get("failed") or not job:
            self._low_level_execute_command("rm -f %s" % shlex.quote(path))
            return launched  # async_wrapper did not start: its own error, as for a task with async:
        data = self._poll_job(job, path, interval, label)
        self._low_level_execute_command("rm -f %s %s" % (shlex.quote(job), shlex.quote(path)))
        facts = launched.get("ansible_facts")
        if facts:  # interpreter discovery, as _execute_module adds it to a synchronous result
            data.setdefault("ansible_facts", {}).update(facts)
        return data

    def _poll_job(self, job, path, interval, label):
        """Polls the job file until the module has ended, printing a progress line per ``interval``; returns the
        module's result.  Checks come fast at first (a short task pays little latency), then once per second."""
        command = "cat %s 2>/dev/null; printf '\\n%s\\n'; cat %s 2>/dev/null" % (
            shlex.quote(job), JOB_PROGRESS_SEPARATOR, shlex.quote(path))
        started = time.monotonic()
        printed = started
        pause = FIRST_POLL
        while True:
            time.sleep(pause)
            pause = min(pause * 2, MAX_POLL, interval)
            res = self._low_level_execute_command(command)
            # Line ends may come as \r\n (ssh runs a command that may become another user on a tty).
            job_text, _sep, progress_text = (res.get("stdout") or "").partition(JOB_PROGRESS_SEPARATOR)
            data = self._finished(job_text)
            if data is not None:
                return data
            now = time.monotonic()
            if now - printed >= interval:
                printed = now
                state = progress.parse(progress_text)
                if state is not None:
                    self._display.display("%s: %s" % (label, progress.describe(state, now=time.time())))

    def _finished(self, job_text):
        """The module's result once async_wrapper has written it to the job file, else None.  While the module
        runs the job file says ``started`` (async_status reads it the same way)."""
        try:
            job = json.loads(job_text)
        except ValueError:
            return None  # not there (yet): async_wrapper writes it before it answers, so only a remote hiccup
        if not isinstance(job, dict) or "started" in job:
            return None
        if job.get("failed") and "cmd" in job and ("data" in job or "outdata" in job):
            # The module's output was no JSON (it crashed): parse that output as a synchronous run does, so the
            # failure reads the same ("Module result deserialization failed", module_stdout, module_stderr).
            res = dict(stdout=job.get("data", job.get("outdata", "")), stderr=job.get("stderr", ""))
            data = self._parse_returned_data(res, "legacy")
        else:
            job.pop("ansible_job_id", None)
            job.pop("stderr", None)  # async_wrapper adds the module's stderr; a synchronous run drops it
            data = self._parse_returned_data(dict(stdout=json.dumps(job)), "legacy")
        data.pop("_ansible_suppress_tmpdir_delete", None)
        remove_internal_keys(data)
        return data
