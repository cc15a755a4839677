# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read an iterator ahead of its consumers, on a thread of its own.

Arrow loads use it twice: the parallel put streams share one :class:`ReadAhead` of the batches, so reading and
decoding the files overlaps sending them and no stream waits while another reads; and a source reads its next
file ahead of the one being sent.  The queue is bounded, so memory stays flat in the size of the input.
No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import queue
import threading

_END = object()


class ReadAhead:
    """Items of ``iterable`` (or of the iterator ``make()`` returns, created on the reading thread), read up to
    ``depth`` items ahead.

    ``next()`` returns the next item, or None once the iterator is exhausted, has failed (the exception is in
    ``error``) or ``stop()`` was called; any number of threads may call it.  ``items()`` is the single-consumer
    form: a generator that re-raises ``error``.  ``stop()`` makes the reading thread read nothing more; the end
    of the iterator is only reported after the iterator returned, so whatever it does last is done by then.
    """

    POLL = 0.05  # seconds between looks at the stop flag while waiting on the queue

    def __init__(self, iterable=None, depth=1, make=None):
        self._queue = queue.Queue(maxsize=max(1, depth))
        self._stopped = threading.Event()
        self.error = None
        self._thread = threading.Thread(target=self._read, args=(iterable, make), name="graphops-readahead",
                                        daemon=True)
        self._thread.start()

    def _read(self, iterable, make):
        try:
            for item in (make() if make is not None else iterable):
                if not self._put(item):
                    return
        except BaseException as exc:  # pylint: disable=broad-except
            self.error = exc  # for the consumers, in their threads
        self._put(_END)

    def _put(self, item):
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=self.POLL)
                return True
            except queue.Full:
                pass
        return False

    def next(self):
        while True:
            try:
                item = self._queue.get(timeout=self.POLL)
            except queue.Empty:
                if self._stopped.is_set():
                    return None
                continue
            if item is _END:
                self._queue.put(item)  # for the other consumers; there is room, this one just took it
                return None
            return item

    def items(self):
        while True:
            item = self.next()
            if item is None:
                if self.error is not None:
                    raise self.error
                return
            yield item

    def stop(self):
        self._stopped.set()
