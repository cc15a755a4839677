"""The shared, thread-safe model of a simulated Neo4j cluster.

One :class:`ClusterModel` holds what every member of the cluster agrees on: servers, databases with a
state per hosting member, aliases, users and roles, loaded graph data, and the log of statements
received.  The Bolt servers, the Cypher executor and the Arrow Flight server all read and change it
under ``model.lock``.

Database state changes are time based and evaluated lazily: an allocation records the status it is
heading for and when it gets there, so ``SHOW DATABASES`` and ``WAIT`` see real transitions
(``starting`` -> ``online``) without background threads.  Tests slow a start with
``model.start_delay`` (or per database with ``model.start_delays``) and make one fail with
``model.fail_start``.
"""

import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import errors, versions
from .locks import Rendezvous, SystemLocks


def builtin_privileges():
    from .cypher.commands_privileges import builtin_privileges as defaults  # the grammar lives with Cypher
    return defaults()


NEO4J_VERSION = versions.DEFAULT_VERSION

BUILTIN_ROLES = ("PUBLIC", "reader", "editor", "publisher", "architect", "admin")

# Called with every new ClusterModel: the test session's Cypher lint gate (tests/lint_collector.py)
# registers here, so it reads the statement log of every simulated cluster, however a test built it.
MODEL_CREATED = []


def utc_now():
    return datetime.now(timezone.utc)


def new_database_id():
    """A fresh database id: 64 upper-case hex digits, as Neo4j's databaseID looks in the operations manual's
    SHOW DATABASES examples (listing-databases.adoc, 5.x and dev: "C066801F54B4...D287D5")."""
    return (uuid.uuid4().hex + uuid.uuid4().hex).upper()


@dataclass
class Server:
    """A cluster member as SHOW SERVERS reports it, plus whether its process is up.

    ``name`` is the simulator's own key for the member (server1, server2 ...: ports, logs, test control).
    What SHOW SERVERS calls its name is ``shown_name``: the server id until the server is renamed (Neo4j:
    "the server name defaults to the server ID", RENAME SERVER; clustering/servers.adoc)."""

    name: str
    host: str
    port: int
    server_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    state: str = "Enabled"  # Free | Enabled | Cordoned | Deallocating | Deallocated | Dropped
    up: bool = True  # process running and reachable
    isolated: bool = False  # running, but cut off from the rest of the cluster
    mode_constraint: str = "NONE"
    tags: list = field(default_factory=list)
    http_port: int = 0
    gds: bool = False  # the GDS plugin (gds.* procedures, the Arrow Flight server) is installed here
    system_mode: str = "PRIMARY"  # server.cluster.system_database_mode
    backup_port: int = 0  # port of the backup listener (server.backup.listen_address); 0: not enabled
    # dbms.security.keystore.path/password and dbms.security.key.name are set (remote aliases, seedCredentials)
    keystore: bool = True
    renamed: str = None  # set by RENAME SERVER
    allowed_databases: list = field(default_factory=list)  # ENABLE/ALTER SERVER OPTIONS (servers.adoc)
    denied_databases: list = field(default_factory=list)
    # The release this member runs (SHOW SERVERS `version`, dbms.components() and the Bolt agent on it); None: the
    # cluster's.  A rolling upgrade restarts members one by one with a new one (Cluster.restart_member(version=)).
    version: str = None
    # server.databases.read_only as dbms.setConfigValue set it on this member ("Changes do not persist and are lost
    # if the server is restarted"; procedures/built-in-procedures.adoc): Neo4j "automatically transfers database
    # leaderships away from instances where those databases are configured to be read-only" (setup/routing.adoc).
    read_only: list = field(default_factory=list)
    # Stuck on rejoin (a fault tests inject): the process runs but never gets back into the cluster.
    # "unavailable": health Unavailable; "starting": health Available but its databases never leave starting.
    stuck: str = None

    def may_host(self, database, role):
        """Whether the allocator may place ``database`` here in ``role`` (mode constraint, allowed/denied
        databases; clustering/servers.adoc "Altering server options")."""
        if self.mode_constraint not in ("NONE", role.upper()):
            return False
        if self.allowed_databases and database not in self.allowed_databases:
            return False
        return database not in self.denied_databases

    @property
    def shown_name(self):
        return self.renamed or self.server_id

    @property
    def address(self):
        return "%s:%d" % (self.host, self.port)

    @property
    def http_address(self):
        """The advertised HTTP address (server.http.advertised_address; default port 7474).  Nothing listens
        there in the simulator; SHOW SERVERS reports it as Neo4j does."""
        return "%s:%d" % (self.host, self.http_port or 7474)

    @property
    def available(self):
        return self.up and not self.isolated and self.stuck != "unavailable"

    @property
    def serving(self):
        """Up, in the cluster and with its databases started: it may lead and be routed to."""
        return self.available and not self.stuck

    def may_lead(self, database):
        return self.serving and database not in self.read_only

    @property
    def health(self):
        return "Available" if self.available else "Unavailable"


@dataclass
class Allocation:
    """One database on one server: its role and the status it is in or heading for."""

    server: str
    role: str  # primary | secondary
    status: str = "online"  # the status reached once ready_at has passed
    transition: str = ""  # the status shown until then: starting, stopping, store copying...
    ready_at: float = 0.0
    message: str = ""  # statusMessage once the target is reached (e.g. a start failure)
    leaving_at: float = 0.0  # being moved away: removed once its replacement is up (simulator/servers.py)
    moving_in: bool = False  # the new copy of a move; not hosted (SHOW SERVERS) until it is up

    def current(self, now=None):
        now = time.monotonic() if now is None else now
        if now < self.ready_at and self.transition:
            return self.transition
        return self.status


@dataclass
class GraphData:
    """Enough of a graph to answer count and validation queries."""

    label_counts: dict = field(default_factory=dict)  # label -> nodes carrying it
    type_counts: dict = field(default_factory=dict)  # relationship type -> count
    node_count: int = 0
    relationship_count: int = 0
    node_properties: set = field(default_factory=set)
    relationship_properties: set = field(default_factory=set)


@dataclass
class Database:
    name: str
    type: str = "standard"  # system | standard | composite
    access: str = "read-write"
    requested_status: str = "online"
    primaries: int = 1
    secondaries: int = 0
    allocations: dict = field(default_factory=dict)  # server name -> Allocation
    writer: str = None  # server name of the leader (primary that accepts writes)
    options: dict = field(default_factory=dict)
    database_id: str = field(default_factory=new_database_id)
    creation_time: datetime = field(default_factory=utc_now)
    last_start_time: datetime = field(default_factory=utc_now)
    last_stop_time: datetime = None
    store: str = "block-block-1.1"
    last_committed_txn: int = 2
    graph: GraphData = field(default_factory=GraphData)
    default: bool = False
    default_language: int = None  # 5 or 25 from 2025.06 (SHOW DATABASES defaultLanguage); None: Cypher 5 only
    seed_options: dict = None  # the seed of a database created from a URI that could not be used yet
    seed_failure: str = None  # why (debug.log); the allocations are offline with "Unable to start database"


@dataclass
class Alias:
    name: str
    database: str  # target database name
    location: str = "local"  # local | remote
    url: str = None
    user: str = None
    password: str = None
    driver: dict = None
    properties: dict = field(default_factory=dict)
    namespace: str = None  # composite database the alias lives in, if any


@dataclass
class User:
    name: str
    password: str  # None: the user has no native auth (external auth providers only)
    roles: set = field(default_factory=lambda: {"PUBLIC"})
    suspended: bool = False
    password_change_required: bool = False
    home: str = None
    auth: dict = field(default_factory=dict)  # external auth provider -> the user's id there (SET AUTH, 5.24+)


@dataclass
class Statement:
    """One statement as a member received it."""

    member: str
    database: str
    query: str
    parameters: dict
    user: str
    at: float = field(default_factory=time.time)
    error: str = None  # the Neo4j code of the failure it got, if any


class ClusterModel:
    """What the whole simulated cluster agrees on.  All access goes through ``lock``."""

    def __init__(self, version=NEO4J_VERSION, edition="enterprise", default_primaries=1,
                 default_secondaries=0, max_databases=100, default_language=None):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.version = version
        # db.query.default_language (5 or 25); None: as the neo4j.conf distributed with ``version`` sets it.
        self.default_language_setting = default_language
        self.edition = edition
        self.default_primaries = default_primaries
        self.default_secondaries = default_secondaries
        self.max_databases = max_databases
        self.servers = {}  # name -> Server, in join order
        self.system_leader = None
        self.databases = {}
        self.aliases = {}
        self.users = {}
        self.roles = {name: set() for name in BUILTIN_ROLES}
        # Every privilege of every role, as SHOW PRIVILEGES lists them (simulator/privileges.py); the
        # built-in roles start with Neo4j's defaults.
        self.privileges = builtin_privileges()
        self.min_password_length = 8  # dbms.security.auth_minimum_password_length (default 8, 5.3+)
        self.statements = []
        # Whether the query log obfuscates seedCredentials as it does passwords (undocumented; simulator/query_log.py).
        self.query_log_seed_credentials = "logged"
        # (member, reason) of every TLS handshake a backup listener refused (simulator/backup_server.py).
        self.backup_tls_refusals = []
        self.start_delay = 0.0  # seconds a database takes to start, unless start_delays says otherwise
        self.start_delays = {}
        self.start_failures = {}  # database name -> status message of the failure
        self.arrow = {"enabled": True, "running": False, "listenAddress": None, "versions": ["v1"],
                      "batchSize": 10000, "abortionTimeout": "10m"}
        self.heap = {}  # server name -> (used bytes, max bytes) for JMX
        # Page-cache metrics over JMX (Enterprise metrics, server.metrics.jmx.enabled): server name ->
        # (usage_ratio, hit_ratio) from 0 to 1, or None for a member whose metrics are off or filtered out
        # (dbms.queryJmx then finds no bean, as on a real server).  metrics_prefix is server.metrics.prefix.
        self.page_cache = {}
        self.metrics_prefix = "neo4j"
        # Neo4j does not document the metric MBeans' ObjectName keys: `name` only (as Neo4j's own 4.x tests and
        # Neo4j Browser query them) or `name` and Dropwizard 4's `type` (gauges).  docs/testing.md, switches.
        self.metrics_mbean_keys = os.environ.get("GRAPHOPS_SIM_METRICS_MBEAN_KEYS") or "name"
        self.dumps = []  # names of databases dropped with DUMP DATA, in order
        # Transactions on the system graph: write locks held to commit (locks.py), and the behaviours
        # around them that Neo4j does not document, each a switch (docs/testing.md, "Simulator switches").
        self.locks = SystemLocks(self.changed)
        self.rendezvous = Rendezvous()
        # SHOW ALIAS inside a transaction reads its `database` column from committed state (community
        # ShowAliasesExecutionPlanner reads DatabaseReferenceRepository in a new transaction), or sees the
        # transaction's own ALTER (Enterprise could inject another repository): committed | transaction.
        self.alias_show_source = "committed"
        # A CREATE that waited for a name another transaction created fails as "already exists"
        # (ExistingDatabaseFound) or on the name's uniqueness constraint: exists | constraint.
        self.name_conflict = "exists"
        # A transaction opened through an alias whose target changed: Neo4j "may abort" it (aliases page;
        # 51N35 Outdated), or it keeps working on the database it started on: abort | continue.
        self.alias_switch_transactions = "abort"
        # SHOW DATABASES `options`: only what the manual shows (txLogEnrichment) or every option the database was
        # created or altered with except seedCredentials (not documented either way): documented | set.
        self.database_options_shown = "documented"
        # Fault: commits whose reply is lost (the change lands, then the connection drops before SUCCESS,
        # so the driver raises IncompleteCommit): [pattern, how many more] per entry, see lose_commit_reply.
        self.lost_commit_replies = []
        # Fault: callables run right after a matching transaction commits (a writer that got in between).
        self.after_commit_hooks = []
        # Seconds a database copy moved by DEALLOCATE/REALLOCATE/ALTER SERVER takes to come up on its new
        # server before the old copy is removed (servers.adoc: "foo must be successfully copied and started on
        # a new server before it is stopped on" the old one).  Bounded and simulated; see simulator/servers.py.
        self.move_delay = 0.5
        # Whether routing tables keep offering a copy that is being moved away until it is removed, or drop it
        # as soon as the move starts (Neo4j documents neither): routed | excluded.
        self.leaving_copy_routing = "routed"
        # Seconds a restarted member's databases take to come online again (Cluster.restart_member).
        self.rejoin_delay = 0.0
        self._init_gds()
        self._init_backups()
        for hook in MODEL_CREATED:
            hook(self)

    # ----- Cypher versions (2025.06+) --------------------------------------------------------

    @property
    def configured_language(self):
        """The default language of new (and initial) databases: 5 or 25, None before 2025.06."""
        if not versions.at_least(self.version, versions.CYPHER_25):
            return None
        if self.default_language_setting is not None:
            return self.default_language_setting
        return versions.configured_language(self.version)

    def language_of(self, db):
        """The Cypher version statements without a ``CYPHER n`` prefix run in on ``db``."""
        if db is not None and db.default_language and versions.at_least(self.version, versions.CYPHER_25):
            return db.default_language
        return 5

    # ----- servers -------------------------------------------------------------------------

    def add_server(self, name, host, port):
        with self.lock:
            server = Server(name=name, host=host, port=port, http_port=7474 + len(self.servers))
            self.servers[name] = server
            if self.system_leader is None:
                self.system_leader = name
            self.heap.setdefault(name, (256 * 1024 * 1024, 1024 * 1024 * 1024))
            self.page_cache.setdefault(name, (0.25, 0.99))
            return server

    def server(self, name):
        with self.lock:
            return self.servers[name]

    def rename_server(self, member, new_name):
        """What RENAME SERVER does: SHOW SERVERS shows ``new_name`` instead of the server id."""
        with self.lock:
            if any(s.shown_name == new_name for s in self.servers.values() if s.name != member):
                raise ValueError("server name %r is taken" % new_name)
            self.servers[member].renamed = new_name

    def available_servers(self):
        with self.lock:
            return [s for s in self.servers.values() if s.available]

    def set_server_up(self, name, up):
        """A member process stops or starts; leadership moves off a member that is down."""
        with self.lock:
            self.servers[name].up = up
            self._reelect()
            self.changed.notify_all()

    def set_isolated(self, name, isolated):
        with self.lock:
            self.servers[name].isolated = isolated
            self._reelect()
            self.changed.notify_all()

    def move_leader(self, to=None, database="system"):
        """Hand the leadership of ``database`` to ``to`` (or to the next available primary)."""
        with self.lock:
            if database == "system":
                candidates = [s.name for s in self.available_servers() if s.may_lead("system")]
                current = self.system_leader
            else:
                db = self.databases[database]
                candidates = [a.server for a in db.allocations.values()
                              if a.role == "primary" and self.servers[a.server].may_lead(database)]
                current = db.writer
            if to is None:
                others = [c for c in candidates if c != current] or candidates
                if not others:
                    raise RuntimeError("no available member to lead %s" % database)
                to = others[0]
            if to not in candidates:
                raise RuntimeError("%s cannot lead %s" % (to, database))
            if database == "system":
                self.system_leader = to
                self.databases["system"].writer = to
            else:
                self.databases[database].writer = to
            self.changed.notify_all()
            return to

    def _reelect(self):
        for db in self.databases.values():
            hosts_primary = db.writer in db.allocations and db.allocations[db.writer].role == "primary"
            if db.writer is None or not self.servers[db.writer].may_lead(db.name) or not hosts_primary:
                candidates = [a.server for a in db.allocations.values()
                              if a.role == "primary" and self.servers[a.server].may_lead(db.name)]
                # "attempt to transfer": with no other candidate a read-only leader keeps the leadership
                fallback = [db.writer] if db.writer in db.allocations and hosts_primary \
                    and self.servers[db.writer].serving else []
                db.writer = (candidates or fallback or [None])[0]
        if "system" in self.databases:
            self.system_leader = self.databases["system"].writer

    def is_writer(self, server, database):
        with self.lock:
            db = self.databases.get(database)
            return db is not None and db.writer == server and self.servers[server].serving

    # ----- rolling upgrades ----------------------------------------------------------------

    def server_version(self, name):
        """The release member ``name`` runs."""
        with self.lock:
            return self.servers[name].version or self.version

    def set_read_only(self, name, databases):
        """dbms.setConfigValue('server.databases.read_only', ...) on member ``name``: leaderships move away."""
        with self.lock:
            self.servers[name].read_only = list(databases)
            self._reelect()
            self.changed.notify_all()

    def rejoin(self, name, version=None, stuck=None):
        """Member ``name`` starts again (after set_server_up(name, False)), perhaps on a new release.

        Dynamic settings are gone; its databases come up after ``rejoin_delay`` seconds (unless it is stuck).  When
        every member runs the new release, the cluster-wide behaviour (Cypher, columns) becomes that release's."""
        with self.lock:
            server = self.servers[name]
            if version:
                server.version = version
            server.read_only = []
            server.stuck = stuck
            ready = time.monotonic() + self.rejoin_delay
            for db in self.databases.values():
                alloc = db.allocations.get(name)
                if alloc is not None and alloc.status == "online" and self.rejoin_delay:
                    alloc.transition, alloc.ready_at = "starting", ready
            server.up = True
            running = {s.version or self.version for s in self.servers.values() if s.state != "Dropped"}
            if len(running) == 1 and running != {self.version}:
                self.version = running.pop()
            self._reelect()
            self.changed.notify_all()

    # ----- users ---------------------------------------------------------------------------

    def add_user(self, name, password, roles=("admin",)):
        with self.lock:
            self.users[name] = User(name=name, password=password, roles={"PUBLIC", *roles})

    def authenticate(self, auth):
        """Check a Bolt auth map; return the user name or raise Unauthorized."""
        scheme = auth.get("scheme")
        with self.lock:
            if scheme == "basic":
                user = self.users.get(auth.get("principal"))
                if user and not user.suspended and user.password is not None \
                        and user.password == auth.get("credentials"):
                    return user.name
            elif scheme == "bearer" and auth.get("credentials") in self.bearer_tokens():
                return self.bearer_tokens()[auth["credentials"]]
            raise errors.unauthorized()

    def bearer_tokens(self):
        """token -> user; tests register tokens here to exercise bearer auth."""
        return getattr(self, "_tokens", {})

    def add_bearer_token(self, token, user):
        with self.lock:
            if not hasattr(self, "_tokens"):
                self._tokens = {}
            self._tokens[token] = user

    # ----- databases -----------------------------------------------------------------------

    def bootstrap(self, default_database="neo4j"):
        """Create system (on every member) and the default database, as a fresh cluster has them."""
        with self.lock:
            names = list(self.servers)
            if not self._gds_configured and names:
                self.servers[names[0]].gds = True  # a bare model: GDS on the first server, as before
            # server.cluster.system_database_mode: every member hosts system, as a primary or a secondary.
            roles = {n: "secondary" if self.servers[n].system_mode == "SECONDARY" else "primary" for n in names}
            system = Database(name="system", type="system", primaries=list(roles.values()).count("primary"),
                              secondaries=list(roles.values()).count("secondary"),
                              default_language=self.configured_language)
            for name in names:
                system.allocations[name] = Allocation(server=name, role=roles[name])
            if roles.get(self.system_leader) != "primary":
                self.system_leader = next((n for n in names if roles[n] == "primary"), self.system_leader)
            system.writer = self.system_leader
            self.databases["system"] = system
            if default_database:
                db = self.create_database(default_database, start_delay=0.0)
                db.default = True

    def start_delay_for(self, name):
        return self.start_delays.get(name, self.start_delay)

    def place(self, primaries, secondaries, exclude=(), database=None):
        """Choose servers for a topology, or raise the error Neo4j gives when it cannot.

        Mode constraints are honoured: "a server configured with initial.server.mode_constraint=SECONDARY is
        only allocated databases whose topologies contain 1 or more secondary. This server always only hosts
        those databases in SECONDARY mode" (Operations Manual, clustering/settings.adoc); secondaries go to
        SECONDARY-constrained servers first (the analytics servers of clustering/setup/analytics-cluster.adoc).
        """
        candidates = [s for s in self.servers.values() if s.state == "Enabled" and s.name not in exclude
                      and (database is None or s.may_host(database, "secondary" if s.mode_constraint == "SECONDARY"
                                                          else "primary"))]
        primary_ok = [s.name for s in candidates if s.mode_constraint != "SECONDARY"]
        if primaries < 1 or primaries > len(primary_ok) or primaries + secondaries > len(candidates):
            raise Neo4jTopologyError(primaries, secondaries, len(candidates))
        prim = primary_ok[:primaries]
        rest = [s for s in candidates if s.name not in prim and s.mode_constraint != "PRIMARY"]
        rest.sort(key=lambda s: s.mode_constraint != "SECONDARY")
        if secondaries > len(rest):
            raise Neo4jTopologyError(primaries, secondaries, len(candidates))
        return prim, [s.name for s in rest[:secondaries]]

    def breaks_mode_constraints(self, db):
        """Whether an allocation of ``db`` has a role its server's mode constraint forbids."""
        with self.lock:
            for server_name, alloc in db.allocations.items():
                constraint = self.servers[server_name].mode_constraint
                if constraint not in ("NONE", alloc.role.upper()):
                    return True
            return False

    def create_database(self, name, primaries=None, secondaries=None, options=None, access="read-write",
                        start_delay=None, graph=None, default_language=None, seed=None, fetch_seed=True):
        """Add a database and start it on its allocations (the caller checks names and existence).

        ``seed``: the CREATE's options with a ``seedURI``, fetched as the database starts (``fetch_seed``
        False on a transaction's private copy, which is replayed for real at commit)."""
        with self.lock:
            primaries = self.default_primaries if primaries is None else primaries
            secondaries = self.default_secondaries if secondaries is None else secondaries
            # system counts: with dbms.max_databases=2, system and neo4j leave no room (Neo4j's acceptance test
            # "should fail to create database in systemdb when max number of databases is already reached").
            if len(self.databases) >= self.max_databases:
                raise errors.Neo4jError(
                    "Neo.DatabaseError.Database.UnableToStartDatabase",
                    "Failed to create the specified database '%s': The total limit of databases is already "
                    "reached. To create more you need to either drop databases or change the limit via the "
                    "config setting 'dbms.max_databases'" % name, "51N40")
            prim, sec = self.place(primaries, secondaries, database=name)
            db = Database(name=name, primaries=primaries, secondaries=secondaries, options=dict(options or {}),
                          access=access, graph=graph or GraphData(),
                          default_language=default_language or self.configured_language)
            for server in prim:
                db.allocations[server] = Allocation(server=server, role="primary")
            for server in sec:
                db.allocations[server] = Allocation(server=server, role="secondary")
            self.databases[name] = db
            if seed is not None:
                db.seed_options = dict(seed)
                if fetch_seed:
                    self.apply_seed(db, seed)
            self._begin_start(db, self.start_delay_for(name) if start_delay is None else start_delay)
            db.writer = prim[0]
            self._reelect()
            self.changed.notify_all()
            return db

    def start_failure(self, db, server):
        """Why ``db`` fails to start on ``server`` ("" when it starts): a test's ``start_failures``, or a seed
        that could not be used (seed-from-uri.adoc: "Unable to start database `DatabaseId{...}`"), or seed
        credentials a server without a keystore cannot decrypt."""
        failure = self.start_failures.get(db.name)
        if failure:
            return failure
        unable = "Unable to start database `%s`" % short_id(db.database_id, db.name)
        if db.seed_failure:
            return unable
        if db.seed_options and db.seed_options.get("seedCredentials") and not self.servers[server].keystore:
            return unable
        return ""

    def _begin_start(self, db, delay):
        now = time.monotonic()
        db.requested_status = "online"
        db.last_start_time = utc_now()
        for alloc in db.allocations.values():
            failure = self.start_failure(db, alloc.server)
            alloc.transition = "starting"
            alloc.ready_at = now + delay
            alloc.status = "offline" if failure else "online"
            alloc.message = failure

    def _start_new_allocations(self, db, servers):
        """A copy placed on a new server (store copy, then start) goes through starting, and fails as the
        database does (``start_failures``)."""
        now = time.monotonic()
        for server in servers:
            alloc = db.allocations[server]
            failure = self.start_failure(db, server)
            alloc.transition = "starting"
            alloc.ready_at = now + self.start_delay_for(db.name)
            alloc.status = "offline" if failure else "online"
            alloc.message = failure

    def start_database(self, name):
        with self.lock:
            db = self.databases[name]
            if db.seed_failure:
                self.apply_seed(db, db.seed_options)  # the seed is fetched again as the database starts
            self._begin_start(db, self.start_delay_for(name))
            self.changed.notify_all()

    def stop_database(self, name):
        with self.lock:
            db = self.databases[name]
            db.requested_status = "offline"
            db.last_stop_time = utc_now()
            for alloc in db.allocations.values():
                alloc.transition = ""
                alloc.status = "offline"
                alloc.message = ""
                alloc.ready_at = 0.0
            self.changed.notify_all()

    def drop_database(self, name):
        with self.lock:
            del self.databases[name]
            # Privileges on a database go with it (simulator/privileges.py has the source).
            self.privileges = [p for p in self.privileges if p.graph != name]
            self.changed.notify_all()

    def set_topology(self, name, primaries, secondaries):
        with self.lock:
            db = self.databases[name]
            prim, sec = self.place(primaries, secondaries, database=name)
            old = db.allocations
            db.allocations = {}
            for server in prim:
                db.allocations[server] = old.get(server) or Allocation(server=server, role="primary")
                db.allocations[server].role = "primary"
            for server in sec:
                db.allocations[server] = old.get(server) or Allocation(server=server, role="secondary")
                db.allocations[server].role = "secondary"
            db.primaries, db.secondaries = primaries, secondaries
            if db.requested_status == "offline":
                for alloc in db.allocations.values():
                    alloc.status, alloc.transition = "offline", ""
            else:
                self._start_new_allocations(db, [s for s in db.allocations if s not in old])
            self._reelect()
            self.changed.notify_all()

    # ----- seeds and backups ----------------------------------------------------------------
    #
    # Seeding (simulator.seeding) and the backup port (simulator.backup_server) with their switches; see
    # docs/testing.md, "Simulator switches", and the module docstrings for the sources.

    def _init_backups(self):
        self.backup_requests = []  # (member, op, database) served by the backup listeners
        self.backup_inconsistent = set()  # databases whose backed-up store a consistency check finds broken
        self.backup_store_bytes = {}  # database -> size of the store files a full backup of it carries
        self.seed_providers = None  # dbms.databases.seed_from_uri_providers; None: the version's default
        self.cloud_environment = {}  # AWS_* variables the servers' cloud SDKs see (over the process env)
        self.s3_seed_provider_without_credentials = "fails"  # fails | next-provider
        self.file_seed_chains = "chains"  # chains | full-only
        self.debug_log = []  # what the servers would write to debug.log (seed failures)

    def apply_seed(self, db, options):
        """Fetch and check the seed of ``db`` (as its start does); a failure leaves ``db.seed_failure`` set."""
        from . import seeding  # boto3 is imported only on this path
        db.seed_options = dict(options)
        try:
            graph, store = seeding.seed(self, db.name, options)
        except seeding.SeedFailure as exc:
            db.seed_failure = str(exc)
            self.debug_log.append("ERROR [%s] Failed to seed database %s: %s"
                                  % (db.name, short_id(db.database_id, db.name), exc))
            return False
        db.seed_failure = None
        db.graph = graph_from_dict(graph)
        db.store = store or db.store
        return True

    def set_keystore(self, member, configured):
        """Whether ``member`` has dbms.security.keystore.* configured (remote aliases, seedCredentials)."""
        with self.lock:
            self.servers[member].keystore = configured

    def allocation_view(self, db, server_name, now=None):
        """(address, currentStatus, statusMessage) of one allocation as SHOW DATABASES reports it."""
        server = self.servers[server_name]
        if not server.available:
            return None, "unknown", "Server is unavailable"
        alloc = db.allocations[server_name]
        if server.stuck:
            return server.address, "starting", ""
        return server.address, alloc.current(now), alloc.message

    def home_database(self, user):
        """The user's home database, else the default database (``neo4j`` on a fresh cluster)."""
        with self.lock:
            account = self.users.get(user)
            if account is not None and account.home:
                return account.home
            for db in self.databases.values():
                if db.default:
                    return db.name
            return "neo4j"

    def resolved_home(self, user):
        """The database the user's HOME privileges apply to: its home (or the default) database, through
        a local alias when the home is one."""
        with self.lock:
            name = self.home_database(user)
            db = self.resolve(name)
            return db.name if db is not None else name

    def resolve(self, name):
        """The database a session on ``name`` uses: the database itself or a local alias's target."""
        with self.lock:
            name = name.lower() if name else name
            if name in self.databases:
                return self.databases[name]
            alias = self.aliases.get(name)
            if alias is not None and alias.location == "local":
                return self.databases.get(alias.database)
            return None

    def wait_for(self, predicate, timeout):
        """Block until predicate() is true or timeout passes; returns its last value."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                value = predicate()
                remaining = deadline - time.monotonic()
                if value or remaining <= 0:
                    return value
                self.changed.wait(min(remaining, 0.05))

    def lose_commit_reply(self, pattern, times=1):
        """The next ``times`` commits of a transaction with a statement matching ``pattern`` land, but the
        member closes the connection before answering (a crash right after the commit)."""
        with self.lock:
            self.lost_commit_replies.append([re.compile(pattern), times])

    def after_commit(self, pattern, action, times=1):
        """Run ``action()`` right after the next ``times`` commits of a transaction with a statement matching
        ``pattern``, before the client hears of the commit."""
        with self.lock:
            self.after_commit_hooks.append([re.compile(pattern), action, times])

    def take_after_commit(self, queries):
        with self.lock:
            due = [entry for entry in self.after_commit_hooks
                   if entry[2] > 0 and any(entry[0].search(q) for q in queries)]
            for entry in due:
                entry[2] -= 1
        return [entry[1] for entry in due]

    def take_lost_commit_reply(self, queries):
        with self.lock:
            for entry in self.lost_commit_replies:
                if entry[1] > 0 and any(entry[0].search(q) for q in queries):
                    entry[1] -= 1
                    return True
            return False

    # ----- statement log -------------------------------------------------------------------

    def query_log(self, obfuscate_literals=False, parameter_logging=True):
        """The statements as Neo4j's query log would show them: passwords obfuscated (simulator/query_log.py);
        ``db.logs.query.obfuscate_literals`` and ``db.logs.query.parameter_logging_enabled`` as arguments."""
        from . import query_log
        with self.lock:
            received = list(self.statements)
        return [query_log.logged(entry, self.query_log_seed_credentials, obfuscate_literals, parameter_logging)
                for entry in received]

    def log_statement(self, member, database, query, parameters, user):
        entry = Statement(member=member, database=database, query=query, parameters=dict(parameters or {}),
                          user=user)
        with self.lock:
            self.statements.append(entry)
        return entry

    # ----- GDS member and Arrow database imports -----------------------------------------------
    #
    # GDS runs on a Secondary server whose databases, system included, are all Secondary (GDS manual, "GDS with
    # Neo4j cluster": https://neo4j.com/docs/graph-data-science/current/production-deployment/neo4j-cluster/;
    # settings initial.server.mode_constraint=SECONDARY and server.cluster.system_database_mode=SECONDARY as in
    # the Operations Manual's clustering/setup/analytics-cluster.adoc).  gds.* procedures and the Arrow Flight
    # server exist only on members with the plugin.
    #
    # What an Arrow CREATE_DATABASE leaves behind in a cluster is not documented (the Arrow docs never mention
    # clusters; the GDS Arrow server is closed source).  ``arrow_import_mode`` offers each plausible outcome:
    #
    # * "registered": the database is registered cluster-wide, allocated by the normal topology rules with the
    #   default topology and seeded from the importing server (what CREATE DATABASE ... OPTIONS {existingData:
    #   'use', existingDataSeedServer: <importer>} does);
    # * "local-store": the store files stay on the importing server and the database is registered nowhere,
    #   as GDS documents for its sibling feature gds.graph.export ("The database must not exist ... It needs to
    #   be created manually": management-ops/graph-export/export-db.adoc); the files become a database with
    #   CREATE DATABASE name OPTIONS {existingData: 'use', existingDataSeedServer: '<importer id>'};
    # * "importer-only": registered with topology 1 PRIMARY, allocated only on the importing server, as a
    #   standalone DBMS creates and starts an imported database (the archived neo4j-field/neo4j-arrow plugin's
    #   BulkImportJob: dbms.createDatabase + startDatabase on the local instance).  The allocator put it there
    #   because the store is there, ignoring the importer's mode constraint; the next ALTER DATABASE ... SET
    #   TOPOLOGY reallocates it by the rules.
    #
    # ``arrow_registration_delay`` (seconds) lets the registration ("registered", "importer-only") lag behind the
    # RELATIONSHIP_LOAD_DONE acknowledgement, which GDS does not say is synchronous.
    # ``gds_debug_arrow_on_system``: whether gds.debug.arrow runs on the system database ("allowed", as
    # @SystemProcedure gds.debug.sysInfo does) or not ("refused", the default); GDS does not say.

    ARROW_IMPORT_MODES = ("registered", "local-store", "importer-only")

    def _init_gds(self):
        self.arrow_import_mode = "registered"
        self.arrow_registration_delay = 0.0
        self.gds_debug_arrow_on_system = "refused"
        self.local_stores = {}  # (server name, database name) -> StoreFiles left by an Arrow import
        self.arrow_server = None
        self._gds_configured = False

    def set_gds_member(self, name, analytics=True):
        """Install GDS on ``name`` only (None: nowhere).  ``analytics`` configures it the way GDS documents:
        mode constraint SECONDARY and the system database in secondary mode.  Call before ``bootstrap``."""
        with self.lock:
            self._gds_configured = True
            for server in self.servers.values():
                server.gds = server.name == name
            if name is not None and analytics:
                self.servers[name].mode_constraint = "SECONDARY"
                self.servers[name].system_mode = "SECONDARY"

    def gds_server(self):
        """The name of the member with GDS, or None."""
        with self.lock:
            return next((s.name for s in self.servers.values() if s.gds), None)

    def has_gds(self, member):
        with self.lock:
            server = self.servers.get(member)
            return server is not None and server.gds

    def topology_graph_config(self):
        return {"allocator": "EQUAL_NUMBERS", "defaultPrimariesCount": self.default_primaries,
                "defaultSecondariesCount": self.default_secondaries,
                "defaultDatabase": next((d.name for d in self.databases.values() if d.default), "neo4j"),
                "autoEnableFreeServers": False}

    def arrow_import_blocked(self, name, importer, force):
        """Why an Arrow import of ``name`` on ``importer`` cannot start, or None (``force`` deletes files)."""
        with self.lock:
            if force:
                return None
            if name in self.databases or (importer, name) in self.local_stores:
                return "A database with name `%s` already exists." % name
            return None

    def finish_arrow_import(self, name, graph, store, importer, force):
        """RELATIONSHIP_LOAD_DONE of a database import on ``importer``: what is left depends on
        ``arrow_import_mode``.  Raises Neo4jError when the database cannot be registered."""
        with self.lock:
            if name in self.databases:
                if not force:
                    raise errors.existing_database("A database with name `%s` already exists." % name)
                self.drop_database(name)
            files = StoreFiles(graph=graph, store=store)
            self.local_stores[(importer, name)] = files
            mode = self.arrow_import_mode
            if mode == "local-store":
                return
            if self.arrow_registration_delay > 0:
                timer = threading.Timer(self.arrow_registration_delay, self._register_import,
                                        args=(name, importer, files, mode))
                timer.daemon = True
                timer.start()
                return
            self._register_import(name, importer, files, mode)

    def _register_import(self, name, importer, files, mode):
        with self.lock:
            if self.local_stores.get((importer, name)) is not files:
                return  # the files were used by a CREATE DATABASE meanwhile (or replaced)
            if name in self.databases:
                return  # someone registered that name first; the import's registration fails
            del self.local_stores[(importer, name)]
            if mode == "importer-only":
                db = Database(name=name, primaries=1, secondaries=0, graph=files.graph)
                db.store = files.store or db.store
                db.allocations[importer] = Allocation(server=importer, role="primary")
                self.databases[name] = db
                self._begin_start(db, self.start_delay_for(name))
                db.writer = importer
                self._reelect()
                self.changed.notify_all()
            else:
                db = self.create_database(name, graph=files.graph)
                db.store = files.store or db.store

    def seed_from_server(self, name, server_id, take=True):
        """The StoreFiles an Arrow import left for ``name`` on the server with ``server_id`` (``take``: removed
        from the server, as the database now owns them), or None."""
        with self.lock:
            for server in self.servers.values():
                if server.server_id == server_id:
                    key = (server.name, name)
                    return self.local_stores.pop(key, None) if take else self.local_stores.get(key)
            return None

    def local_store_of(self, name):
        """The server holding unregistered store files of ``name``, or None."""
        with self.lock:
            return next((server for server, db in self.local_stores if db == name), None)


def short_id(database_id, name):
    """``DatabaseId{3fe1a59b[seed3]}``, as Neo4j names a database in status messages (seed-from-uri.adoc)."""
    return "DatabaseId{%s[%s]}" % (database_id.lower().replace("-", "")[:8], name)


def graph_from_dict(values):
    """A GraphData from the dict form backups and seeds carry (simulator.backups.graph_to_dict)."""
    return GraphData(label_counts=dict(values["label_counts"]), type_counts=dict(values["type_counts"]),
                     node_count=values["node_count"], relationship_count=values["relationship_count"],
                     node_properties=set(values["node_properties"]),
                     relationship_properties=set(values["relationship_properties"]))


@dataclass
class StoreFiles:
    """Store files an Arrow import left on a server, not (yet) a registered database."""

    graph: GraphData
    store: str


class Neo4jTopologyError(errors.Neo4jError):
    """Raised when a topology cannot be placed on the enabled servers."""

    def __init__(self, primaries, secondaries, available):
        super().__init__(
            "Neo.ClientError.Statement.ArgumentError",
            "Could not allocate database: requested %d primaries and %d secondaries, but only %d servers are "
            "enabled." % (primaries, secondaries, available), "51N52")
