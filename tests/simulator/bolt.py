"""The Bolt server of one simulated cluster member.

One :class:`BoltServer` listens on 127.0.0.1 (optionally TLS) and runs one thread per connection.  A
connection negotiates Bolt 5.0-5.8, and 6.0 when the simulated release serves it (2025.10+, see
``simulator.versions``), through Handshake Manifest v1 or the classic four proposals, then runs the
server state machine of the Bolt spec: HELLO/LOGON, auto-commit RUN + PULL/DISCARD streaming, explicit
transactions, RESET, ROUTE and TELEMETRY.  Statements run through the Cypher executor
(``simulator.cypher``) against the shared :class:`~simulator.model.ClusterModel`; ROUTE answers with a
routing table computed from the model.  Failures travel as FAILURE in the shape of the negotiated version.
"""

import importlib
import itertools
import socket
import ssl
import struct
import sys
import threading
import time
import traceback

from . import errors, notifications, servers, versions
from .packstream import PackStreamError, pack_message, unpack_message

# Message signatures (message.adoc).
HELLO, GOODBYE, RESET = 0x01, 0x02, 0x0F
RUN, BEGIN, COMMIT, ROLLBACK, DISCARD, PULL = 0x10, 0x11, 0x12, 0x13, 0x2F, 0x3F
TELEMETRY, ROUTE, LOGON, LOGOFF = 0x54, 0x66, 0x6A, 0x6B
SUCCESS, RECORD, IGNORED, FAILURE = 0x70, 0x71, 0x7E, 0x7F

MESSAGE_NAMES = {
    HELLO: "HELLO", GOODBYE: "GOODBYE", RESET: "RESET", RUN: "RUN", BEGIN: "BEGIN", COMMIT: "COMMIT",
    ROLLBACK: "ROLLBACK", DISCARD: "DISCARD", PULL: "PULL", TELEMETRY: "TELEMETRY", ROUTE: "ROUTE",
    LOGON: "LOGON", LOGOFF: "LOGOFF",
}

# Server states (server-state.adoc).
NEGOTIATION, AUTHENTICATION, READY, STREAMING = "NEGOTIATION", "AUTHENTICATION", "READY", "STREAMING"
TX_READY, TX_STREAMING, FAILED, DEFUNCT = "TX_READY", "TX_STREAMING", "FAILED", "DEFUNCT"

# The requests each state accepts; RESET and GOODBYE are handled before this table is consulted.
ALLOWED = {
    NEGOTIATION: {HELLO},
    AUTHENTICATION: {LOGON},
    READY: {RUN, BEGIN, ROUTE, TELEMETRY, LOGOFF},
    STREAMING: {PULL, DISCARD},
    TX_READY: {RUN, COMMIT, ROLLBACK},
    TX_STREAMING: {RUN, PULL, DISCARD, COMMIT, ROLLBACK},
}
# Field count and which fields must be maps, per request.
SHAPES = {
    HELLO: (1, (0,)), LOGON: (1, (0,)), LOGOFF: (0, ()), TELEMETRY: (1, ()), GOODBYE: (0, ()), RESET: (0, ()),
    RUN: (3, (1, 2)), PULL: (1, (0,)), DISCARD: (1, (0,)), BEGIN: (1, (0,)), COMMIT: (0, ()), ROLLBACK: (0, ()),
    ROUTE: (3, (0, 2)),
}
# In FAILED these are answered with IGNORED until RESET arrives.
IGNORED_WHEN_FAILED = {RUN, PULL, DISCARD, BEGIN, COMMIT, ROLLBACK, ROUTE, TELEMETRY, LOGOFF}

MAGIC = b"\x60\x60\xB0\x17"
MANIFEST_V1 = b"\x00\x00\x01\xFF"
HIGHEST = (5, 8)
# Bolt 5.5 was never served by Neo4j, so the legacy handshake never picks it (bolt-compatibility.adoc).
# Bolt 6.0 only travels through the manifest: the 6.x drivers never propose it in a legacy slot
# (get_handshake() in neo4j/_async/io/_bolt/_base.py), and docs-bolt says nothing of a legacy 6.0 proposal.
LEGACY_VERSIONS = [(5, minor) for minor in range(8, -1, -1) if minor != 5]
BOLT_6 = (6, 0)
ROUTING_TTL = 300
JOIN_TIMEOUT = 5.0


class ConnectionClosed(Exception):
    """The peer went away, or the server decided to close the connection."""


# ----- handshake -----------------------------------------------------------------------------


def choose_legacy_version(proposals):
    """The version answering four 4.3-style proposals: the first proposal that matches, highest minor."""
    for i in range(0, 16, 4):
        _range, spread, minor, major = proposals[i:i + 4]
        if major == 0xFF:
            continue  # a manifest marker, not a version
        for candidate in range(minor, max(minor - spread, 0) - 1, -1):
            if (major, candidate) in LEGACY_VERSIONS:
                return major, candidate
    return None


def encode_varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def manifest_entries(neo4j_version=versions.DEFAULT_VERSION):
    """The version ranges a release offers in the manifest, as (major, highest minor, range)."""
    entries = [(6, 0, 0)] if BOLT_6 in versions.bolt_versions(neo4j_version) else []
    top_major, top_minor = HIGHEST
    return entries + [(top_major, top_minor, top_minor)]


def manifest_offer(neo4j_version=versions.DEFAULT_VERSION):
    """Manifest v1 reply: 6.0 (2025.10+), then one range entry 5.8..5.0, and no capabilities."""
    entries = manifest_entries(neo4j_version)
    body = b"".join(bytes((0, spread, minor, major)) for major, minor, spread in entries)
    return MANIFEST_V1 + encode_varint(len(entries)) + body + encode_varint(0)


def manifest_versions(neo4j_version=versions.DEFAULT_VERSION):
    """Every version a client may pick from ``manifest_offer``."""
    return [(major, m) for major, minor, spread in manifest_entries(neo4j_version)
            for m in range(minor, minor - spread - 1, -1)]


# ----- routing -------------------------------------------------------------------------------


def routing_table(model, requested, user):
    """The ROUTE answer for ``requested`` (a database or alias name; None = the user's home)."""
    name = requested or model.home_database(user)
    with model.lock:
        servers.settle(model)
        routers = [s.address for s in model.available_servers()]
        alias = model.aliases.get(name.lower())
        if alias is not None and alias.location == "remote":
            # Every member proxies a remote alias, so each can serve reads and writes.
            readers, writers = list(routers), list(routers)
        else:
            db = model.resolve(name)
            if db is None:
                raise errors.database_not_found(name)
            if db.requested_status == "offline":
                raise errors.database_unavailable(name)
            hosts = [s for s in db.allocations if model.servers[s].serving]
            # A copy still coming up on a new server (a move, simulator/servers.py) is not routed to yet.
            hosts = [s for s in hosts if db.allocations[s].current() == "online"] or hosts
            if model.leaving_copy_routing == "excluded":
                hosts = [s for s in hosts if not db.allocations[s].leaving_at] or hosts
            writer = db.writer if db.writer and model.is_writer(db.writer, db.name) else None
            writers = [model.servers[writer].address] if writer else []
            readers = [model.servers[s].address for s in hosts if s != writer] or list(writers)
    return {"ttl": ROUTING_TTL, "db": name, "servers": [
        {"addresses": routers, "role": "ROUTE"},
        {"addresses": readers, "role": "READ"},
        {"addresses": writers, "role": "WRITE"},
    ]}


# ----- one connection ------------------------------------------------------------------------


class _Stream:
    """The records of one RUN, handed out by PULL/DISCARD."""

    def __init__(self, result, database):
        self.result = result
        self.database = database
        self.records = list(result.records)
        self.sent = 0
        self.done = False

    def take(self, n):
        end = len(self.records) if n < 0 else min(len(self.records), self.sent + n)
        chunk = self.records[self.sent:end]
        self.sent = end
        return chunk

    @property
    def has_more(self):
        return self.sent < len(self.records)

    def summary(self, bolt_version):
        meta = {"type": getattr(self.result, "type", "r"), "db": getattr(self.result, "db", None) or self.database}
        stats = {k: v for k, v in (getattr(self.result, "stats", None) or {}).items() if v}
        if stats:
            meta["stats"] = stats
        meta.update(notifications.summary_metadata(getattr(self.result, "notifications", None),
                                                   bool(self.result.fields), bool(self.records), bolt_version))
        return meta


class BoltConnection:
    """One client connection: handshake, chunked messages, and the server state machine."""

    def __init__(self, server, sock, connection_id):
        self.server = server
        self.model = server.model
        self.sock = sock
        self.connection_id = connection_id
        self.version = None
        self.manifest = False
        self.state = NEGOTIATION
        self.user = None
        self.tx = None
        self.tx_ctx = None
        self.streams = {}  # qid -> _Stream; auto-commit uses qid -1
        self.next_qid = 0
        self.last_qid = -1
        self._buffer = bytearray()
        self._out = bytearray()

    # --- plumbing ---

    def run(self):
        try:
            if isinstance(self.sock, ssl.SSLSocket):
                self.sock.settimeout(10)
                self.sock.do_handshake()
                self.sock.settimeout(None)
            if self.handshake():
                while self.state != DEFUNCT:
                    tag, fields = unpack_message(self._read_message())
                    self.handle(tag, fields)
                    self._flush()
        except (ConnectionClosed, OSError, ssl.SSLError):
            pass
        except PackStreamError as exc:
            self._fail_protocol("Invalid PackStream: %s" % exc)
        finally:
            self._close()

    def _recv_exact(self, n):
        while len(self._buffer) < n:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionClosed()
            self._buffer += data
        chunk = bytes(self._buffer[:n])
        del self._buffer[:n]
        return chunk

    def _read_message(self):
        parts = []
        while True:
            size = struct.unpack(">H", self._recv_exact(2))[0]
            if size == 0:
                if parts:
                    return b"".join(parts)
                continue  # a NOOP between messages
            parts.append(self._recv_exact(size))

    def _send(self, tag, *fields):
        data = pack_message(tag, *fields)
        for start in range(0, len(data), 0xFFFF):
            chunk = data[start:start + 0xFFFF]
            self._out += struct.pack(">H", len(chunk)) + chunk
        self._out += b"\x00\x00"

    def _flush(self):
        if self._out:
            data, self._out = bytes(self._out), bytearray()
            self.sock.sendall(data)

    def _close(self):
        self._rollback_quietly()
        try:
            self.sock.close()
        except OSError:
            pass
        self.server._forget(self)

    def abort(self, abrupt):
        """Called from another thread: make the reader wake up and close (abrupt = RST, no FIN)."""
        try:
            if abrupt:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                socket.socket.shutdown(self.sock, socket.SHUT_RD)
            else:
                socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
        except OSError:
            pass

    # --- handshake ---

    def handshake(self):
        if self._recv_exact(4) != MAGIC:
            return False
        proposals = self._recv_exact(16)
        for i in range(0, 16, 4):
            slot = proposals[i:i + 4]
            if slot == MANIFEST_V1:
                return self._manifest_handshake()
            version = choose_legacy_version(slot + bytes(12))
            if version:
                self.version = version
                self.sock.sendall(bytes((0, 0, version[1], version[0])))
                return True
        self.sock.sendall(b"\x00\x00\x00\x00")
        return False

    def _manifest_handshake(self):
        self.sock.sendall(manifest_offer(self.model.server_version(self.server.member)))
        pick = self._recv_exact(4)
        self._read_varint()  # the capabilities the client takes; we offered none
        version = (pick[3], pick[2])
        if version not in manifest_versions(self.model.server_version(self.server.member)):
            return False
        self.version, self.manifest = version, True
        return True

    def _read_varint(self):
        value, shift = 0, 0
        for _attempt in range(10):
            byte = self._recv_exact(1)[0]
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value
        raise ConnectionClosed()

    # --- dispatch ---

    def handle(self, tag, fields):
        name = MESSAGE_NAMES.get(tag)
        if tag == GOODBYE:
            raise ConnectionClosed()
        if name is None:
            return self._fail_protocol("Unknown message signature 0x%02X." % tag)
        count, maps = SHAPES[tag]
        if len(fields) != count or any(not isinstance(fields[i], dict) for i in maps):
            return self._fail_protocol("Invalid %s message: expected %d fields." % (name, count))
        if not self._known_in_version(tag):
            return self._fail_protocol("Message '%s' is not supported by Bolt %d.%d." % (name, *self.version))
        if tag == RESET and self.state not in (NEGOTIATION, AUTHENTICATION):
            return self.on_reset()
        if self.state == FAILED and tag in IGNORED_WHEN_FAILED:
            return self._send(IGNORED)
        if tag not in ALLOWED.get(self.state, ()):
            return self._fail_protocol(errors.invalid_server_state(name, self.state))
        handler = getattr(self, "on_" + name.lower())
        try:
            handler(*fields)
        except errors.Neo4jError as exc:
            self._failure(exc)
            if tag in (HELLO, LOGON):
                self.state = DEFUNCT  # an authentication failure ends the connection
        except Exception as exc:  # a simulator bug: report it loudly to the client and in the test log
            traceback.print_exc(file=sys.stderr)
            self._failure(errors.Neo4jError("Neo.DatabaseError.General.UnknownError",
                                            "%s: %s" % (type(exc).__name__, exc), "50N42"))

    def _known_in_version(self, tag):
        if tag in (LOGON, LOGOFF):
            return self.version >= (5, 1)
        if tag == TELEMETRY:
            return self.version >= (5, 4)
        return True

    def _failure(self, exc):
        self._send(FAILURE, exc.failure_metadata(gql_aware=self.version >= (5, 7)))
        self.state = FAILED

    def _fail_protocol(self, message):
        """End the connection with a FAILURE (``message``: text for a Request.Invalid, or a Neo4jError)."""
        if self.version is not None:
            self._failure(message if isinstance(message, errors.Neo4jError) else errors.invalid_request(message))
            try:
                self._flush()
            except OSError:
                pass
        self.state = DEFUNCT

    # --- authentication ---

    def on_hello(self, extra):
        if self.version >= (5, 3) and not isinstance(extra.get("bolt_agent"), dict):
            raise errors.invalid_request("Expected \"bolt_agent\" to be a non-empty map.")
        metadata = {"server": "Neo4j/" + self.model.server_version(self.server.member), "connection_id": self.connection_id,
                    "hints": self.server.hints(self.version)}
        if self.manifest:
            metadata["protocol_version"] = "%d.%d" % self.version
        if self.version < (5, 1):
            # Before LOGON existed the credentials rode in HELLO.
            auth = {k: v for k, v in extra.items() if k in ("scheme", "principal", "credentials", "realm")}
            self.user = self.server.authenticate(auth)
            self.state = READY
        else:
            self.state = AUTHENTICATION
        self._send(SUCCESS, metadata)

    def on_logon(self, auth):
        self.user = self.server.authenticate(auth)
        metadata = {}
        account = self.model.users.get(self.user)
        if account is not None and account.password_change_required:
            metadata["credentials_expired"] = True
        self.state = READY
        self._send(SUCCESS, metadata)

    def on_logoff(self):
        self.user = None
        self.state = AUTHENTICATION
        self._send(SUCCESS, {})

    def on_telemetry(self, api):
        self._send(SUCCESS, {})

    # --- statements ---

    def _acting_user(self, extra):
        """The user statements run as: the logged-in user, or the one it impersonates."""
        target = extra.get("imp_user")
        if not target:
            return self.user
        with self.model.lock:
            me = self.model.users.get(self.user)
            if me is None or "admin" not in me.roles:
                raise errors.forbidden("Impersonation of user '%s' is not allowed for user '%s'." % (target, self.user))
            if target not in self.model.users:
                raise errors.forbidden("Cannot impersonate user '%s': the user does not exist." % target)
        return target

    def _context(self, extra):
        executor = self.server.executor()
        user = self._acting_user(extra)
        return executor.ExecContext(model=self.model, member=self.server.member, user=user,
                                    database=extra.get("db"), mode=extra.get("mode", "w"))

    def _execute(self, ctx, query, params, call):
        """Log the statement, run it, and mark the log entry with the code of any failure."""
        named = ctx.database or self.model.home_database(ctx.user)
        entry = self.model.log_statement(self.server.member, named, query, params, ctx.user)
        try:
            return _guarded(call)
        except errors.Neo4jError as exc:
            entry.error = exc.code
            raise

    def on_run(self, query, params, extra):
        started = time.monotonic()
        executor = self.server.executor()
        params = params or {}
        if self.tx is not None:
            ctx = self.tx_ctx
            try:
                result = self._execute(ctx, query, params, lambda: executor.run(ctx, self.tx, query, params))
            except errors.Neo4jError:
                self._rollback_quietly()  # a failed statement dooms its transaction
                raise
            qid = self.next_qid
            self.next_qid += 1
            self.last_qid = qid
            self.streams[qid] = _Stream(result, ctx.database)
            self.state = TX_STREAMING
            self._send(SUCCESS, {"fields": list(result.fields), "t_first": _ms(started), "qid": qid})
            return
        ctx = self._context(extra or {})
        result = self._execute(ctx, query, params, lambda: executor.execute(ctx, query, params))
        self.streams = {-1: _Stream(result, ctx.database or self.model.home_database(ctx.user))}
        self.last_qid = -1
        self.state = STREAMING
        self._send(SUCCESS, {"fields": list(result.fields), "t_first": _ms(started)})

    def on_pull(self, extra):
        self._consume(extra, discard=False)

    def on_discard(self, extra):
        self._consume(extra, discard=True)

    def _consume(self, extra, discard):
        n = extra.get("n", -1)
        qid = extra.get("qid", -1)
        if self.tx is not None and qid == -1:
            qid = self.last_qid
        stream = self.streams.get(qid)
        if stream is None or stream.done:
            raise errors.invalid_request("No open result with qid %s." % qid)
        started = time.monotonic()
        records = stream.take(-1 if discard else n)
        if not discard:
            for record in records:
                self._send(RECORD, list(record))
        if stream.has_more:
            self._send(SUCCESS, {"has_more": True})
            return
        stream.done = True
        metadata = stream.summary(self.version)
        metadata["t_last"] = _ms(started)
        if self.tx is None:
            metadata["bookmark"] = self.server.bookmark(metadata["db"])
            self.streams.clear()
            self.state = READY
        elif all(s.done for s in self.streams.values()):
            self.state = TX_READY
        self._send(SUCCESS, metadata)

    # --- explicit transactions ---

    def on_begin(self, extra):
        executor = self.server.executor()
        ctx = self._context(extra or {})
        self.tx = _guarded(lambda: executor.begin(ctx))
        self.tx_ctx = ctx
        self.streams, self.next_qid, self.last_qid = {}, 0, -1
        self.state = TX_READY
        self._send(SUCCESS, {})

    def on_commit(self):
        tx, ctx = self.tx, self.tx_ctx
        self._end_tx()
        _guarded(lambda: self.server.executor().commit(tx))
        if self.model.take_lost_commit_reply(getattr(tx, "queries", ())):
            self.abort(abrupt=True)  # committed, but the reply never leaves (fault hook)
            self._out = bytearray()
            self.state = DEFUNCT
            return
        self.state = READY
        self._send(SUCCESS, {"bookmark": self.server.bookmark(ctx.database or self.model.home_database(ctx.user))})

    def on_rollback(self):
        tx = self.tx
        self._end_tx()
        _guarded(lambda: self.server.executor().rollback(tx))
        self.state = READY
        self._send(SUCCESS, {})

    def _end_tx(self):
        self.tx, self.tx_ctx = None, None
        self.streams.clear()

    def _rollback_quietly(self):
        if self.tx is not None:
            tx = self.tx
            self._end_tx()
            try:
                self.server.executor().rollback(tx)
            except Exception:  # the transaction is gone either way
                pass

    def on_reset(self):
        self._rollback_quietly()
        self.streams.clear()
        self.state = READY
        self._send(SUCCESS, {})

    # --- routing ---

    def on_route(self, routing, bookmarks, extra):
        extra = extra or {}
        user = self._acting_user(extra)
        self._send(SUCCESS, {"rt": routing_table(self.model, extra.get("db"), user)})


def _guarded(call):
    """Run an executor call; a bug in it fails loudly as a DatabaseError instead of killing the connection."""
    try:
        return call()
    except errors.Neo4jError:
        raise
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        raise errors.Neo4jError("Neo.DatabaseError.General.UnknownError",
                                "%s: %s" % (type(exc).__name__, exc), "50N42") from exc


def _ms(since):
    return int((time.monotonic() - since) * 1000)


# ----- the listening server ------------------------------------------------------------------


class BoltServer:
    """Listens for one member.  ``stop()`` closes everything; ``start()`` again rebinds the same port."""

    def __init__(self, model, member, host="127.0.0.1", port=0, tls=None, auth_enabled=True, executor=None,
                 telemetry=False, connection_ids=None):
        self.model = model
        self.member = member
        self.host = host
        self.port = port
        self.auth_enabled = auth_enabled
        self.telemetry = telemetry
        self._executor = executor
        self._ids = connection_ids or itertools.count(1)
        self._ssl = None
        if tls:
            certfile, keyfile = tls
            self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._ssl.load_cert_chain(certfile, keyfile)
        self._listener = None
        self._accept_thread = None
        self._connections = {}  # BoltConnection -> thread
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    @property
    def running(self):
        return self._listener is not None

    def bind(self):
        """Open the listening socket (port 0 picks a free one; a restart reuses the old port)."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(64)
        listener.settimeout(0.2)  # lets the accept loop notice stop()
        self.port = listener.getsockname()[1]
        self._listener = listener
        return self

    def start(self):
        if self._listener is None:
            self.bind()
        self._stopping.clear()
        self._accept_thread = threading.Thread(target=self._accept_loop, name="bolt-accept-%s" % self.member,
                                               daemon=True)
        self._accept_thread.start()
        return self

    def _accept_loop(self):
        listener = self._listener
        while not self._stopping.is_set():
            try:
                sock, _peer = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._ssl is not None:
                try:
                    sock = self._ssl.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
                except (OSError, ssl.SSLError):
                    sock.close()
                    continue
            conn = BoltConnection(self, sock, "bolt-%d" % next(self._ids))
            thread = threading.Thread(target=conn.run, name="bolt-%s-%s" % (self.member, conn.connection_id),
                                      daemon=True)
            with self._lock:
                if self._stopping.is_set():
                    sock.close()
                    break
                self._connections[conn] = thread
            thread.start()

    def _forget(self, conn):
        with self._lock:
            self._connections.pop(conn, None)

    def stop(self, abrupt=False, timeout=JOIN_TIMEOUT):
        """Stop listening and close every connection (abrupt: RST, as a killed process would)."""
        deadline = time.monotonic() + timeout
        self._stopping.set()
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept() on Linux
            except OSError:
                pass
        if self._accept_thread is not None:
            self._accept_thread.join(max(0.0, deadline - time.monotonic()))
            self._accept_thread = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            connections = list(self._connections.items())
        for conn, _thread in connections:
            conn.abort(abrupt)
        for _conn, thread in connections:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            return [t.name for t in self._connections.values() if t.is_alive()]

    def connection_count(self):
        with self._lock:
            return len(self._connections)

    # --- services for connections ---

    def executor(self):
        """The Cypher executor module (loaded on first use, so the server starts without it)."""
        if self._executor is None:
            try:
                module = importlib.import_module("simulator.cypher")
            except ImportError as exc:
                module, reason = None, str(exc)
            else:
                reason = "simulator.cypher has no execute()"
            if not hasattr(module, "execute"):
                raise errors.Neo4jError("Neo.DatabaseError.General.UnknownError",
                                        "The simulator has no Cypher executor: %s" % reason, "50N42")
            self._executor = module
        return self._executor

    def hints(self, version):
        hints = {}
        if version >= (5, 4):
            hints["telemetry.enabled"] = bool(self.telemetry)
        return hints

    def authenticate(self, auth):
        """The user an auth map logs in as; any token is accepted when auth is disabled."""
        if not isinstance(auth, dict):
            raise errors.unauthorized()
        if not self.auth_enabled:
            principal = auth.get("principal")
            return principal if principal in self.model.users else ""
        if auth.get("scheme") not in ("basic", "bearer"):
            raise errors.unauthorized()
        return self.model.authenticate(auth)

    def bookmark(self, database):
        """An opaque bookmark naming the database's last committed transaction."""
        with self.model.lock:
            db = self.model.resolve(database) if database else None
            if db is None:
                return "FB:%s" % (database or "")
            return "FB:%s:%d" % (db.database_id.lower(), db.last_committed_txn)
