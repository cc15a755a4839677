"""The backup port of one simulated member (Neo4j's ``server.backup.listen_address``, 6362 by default).

Real Neo4j serves online backups over its catchup protocol; the simulator's neo4j-admin stand-in
(``simulator.neo4j_admin``) talks to this listener with a small protocol of its own instead: one JSON
request line, one JSON reply line.

* ``{"op": "databases"}`` -> ``{"ok": true, "databases": [...]}``: the databases online on this member
  (a name pattern given to ``neo4j-admin database backup`` is matched against these);
* ``{"op": "backup", "database": name}`` -> ``{"ok": true, "database_id", "store", "highest_tx", "graph",
  "consistent", "metadata", "version"}``: a copy of the database as this member has it, or
  ``{"ok": false, "error": ...}`` when the member does not host it online.

Like Neo4j's backup port it needs no credentials (the Operations Manual's warning: firewall it).  With a TLS policy
(``dbms.ssl.policy.backup.*``, ``simulator.backup_tls``) it speaks TLS and, under ``client_auth=REQUIRE`` (the backup
default), accepts only clients whose certificate a trusted CA signed; a handshake it refuses is recorded in
``model.backup_tls_refusals`` as (member, OpenSSL's reason), so a test can prove the refusal happened there.  The
listener is off unless a test enables it (``Cluster.enable_backup``), and a member that is down refuses
connections.  Every request is recorded in ``model.backup_requests`` as (member, op, database), so a test
can show which member served a backup.  ``model.backup_inconsistent`` (database names) makes the copy of
those stores inconsistent, which ``neo4j-admin database check`` then reports; ``model.backup_store_bytes``
(database -> bytes) gives a full backup of that database store files of that size, for large artefacts.
"""

import json
import socket
import socketserver
import ssl
import threading

from .backups import graph_to_dict


def _drain(sock, seconds=2.0):
    """After a refused handshake: read what the client already sent before the socket closes.  TLS 1.3 clients send
    their request before they learn that their certificate was refused; closing a socket with unread bytes makes
    Linux send a reset, and the client's kernel then drops the alert that says why (under load, 3 clients in 4 saw
    "EOF occurred in violation of protocol" instead of "unknown ca").  ``shutdown`` drops the TLS layer, so the
    reads below are plain ones."""
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(seconds)
        while sock.recv(65536):
            pass
    except OSError:
        pass


class _Handler(socketserver.StreamRequestHandler):
    def setup(self):
        self.refused = False
        context = self.server.ssl_context
        if context is not None:
            # The handshake by hand: wrap_socket's own closes the socket the moment it fails (see _drain).
            self.request = context.wrap_socket(self.request, server_side=True, do_handshake_on_connect=False)
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                self.server.refused_handshake(exc)
                self.refused = True
                _drain(self.request)
                return
        super().setup()

    def finish(self):
        if not self.refused:
            super().finish()

    def handle(self):
        if self.refused:
            return
        line = self.rfile.readline(1024 * 1024)
        try:
            request = json.loads(line.decode("utf-8"))
            reply = self.server.answer(request)
        except (ValueError, UnicodeDecodeError):
            reply = {"ok": False, "error": "malformed request"}
        self.wfile.write(json.dumps(reply).encode("utf-8") + b"\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, model, member, ssl_context=None):
        self.model = model
        self.member = member
        self.ssl_context = ssl_context
        super().__init__(address, _Handler)

    def refused_handshake(self, exc):
        reason = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or str(exc)
        with self.model.lock:
            self.model.backup_tls_refusals.append((self.member, reason))

    def answer(self, request):
        model, member = self.model, self.member
        op = request.get("op")
        with model.lock:
            model.backup_requests.append((member, op, request.get("database")))
            server = model.servers[member]
            if not server.available:
                return {"ok": False, "error": "server %s is unavailable" % member}
            if op == "databases":
                names = sorted(name for name, db in model.databases.items()
                               if member in db.allocations and db.allocations[member].current() == "online")
                return {"ok": True, "databases": names}
            if op != "backup":
                return {"ok": False, "error": "unknown request %r" % op}
            name = (request.get("database") or "").lower()
            db = model.databases.get(name)
            if db is None:
                return {"ok": False, "missing": True, "error": "Database '%s' does not exist" % name}
            alloc = db.allocations.get(member)
            if alloc is None or alloc.current() != "online":
                return {"ok": False, "error": "Database '%s' is not online on %s" % (name, server.address)}
            return {"ok": True, "database": name, "database_id": db.database_id, "store": db.store,
                    "highest_tx": db.last_committed_txn, "graph": graph_to_dict(db.graph),
                    "consistent": name not in model.backup_inconsistent,
                    "metadata": _metadata(model, name), "version": model.version,
                    "store_bytes": model.backup_store_bytes.get(name, 0)}


def _metadata(model, name):
    """What ``--include-metadata=all`` records: the roles and users that may use the database (simplified to
    every non-builtin role and every user with a role)."""
    lines = []
    for role in sorted(model.roles):
        if role not in ("PUBLIC", "reader", "editor", "publisher", "architect", "admin"):
            lines.append("CREATE ROLE `%s` IF NOT EXISTS;" % role)
    for user in sorted(model.users.values(), key=lambda u: u.name):
        for role in sorted(user.roles - {"PUBLIC"}):
            lines.append("GRANT ROLE `%s` TO `%s`;" % (role, user.name))
    return lines


class BackupServer:
    """The backup listener of ``member`` on ``host`` (port 0: any free port); ``ssl_policy``: a
    ``backup_tls.BackupSslPolicy`` (None: plain TCP)."""

    def __init__(self, model, member, host="127.0.0.1", port=0, ssl_policy=None):
        context = ssl_policy.server_context() if ssl_policy is not None else None
        self._server = _Server((host, port), model, member, context)
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, name="backup-%s" % member, daemon=True)

    @property
    def address(self):
        return "%s:%d" % (self.host, self.port)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
