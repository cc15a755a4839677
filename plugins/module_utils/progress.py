# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress of long work (loads, waits, uploads): the module side writes it, the action plugin prints it.

The module cannot print while it runs (Ansible reads its stdout only when it exits), so a module that does long
work writes where it is to a small JSON file, and the collection's action plugin, which runs the module, reads
that file on the controller and prints one line per ``progress_interval`` through Ansible's display (see
``plugins/plugin_utils/progress_action.py``).  The action names the file in the environment variable
:data:`PROGRESS_FILE_ENV`, as ansible-core names the async job directory in ``ANSIBLE_ASYNC_DIR``; without it
(the module run by other means, or progress turned off) :func:`reporter` returns a reporter that does nothing.

The file holds facts only (phase, counts, start and update times, members not yet settled); rates, ETAs and
the wording are computed when a line is printed (:func:`describe`).  Nothing secret goes in: names, counts,
member addresses and statuses.  No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import os
import threading
import time

PROGRESS_FILE_ENV = "GRAPHOPS_NEO4J_PROGRESS_FILE"
# The module rewrites the file at most this often (a phase change is written at once); the action prints
# at most once per progress_interval, which is never shorter than this in practice.
WRITE_INTERVAL = 0.5
DEFAULT_INTERVAL = 10.0


def check_interval(value):
    """``progress_interval``: 0 (no progress lines) or seconds greater than 0; returns the error or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return "progress_interval: must be 0 (no progress lines) or a number of seconds greater than 0 (got %s)." % (value,)
    return None


class Reporter:
    """Where a module's long work is, written to ``path`` at a bounded rate.  Thread-safe: Arrow puts report
    from several streams at once."""

    def __init__(self, path, clock=time.time, write_interval=WRITE_INTERVAL):
        self.path = path
        self.clock = clock
        self.write_interval = write_interval
        self.lock = threading.Lock()
        self.state = None
        self.written_at = None

    def phase(self, name, total=None, unit="rows", members=None):
        """Start a phase (``sending nodes``, ``waiting for ...``); written at once."""
        with self.lock:
            now = self.clock()
            self.state = dict(phase=name, unit=unit, done=0, total=total, started=now, updated=now)
            if members is not None:
                self.state["members"] = members
            self._write(now)

    def add(self, count):
        """``count`` more units of the current phase done (rows acknowledged, bytes uploaded)."""
        with self.lock:
            if self.state is None:
                return
            self.state["done"] += count
            self._maybe_write()

    def members(self, members):
        """The members of a wait that are not settled yet: ``[{member, current_status, requested_status}]``.
        Written at once when they changed (a wait polls every few tenths of a second at most)."""
        with self.lock:
            if self.state is None:
                return
            changed = self.state.get("members") != members
            self.state["members"] = members
            if changed:
                self._write(self.clock())
            else:
                self._maybe_write()

    def _maybe_write(self):
        now = self.clock()
        if self.written_at is None or now - self.written_at >= self.write_interval:
            self._write(now)

    def _write(self, now):
        self.state["updated"] = now
        self.written_at = now
        temporary = "%s.%d.tmp" % (self.path, os.getpid())
        try:
            with open(temporary, "w") as handle:
                json.dump(self.state, handle)
            os.replace(temporary, self.path)  # the reader never sees half a file
        except (OSError, TypeError, ValueError):
            pass  # progress is a courtesy: never fail or slow the work because of it


class NoReporter:
    """What a module uses when nobody asked for progress."""

    def phase(self, name, total=None, unit="rows", members=None):
        pass

    def add(self, count):
        pass

    def members(self, members):
        pass


def reporter(environ=None):
    """The reporter the action plugin asked for (:data:`PROGRESS_FILE_ENV`), else one that does nothing."""
    path = (os.environ if environ is None else environ).get(PROGRESS_FILE_ENV)
    return Reporter(path) if path else NoReporter()


def read(path):
    """The state a :class:`Reporter` wrote to ``path``, or None (not written yet, unreadable)."""
    try:
        with open(path) as handle:
            return parse(handle.read())
    except OSError:
        return None


def parse(text):
    """The state in ``text`` (a progress file's content, read here or over a connection), or None."""
    try:
        state = json.loads(text)
    except ValueError:
        return None
    return state if isinstance(state, dict) and state.get("phase") else None


# ----- one line of output -----------------------------------------------------------------------------

def number(value):
    """1234567 -> '1,234,567'; 12345.6 -> '12,346'."""
    return "{:,}".format(int(round(value)))


def quantity(value, unit):
    if unit == "bytes":
        for size, suffix in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
            if value >= size:
                return "%.1f %s" % (value / float(size), suffix)
        return "%d B" % value
    return "%s %s" % (number(value), unit)


def duration(seconds):
    """Seconds as '45 s', '3 min 05 s', '2 h 07 min'."""
    seconds = int(round(max(seconds, 0)))
    if seconds < 60:
        return "%d s" % seconds
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return "%d min %02d s" % (minutes, seconds)
    hours, minutes = divmod(minutes, 60)
    return "%d h %02d min" % (hours, minutes)


def describe(state, now=None):
    """One progress line for ``state`` (as :func:`read` returns it), without the task's name.

    ``sending nodes: 120,000 of 500,000 rows (24%), 40,000 rows/s, ETA 9 s, 3 s elapsed``; for a wait,
    ``waiting for database 'movies' to settle: 2 members not yet there: server2 (127.0.0.1:7688) starting
    (requested online), ...; 12 s elapsed``.  The rate is the phase's average so far, the ETA what is left at
    that rate; both are left out until there is something to measure, the ETA also when the total is unknown.
    """
    now = state.get("updated", time.time()) if now is None else now
    elapsed = max(now - state.get("started", now), 0.0)
    parts = []
    members = state.get("members")
    if members is not None:
        if members:
            listed = ", ".join(_member(m) for m in members)
            parts.append("%d %s not yet there: %s" % (len(members), "member" if len(members) == 1 else "members", listed))
        else:
            parts.append("no member listed yet")
    elif state.get("unit"):  # a phase that counts (one that does not, such as the server's build, shows the time)
        unit, done, total = state["unit"], state.get("done") or 0, state.get("total")
        sent = quantity(done, unit)
        if total:
            done_text = sent if unit == "bytes" else number(done)
            sent = "%s of %s (%d%%)" % (done_text, quantity(total, unit), int(100.0 * done / total))
        parts.append(sent)
        # The rate counts up to the last update, not to now: the module writes at most every WRITE_INTERVAL.
        measured = max(state.get("updated", now) - state.get("started", now), 0.0)
        if done and measured > 0:
            rate = done / measured
            parts.append("%s/s" % quantity(rate, unit))
            if total and total > done:
                parts.append("ETA %s" % duration((total - done) / rate))
    parts.append("%s elapsed" % duration(elapsed))
    return "%s: %s" % (state["phase"], ", ".join(parts))


def _member(member):
    text = "%s %s" % (member.get("member"), member.get("current_status"))
    if member.get("requested_status"):
        text += " (requested %s)" % member["requested_status"]
    if member.get("status_message"):
        text += ": %s" % member["status_message"]
    return text
