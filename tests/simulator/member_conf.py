"""Start a simulated cluster from its members' neo4j.conf files, refusing what Neo4j would refuse.

``cluster_from_configs(paths, version)`` reads one neo4j.conf per member (the order gives the simulator's member
names server1, server2 ...) and returns a :class:`~simulator.cluster.Cluster` (not started) whose members take from
their file:

* the Bolt port (``server.bolt.listen_address``, which must equal ``server.bolt.advertised_address``'s port: the
  simulator has no address translation), the HTTP port;
* ``initial.server.mode_constraint`` and ``server.cluster.system_database_mode``;
* the backup listener: on at ``server.backup.listen_address``'s port when ``server.backup.enabled`` is true (its
  default) and the file sets that address (see ``backup_listener``);
* GDS and its Arrow Flight server: on the member whose file sets ``gds.arrow.enabled=true`` (port from
  ``gds.arrow.listen_address``);
* its data directory (``server.directories.data``): the store files of databases under ``databases/<name>/`` there
  are on that server when it starts, not registered as databases, until ``CREATE DATABASE name OPTIONS
  {existingData: 'use', existingDataSeedServer: '<its serverId>'}`` makes them one (clustering/databases.adoc,
  "Restore a database using a designated seeder").  The simulator's stand-in for a store is one file,
  ``databases/<name>/simulator-store.json`` (the counts; ``write_store`` writes it); a real store is not read;
* ``dbms.databases.seed_from_uri_providers``, the seed providers of the whole cluster (the members must agree).

``version`` is the Neo4j release installed on the members (a neo4j.conf does not say which release reads it).

What is refused, before anything listens (:class:`ConfigRefused`, naming the file):

* with ``server.config.strict_validation.enabled`` (default true): a setting the release does not declare, with
  Neo4j's message "Unrecognized setting. No declared setting with name: <name>. Cleanup the config or disable
  'server.config.strict_validation.enabled' to continue." (neo4j/neo4j ``org.neo4j.configuration.Config``:
  ``createUnrecognizedSettingMessage`` + ``STRICT_FAILURE_MESSAGE``), printed at start-up after "Failed to read
  config: "; and a setting declared twice other than ``server.jvm.additional`` (configuration/neo4j-conf.adoc:
  strict validation "prevents Neo4j from starting if the neo4j.conf file contains typos, incorrect information, or
  duplicates (except for server.jvm.additional)"; Neo4j's own text for duplicates is not published, so the
  refusal says it in its own words).  The declared settings are the anchors of the Operations Manual's settings
  page of the release line (``settings/neo4j-5.26.txt``, ``settings/neo4j-calver.txt``), the GDS plugin's
  (``settings/gds.txt``) where GDS is installed, and the ``dbms.ssl.policy.<scope>.<suffix>`` group
  (security/ssl-framework.adoc).  A 2025.x release still reads ``dbms.cluster.discovery.v2.endpoints`` as
  ``dbms.cluster.endpoints`` (dev breaking-changes.adoc: "You can still use them when migrating from 5.26").
* discovery that cannot form a cluster (clustering/setup/discovery.adoc, deploy.adoc; Neo4j does not refuse these
  at start-up, it waits for peers that never come, so the simulator refuses them with its own clear message):
  5.26 without ``dbms.cluster.discovery.version=V2_ONLY`` (the default is V1_ONLY, and discovery v1, deprecated, is
  not simulated), no endpoints, endpoints that miss a member hosting ``system`` as a primary, fewer such members
  than ``dbms.cluster.minimum_initial_system_primaries_count`` (default 3), a resolver other than LIST;
* what the simulator cannot serve: advertised hosts other than the loopback, two members on one port, members
  configured for different releases.

Where a later member joins: Neo4j enables "initialized servers" at the first start (deploy.adoc), yet its analytics
cluster example shows the members with ``server.cluster.system_database_mode=SECONDARY`` as ``Free`` until
``ENABLE SERVER`` (analytics-cluster.adoc).  The switch ``secondaries_at_formation`` offers both: ``"free"``
(default) and ``"enabled"``; the collection must work under either.
"""

import json
import os
import re
from dataclasses import dataclass, field

from . import versions
from .backups import graph_to_dict
from .cluster import Cluster
from .model import GraphData, StoreFiles

SETTINGS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "settings")
STRICT = "server.config.strict_validation.enabled"
REPEATABLE = {"server.jvm.additional"}
SSL_SCOPES = ("bolt", "https", "cluster", "backup", "fabric")
SSL_SUFFIXES = ("enabled", "base_directory", "private_key", "private_key_password", "public_certificate",
                "trusted_dir", "revoked_dir", "verify_hostname", "ciphers", "tls_versions", "client_auth",
                "trust_all")
LOOPBACK = ("127.0.0.1", "localhost", "0.0.0.0", "")
SECONDARIES_AT_FORMATION = ("free", "enabled")


class ConfigRefused(Exception):
    """A member's configuration that Neo4j would refuse, or that cannot form a cluster."""

    def __init__(self, path, message):
        super().__init__("%s: %s" % (path, message))
        self.path = path
        self.message = message


def _load_names(filename):
    with open(os.path.join(SETTINGS_DIR, filename)) as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


def declared_settings(version, gds=False):
    """(exact names, patterns) a release declares; ``gds`` adds the GDS plugin's settings."""
    names = _load_names("neo4j-calver.txt" if versions.is_calver(version) else "neo4j-5.26.txt")
    if gds:
        names += _load_names("gds.txt")
    exact = {n for n in names if "-" not in n}
    # group settings such as dbms.security.oidc.-provider-.display_name: any id in place of -provider-
    patterns = [re.compile("^" + re.sub(r"\\-[a-z_]+\\-", "[^.]+", re.escape(n)) + "$") for n in names if "-" in n]
    patterns.append(re.compile(r"^dbms\.ssl\.policy\.(%s)\.(%s)$" % ("|".join(SSL_SCOPES), "|".join(SSL_SUFFIXES))))
    return exact, patterns


def parse_conf(text):
    """neo4j.conf lines ``name=value`` (``#`` comments): (settings, duplicate names); repeatable settings are lists."""
    settings, duplicates = {}, []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            continue  # Neo4j ignores lines without '=' as well (a property file)
        name, value = (part.strip() for part in line.split("=", 1))
        if name in REPEATABLE:
            settings.setdefault(name, []).append(value)
        elif name in settings:
            duplicates.append(name)
        else:
            settings[name] = value
    return settings, duplicates


def _host_port(address, default_host, default_port):
    """``host:port``, ``host`` or ``:port`` (Neo4j's SocketAddress forms), missing parts from the defaults."""
    address = (address or "").strip()
    if address.startswith("["):
        host, dummy, port = address[1:].partition("]")
        port = port.lstrip(":")
    elif ":" in address:
        host, port = address.rsplit(":", 1)
    else:
        host, port = address, ""
    return (host or default_host), int(port) if port else default_port


def _true(value, default):
    if value is None:
        return default
    return str(value).strip().lower() == "true"


@dataclass
class MemberConf:
    path: str
    settings: dict
    bolt_port: int = 0
    http_port: int = 0
    cluster_address: str = ""
    endpoints: list = field(default_factory=list)
    mode_constraint: str = "NONE"
    system_mode: str = "PRIMARY"
    backup_port: int = 0
    arrow_port: int = 0
    arrow: bool = False
    minimum_primaries: int = 3
    endpoint_setting: str = ""
    stores: dict = field(default_factory=dict)  # database -> StoreFiles in its data directory
    seed_providers: list = None  # dbms.databases.seed_from_uri_providers, when the file sets it


def validate_member(path, settings, duplicates, version, gds):
    """Neo4j's start-up validation of one file (strict validation), then what its discovery needs."""
    def refuse(message):
        return ConfigRefused(path, message)

    strict = _true(settings.get(STRICT), True)
    if strict and duplicates:
        raise refuse("Failed to read config: the setting %s is declared more than once; strict validation allows "
                     "repeats of server.jvm.additional only. Cleanup the config or disable '%s' to continue."
                     % (sorted(set(duplicates))[0], STRICT))
    calver = versions.is_calver(version)
    if calver and "dbms.cluster.discovery.v2.endpoints" in settings:
        # renamed in 2025.01; the old name is still read (breaking-changes.adoc)
        settings.setdefault("dbms.cluster.endpoints", settings.pop("dbms.cluster.discovery.v2.endpoints"))
    exact, patterns = declared_settings(version, gds=gds)
    if strict:
        for name in settings:
            if name not in exact and not any(p.match(name) for p in patterns):
                raise refuse("Failed to read config: Unrecognized setting. No declared setting with name: %s. "
                             "Cleanup the config or disable '%s' to continue." % (name, STRICT))

    resolver = settings.get("dbms.cluster.discovery.resolver_type", "LIST").upper()
    if resolver != "LIST":
        raise refuse("dbms.cluster.discovery.resolver_type=%s: the simulator resolves LIST discovery only" % resolver)
    if calver:
        endpoints = settings.get("dbms.cluster.endpoints", "")
        setting = "dbms.cluster.endpoints"
    else:
        discovery = settings.get("dbms.cluster.discovery.version", "V1_ONLY").upper()
        if discovery != "V2_ONLY":
            raise refuse("dbms.cluster.discovery.version is %s%s: this member would run discovery v1 (port 5000, "
                         "dbms.cluster.discovery.endpoints), which the simulator does not model and 2025.01 removes; "
                         "set dbms.cluster.discovery.version=V2_ONLY and dbms.cluster.discovery.v2.endpoints"
                         % (discovery, "" if "dbms.cluster.discovery.version" in settings else " (the default)"))
        endpoints = settings.get("dbms.cluster.discovery.v2.endpoints", "")
        setting = "dbms.cluster.discovery.v2.endpoints"
    endpoints = [e.strip() for e in endpoints.split(",") if e.strip()]
    if not endpoints:
        raise refuse("%s is empty: the member cannot discover the cluster" % setting)
    return endpoints, setting


def read_member(path, version, gds=None):
    """One member's configuration, validated as the release ``version`` validates it at start-up.  ``gds``: whether
    the GDS plugin is installed there (None: where the file enables its Arrow server, as the role installs it)."""
    with open(path, encoding="utf-8") as handle:
        settings, duplicates = parse_conf(handle.read())
    if gds is None:
        gds = _true(settings.get("gds.arrow.enabled"), False)
    endpoints, endpoint_setting = validate_member(path, settings, duplicates, version, gds)
    conf = MemberConf(path=path, settings=settings, endpoints=endpoints)
    adv_host = settings.get("server.default_advertised_address", "localhost")
    listen_host = settings.get("server.default_listen_address", "localhost")

    def advertised(name, default_port):
        return _host_port(settings.get(name), adv_host, default_port)

    bolt_listen = _host_port(settings.get("server.bolt.listen_address"), listen_host, 7687)
    bolt_adv = advertised("server.bolt.advertised_address", bolt_listen[1])
    cluster_adv = advertised("server.cluster.advertised_address", 6000)
    for host in (bolt_listen[0], bolt_adv[0], cluster_adv[0]):
        if host not in LOOPBACK:
            raise ConfigRefused(path, "address %s: the simulator serves 127.0.0.1 only" % host)
    if bolt_listen[1] != bolt_adv[1]:
        raise ConfigRefused(path, "server.bolt.listen_address port %d differs from server.bolt.advertised_address "
                                  "port %d: the simulator has no address translation" % (bolt_listen[1], bolt_adv[1]))
    conf.bolt_port = bolt_listen[1]
    conf.http_port = _host_port(settings.get("server.http.listen_address"), listen_host, 7474)[1]
    conf.cluster_address = "127.0.0.1:%d" % cluster_adv[1]
    conf.endpoints = ["127.0.0.1:%d" % _host_port(e, "", 6000)[1] if _host_port(e, "", 6000)[0] in LOOPBACK
                      else e for e in endpoints]
    conf.endpoint_setting = endpoint_setting
    conf.mode_constraint = settings.get("initial.server.mode_constraint", "NONE").upper()
    conf.system_mode = settings.get("server.cluster.system_database_mode", "PRIMARY").upper()
    conf.minimum_primaries = int(settings.get("dbms.cluster.minimum_initial_system_primaries_count", "3"))
    conf.backup_port = backup_listener(settings)
    conf.stores = read_stores(path, settings)
    providers = settings.get("dbms.databases.seed_from_uri_providers")
    conf.seed_providers = None if providers is None else [p.strip() for p in providers.split(",") if p.strip()]
    conf.arrow = gds and _true(settings.get("gds.arrow.enabled"), False)
    if conf.arrow:
        conf.arrow_port = _host_port(settings.get("gds.arrow.listen_address"), "localhost", 8491)[1]
    return conf


STORE_FILE = "simulator-store.json"


def write_store(data_directory, database, graph):
    """Put the simulator's stand-in for ``database``'s store files into a data directory (``graph``: a
    ``model.GraphData``), as a restore or a copied volume would leave them."""
    folder = os.path.join(data_directory, "databases", database)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, STORE_FILE), "w", encoding="utf-8") as handle:
        json.dump({"graph": graph_to_dict(graph), "store": "block-block-1.1"}, handle)


def read_stores(path, settings):
    """{database: StoreFiles} found in the member's ``server.directories.data`` (none when it is not set)."""
    data = settings.get("server.directories.data")
    if not data:
        return {}
    data = data if os.path.isabs(data) else os.path.join(os.path.dirname(os.path.dirname(path)), data)
    found = {}
    root = os.path.join(data, "databases")
    for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        store = os.path.join(root, name, STORE_FILE)
        if name in ("system", "neo4j") or not os.path.isfile(store):
            continue
        try:
            with open(store, encoding="utf-8") as handle:
                content = json.load(handle)
            graph = content["graph"]
            found[name] = StoreFiles(graph=GraphData(
                node_count=graph["node_count"], relationship_count=graph["relationship_count"],
                label_counts=dict(graph["label_counts"]), type_counts=dict(graph["type_counts"]),
                node_properties=set(graph.get("node_properties", [])),
                relationship_properties=set(graph.get("relationship_properties", []))), store=content.get("store"))
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigRefused(path, "the store of %s in %s cannot be read: %s" % (name, data, exc))
    return found


def backup_listener(settings):
    """The backup port the member listens on, or 0.  ``server.backup.enabled`` defaults to true on 127.0.0.1:6362
    (configuration-settings.adoc); the simulator starts a listener only where the address is set explicitly, so
    that members left at the default do not all claim port 6362 of this one machine."""
    if not _true(settings.get("server.backup.enabled"), True):
        return 0
    if "server.backup.listen_address" not in settings:
        return 0
    return _host_port(settings["server.backup.listen_address"], "127.0.0.1", 6362)[1]


def check_cluster(confs):
    """Whether the members can form one cluster (clustering/setup/discovery.adoc: "ensure that the endpoint for
    each server hosting the system database in primary mode is included"; deploy.adoc: at least
    dbms.cluster.minimum_initial_system_primaries_count members host system as primaries)."""
    primaries = [c for c in confs if c.system_mode == "PRIMARY"]
    for conf in confs:
        missing = [p.cluster_address for p in primaries if p.cluster_address not in conf.endpoints]
        if missing:
            raise ConfigRefused(conf.path, "%s does not list %s, which host%s system as a primary: the cluster "
                                           "does not form" % (conf.endpoint_setting, ", ".join(missing),
                                                              "s" if len(missing) == 1 else ""))
        if len(primaries) < conf.minimum_primaries:
            raise ConfigRefused(conf.path, "dbms.cluster.minimum_initial_system_primaries_count is %d but only %d "
                                           "members host system as primaries: the cluster does not form"
                                           % (conf.minimum_primaries, len(primaries)))
    seen = {}
    for conf in confs:
        ports = [conf.bolt_port, conf.http_port] + [p for p in (conf.backup_port, conf.arrow_port) if p]
        for port in ports:
            if port in seen and seen[port] != conf.path:
                raise ConfigRefused(conf.path, "port %d is also used by %s" % (port, seen[port]))
            seen[port] = conf.path
    if sum(1 for c in confs if c.arrow) > 1:
        raise ConfigRefused(confs[-1].path, "the simulator runs GDS Arrow on one member only")


def cluster_from_configs(paths, version, gds=None, secondaries_at_formation="free", **cluster_kwargs):
    """A Cluster (call ``start()`` or use ``with``) whose members are configured by ``paths``."""
    if secondaries_at_formation not in SECONDARIES_AT_FORMATION:
        raise ValueError("secondaries_at_formation must be one of %s" % (SECONDARIES_AT_FORMATION,))
    confs = [read_member(path, version, gds=None if gds is None else path in gds) for path in paths]
    check_cluster(confs)
    names = ["server%d" % i for i in range(1, len(confs) + 1)]
    setup = {}
    for name, conf in zip(names, confs):
        setup[name] = {"port": conf.bolt_port, "http_port": conf.http_port, "backup_port": conf.backup_port,
                       "mode_constraint": conf.mode_constraint, "system_mode": conf.system_mode, "stores": conf.stores}
        if conf.system_mode == "SECONDARY" and secondaries_at_formation == "free":
            setup[name]["state"] = "Free"
    gds_member = next((n for n, c in zip(names, confs) if c.arrow), False)
    arrow_port = next((c.arrow_port for c in confs if c.arrow), 0)
    backup_members = [n for n, c in zip(names, confs) if c.backup_port]
    providers = set(tuple(c.seed_providers) if c.seed_providers is not None else None for c in confs)
    if len(providers) > 1:
        raise ConfigRefused(confs[-1].path, "dbms.databases.seed_from_uri_providers differs between the members; the "
                                            "simulator models one list for the cluster")
    if providers != {None} and "seed_providers" not in cluster_kwargs:
        cluster_kwargs["seed_providers"] = list(providers.pop())
    cluster = Cluster(members=len(confs), version=version, gds_member=gds_member, arrow=bool(gds_member),
                      backup_members=backup_members, member_setup=setup, arrow_port=arrow_port, **cluster_kwargs)
    cluster.member_confs = dict(zip(names, confs))
    return cluster
