"""A simulated Neo4j cluster: the shared model, one Bolt server per member, and optionally Arrow Flight.

Tests drive it from Python::

    with Cluster(members=3) as c:
        driver = neo4j.GraphDatabase.driver(c.routing_uri(), auth=("neo4j", "password"))
        c.kill_member(c.leader())

GDS (its procedures and the Arrow Flight endpoint) is installed on one member, ``gds_member``:

* ``None`` (default): server1, without a mode constraint: a single server with GDS, or a lab cluster;
* ``"serverN"``: that member is set up as GDS documents for a cluster, a Secondary (mode constraint
  SECONDARY, system database secondary; see ``ClusterModel.set_gds_member``);
* ``False``: no GDS anywhere (gds.* procedures are not found, no Arrow endpoint).

``arrow_import_mode`` (see ``ClusterModel``) chooses what an Arrow database import leaves behind.

Backups: a member serves online backups once its backup listener is enabled (``backup_members=["server3"]``
or ``enable_backup("server3")``, which returns its ``host:port``, the simulator's ``server.backup.listen_address``);
``neo4j-admin`` is the stand-in ``tests/simulator/bin/neo4j-admin`` (``NEO4J_ADMIN``).  ``seed_providers`` sets
``dbms.databases.seed_from_uri_providers`` (default: the version's) and ``cloud_env`` the AWS variables the servers'
seed providers see (``AWS_ENDPOINT_URL_S3``, keys, region), e.g. pointing at moto on 127.0.0.1.

Member control changes the model first (so leadership and routing tables move at once), then the
member's sockets, the way a real process stop or crash would look to clients.
"""

import importlib
import itertools
import os
import threading

from .backup_server import BackupServer
from .bolt import BoltServer
from .model import ClusterModel
from .versions import DEFAULT_VERSION

HOST = "127.0.0.1"
# The neo4j-admin stand-in (simulator.neo4j_admin) as an executable, for modules that run neo4j-admin.
NEO4J_ADMIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "neo4j-admin")


def stuck_from_environment(text):
    """``server3`` or ``server3:starting,server4`` -> {member: mode} (test-only switch GRAPHOPS_SIM_STUCK_ON_REJOIN)."""
    out = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        member, _sep, mode = item.partition(":")
        out[member] = mode or "unavailable"
        if out[member] not in ("unavailable", "starting"):
            raise ValueError("GRAPHOPS_SIM_STUCK_ON_REJOIN: mode %r is not unavailable or starting" % mode)
    return out


class Cluster:
    def __init__(self, members=3, users=None, version=DEFAULT_VERSION, tls=None, arrow=True, start_delay=0.0,
                 auth=True, executor=None, telemetry=False, default_language=None, gds_member=None,
                 arrow_import_mode="registered", server_names="id", backup_members=(), seed_providers=None,
                 cloud_env=None, member_setup=None, arrow_port=0):
        # server_names: "id" keeps Neo4j's default (a server's name is its generated server id); "member"
        # renames each to its member name (server1 ...), as an operator would with RENAME SERVER.
        if server_names not in ("id", "member"):
            raise ValueError("server_names must be 'id' or 'member'")
        self.server_names = server_names
        self.size = members
        self.users = {"neo4j": "password"} if users is None else dict(users)
        self.version = version
        self.tls = tls
        self.arrow = arrow
        self.start_delay = start_delay
        self.auth = auth
        # default_language: db.query.default_language (5 or 25) on 2025.06+; None = as neo4j.conf ships it.
        self.model = ClusterModel(version=version, default_language=default_language)
        self.model.arrow_import_mode = arrow_import_mode
        self.model.seed_providers = None if seed_providers is None else list(seed_providers)
        self.model.cloud_environment = dict(cloud_env or {})
        self.backup_members = list(backup_members)
        self._backup_servers = {}
        self._backup_ports = {}  # a member's backup port survives its restarts
        self._backup_policies = {}  # and so does its TLS policy (dbms.ssl.policy.backup.*)
        self.members = ["server%d" % i for i in range(1, members + 1)]
        self.gds_member = gds_member
        self.arrow_address = None
        self._arrow_server = None
        self._executor = executor  # tests may substitute the Cypher executor
        self._telemetry = telemetry
        self._servers = {}
        self._ids = itertools.count(1)  # connection ids unique across the cluster help when reading logs
        self._lock = threading.Lock()
        # member_setup: name -> what a member's neo4j.conf fixes (simulator.member_conf): "port" (Bolt), "http_port",
        # "backup_port", "mode_constraint", "system_mode", "state", "stores" (its data directory's store files); arrow_port: the Arrow Flight port (0: any).
        self.member_setup = dict(member_setup or {})
        self.arrow_port = arrow_port
        self.stuck_on_rejoin = stuck_from_environment(os.environ.get("GRAPHOPS_SIM_STUCK_ON_REJOIN", ""))
        self._control = None
        for name, setup in self.member_setup.items():
            if setup.get("backup_port"):
                self._backup_ports[name] = setup["backup_port"]

    # ----- lifecycle -----------------------------------------------------------------------

    def start(self):
        try:
            for name in self.members:
                port = self.member_setup.get(name, {}).get("port", 0)
                server = BoltServer(self.model, name, HOST, port, tls=self.tls, auth_enabled=self.auth,
                                    executor=self._executor, telemetry=self._telemetry,
                                    connection_ids=self._ids).bind()
                self._servers[name] = server
                self.model.add_server(name, HOST, server.port)
                if self.server_names == "member":
                    self.model.rename_server(name, name)
            self._install_gds()
            self._apply_member_setup()
            self.model.start_delay = self.start_delay
            self.model.bootstrap()
            for user, password in self.users.items():
                self.model.add_user(user, password, roles=("admin",))
            for server in self._servers.values():
                server.start()
            if self.arrow and self.model.gds_server() is not None:
                self._start_arrow()
            for name in self.backup_members:
                self.enable_backup(name)
        except BaseException:
            self.stop()
            raise
        return self

    def _install_gds(self):
        if self.gds_member is False:
            self.model.set_gds_member(None)
        elif self.gds_member is None:
            self.model.set_gds_member(self.members[0], analytics=False)
        else:
            if self.gds_member not in self.members:
                raise ValueError("gds_member %r is not one of %s" % (self.gds_member, self.members))
            self.model.set_gds_member(self.gds_member, analytics=True)

    def _apply_member_setup(self):
        with self.model.lock:
            for name, setup in self.member_setup.items():
                server = self.model.servers[name]
                for attr in ("http_port", "mode_constraint", "system_mode", "state"):
                    if attr in setup:
                        setattr(server, attr, setup[attr])
                # Store files in the member's data directory: there, not yet a database (member_conf.read_stores).
                for database, files in (setup.get("stores") or {}).items():
                    self.model.local_stores[(name, database)] = files

    def _start_arrow(self):
        try:
            module = importlib.import_module("simulator.arrow_server")
        except ModuleNotFoundError as exc:
            if exc.name != "simulator.arrow_server":
                raise
            return  # the Arrow Flight endpoint is optional until its module exists
        self._arrow_server = module.start_arrow_server(self.model, host=HOST, port=self.arrow_port, tls=self.tls,
                                                       member=self.model.gds_server())
        self.arrow_address = (HOST, self._arrow_server.port)

    def stop(self):
        """Stop every member and the Arrow server; returns the names of threads that did not end."""
        leftovers = []
        if self._control is not None:
            self._control.stop()
            self._control = None
        for name in list(self._backup_servers):
            self._stop_backup(name)
        for server in self._servers.values():
            leftovers += server.stop()
        if self._arrow_server is not None:
            self._arrow_server.shutdown()
            self._arrow_server = None
        return leftovers

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ----- addresses -----------------------------------------------------------------------

    def _scheme(self, scheme, plain):
        if scheme is not None:
            return scheme
        return plain + "+ssc" if self.tls else plain

    def bolt_uri(self, member=None, scheme=None):
        """Direct URI of a member (default: the first); the scheme defaults to bolt, or bolt+ssc with TLS."""
        server = self._servers[member or self.members[0]]
        return "%s://%s:%d" % (self._scheme(scheme, "bolt"), HOST, server.port)

    def routing_uri(self, scheme=None):
        """Routing URI through the first member (neo4j, or neo4j+ssc with TLS)."""
        return self.bolt_uri(self.members[0], self._scheme(scheme, "neo4j"))

    def server_name(self, member):
        """What SHOW SERVERS calls ``member`` (its server id, unless the cluster renamed its servers)."""
        with self.model.lock:
            return self.model.servers[member].shown_name

    def bolt_server(self, name):
        return self._servers[name]

    # ----- backups -------------------------------------------------------------------------

    def enable_backup(self, name, ssl_policy=None):
        """Start ``name``'s backup listener (off by default); returns its ``host:port`` for ``--from``.
        ``ssl_policy``: TLS on the port, a ``backup_tls.BackupSslPolicy`` (``policy_from_settings`` reads one from
        ``dbms.ssl.policy.backup.*`` settings); kept across restarts."""
        if name not in self._servers:
            raise ValueError("%r is not one of %s" % (name, self.members))
        if ssl_policy is not None:
            self._stop_backup(name)
            self._backup_policies[name] = ssl_policy
        if name not in self._backup_servers:
            backup = BackupServer(self.model, name, HOST, self._backup_ports.get(name, 0),
                                  ssl_policy=self._backup_policies.get(name)).start()
            self._backup_servers[name] = backup
            self._backup_ports[name] = backup.port
            with self.model.lock:
                self.model.servers[name].backup_port = backup.port
        return self._backup_servers[name].address

    def disable_backup(self, name):
        """Stop ``name``'s backup listener: its port refuses connections, as an unreachable backup port does."""
        self._stop_backup(name)
        with self.model.lock:
            self.model.servers[name].backup_port = 0

    def backup_address(self, name):
        """``host:port`` of ``name``'s backup listener (also while it is stopped), or None if never enabled."""
        port = self._backup_ports.get(name)
        return "%s:%d" % (HOST, port) if port else None

    def _stop_backup(self, name):
        backup = self._backup_servers.pop(name, None)
        if backup is not None:
            backup.stop()

    # ----- control -------------------------------------------------------------------------

    def leader(self):
        with self.model.lock:
            return self.model.system_leader

    def stop_member(self, name):
        """A clean shutdown: the member leaves the cluster and closes its connections."""
        with self._lock:
            self.model.set_server_up(name, False)
            self._servers[name].stop(abrupt=False)
            self._stop_backup(name)

    def kill_member(self, name):
        """A crash: connections are reset without any goodbye."""
        with self._lock:
            self.model.set_server_up(name, False)
            self._servers[name].stop(abrupt=True)
            self._stop_backup(name)

    def restart_member(self, name, version=None):
        """Start a stopped or killed member again on the same port; ``version``: the release it now runs (a
        rolling upgrade step).  A member named in ``stuck_on_rejoin`` comes up stuck (see ``stick_on_rejoin``)."""
        with self._lock:
            server = self._servers[name]
            if server.running:
                self.model.set_server_up(name, False)
                server.stop(abrupt=False)
            server.bind().start()
            self.model.rejoin(name, version=version, stuck=self.stuck_on_rejoin.get(name))
        if self.model.servers[name].backup_port:
            self.enable_backup(name)

    def stick_on_rejoin(self, name, mode="unavailable"):
        """From its next restart on, ``name`` never gets back into the cluster: ``mode`` "unavailable" (SHOW SERVERS
        health Unavailable) or "starting" (health Available, its databases stay starting).  ``None`` heals it at
        the next restart.  Also set by GRAPHOPS_SIM_STUCK_ON_REJOIN=member[:mode][,...] (docs/testing.md)."""
        if mode not in (None, "unavailable", "starting"):
            raise ValueError("mode must be 'unavailable', 'starting' or None")
        if mode is None:
            self.stuck_on_rejoin.pop(name, None)
        else:
            self.stuck_on_rejoin[name] = mode

    def start_control(self):
        """Start the HTTP control endpoint a playbook's upgrade tasks use (simulator/control.py); returns its URL."""
        from .control import ControlServer
        if self._control is None:
            self._control = ControlServer(self).start()
        return self._control.url

    @property
    def control_log(self):
        """(action, member, version) of every stop and start the control endpoint received, in order."""
        return list(self._control.log) if self._control is not None else []

    def isolate_member(self, name):
        """Cut a member off the cluster: it still accepts connections but is unavailable to the others."""
        self.model.set_isolated(name, True)

    def heal_member(self, name):
        self.model.set_isolated(name, False)

    def move_leader(self, to=None):
        return self.model.move_leader(to)

    @property
    def statements(self):
        with self.model.lock:
            return list(self.model.statements)
