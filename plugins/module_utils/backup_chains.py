# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup artefacts, the chains they form, and which of them a retention rule may delete.

Neo4j's rules (Operations Manual, backup-restore/online-backup.adoc and inspect.adoc): a backup chain is "a full
backup optionally followed by a sequence of n contiguous differential backups"; a full backup's lowest
transaction is 1, a differential backup starts at the transaction after the one its parent ended with, and an
*empty* differential backup (taken when nothing changed; lowest and highest transaction 0) only records history.
Restoring a differential backup needs the chain ending at it, so an artefact depends on every artefact before it
in its chain.

Retention keeps, per database: the newest ``keep_full`` chains whole, every artefact younger than
``keep_days`` with everything it depends on, and always the newest complete chain (a database is never left
without a restorable backup, even when backups stopped for longer than ``keep_days``).  The rest may go.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from datetime import datetime, timedelta

try:
    from datetime import timezone
    UTC = timezone.utc
except ImportError:  # pragma: no cover - Python 2 has no timezone; the modules need Python 3
    UTC = None


class Artifact(object):
    """One backup artefact: where it is and the metadata ``neo4j-admin backup inspect`` shows."""

    def __init__(self, name, location, database, database_id, time, full, lowest_tx, highest_tx, compressed=True,
                 size=None, source="local"):
        self.name = name
        self.location = location  # a local path or an s3:// URI
        self.source = source  # local | s3
        self.database = database
        self.database_id = database_id
        self.time = time  # aware datetime (UTC)
        self.full = full
        self.lowest_tx = lowest_tx
        self.highest_tx = highest_tx
        self.compressed = compressed
        self.size = size

    @property
    def empty(self):
        return not self.full and self.lowest_tx == 0 and self.highest_tx == 0

    @property
    def type(self):
        return "FULL" if self.full else "DIFF"

    @property
    def iso_time(self):
        return self.time.strftime("%Y-%m-%dT%H:%M:%SZ")

    def as_dict(self):
        return dict(name=self.name, location=self.location, source=self.source, database=self.database,
                    database_id=self.database_id, time=self.iso_time, type=self.type, empty=self.empty,
                    compressed=self.compressed, lowest_tx=self.lowest_tx, highest_tx=self.highest_tx, size=self.size)

    def __repr__(self):
        return "Artifact(%s %s %d-%d)" % (self.name, self.type, self.lowest_tx, self.highest_tx)


class Chain(object):
    """Artefacts of one database that restore together, oldest first.  ``complete``: it starts with a full backup."""

    def __init__(self, first):
        self.artifacts = [first]
        self.tip = 0 if first.empty else first.highest_tx

    @property
    def complete(self):
        return self.artifacts[0].full

    @property
    def last(self):
        return self.artifacts[-1]

    def add(self, artifact):
        self.artifacts.append(artifact)
        if not artifact.empty:
            self.tip = artifact.highest_tx

    def up_to(self, artifact):
        """What restoring ``artifact`` needs: the chain from its start up to and including it."""
        return self.artifacts[:self.artifacts.index(artifact) + 1]


def _order(artifact):
    return (artifact.time, 0 if artifact.full else 1, artifact.highest_tx, artifact.name)


def build_chains(artifacts):
    """The chains of one database's artefacts, oldest chain first.

    Each full backup starts a chain.  A differential backup continues the most recent chain of the same
    database id whose last transaction is the one before its first; an empty one belongs to the most recent chain
    of that database id before it.  A differential backup with no such chain starts an incomplete chain (its
    parent is missing)."""
    chains = []
    for artifact in sorted(artifacts, key=_order):
        if artifact.full:
            chains.append(Chain(artifact))
            continue
        same = [c for c in chains if c.artifacts[0].database_id == artifact.database_id]
        if artifact.empty:
            parent = max(same, key=lambda c: _order(c.last)) if same else None
        else:
            fitting = [c for c in same if c.tip == artifact.lowest_tx - 1]
            parent = max(fitting, key=lambda c: _order(c.last)) if fitting else None
        if parent is None:
            chains.append(Chain(artifact))
        else:
            parent.add(artifact)
    return chains


def by_database(artifacts):
    grouped = {}
    for artifact in artifacts:
        grouped.setdefault(artifact.database, []).append(artifact)
    return grouped


def chain_of(chains, artifact):
    return next((c for c in chains if artifact in c.artifacts), None)


class RetentionPlan(object):
    """``keep`` and ``delete`` (lists of artefacts, oldest first) and ``reasons`` (artefact name -> why it is kept)."""

    def __init__(self):
        self.keep = []
        self.delete = []
        self.reasons = {}


def plan_retention(artifacts, keep_full=None, keep_days=None, now=None):
    """Which artefacts a retention rule keeps and which it deletes (see the module docstring)."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=keep_days) if keep_days else None
    plan = RetentionPlan()
    for _database, own in sorted(by_database(artifacts).items()):
        chains = build_chains(own)
        complete = [c for c in chains if c.complete]
        kept = {}

        def keep(items, why):
            for item in items:
                kept.setdefault(item.name, why)

        if complete:
            keep(complete[-1].artifacts, "newest complete chain")
        if keep_full:
            for chain in complete[-keep_full:]:
                keep(chain.artifacts, "one of the newest %d full backups and its chain" % keep_full)
        if cutoff is not None:
            for artifact in own:
                if artifact.time >= cutoff:
                    chain = chain_of(chains, artifact)
                    keep(chain.up_to(artifact), "younger than %s days, or needed by one that is" % keep_days)
        for artifact in sorted(own, key=_order):
            if artifact.name in kept:
                plan.keep.append(artifact)
                plan.reasons[artifact.name] = kept[artifact.name]
            else:
                plan.delete.append(artifact)
    return plan


def newest_first(artifacts):
    return sorted(artifacts, key=_order, reverse=True)
