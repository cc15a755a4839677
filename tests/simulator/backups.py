"""Backup artefacts as the simulator writes and reads them: one file per database per backup run.

Neo4j's artefact format is its own (and undocumented); what the Operations Manual documents is what the
simulator keeps (backup-restore/online-backup.adoc, inspect.adoc):

* one immutable file per database per run, named ``<database>-<YYYY-MM-DDTHH-MM-SS>.backup`` (the docs'
  examples, e.g. ``london-2024-10-07T16-03-51.backup``; no formal spec exists);
* the header metadata ``neo4j-admin backup inspect`` lists: database, database id, time (UTC), full or
  differential, compressed, lowest and highest transaction id (a full backup's lowest is 1; an *empty*
  differential backup, taken when nothing changed, has 0 and 0);
* a chain is a full backup followed by contiguous differential backups (each diff starts at the previous
  highest transaction + 1).

Simulator format (version 1), so a seeded restore brings the same counts back::

    NEO4J-SIM-BACKUP/1\\n
    <header: one line of JSON>\\n
    <payload: JSON, gzip-compressed when the header says "compressed": true>

The payload of a full backup is the database's ``GraphData`` at its highest transaction; a differential
backup holds the change since its parent (count deltas and the property keys seen), so it is useless
without the chain before it, as a real one is.  The header also records the store format, the Neo4j
version, whether the store was consistent when it was copied (``model.backup_inconsistent``), and, with
``--include-metadata``, the users and roles script.
"""

import gzip
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

MAGIC = b"NEO4J-SIM-BACKUP/1\n"
NAME_PATTERN = re.compile(r"^(?P<database>.+)-(?P<stamp>\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2})\.backup$")
STAMP_FORMAT = "%Y-%m-%dT%H-%M-%S"


class ArtifactError(Exception):
    """A file that is not a (simulator) backup artefact, or a chain that cannot be built."""


def artifact_name(database, when):
    """``<database>-<YYYY-MM-DDTHH-MM-SS>.backup`` for ``when`` (UTC)."""
    return "%s-%s.backup" % (database, when.astimezone(timezone.utc).strftime(STAMP_FORMAT))


def uuid_form(database_id):
    """A database id as ``backup inspect`` prints it, a lower-case UUID (8-4-4-4-12, inspect.adoc's examples): the
    first 32 hex digits of the simulator's databaseID (64 hex digits, as SHOW DATABASES shows it)."""
    return str(uuid.UUID(hex=database_id.replace("-", "")[:32]))


# ----- graph payloads ---------------------------------------------------------------------------------

def graph_to_dict(graph):
    return {"node_count": graph.node_count, "relationship_count": graph.relationship_count,
            "label_counts": dict(graph.label_counts), "type_counts": dict(graph.type_counts),
            "node_properties": sorted(graph.node_properties),
            "relationship_properties": sorted(graph.relationship_properties)}


def graph_delta(current, parent):
    """What changed from ``parent`` to ``current`` (both graph dicts): count deltas and property keys."""
    delta = {"node_count": current["node_count"] - parent["node_count"],
             "relationship_count": current["relationship_count"] - parent["relationship_count"],
             "label_counts": {}, "type_counts": {},
             "node_properties": current["node_properties"],
             "relationship_properties": current["relationship_properties"]}
    for key in ("label_counts", "type_counts"):
        for name in set(current[key]) | set(parent[key]):
            change = current[key].get(name, 0) - parent[key].get(name, 0)
            if change:
                delta[key][name] = change
    return delta


def apply_delta(graph, delta):
    """``graph`` (a dict) with a differential payload applied."""
    out = {"node_count": graph["node_count"] + delta["node_count"],
           "relationship_count": graph["relationship_count"] + delta["relationship_count"],
           "label_counts": dict(graph["label_counts"]), "type_counts": dict(graph["type_counts"]),
           "node_properties": sorted(set(graph["node_properties"]) | set(delta["node_properties"])),
           "relationship_properties": sorted(set(graph["relationship_properties"])
                                             | set(delta["relationship_properties"]))}
    for key in ("label_counts", "type_counts"):
        for name, change in delta[key].items():
            out[key][name] = out[key].get(name, 0) + change
            if not out[key][name]:
                del out[key][name]
    return out


EMPTY_GRAPH = {"node_count": 0, "relationship_count": 0, "label_counts": {}, "type_counts": {},
               "node_properties": [], "relationship_properties": []}


# ----- artefacts -------------------------------------------------------------------------------------

@dataclass
class Artifact:
    """The header of one artefact (``payload`` is read on demand)."""

    name: str  # file name, or the object key's last part
    location: str  # where it is: a local path or an s3:// URI
    database: str
    database_id: str  # lower-case 8-4-4-4-12
    time: datetime
    full: bool
    compressed: bool
    lowest_tx: int
    highest_tx: int
    store: str = "block-block-1.1"
    neo4j_version: str = ""
    consistent: bool = True
    metadata: list = field(default_factory=list)  # Cypher lines of --include-metadata
    size: int = 0
    padding: int = 0  # bytes after the payload standing in for store files (``model.backup_store_bytes``)

    @property
    def empty(self):
        """A differential backup taken when nothing had changed: it only records the backup's time."""
        return not self.full and self.lowest_tx == 0 and self.highest_tx == 0

    def header(self):
        return {"database": self.database, "database_id": self.database_id,
                "time": self.time.strftime("%Y-%m-%dT%H:%M:%S"), "full": self.full, "compressed": self.compressed,
                "lowest_tx": self.lowest_tx, "highest_tx": self.highest_tx, "store": self.store,
                "neo4j_version": self.neo4j_version, "consistent": self.consistent, "metadata": self.metadata,
                "padding": self.padding}


def encode(artifact, payload):
    """The bytes of an artefact file, without the padding (``write_padding`` appends it)."""
    body = json.dumps(payload, sort_keys=True).encode("utf-8")
    if artifact.compressed:
        body = gzip.compress(body, mtime=0)
    return MAGIC + json.dumps(artifact.header(), sort_keys=True).encode("utf-8") + b"\n" + body


def padding_chunks(size, seed, chunk=1024 * 1024):
    """``size`` pseudo-random bytes (incompressible, like store files), in chunks."""
    import random
    rng = random.Random(seed)
    while size > 0:
        n = min(chunk, size)
        yield rng.randbytes(n)
        size -= n


def decode_header(data, name, location, size=None):
    """An :class:`Artifact` from the first bytes of a file (at least up to the end of the header line)."""
    if not data.startswith(MAGIC):
        raise ArtifactError("%s is not a backup artifact" % location)
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        raise ArtifactError("%s has a truncated header" % location)
    try:
        header = json.loads(data[len(MAGIC):end].decode("utf-8"))
        when = datetime.strptime(header["time"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
        return Artifact(name=name, location=location, database=header["database"],
                        database_id=header["database_id"], time=when, full=bool(header["full"]),
                        compressed=bool(header["compressed"]), lowest_tx=int(header["lowest_tx"]),
                        highest_tx=int(header["highest_tx"]), store=header.get("store", ""),
                        neo4j_version=header.get("neo4j_version", ""), consistent=header.get("consistent", True),
                        metadata=header.get("metadata") or [], size=len(data) if size is None else size,
                        padding=int(header.get("padding") or 0))
    except (ValueError, KeyError, TypeError) as exc:
        raise ArtifactError("%s has an unreadable header: %s" % (location, exc))


def decode_payload(data, artifact):
    end = data.find(b"\n", len(MAGIC))
    body = data[end + 1:len(data) - artifact.padding]
    try:
        if artifact.compressed:
            body = gzip.decompress(body)
        return json.loads(body.decode("utf-8"))
    except (OSError, ValueError, EOFError) as exc:
        raise ArtifactError("%s is corrupt: %s" % (artifact.location, exc))


def read_local(path):
    """(Artifact, payload) of a local file."""
    with open(path, "rb") as handle:
        data = handle.read()
    artifact = decode_header(data, os.path.basename(path), path, len(data))
    return artifact, decode_payload(data, artifact)


def scan_local(folder):
    """The artefacts in a local folder (files named ``*.backup`` with a readable header), oldest first."""
    found = []
    for entry in sorted(os.listdir(folder)):
        path = os.path.join(folder, entry)
        if not entry.endswith(".backup") or not os.path.isfile(path):
            continue
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
        try:
            found.append(decode_header(head, entry, path, os.path.getsize(path)))
        except ArtifactError:
            continue
    return sorted(found, key=lambda a: (a.time, a.highest_tx, a.name))


# ----- chains -----------------------------------------------------------------------------------------

def chain_ending_at(artifacts, last):
    """The chain that ends with ``last``: the full backup it builds on and every differential backup between,
    oldest first (empty differential backups included).  Raises :class:`ArtifactError` when a link is missing."""
    if last.full:
        return [last]
    same = sorted((a for a in artifacts if a.database_id == last.database_id and a.time <= last.time),
                  key=lambda a: (a.time, a.name))
    chain = []
    needed = None  # the highest transaction the next older link must end with
    for candidate in reversed(same):
        if candidate is last or candidate.name == last.name:
            chain.append(candidate)
            needed = None if candidate.empty else candidate.lowest_tx - 1
            continue
        if not chain:
            continue
        if candidate.empty:
            chain.append(candidate)
            continue
        if needed is None or candidate.highest_tx == needed:
            chain.append(candidate)
            if candidate.full:
                return list(reversed(chain))
            needed = candidate.lowest_tx - 1
    raise ArtifactError("No backup chain ends at %s: the full backup or a differential backup before it is "
                        "missing" % last.location)


def latest_chain(artifacts, database):
    """The newest chain of ``database`` (by its last artefact), or [] when there is none."""
    own = [a for a in artifacts if a.database == database]
    for last in sorted(own, key=lambda a: (a.time, a.highest_tx, a.name), reverse=True):
        try:
            return chain_ending_at(own, last)
        except ArtifactError:
            continue
    return []


def restore_graph(chain, payloads):
    """The graph a chain restores: the full backup's graph with each differential backup applied."""
    graph = None
    for artifact in chain:
        payload = payloads[artifact.name]
        if artifact.full:
            graph = payload
        elif not artifact.empty:
            graph = apply_delta(graph, payload)
    return graph
