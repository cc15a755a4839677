"""Write locks on the system graph, held from the write that takes them to commit or rollback.

Neo4j documents that a property write locks the entity, that creating or deleting a relationship locks it
and both end nodes, and that locks are held to the end of the transaction (operations manual,
database-internals/concurrent-data-access.adoc).  Administration commands are Cypher sub-queries on the
system graph run inside the caller's transaction (neo4j/neo4j UpdatingSystemCommandExecutionPlan.scala),
so ``ALTER ALIAS``, ``CREATE ALIAS``, ``DROP DATABASE`` ... lock the nodes they write until commit.  A
name (database or alias) is one ``:DatabaseName`` node in Neo4j's system graph, so the simulator keys
each lock by name.

A waiter that would close a cycle gets ``DeadlockDetected`` (the transaction that detects it is the
victim, as in Neo4j's Forseti lock manager).  Neo4j waits for a lock without limit by default
(``db.lock.acquisition.timeout=0``); the simulator bounds every wait (``timeout``) so a test can never
hang, and reports ``LockAcquisitionTimeout`` when it expires.
"""

import re
import threading
import time

from . import errors

# Neo4j's default is no limit; this bound only keeps tests from hanging.
DEFAULT_TIMEOUT = 60.0


def deadlock(key):
    return errors.Neo4jError(
        "Neo.TransientError.Transaction.DeadlockDetected",
        "ForsetiClient can't acquire ExclusiveLock on %s(%s), because holders of that lock are waiting for "
        "this transaction." % key, "50N05",
        "error: general processing exception - deadlock detected. Deadlock detected while trying to acquire "
        "locks. See log for more details.")


def name_taken(name):
    """A CREATE that waited for a name another transaction created, under ``name_conflict=constraint``:
    the system graph's uniqueness constraint on the name fails (GQL 22N79), not the command's own check."""
    return errors.Neo4jError(
        "Neo.ClientError.Schema.ConstraintValidationFailed",
        "Node already exists with label `DatabaseName` and property `name` = '%s'" % name, "22N79",
        "error: data exception - property uniqueness constraint violated. Property uniqueness constraint "
        "violated: `DatabaseName(name) = '%s'`." % name)


def lock_timeout(key, seconds):
    # docs-status-codes all-errors.adoc names the code; no GQL status is documented for it (inferred 50N42).
    return errors.Neo4jError(
        "Neo.TransientError.Transaction.LockAcquisitionTimeout",
        "Unable to acquire lock on %s(%s) within %s seconds (db.lock.acquisition.timeout)." % (key + (seconds,)),
        "50N42")


class SystemLocks:
    """Exclusive locks keyed by ``(kind, name)``, owned by a transaction (any object) until ``release``.

    Every method is called with the model's lock held; ``changed`` is the model's condition on that lock,
    so a waiter sleeps without blocking the rest of the cluster.
    """

    def __init__(self, changed, timeout=DEFAULT_TIMEOUT):
        self._changed = changed
        self.timeout = timeout
        self.holders = {}  # key -> owner
        self.waiting = {}  # id(owner) -> key it waits for

    def acquire(self, owner, key):
        """Take ``key`` for ``owner``; returns whether it had to wait for another transaction."""
        deadline = time.monotonic() + self.timeout
        waited = False
        try:
            while True:
                holder = self.holders.get(key)
                if holder is None or holder is owner:
                    self.holders[key] = owner
                    return waited
                if self._waits_for(holder, owner):
                    raise deadlock(key)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise lock_timeout(key, self.timeout)
                self.waiting[id(owner)] = key
                waited = True
                self._changed.wait(min(remaining, 0.5))
        finally:
            self.waiting.pop(id(owner), None)

    def _waits_for(self, holder, owner):
        """Whether ``holder`` (transitively) waits for a lock ``owner`` holds."""
        seen = set()
        while holder is not None and id(holder) not in seen:
            if holder is owner:
                return True
            seen.add(id(holder))
            key = self.waiting.get(id(holder))
            holder = self.holders.get(key) if key is not None else None
        return False

    def release(self, owner):
        for key in [k for k, held_by in self.holders.items() if held_by is owner]:
            del self.holders[key]
        self._changed.notify_all()

    def held_by(self, owner):
        return sorted(k for k, held_by in self.holders.items() if held_by is owner)


class Rendezvous:
    """A test hook that makes statements meet: each registered point holds statements matching its pattern
    until ``parties`` of them have arrived (or ``timeout`` passes), so racing clients really overlap.

    ``first_in_transaction`` limits a point to the first statement of an explicit transaction, and
    ``mode`` (``"r"`` or ``"w"``) to transactions of that access mode."""

    def __init__(self):
        self._points = []
        self._guard = threading.Lock()

    def add(self, pattern, parties=2, timeout=5.0, first_in_transaction=False, mode=None):
        point = (re.compile(pattern), threading.Barrier(parties), timeout, first_in_transaction, mode)
        with self._guard:
            self._points.append(point)

    def clear(self):
        with self._guard:
            points, self._points = self._points, []
        for point in points:
            point[1].abort()

    def arrive(self, query, first_in_transaction, mode):
        """Called without the model's lock held, before a statement runs."""
        with self._guard:
            points = list(self._points)
        for pattern, barrier, timeout, first_only, wanted_mode in points:
            if (first_only and not first_in_transaction) or (wanted_mode and wanted_mode != mode):
                continue
            if not pattern.search(query):
                continue
            try:
                barrier.wait(timeout)
            except threading.BrokenBarrierError:
                if barrier.broken:
                    barrier.reset()  # a party that never came: let the next round start afresh
