# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which backups exist (a local folder, an S3 prefix), per database, newest first, with their chains.

Local folders (and cloud folders neo4j-admin wrote to itself) are read with ``neo4j-admin backup inspect``;
S3 prefixes the backup modules shipped to are read from the objects' metadata (no download, no neo4j-admin).
Every entry says what restoring it needs (``chain``), whether that chain is whole (``restorable``) and the
``seed_uri`` to give ``CREATE DATABASE ... OPTIONS {seedURI}`` (graphops.neo4j.neo4j_database's seed_uri).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import os

from . import backup, backup_chains
from .backup import BackupError
from . import backup_s3
from .backup_s3 import Bucket


def validate(params):
    from .connection import check_timeouts
    check_timeouts(params, ("timeout",))
    backup.check_local_files(params)
    backup_s3.check_transfer_options(params.get("s3"))
    if not params.get("path") and not params.get("s3"):
        raise BackupError("path or s3 is required: where to look for backups.")
    if params.get("path") and "://" in params["path"] and not backup.is_cloud(params["path"]):
        raise BackupError("path: %s is neither a local path nor an s3://, gs:// or azb:// URI." % params["path"])


def seed_uri(artifact):
    if artifact.source == "local":
        return "file:" + os.path.abspath(artifact.location)
    return artifact.location


def entries(artifacts):
    """{database: [entry, newest first]}; an entry is the artefact with its chain and seed URI."""
    catalog = {}
    for database, own in sorted(backup_chains.by_database(artifacts).items()):
        listed = []
        for source in sorted(set(a.source for a in own)):
            here = [a for a in own if a.source == source]
            chains = backup_chains.build_chains(here)
            for artifact in here:
                needs = backup_chains.chain_of(chains, artifact).up_to(artifact)
                entry = artifact.as_dict()
                entry.update(chain=[a.name for a in needs], restorable=needs[0].full, seed_uri=seed_uri(artifact),
                             full_backup=needs[0].name if needs[0].full else None)
                listed.append((artifact, entry))
        catalog[database] = [entry for _a, entry in sorted(listed, key=lambda pair: (
            pair[0].time, 0 if pair[0].full else 1, pair[0].highest_tx, pair[0].source), reverse=True)]
    return catalog


def gather(params):
    """The module result: ``backups`` per database, ``latest`` restorable one per database, ``unknown`` objects."""
    validate(params)
    found = []
    result = dict(changed=False, unknown=[])
    timeout = float(params.get("timeout") or 600)
    if params.get("path"):
        path = params["path"]
        if backup.is_cloud(path) or os.path.isdir(path):
            env = backup.environment(params)
            admin = backup.find_neo4j_admin(params.get("neo4j_admin"))
            found += backup.inspect(admin, params, path, timeout, env)
        elif os.path.exists(path):
            raise BackupError("path: %s is not a folder." % path)
    if params.get("s3"):
        bucket = Bucket(params["s3"])
        artifacts, unknown = bucket.list_artifacts()
        found += artifacts
        result["unknown"] = [bucket.uri(key) for key in unknown]
    wanted = params.get("database")
    if wanted:
        found = [a for a in found if any(fnmatch.fnmatchcase(a.database, w.lower()) for w in wanted)]
    catalog = entries(found)
    result["backups"] = catalog
    # An empty differential backup restores what its parent does; the newest one with data is the one to seed from.
    result["latest"] = dict((database, next((e for e in listed if e["restorable"] and not e["empty"]), None))
                            for database, listed in catalog.items())
    return result
