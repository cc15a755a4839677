"""The simulated GDS Arrow Flight server (protocol v1, database import).

It speaks what ``shared/reference/gds-arrow-protocol.md`` documents for a self-managed GDS plugin:

* authentication: a Basic ``authorization`` header (the ``Handshake`` that
  ``FlightClient.authenticate_basic_token`` sends, or any other call) is checked against the model's
  users and answered with ``authorization: Bearer <token>``; every later call must carry a valid,
  unexpired token (or Basic credentials again).  ``token_lifetime`` is configurable so clients'
  renewal is exercised.
* ``ListActions`` and the actions ``v1/CREATE_DATABASE``, ``v1/NODE_LOAD_DONE``,
  ``v1/RELATIONSHIP_LOAD_DONE`` and ``v1/ABORT``, each answering one JSON result.
* ``DoPut`` with the descriptor ``{"name": "PUT_COMMAND", "version": "v1", "body": {"name",
  "entity_type", "common_labels"?}}``; every batch is acknowledged with ``{"imported": cumulative}``.
* ``RELATIONSHIP_LOAD_DONE`` hands the imported graph to the model, which registers the database or leaves
  its store files on the importing member as ``model.arrow_import_mode`` says (see ClusterModel).
* the server runs on one member (``member``, the GDS member), the importing server of every import.
* imports idle for longer than the abortion timeout are removed.

gRPC status codes: a Python Flight server can send INVALID_ARGUMENT (ArrowInvalid), NOT_FOUND
(KeyError), UNAUTHENTICATED, UNAVAILABLE, INTERNAL and UNKNOWN, but not ALREADY_EXISTS; "already
exists" failures therefore travel as UNKNOWN (FlightServerError) with GDS's wording, which is what
clients match on anyway.

Memory stays flat in the size of the import: per batch only counts are kept, plus the node ids
(one int64 per node, or the strings for ``id_type: STRING``) for the dangling-relationship check.

Fault injection for tests: ``server.faults`` (fail an action, delay an action, take ``batch_delay`` seconds over
every batch received, cut a put stream after N batches, reject authentication); ``model.arrow["enabled"] = False``
makes the server behave as a disabled one (connection refused).
"""

import base64
import collections
import json
import re
import secrets
import socket
import threading
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import flight

from . import errors
from .model import GraphData

ACTIONS = {
    "v1/CREATE_DATABASE": "Start an import process that creates a new Neo4j database.",
    "v1/NODE_LOAD_DONE": "Signal that all nodes of an import process have been sent.",
    "v1/RELATIONSHIP_LOAD_DONE": "Signal that all relationships have been sent; finalizes the import.",
    "v1/ABORT": "Abort a running import process and remove all temporary data.",
}
NODE_RESERVED = ("nodeId", "labels")
REL_RESERVED = ("sourceNodeId", "targetNodeId", "relationshipType")
DATABASE_NAME = re.compile(r"^[a-z][a-z0-9.\-]{2,62}$")


def _duration_seconds(text, default=600.0):
    """GDS durations such as ``10m``, ``30s`` or a bare number of minutes (older docs)."""
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$", str(text or ""))
    if not match:
        return default
    value, unit = float(match.group(1)), match.group(2) or "m"
    return value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


class AlreadyExists(flight.FlightServerError):
    """An import or database of that name exists (gRPC ALREADY_EXISTS on a real server)."""


class Faults:
    """What tests can break.  Every fault is one-shot unless ``times`` says otherwise."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reject_auth = False
        self._actions = {}  # "NODE_LOAD_DONE" -> [times, message]
        self._delays = {}  # "RELATIONSHIP_LOAD_DONE" -> seconds the action takes before it starts
        self.batch_delay = 0.0  # seconds the server takes over every batch it receives (a slow import)
        self.delayed_running = 0  # delayed actions still sleeping (tests wait for 0)
        self._cuts = []  # [entity_type or None, after_batches, times, error]
        # How often each fault really happened ("CREATE_DATABASE", ..., "cut"): tests prove an injection took place.
        self.fired = collections.Counter()

    def fail_action(self, action, message=None, times=1):
        name = action.split("/")[-1]
        with self.lock:
            self._actions[name] = [times, message or "Simulated failure of %s" % name]

    def delay_action(self, action, seconds):
        """Make every call of ``action`` wait ``seconds`` before it runs (a slow server)."""
        with self.lock:
            self._delays[action.split("/")[-1]] = seconds

    def delay_for(self, name):
        with self.lock:
            return self._delays.get(name, 0)

    def cut_stream(self, after_batches, entity_type=None, times=1, error=None):
        """Break the next put stream (of ``entity_type``) after it received ``after_batches`` batches."""
        with self.lock:
            self._cuts.append([entity_type, after_batches, times, error])

    def clear(self):
        with self.lock:
            self.reject_auth = False
            self._actions.clear()
            self._cuts.clear()
            self._delays.clear()
            self.batch_delay = 0.0

    def take_action_failure(self, name):
        with self.lock:
            entry = self._actions.get(name)
            if not entry:
                return None
            entry[0] -= 1
            if entry[0] <= 0:
                del self._actions[name]
            self.fired[name] += 1
            return entry[1]

    def note(self, fault):
        with self.lock:
            self.fired[fault] += 1

    def take_cut(self, entity_type):
        """The batch count after which this new stream is cut, or None."""
        with self.lock:
            for entry in self._cuts:
                if entry[0] in (None, entity_type):
                    entry[2] -= 1
                    if entry[2] <= 0:
                        self._cuts.remove(entry)
                    return entry[1], entry[3]
            return None


class ImportProcess:
    """One running ``CREATE_DATABASE`` import: counts, node ids and its phase."""

    def __init__(self, name, body, user):
        self.name = name
        self.user = user
        self.id_type = str(body.get("id_type") or "INTEGER").upper()
        self.force = bool(body.get("force", False))
        self.use_bad_collector = bool(body.get("use_bad_collector", False))
        self.id_property = body.get("id_property") or "__originalId__"
        self.db_format = body.get("db_format") or body.get("record_format") or None
        self.phase = "nodes"  # nodes -> relationships -> done
        self.lock = threading.Lock()
        self.node_count = 0
        self.relationship_count = 0
        self.bad_relationships = 0
        self.label_counts = collections.Counter()
        self.type_counts = collections.Counter()
        self.node_properties = set()
        self.relationship_properties = set()
        self.id_chunks = []  # numpy int64 arrays (INTEGER) or pyarrow string arrays (STRING)
        self.node_ids = None  # sorted numpy array / pyarrow array after NODE_LOAD_DONE
        self.streams = 0
        self.failure = None
        self.last_activity = time.monotonic()

    def touch(self):
        self.last_activity = time.monotonic()


class _AuthMiddleware(flight.ServerMiddleware):
    def __init__(self, user, token=None):
        self.user = user
        self.token = token

    def sending_headers(self):
        return {"authorization": "Bearer " + self.token} if self.token else {}


class _AuthFactory(flight.ServerMiddlewareFactory):
    def __init__(self, server):
        super().__init__()
        self.server = server

    def start_call(self, info, headers):
        server = self.server
        if not server.model.arrow.get("enabled", True):
            raise flight.FlightUnavailableError(
                "failed to connect to all addresses; last error: UNKNOWN: ipv4:%s:%d: "
                "Failed to connect to remote host: Connection refused" % (server.host, server.port))
        values = headers.get("authorization") or headers.get("Authorization") or []
        value = values[0] if values else ""
        if server.faults.reject_auth:
            raise flight.FlightUnauthenticatedError("Invalid username or password.")
        if value.startswith("Basic "):
            try:
                user, _sep, password = base64.b64decode(value[6:]).decode("utf-8").partition(":")
                name = server.model.authenticate({"scheme": "basic", "principal": user, "credentials": password})
            except (errors.Neo4jError, ValueError):
                raise flight.FlightUnauthenticatedError("Invalid username or password.")
            return _AuthMiddleware(name, server.issue_token(name))
        if value.startswith("Bearer "):
            user = server.check_token(value[7:])
            if user is None:
                raise flight.FlightUnauthenticatedError("Invalid or expired bearer token. Authenticate again.")
            return _AuthMiddleware(user)
        raise flight.FlightUnauthenticatedError("No authorization header: authentication required.")


class _HeaderHandshake(flight.ServerAuthHandler):
    """Lets the Handshake through; the real check happens on its headers in :class:`_AuthFactory`."""

    def authenticate(self, outgoing, incoming):
        pass

    def is_valid(self, token):
        return ""


class _FlightServer(flight.FlightServerBase):
    def __init__(self, owner, location, **kwargs):
        super().__init__(location, auth_handler=_HeaderHandshake(), middleware={"auth": _AuthFactory(owner)}, **kwargs)
        self.owner = owner

    def list_actions(self, context):
        return list(ACTIONS.items())

    def do_action(self, context, action):
        user = context.get_middleware("auth").user
        return self.owner.handle_action(action.type, action.body.to_pybytes(), user)

    def do_put(self, context, descriptor, reader, writer):
        user = context.get_middleware("auth").user
        self.owner.handle_put(descriptor, reader, writer, user)


class ArrowServer:
    """A running simulated GDS Arrow Flight endpoint over one :class:`ClusterModel`."""

    def __init__(self, model, host="127.0.0.1", port=0, tls=None, member=None):
        self.model = model
        self.host = host
        self.member = member or model.gds_server() or next(iter(model.servers), None)
        self.faults = Faults()
        self.token_lifetime = 600.0
        self.abortion_timeout = _duration_seconds(model.arrow.get("abortionTimeout"))
        self.imports = {}  # name -> ImportProcess
        self.lock = threading.Lock()
        self._tokens = {}  # token -> (user, expires_at)
        self._stop = threading.Event()
        kwargs = {}
        scheme = "grpc+tcp"
        if tls:
            certfile, keyfile = tls
            with open(certfile, "rb") as cert, open(keyfile, "rb") as key:
                kwargs["tls_certificates"] = [flight.CertKeyPair(cert.read(), key.read())]
            scheme = "grpc+tls"
        self._flight = _FlightServer(self, "%s://%s:%d" % (scheme, host, port), **kwargs)
        self.port = self._flight.port
        self.location = "%s://%s:%d" % (scheme, host, self.port)
        self._reaper = threading.Thread(target=self._reap, name="arrow-abortion-timeout", daemon=True)
        self._reaper.start()
        with model.lock:
            model.arrow["running"] = True
            model.arrow["listenAddress"] = "%s:%d" % (host, self.port)
            model.arrow_server = self

    # ----- lifecycle -----------------------------------------------------------------------

    def shutdown(self, timeout=5.0):
        """Stop serving.  Bounded: a client that keeps a put stream open cannot hang the caller."""
        self._stop.set()
        stopper = threading.Thread(target=self._flight.shutdown, name="arrow-shutdown", daemon=True)
        stopper.start()
        stopper.join(timeout)
        self._reaper.join(timeout=5)
        with self.model.lock:
            self.model.arrow["running"] = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()

    def _reap(self):
        """Abort imports that received nothing for ``abortion_timeout`` seconds."""
        while not self._stop.wait(0.05):
            now = time.monotonic()
            with self.lock:
                for name, imp in list(self.imports.items()):
                    if imp.streams == 0 and now - imp.last_activity > self.abortion_timeout:
                        del self.imports[name]

    # ----- auth ----------------------------------------------------------------------------

    def issue_token(self, user):
        token = secrets.token_urlsafe(24)
        with self.lock:
            now = time.monotonic()
            self._tokens = {t: v for t, v in self._tokens.items() if v[1] > now}
            self._tokens[token] = (user, now + self.token_lifetime)
        return token

    def check_token(self, token):
        with self.lock:
            entry = self._tokens.get(token)
            if entry is None or entry[1] <= time.monotonic():
                self._tokens.pop(token, None)
                return None
        return entry[0]

    def expire_tokens(self):
        """Make every issued token invalid now (tests of renewal)."""
        with self.lock:
            self._tokens.clear()

    # ----- actions -------------------------------------------------------------------------

    def handle_action(self, action_type, body_bytes, user):
        if action_type not in ACTIONS:
            raise NotImplementedError(
                "Unknown action '%s'; the simulator supports %s." % (action_type, ", ".join(sorted(ACTIONS))))
        try:
            body = json.loads(body_bytes.decode("utf-8")) if body_bytes else {}
        except ValueError as exc:
            raise pa.ArrowInvalid("Action body of %s is not valid JSON: %s" % (action_type, exc))
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
            raise pa.ArrowInvalid("Action %s needs a JSON body with a non-empty 'name'." % action_type)
        action = action_type.split("/", 1)[1]
        delay = self.faults.delay_for(action)
        if delay:
            with self.faults.lock:
                self.faults.delayed_running += 1
            try:
                self._stop.wait(delay)
            finally:
                with self.faults.lock:
                    self.faults.delayed_running -= 1
        message = self.faults.take_action_failure(action)
        if message:
            raise flight.FlightInternalError(message)
        handler = getattr(self, "_" + action.lower())
        result = handler(body, user)
        return [flight.Result(pa.py_buffer(json.dumps(result).encode("utf-8")))]

    def _get(self, name):
        with self.lock:
            imp = self.imports.get(name.lower())
        if imp is None:
            raise KeyError("No arrow process with name `%s` found." % name)
        return imp

    def _create_database(self, body, user):
        name = body["name"].lower()
        if not DATABASE_NAME.match(name):
            raise pa.ArrowInvalid("The provided database name is invalid: `%s`." % body["name"])
        id_type = str(body.get("id_type") or "INTEGER").upper()
        if id_type not in ("INTEGER", "STRING"):
            raise pa.ArrowInvalid("Invalid id_type `%s`, expected one of [INTEGER, STRING]." % body.get("id_type"))
        for key in ("concurrency",):
            if key in body and not isinstance(body[key], int):
                raise pa.ArrowInvalid("`%s` must be an integer." % key)
        for key in ("force", "high_io", "use_bad_collector"):
            if key in body and not isinstance(body[key], bool):
                raise pa.ArrowInvalid("`%s` must be a boolean." % key)
        for key in ("db_format", "record_format"):
            if body.get(key) not in (None, "", "standard", "aligned", "high_limit", "block"):
                raise pa.ArrowInvalid("Invalid %s `%s`, expected one of [standard, aligned, high_limit, block]."
                                      % (key, body[key]))
        if "id_property" in body and not (isinstance(body["id_property"], str) and body["id_property"]):
            raise pa.ArrowInvalid("`id_property` must be a non-empty string.")
        force = bool(body.get("force", False))
        blocked = self.model.arrow_import_blocked(name, self.member, force)
        with self.lock:
            if name in self.imports:
                raise AlreadyExists("An import process with name `%s` is already running." % name)
            if blocked:
                raise AlreadyExists(blocked)
            self.imports[name] = ImportProcess(name, body, user)
        return {"name": name}

    def _node_load_done(self, body, user):
        imp = self._get(body["name"])
        with imp.lock:
            self._check_failed(imp)
            if imp.phase != "nodes":
                raise pa.ArrowInvalid("Node loading for import process `%s` is already done." % imp.name)
            if imp.streams:
                raise pa.ArrowInvalid("Node streams for import process `%s` are still open." % imp.name)
            imp.node_ids = self._finish_ids(imp)
            imp.id_chunks = []
            imp.phase = "relationships"
            imp.touch()
            return {"name": imp.name, "node_count": imp.node_count}

    def _finish_ids(self, imp):
        if not imp.id_chunks:
            return np.empty(0, dtype=np.int64) if imp.id_type == "INTEGER" else pa.array([], pa.string())
        if imp.id_type == "INTEGER":
            ids = np.sort(np.concatenate(imp.id_chunks))
            dup = np.flatnonzero(ids[1:] == ids[:-1])
            if dup.size:
                self._fail(imp, pa.ArrowInvalid("Duplicate node id %d in import process `%s`: node ids must be "
                                                "unique across all streams." % (ids[dup[0]], imp.name)))
            return ids
        ids = pa.concat_arrays(imp.id_chunks)
        if pc.count_distinct(ids).as_py() != len(ids):
            self._fail(imp, pa.ArrowInvalid("Duplicate node ids in import process `%s`: node ids must be unique "
                                            "across all streams." % imp.name))
        return ids

    def _relationship_load_done(self, body, user):
        imp = self._get(body["name"])
        with imp.lock:
            self._check_failed(imp)
            if imp.phase != "relationships":
                raise pa.ArrowInvalid("Relationship loading for import process `%s` can only be done after "
                                      "NODE_LOAD_DONE." % imp.name)
            if imp.streams:
                raise pa.ArrowInvalid("Relationship streams for import process `%s` are still open." % imp.name)
            imp.phase = "done"
            graph = GraphData(label_counts=dict(imp.label_counts), type_counts=dict(imp.type_counts),
                              node_count=imp.node_count, relationship_count=imp.relationship_count,
                              node_properties=set(imp.node_properties) | {imp.id_property},
                              relationship_properties=set(imp.relationship_properties))
        store = {"standard": "record-standard-1.1", "aligned": "record-aligned-1.1",
                 "high_limit": "record-high_limit-1.1", "block": "block-block-1.1"}.get(imp.db_format)
        try:
            self.model.finish_arrow_import(imp.name, graph, store, self.member, imp.force)
        except errors.Neo4jError as exc:
            if exc.code == "Neo.ClientError.Database.ExistingDatabaseFound":
                raise AlreadyExists(exc.message)
            raise flight.FlightInternalError("Failed to create database `%s`: %s" % (imp.name, exc.message))
        finally:
            with self.lock:
                self.imports.pop(imp.name, None)
        return {"name": imp.name, "relationship_count": imp.relationship_count}

    def _abort(self, body, user):
        name = body["name"].lower()
        with self.lock:
            imp = self.imports.pop(name, None)
        if imp is None:
            raise KeyError("No arrow process with name `%s` found." % body["name"])
        with imp.lock:
            imp.failure = imp.failure or flight.FlightCancelledError("Import process `%s` was aborted." % name)
            imp.id_chunks, imp.node_ids = [], None
        return {"name": name}

    @staticmethod
    def _check_failed(imp):
        if imp.failure is not None:
            raise type(imp.failure)(str(imp.failure))

    @staticmethod
    def _fail(imp, exc):
        imp.failure = imp.failure or exc
        raise exc

    # ----- puts ----------------------------------------------------------------------------

    def handle_put(self, descriptor, reader, writer, user):
        body = self._put_body(descriptor)
        imp = self._get(body["name"])
        entity = body.get("entity_type")
        schema = reader.schema
        with imp.lock:
            self._check_failed(imp)
            if entity == "node":
                if imp.phase != "nodes":
                    raise pa.ArrowInvalid("Node loading for import process `%s` is already done; nodes can no longer "
                                          "be sent." % imp.name)
                common = body.get("common_labels") or []
                self._check_schema(imp, schema, ("nodeId",), ("labels",), common)
            elif entity == "relationship":
                if imp.phase != "relationships":
                    raise pa.ArrowInvalid("Relationships for import process `%s` can only be sent after "
                                          "NODE_LOAD_DONE." % imp.name)
                self._check_schema(imp, schema, ("sourceNodeId", "targetNodeId"), ("relationshipType",), [])
            else:
                raise pa.ArrowInvalid("Invalid entity type `%s`; expected `node` or `relationship`." % entity)
            imp.streams += 1
            imp.touch()
        cut = self.faults.take_cut(entity)
        imported = batches = 0
        try:
            for chunk in reader:
                batch = chunk.data
                if cut is not None and batches >= cut[0]:
                    self.faults.note("cut")
                    raise cut[1] or flight.FlightUnavailableError(
                        "Connection reset: stream of import process `%s` was cut after %d batches." % (imp.name, batches))
                if imp.failure is not None:
                    raise type(imp.failure)(str(imp.failure))
                if entity == "node":
                    self._take_nodes(imp, batch, common)
                else:
                    batch = self._take_relationships(imp, batch)
                imported += batch.num_rows
                batches += 1
                if self.faults.batch_delay:
                    time.sleep(self.faults.batch_delay)
                writer.write(pa.py_buffer(json.dumps({"imported": imported}).encode("utf-8")))
        except pa.ArrowInvalid as exc:
            with imp.lock:
                imp.failure = imp.failure or exc
            raise
        finally:
            with imp.lock:
                imp.streams -= 1
                imp.touch()

    @staticmethod
    def _put_body(descriptor):
        if descriptor.descriptor_type != flight.DescriptorType.CMD:
            raise pa.ArrowInvalid("Expected a command descriptor with a PUT_COMMAND.")
        try:
            command = json.loads(descriptor.command.decode("utf-8"))
        except ValueError as exc:
            raise pa.ArrowInvalid("Descriptor is not valid JSON: %s" % exc)
        if not isinstance(command, dict) or command.get("name") != "PUT_COMMAND" or command.get("version") != "v1":
            raise pa.ArrowInvalid("Expected a descriptor {\"name\": \"PUT_COMMAND\", \"version\": \"v1\", \"body\": {...}}.")
        body = command.get("body")
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise pa.ArrowInvalid("PUT_COMMAND body needs the import process `name`.")
        return body

    def _check_schema(self, imp, schema, required, optional_names, common_labels):
        id_type = pa.int64() if imp.id_type == "INTEGER" else pa.string()
        for column in required:
            index = schema.get_field_index(column)
            if index < 0:
                raise pa.ArrowInvalid("Missing required column `%s`; got columns %s." % (column, schema.names))
            field_type = schema.field(index).type
            ok = pa.types.is_integer(field_type) if imp.id_type == "INTEGER" else field_type == pa.string()
            if not ok:
                raise pa.ArrowInvalid("Column `%s` must be of type %s for id_type %s, got %s."
                                      % (column, id_type, imp.id_type, field_type))
        for column in optional_names:
            index = schema.get_field_index(column)
            if index >= 0 and not _label_type_ok(schema.field(index).type, allow_list=(column == "labels")):
                raise pa.ArrowInvalid("Column `%s` has unsupported type %s; use utf8, a dictionary-encoded string%s."
                                      % (column, schema.field(index).type,
                                         " or list<utf8>" if column == "labels" else ""))
        if not isinstance(common_labels, list) or not all(isinstance(x, str) for x in common_labels):
            raise pa.ArrowInvalid("`common_labels` must be a list of strings.")
        reserved = set(NODE_RESERVED + REL_RESERVED)
        for f in schema:
            if f.name not in reserved and _unsupported_property(f.type):
                raise pa.ArrowInvalid("Column `%s` has type %s, which cannot be stored as a property."
                                      % (f.name, f.type))
            if pa.types.is_large_string(f.type) or pa.types.is_large_binary(f.type) or pa.types.is_large_list(f.type):
                raise pa.ArrowInvalid("Column `%s` has type %s; large types are not supported, send %s instead."
                                      % (f.name, f.type, str(f.type).replace("large_", "")))

    def _take_nodes(self, imp, batch, common_labels):
        ids = batch.column("nodeId")
        if ids.null_count:
            raise pa.ArrowInvalid("Column `nodeId` contains null values.")
        if imp.id_type == "INTEGER":
            chunk = ids.cast(pa.int64()).to_numpy()
            if chunk.size and chunk.min() < 0:
                raise pa.ArrowInvalid("Node ids must be positive, got %d." % chunk.min())
        else:
            chunk = ids
        labels = collections.Counter({label: batch.num_rows for label in common_labels})
        index = batch.schema.get_field_index("labels")
        if index >= 0:
            labels.update(_value_counts(batch.column(index)))
        props = [n for n in batch.schema.names if n not in NODE_RESERVED]
        with imp.lock:
            imp.id_chunks.append(chunk)
            imp.node_count += batch.num_rows
            imp.label_counts.update(labels)
            imp.node_properties.update(props)
            imp.touch()

    def _take_relationships(self, imp, batch):
        src, dst = batch.column("sourceNodeId"), batch.column("targetNodeId")
        if src.null_count or dst.null_count:
            raise pa.ArrowInvalid("Columns `sourceNodeId` and `targetNodeId` must not contain null values.")
        known_src, known_dst = self._known(imp, src), self._known(imp, dst)
        valid = np.logical_and(known_src, known_dst)
        bad = int(valid.size - np.count_nonzero(valid))
        if bad:
            if not imp.use_bad_collector:
                row = int(np.flatnonzero(~valid)[0])
                missing = src[row] if not known_src[row] else dst[row]
                raise pa.ArrowInvalid("Relationship refers to a node id that was not imported: %s (row %d of the batch)."
                                      % (missing.as_py(), row))
            batch = batch.filter(pa.array(valid))
        types = collections.Counter()
        index = batch.schema.get_field_index("relationshipType")
        if index >= 0:
            types.update(_value_counts(batch.column(index)))
        else:
            types["RELATIONSHIP"] += batch.num_rows  # GDS's default type when none is sent
        props = [n for n in batch.schema.names if n not in REL_RESERVED]
        with imp.lock:
            imp.relationship_count += batch.num_rows
            imp.bad_relationships += bad
            imp.type_counts.update(types)
            imp.relationship_properties.update(props)
            imp.touch()
        return batch

    @staticmethod
    def _known(imp, ids):
        """Boolean numpy mask: which ids were imported as nodes."""
        nodes = imp.node_ids
        if imp.id_type == "INTEGER":
            values = ids.cast(pa.int64()).to_numpy()
            if nodes.size == 0:
                return np.zeros(values.size, dtype=bool)
            pos = np.minimum(np.searchsorted(nodes, values), nodes.size - 1)
            return nodes[pos] == values
        return pc.is_in(ids, value_set=nodes).to_numpy(zero_copy_only=False)


def _unsupported_property(t):
    """Structs, maps, unions, nulls and nested lists have no Neo4j property equivalent."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return pa.types.is_nested(t.value_type) or pa.types.is_null(t.value_type)
    return pa.types.is_nested(t) or pa.types.is_null(t)


def _label_type_ok(t, allow_list):
    if pa.types.is_string(t):
        return True
    if pa.types.is_dictionary(t):
        return pa.types.is_string(t.value_type)
    if allow_list and pa.types.is_list(t):
        return pa.types.is_string(t.value_type)
    return False


def _value_counts(column):
    """label/type -> rows carrying it, for a utf8, dictionary or list<utf8> column."""
    if pa.types.is_list(column.type):
        column = pc.list_flatten(column)
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    counts = pc.value_counts(column)
    return {v["values"]: v["counts"] for v in counts.to_pylist() if v["values"] is not None}


class DisabledArrowServer:
    """What a member with ``gds.arrow.enabled=false`` offers: a port where nothing listens.

    The socket is bound but never listens, so connecting to it is refused, exactly as with no
    server at all, while the port stays reserved for the test.
    """

    def __init__(self, model, host="127.0.0.1", port=0, tls=None, member=None):
        self.model = model
        self.host = host
        self.member = member or model.gds_server() or next(iter(model.servers), None)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind((host, port))
        self.port = self._socket.getsockname()[1]
        self.location = "%s://%s:%d" % ("grpc+tls" if tls else "grpc+tcp", host, self.port)
        self.faults = Faults()
        self.imports = {}
        with model.lock:
            model.arrow["running"] = False
            model.arrow["listenAddress"] = "%s:%d" % (host, self.port)
            model.arrow_server = self

    def shutdown(self):
        self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()


def start_arrow_server(model, host="127.0.0.1", port=0, tls=None, member=None):
    """Start the simulated GDS Arrow Flight endpoint on ``member`` (default: the GDS member), or a refusing port
    when Arrow is disabled."""
    if not model.arrow.get("enabled", True):
        return DisabledArrowServer(model, host, port, tls, member)
    return ArrowServer(model, host, port, tls, member)
