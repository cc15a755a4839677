# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded polling: ask, check, sleep a little longer each time, give up at a deadline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time


class WaitTimeout(Exception):
    """The condition did not hold before the deadline; ``last`` is the last value seen."""

    def __init__(self, last):
        super(WaitTimeout, self).__init__("timed out")
        self.last = last


def poll(fetch, done, timeout, interval=0.2, max_interval=2.0, clock=time.monotonic, sleep=time.sleep):
    """Call ``fetch()`` until ``done(value)`` is true; return that value or raise :class:`WaitTimeout`.

    ``done`` may raise to stop early (for example when a database start failed for good).  The
    first ``fetch()`` always happens, even with ``timeout=0``.
    """
    deadline = clock() + max(timeout, 0)
    delay = interval
    while True:
        value = fetch()
        if done(value):
            return value
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeout(value)
        sleep(min(delay, remaining))
        delay = min(delay * 1.5, max_interval)
