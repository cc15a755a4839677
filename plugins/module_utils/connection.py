# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection layer shared by every graphops.neo4j module.

Stable API (other modules build on it; change it only additively):

``neo4j_argument_spec()``
    The connection options (documented once in ``doc_fragments/neo4j.py``).  Merge it into a
    module's own spec: ``spec = neo4j_argument_spec(); spec.update(name=...)``.
``NEO4J_MUTUALLY_EXCLUSIVE`` / ``NEO4J_REQUIRED_IF``
    Pass to ``AnsibleModule(mutually_exclusive=..., required_if=...)`` (add your own entries).
``ensure_driver(module)``
    ``fail_json`` with ``missing_required_lib('neo4j')`` when the driver is not importable.
``neo4j_module(options)``
    The ``AnsibleModule`` of a module taking the connection options plus its own ``options``, with
    check mode and the two lists above.
``run_module(module, work, validate=None, fail_extra=None)``
    The end of every ``main()``: ``check_timeouts`` and ``validate(params)`` (before connecting),
    ``work(client)`` with one ``Neo4jClient``, ``exit_json`` with what ``work`` returns; ``fail_json``
    on ``ValueError`` or ``Neo4jModuleError`` (see its docstring for the failure payload).
``Neo4jClient(params, retries=True)``
    Built from the module's params (a plain dict; no Ansible needed below this line);
    ``retries=False`` makes every failure final at once:

    - ``read(query, params=None, database=None) -> QueryResult``     read transaction
    - ``write(query, params=None, database=None) -> QueryResult``    write transaction
    - ``admin(query, params=None, autocommit=False) -> QueryResult`` write on ``system``; use
      ``autocommit=True`` for statements with ``WAIT`` (they commit on their own)
    - ``transaction(work, database=None, write=True)``  runs ``work(tx)`` in one transaction,
      retried as a whole on transient errors; ``tx.run(query, params)`` returns a ``QueryResult``
    - ``server_info() -> {"name", "version", "edition"}`` from ``dbms.components()``
    - ``require_enterprise(feature, min_version=None)`` raises unless the server runs Enterprise
      Edition (and at least ``min_version``, a tuple such as ``(5, 26)``)
    - ``target`` a printable description of where we connect (no secrets)
    - ``close()``; the client is also a context manager
``QueryResult``
    ``rows`` (list of dicts with plain Python values), ``counters`` (dict), ``notifications``.
``Neo4jModuleError``
    Raised for every failure; ``str(e)``/``e.msg`` is a plain-language message for ``fail_json``,
    ``e.code`` the Neo4j status code when there is one.  ``e.as_fail_kwargs()`` gives the keyword
    arguments for ``module.fail_json``.
``to_plain(value)``
    Converts driver values (temporal, spatial, graph types) into JSON-friendly Python values.

``check_timeouts(params, names=None)``
    The collection's rule for ``*timeout`` options (seconds, greater than 0); raises
    ``Neo4jModuleError`` naming the option.  ``run_module`` applies it to every ``*timeout`` option
    of a module, ``connection_settings`` to ``connection_timeout`` and ``retry_timeout``.

Retries: transactions and auto-commit statements are retried here on transient errors (leader
switch, database unavailable, lost connection) for at most ``retry_timeout`` seconds after the first
failure.  Failures that no retry fixes end at once: a TLS failure, a database that SHOW DATABASES
says was stopped (requestedStatus offline), and a first contact where nothing listens (every address
refuses the connection or its host name does not resolve).  Once a server has answered, a refused
connection is a member restarting and is retried like any other lost connection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import math
import re
import socket
import ssl
import time
import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from .driver_import import lean_driver_import

try:
    with lean_driver_import():  # half the start-up of a module otherwise (numpy, pandas, pyarrow)
        import neo4j
        from neo4j import exceptions as neo4j_exceptions
    HAS_NEO4J = True
    NEO4J_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by the sanity import test
    neo4j = None  # needed so the module imports without the driver
    neo4j_exceptions = None
    HAS_NEO4J = False
    NEO4J_IMPORT_ERROR = traceback.format_exc()

SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")
DATABASE_UNAVAILABLE = "Neo.TransientError.General.DatabaseUnavailable"
# After a DatabaseUnavailable failure: was the database stopped (matched by name, alias, or home)?
SHOW_DATABASE_STATUS = "SHOW DATABASES YIELD name, aliases, home, requestedStatus"
DEFAULT_BOLT_PORT = 7687
PROBE_TIMEOUT = 5.0  # seconds; see Neo4jClient._refuse_when_nothing_listens
USER_AGENT = "graphops.neo4j"

NEO4J_MUTUALLY_EXCLUSIVE = [("uri", "host"), ("uri", "scheme"), ("uri", "bolt_port")]
NEO4J_REQUIRED_IF = [("auth_type", "bearer", ("token",))]


def neo4j_argument_spec():
    """The connection options every module of the collection accepts."""
    return dict(
        uri=dict(type="str", fallback=(env_fallback, ["NEO4J_URI"])),
        host=dict(type="str"),
        bolt_port=dict(type="int"),
        scheme=dict(type="str", choices=list(SCHEMES)),
        endpoints=dict(type="list", elements="str"),
        auth_type=dict(type="str", default="basic", choices=["basic", "bearer", "none"]),
        # login_user / login_password, as community.postgresql, mysql and mongodb name them: a managed
        # user's own `password` option can never be filled from module_defaults for the whole group.
        login_user=dict(type="str", default="neo4j", aliases=["login_username"], fallback=(env_fallback, ["NEO4J_USERNAME"])),
        login_password=dict(type="str", no_log=True, fallback=(env_fallback, ["NEO4J_PASSWORD"])),
        token=dict(type="str", no_log=True, fallback=(env_fallback, ["NEO4J_TOKEN"])),
        trusted_ca_file=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
        check_hostname=dict(type="bool", default=True),
        connection_timeout=dict(type="float", default=30.0),
        retry_timeout=dict(type="float", default=30.0),
    )


def ensure_driver(module):
    """Fail the module in the Ansible way when the neo4j driver is missing."""
    if not HAS_NEO4J:
        module.fail_json(msg=missing_required_lib("neo4j"), exception=NEO4J_IMPORT_ERROR)


def neo4j_module(options):
    """The AnsibleModule of a module with the connection options plus its own ``options``."""
    argument_spec = neo4j_argument_spec()
    argument_spec.update(options)
    return AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                         mutually_exclusive=NEO4J_MUTUALLY_EXCLUSIVE, required_if=NEO4J_REQUIRED_IF)


def run_module(module, work, validate=None, fail_extra=None):
    """Run ``work(client)`` for ``module`` and exit with the dict it returns.

    ``check_timeouts`` (every ``*timeout`` option) and ``validate(params)`` run before any connection is
    made.  A ``ValueError`` (a refused option or value) or a ``Neo4jModuleError`` ends the module with
    ``fail_json``: ``fail_extra`` (defaults such as ``changed=False`` or the query), updated with the
    error's partial ``result`` when it carries one, then its message and Neo4j codes.
    """
    ensure_driver(module)
    try:
        check_timeouts(module.params)
        if validate is not None:
            validate(module.params)
        with Neo4jClient(module.params) as client:
            result = work(client)
    except ValueError as exc:
        module.fail_json(**dict(fail_extra or {}, msg=str(exc)))
    except Neo4jModuleError as exc:
        failure = dict(fail_extra or {})
        failure.update(getattr(exc, "result", None) or {})
        failure.update(exc.as_fail_kwargs())
        module.fail_json(**failure)
    module.exit_json(**result)


class Neo4jModuleError(Exception):
    """A failure with a message meant for the person running the playbook."""

    def __init__(self, msg, code=None, gql_status=None, query=None):
        super(Neo4jModuleError, self).__init__(msg)
        self.msg = msg
        self.code = code
        self.gql_status = gql_status
        self.query = query

    def as_fail_kwargs(self):
        kwargs = dict(msg=self.msg)
        if self.code:
            kwargs["neo4j_code"] = self.code
        if self.gql_status:
            kwargs["gql_status"] = self.gql_status
        return kwargs


class QueryResult:
    """Rows, counters and notifications of one statement."""

    def __init__(self, rows=None, counters=None, notifications=None):
        self.rows = rows or []
        self.counters = counters or {}
        self.notifications = notifications or []

    def single(self):
        return self.rows[0] if self.rows else None

    def __repr__(self):
        return "QueryResult(rows=%r, counters=%r)" % (self.rows, self.counters)


# ----- connection settings (pure; unit-tested) ------------------------------------------------

_ENDPOINT_RE = re.compile(r"^(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9._-]+))(?::(?P<port>\d{1,5}))?\Z")


def parse_endpoint(text, option="endpoints"):
    """``host[:port]`` or ``[ipv6][:port]`` -> (host, port); raises Neo4jModuleError naming the option."""
    match = _ENDPOINT_RE.match((text or "").strip())
    if not match:
        raise Neo4jModuleError("%s: '%s' is not a valid host:port address." % (option, text))
    port = int(match.group("port") or DEFAULT_BOLT_PORT)
    if not 0 < port < 65536:
        raise Neo4jModuleError("%s: port %d in '%s' is out of range." % (option, port, text))
    return match.group("ipv6") or match.group("host"), port


def _target(params):
    """(scheme as given, (host, port), uri tail, endpoints) from the uri or host/bolt_port/scheme/endpoints options."""
    uri = params.get("uri")
    host = params.get("host")
    endpoints = params.get("endpoints") or []
    for a, b in NEO4J_MUTUALLY_EXCLUSIVE:
        if params.get(a) is not None and params.get(b) is not None:
            raise Neo4jModuleError("Options %s and %s are mutually exclusive: give either a uri or host/bolt_port/scheme." % (a, b))
    parsed_endpoints = [parse_endpoint(e) for e in endpoints]

    if uri:
        match = re.match(r"^(?P<scheme>[A-Za-z0-9+]+)://(?P<rest>[^/?#]*)(?P<tail>.*)$", uri.strip())
        if not match:
            raise Neo4jModuleError("uri: '%s' is not a URI such as neo4j://db.example.com:7687." % uri)
        scheme = match.group("scheme").lower()
        if scheme not in SCHEMES:
            raise Neo4jModuleError("uri: scheme '%s' is not supported; use one of %s." % (scheme, ", ".join(SCHEMES)))
        address = parse_endpoint(match.group("rest"), option="uri")
        tail = match.group("tail")
    else:
        scheme = params.get("scheme") or "neo4j"
        if host:
            address = parse_endpoint(host, option="host")
            if params.get("bolt_port") is not None:
                address = (address[0], params["bolt_port"])
        elif parsed_endpoints:
            address = parsed_endpoints[0]
        else:
            address = ("localhost", params.get("bolt_port") or DEFAULT_BOLT_PORT)
        tail = ""
        if not 0 < address[1] < 65536:
            raise Neo4jModuleError("bolt_port: %d is out of range." % address[1])
    return scheme, address, tail, parsed_endpoints


def _format_uri(scheme, address, tail=""):
    host_part = "[%s]" % address[0] if ":" in address[0] else address[0]
    return "%s://%s:%d%s" % (scheme, host_part, address[1], tail)


CONNECTION_TIMEOUTS = ("connection_timeout", "retry_timeout")


def check_timeouts(params, names=None):
    """Refuse any timeout option that is not a number of seconds greater than 0.

    The one rule for every ``*timeout`` option of the collection: seconds, greater than 0; 0, negative
    and non-finite values are refused before anything is sent, naming the option.  ``names`` defaults
    to every key of ``params`` that ends in ``timeout``; options left unset (None) are skipped.
    Raises :class:`Neo4jModuleError`.
    """
    if names is None:
        names = sorted(key for key in params if key.endswith("timeout"))
    for name in names:
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise Neo4jModuleError("%s must be a number of seconds (got %r)." % (name, value))
        if value <= 0:
            raise Neo4jModuleError("%s must be greater than 0 seconds (got %s)." % (name, value))


def connection_settings(params):
    """Turn module params into ``(uri, driver_kwargs)`` without touching the network.

    The uri is the one the driver gets: a ``+s`` scheme with TLS options becomes the plain scheme plus
    an ``ssl_context``.  Raises :class:`Neo4jModuleError` for contradictory or invalid options.
    """
    scheme, address, tail, parsed_endpoints = _target(params)
    base, security = (scheme.split("+", 1) + [""])[:2]
    if parsed_endpoints and base != "neo4j":
        raise Neo4jModuleError("endpoints needs a routing scheme (neo4j, neo4j+s or neo4j+ssc); '%s' connects to one server only." % scheme)

    check_timeouts(params, CONNECTION_TIMEOUTS)
    kwargs = dict(
        auth=_auth(params),
        connection_timeout=float(params["connection_timeout"] if params.get("connection_timeout") is not None else 30.0),
        user_agent=USER_AGENT,
    )
    kwargs["connection_acquisition_timeout"] = kwargs["connection_timeout"] * 2

    ca_file = params.get("trusted_ca_file")
    validate = params.get("validate_certs", True) is not False
    check_hostname = params.get("check_hostname", True) is not False
    if not security:
        if ca_file:
            raise Neo4jModuleError("trusted_ca_file only applies to encrypted connections; use a +s scheme such as neo4j+s.")
    elif security == "s" and (ca_file or not validate or not check_hostname):
        # The driver refuses TLS settings together with +s schemes, so we pass the plain scheme
        # plus an SSLContext that says exactly how to verify.  Messages keep the scheme as given.
        kwargs["ssl_context"] = _ssl_context(ca_file, validate, check_hostname)
        scheme = base
    elif security == "ssc" and ca_file:
        raise Neo4jModuleError("trusted_ca_file cannot be used with scheme %s, which accepts any certificate; use %s+s." % (scheme, base))

    if parsed_endpoints:
        kwargs["resolver"] = _resolver(address, parsed_endpoints)
    return _format_uri(scheme, address, tail), kwargs


def _auth(params):
    auth_type = params.get("auth_type") or "basic"
    if auth_type == "none":
        return None
    if auth_type == "bearer":
        if not params.get("token"):
            raise Neo4jModuleError("token is required when auth_type is bearer (or set NEO4J_TOKEN).")
        return ("bearer", params["token"]) if neo4j is None else neo4j.bearer_auth(params["token"])
    if params.get("login_password") is None:
        raise Neo4jModuleError("login_password is required when auth_type is basic (or set NEO4J_PASSWORD).")
    user = params.get("login_user") or "neo4j"
    return (user, params["login_password"]) if neo4j is None else neo4j.basic_auth(user, params["login_password"])


def _ssl_context(ca_file, validate, check_hostname):
    try:
        context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    except (OSError, ssl.SSLError) as exc:
        raise Neo4jModuleError("trusted_ca_file: cannot load '%s': %s" % (ca_file, exc))
    if not validate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif not check_hostname:
        context.check_hostname = False
    return context


def _resolver(initial, addresses):
    """Expand the initial address into every endpoint; leave the addresses of routing tables alone."""
    def resolve(address):
        if (address[0], address[1]) == initial:
            return [neo4j.Address((host, port)) for host, port in addresses]
        return [address]
    return resolve


def describe_target(params):
    """Where we connect, for messages: the uri as given (with its +s / +ssc); never contains credentials."""
    try:
        scheme, address, tail, _endpoints = _target(params)
        uri = _format_uri(scheme, address, tail)
    except Neo4jModuleError:
        uri = params.get("uri") or params.get("host") or "localhost"
    if params.get("endpoints"):
        uri += " (endpoints %s)" % ", ".join(params["endpoints"])
    return uri


# ----- values ---------------------------------------------------------------------------------

def to_plain(value):
    """Driver values -> str/int/float/bool/None/list/dict (temporal types as ISO 8601 strings)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return dict((k, to_plain(v)) for k, v in value.items())
    if isinstance(value, (bytes, bytearray)):
        return list(bytearray(value))
    if neo4j is not None:
        # Checked before list/tuple: Duration and Point are tuple subclasses.
        from neo4j import graph, spatial  # noqa: deferred so the pure helpers import without the driver
        if isinstance(value, graph.Node):
            return dict(element_id=value.element_id, labels=sorted(value.labels), properties=to_plain(dict(value)))
        if isinstance(value, graph.Relationship):
            return dict(element_id=value.element_id, type=value.type, properties=to_plain(dict(value)),
                        start=value.start_node.element_id if value.start_node else None,
                        end=value.end_node.element_id if value.end_node else None)
        if isinstance(value, graph.Path):
            return dict(nodes=[to_plain(n) for n in value.nodes], relationships=[to_plain(r) for r in value.relationships])
        if isinstance(value, spatial.Point):
            return dict(srid=value.srid, coordinates=list(value))
    for attr in ("iso_format", "isoformat"):
        if hasattr(value, attr):
            return getattr(value, attr)()
    if hasattr(value, "to_native"):  # neo4j.vector.Vector (Bolt 6.0, Neo4j 2025.10+): its numbers as a list
        return to_plain(value.to_native())
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return str(value)


def _counters(summary):
    counters = {}
    raw = summary.counters
    for key in ("nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted", "properties_set",
                "labels_added", "labels_removed", "indexes_added", "indexes_removed", "constraints_added",
                "constraints_removed", "system_updates"):
        counters[key] = getattr(raw, key, 0) or 0
    counters["contains_updates"] = bool(raw.contains_updates)
    counters["contains_system_updates"] = bool(raw.contains_system_updates)
    return counters


def _notifications(summary):
    out = []
    for item in getattr(summary, "gql_status_objects", None) or []:
        if getattr(item, "is_notification", False):
            out.append(dict(gql_status=item.gql_status, description=item.status_description))
    return out


def _collect(result):
    rows = [dict((k, to_plain(v)) for k, v in record.items()) for record in result]
    summary = result.consume()
    return QueryResult(rows, _counters(summary), _notifications(summary))


class _Tx:
    """What ``Neo4jClient.transaction`` hands to ``work``: ``run(query, params) -> QueryResult``."""

    def __init__(self, tx):
        self._tx = tx

    def run(self, query, params=None):
        return _collect(self._tx.run(query, params or {}))


# ----- the client -----------------------------------------------------------------------------

class Neo4jClient:
    """One driver for one module run.  See the module docstring for the API."""

    def __init__(self, params, retries=True):
        """``retries=False``: every failure is final at once (for reading one member that may be down)."""
        if not HAS_NEO4J:
            raise Neo4jModuleError(missing_required_lib("neo4j"))
        self.params = dict(params)
        self.target = describe_target(self.params)
        self._uri, self._kwargs = connection_settings(self.params)
        retry_timeout = self.params.get("retry_timeout")
        self._retry_timeout = float(retry_timeout if retry_timeout is not None else 30.0) if retries else 0.0
        self._driver = None
        self._bookmarks = None
        self._server_info = None
        # Whether a server has answered this client yet: before that, a refused connection means nothing
        # listens at the address given; after it, a member restarting (retried).
        self._reached = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    @property
    def driver(self):
        if self._driver is None:
            try:
                self._driver = neo4j.GraphDatabase.driver(self._uri, **self._kwargs)
                # One bookmark manager for every session of this client: a read that follows a write
                # (SHOW DATABASES after CREATE DATABASE) sees it even when routed to another member.
                self._bookmarks = neo4j.GraphDatabase.bookmark_manager()
            except (neo4j_exceptions.ConfigurationError, ValueError) as exc:
                raise Neo4jModuleError("Invalid connection settings for %s: %s" % (self.target, exc))
        return self._driver

    def _session(self, database, write=True):
        driver = self.driver
        return driver.session(database=database, bookmark_manager=self._bookmarks,
                              default_access_mode=neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS)

    def close(self):
        if self._driver is not None:
            try:
                self._driver.close()
            finally:
                self._driver = None

    # -- statements --

    def read(self, query, params=None, database=None):
        return self.transaction(lambda tx: tx.run(query, params), database=database, write=False, query=query)

    def write(self, query, params=None, database=None):
        return self.transaction(lambda tx: tx.run(query, params), database=database, write=True, query=query)

    def admin(self, query, params=None, autocommit=False):
        """An administration command on ``system``."""
        if not autocommit:
            return self.write(query, params, database="system")
        return self._retrying(lambda: self._autocommit_once(query, params, "system"), "system", query)

    def transaction(self, work, database=None, write=True, query=None):
        """Run ``work(tx)`` in one transaction, retried as a whole on transient errors (see ``_retrying``).

        A transaction whose connection died during COMMIT (IncompleteCommit) may have landed, so a
        write fails; a read changed nothing, so it is retried: a member that dies while answering
        SHOW DATABASES must not fail a wait.
        """
        return self._retrying(lambda: self._transaction_once(work, database, write), database, query,
                              retry_incomplete_commit=not write)

    def _transaction_once(self, work, database, write):
        with self._session(database, write) as session:
            with session.begin_transaction() as tx:
                result = work(_Tx(tx))
                tx.commit()
                return result

    def _autocommit_once(self, query, params, database):
        with self._session(database) as session:
            return _collect(session.run(query, params or {}))

    def _retrying(self, attempt, database, query, retry_incomplete_commit=False):
        """``attempt()`` until it succeeds, fails for good, or ``retry_timeout`` has passed since its first failure.

        Our own loop (with explicit transactions, as the driver documents for custom retry policies)
        rather than the driver's managed-transaction retries, so that failures no retry can fix end at
        once: a TLS failure, and a database that is unavailable because it was stopped.
        """
        deadline = None
        delay = 0.2
        checked_offline = False
        while True:
            try:
                result = attempt()
                self._reached = True
                return result
            except Neo4jModuleError:
                raise
            except Exception as exc:  # every driver failure becomes a plain-language message
                if deadline is None:
                    deadline = time.monotonic() + self._retry_timeout
                if _server_answered(exc):
                    self._reached = True
                elif not self._reached:
                    self._refuse_when_nothing_listens(exc, query)
                if not checked_offline and database != "system" and _may_be_stopped(exc):
                    checked_offline = True
                    self._refuse_stopped_database(database, exc, query)
                retry = _retryable(exc) or (retry_incomplete_commit and isinstance(exc, neo4j_exceptions.IncompleteCommit))
                if retry and time.monotonic() + delay < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 2.0)
                    continue
                raise self._translate(exc, database, query)

    def _refuse_when_nothing_listens(self, exc, query):
        """Raise at once when the first contact failed because nothing listens at any address tried.

        The driver says why (refused, unknown host) except for a routing failure of the 5.x driver, so the
        addresses are tried once more with a plain TCP connection: that names each address and its cause, and
        a server that came up meanwhile is found listening and gets the normal retries.
        """
        if refusal(exc) is False:
            return
        # A refusal or an unknown name comes back at once; anything slower is not one.
        timeout = min(float(self.params.get("connection_timeout") or PROBE_TIMEOUT), PROBE_TIMEOUT)
        failures = [probe_address(address, timeout) for address in self._addresses()]
        if failures and all(failures):
            raise Neo4jModuleError(
                "Could not reach Neo4j at %s: %s. Nothing listens there, so nothing was retried; check uri/host/bolt_port "
                "and that the server is running." % (self.target, "; ".join(failures)), query=query)
        if refusal(exc) is None and _tls_cause(exc) is None:
            self._refuse_when_tls_fails(timeout, query)

    def _refuse_when_tls_fails(self, timeout, query):
        """Raise at once when a TLS handshake with the same settings fails at every address.

        The 5.x driver reports a failed routing table fetch without its reason, TLS failures included, and
        no retry fixes a certificate or a scheme: one handshake per address, with the SSL context the
        driver got (or the one its scheme implies), tells them apart from a member that is restarting.
        """
        context = self._probe_ssl_context()
        if context is None:
            return
        causes = [probe_tls(address, context, timeout) for address in self._addresses()]
        if causes and all(causes):
            raise Neo4jModuleError("TLS failed with %s: %s. Check trusted_ca_file, check_hostname, validate_certs and the "
                                   "scheme (+s / +ssc)." % (self.target, causes[0]), query=query)

    def _probe_ssl_context(self):
        """The SSL context the driver uses for this target, or None for an unencrypted scheme."""
        if "ssl_context" in self._kwargs:
            return self._kwargs["ssl_context"]
        security = (_target(self.params)[0].split("+", 1) + [""])[1]
        if security == "s":
            return _ssl_context(None, True, True)
        if security == "ssc":
            return _ssl_context(None, False, False)
        return None

    def _addresses(self):
        """The addresses the driver starts from: the endpoints, else the one of the URI (or host/bolt_port)."""
        _scheme, address, _tail, endpoints = _target(self.params)
        return endpoints or [address]

    def _refuse_stopped_database(self, database, exc, query):
        """Raise when SHOW DATABASES says ``database`` (None: the home database) was stopped.

        Only then: a database that is requested online but not (yet) available, say starting or
        failing over, is worth the retries.  One statement, sent only after a failure.
        """
        try:
            rows = self._transaction_once(lambda tx: tx.run(SHOW_DATABASE_STATUS), "system", False).rows
        except Exception:  # the check is a shortcut only; without it the retries decide
            return
        wanted = (database or "").lower()
        for row in rows:
            if database is None:
                match = row.get("home") is True
            else:
                match = wanted == (row.get("name") or "").lower() or wanted in [a.lower() for a in row.get("aliases") or []]
            if match and row.get("requestedStatus") == "offline":
                raise stopped_database_error(database, row.get("name"), _unavailable_database(exc), query)

    # -- server --

    def server_info(self):
        """``{"name", "version", "edition"}`` of the Neo4j kernel component (cached)."""
        if self._server_info is None:
            result = self.read("CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition",
                               database="system")
            info = dict(name="Neo4j Kernel", version=None, edition=None)
            for row in result.rows:
                if row.get("name") == "Neo4j Kernel" or info["version"] is None:
                    info = dict(name=row.get("name"), version=(row.get("versions") or [None])[0], edition=row.get("edition"))
            self._server_info = info
        return self._server_info

    def require_enterprise(self, feature, min_version=None):
        """Raise unless the server runs Enterprise Edition (and at least ``min_version``, e.g. ``(5, 26)``)."""
        info = self.server_info()
        if (info.get("edition") or "").lower() != "enterprise":
            raise Neo4jModuleError(
                "%s needs Neo4j Enterprise Edition, but %s runs the %s edition (version %s)."
                % (feature, self.target, info.get("edition") or "unknown", info.get("version") or "unknown"))
        if min_version and version_tuple(info.get("version")) < tuple(min_version):
            raise Neo4jModuleError("%s needs Neo4j %s or later, but %s runs version %s."
                                   % (feature, ".".join(str(p) for p in min_version), self.target, info.get("version")))
        return info

    # -- errors --

    def _translate(self, exc, database=None, query=None):
        return translate_error(exc, self.target, self.params.get("login_user"), self._retry_timeout, database, query)


def version_tuple(version):
    """``"5.26.0"`` -> ``(5, 26, 0)``; calendar versions (``"2025.10.1"``) compare above every 5.x."""
    parts = []
    for part in str(version or "").split("."):
        digits = "".join(ch for ch in part if ch.isdigit()) if part else ""
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _retryable(exc):
    if neo4j_exceptions is None or _tls_cause(exc) is not None:
        return False  # the driver would retry a TLS failure, but no retry fixes a certificate or a scheme
    if isinstance(exc, (neo4j_exceptions.SessionExpired, neo4j_exceptions.ServiceUnavailable)):
        return not isinstance(exc, neo4j_exceptions.IncompleteCommit)
    is_retryable = getattr(exc, "is_retryable", None)
    return bool(is_retryable and is_retryable())


def _server_answered(exc):
    """Whether a server answered with a failure somewhere behind ``exc`` (it was reached)."""
    return neo4j_exceptions is not None and any(isinstance(c, neo4j_exceptions.Neo4jError) for c in _causes(exc))


# getaddrinfo's "this name does not exist" answers (EAI_AGAIN, a resolver that did not answer, may pass).
_UNKNOWN_HOST_ERRORS = tuple(getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, name))


# connect() errors that say this host cannot use an address family at all, not that the address is wrong.
_UNUSABLE_FAMILY = (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT)


def _nothing_listens(cause):
    """``"<what>"`` when ``cause`` is a connection refused or an unknown host name, else None."""
    if isinstance(cause, socket.gaierror):
        return "unknown host (%s)" % (cause.strerror or cause) if cause.errno in _UNKNOWN_HOST_ERRORS else None
    if isinstance(cause, ConnectionRefusedError) or (isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED):
        return cause.strerror or "Connection refused"
    return None


def refusal(exc):
    """Whether the failures behind ``exc`` say that nothing listens: True when every connection failure behind it is
    a refused connection or an unknown host, False when anything else failed or a server answered, None when the
    driver does not say why (the 5.x driver's "Unable to retrieve routing information")."""
    found = False
    for cause in _causes(exc):
        if _nothing_listens(cause):
            found = True
        elif (neo4j_exceptions is not None and isinstance(cause, neo4j_exceptions.Neo4jError)) or isinstance(cause, OSError):
            return False  # a server answered, or a timeout or reset: worth retrying
    if found:
        return True
    if neo4j_exceptions is not None and isinstance(exc, neo4j_exceptions.ServiceUnavailable) and not isinstance(
            exc, neo4j_exceptions.IncompleteCommit):
        return None
    return False


def probe_address(address, timeout):
    """``"host:port: <why>"`` when nothing listens at ``address`` (refused, unknown host), else None (something
    accepted the connection, or the attempt timed out or failed otherwise: not proof that nothing listens)."""
    host, port = address
    where = "%s:%d" % ("[%s]" % host if ":" in host else host, port)
    try:
        resolved = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        why = _nothing_listens(exc)
        return "%s: %s" % (where, why) if why else None
    reasons = []
    for family, kind, proto, _name, sockaddr in resolved:
        try:
            with socket.socket(family, kind, proto) as sock:
                sock.settimeout(timeout)
                sock.connect(sockaddr)
            return None  # something listens
        except OSError as exc:
            if exc.errno in _UNUSABLE_FAMILY:
                continue  # say ::1 for localhost on a host without IPv6: the driver moves on to the next address
            why = _nothing_listens(exc)
            if why is None:
                return None
            reasons.append(why)
    return "%s: %s" % (where, reasons[0]) if reasons else None


def _causes(exc, limit=50):
    """``exc`` and what is behind it: ``__cause__``/``__context__`` chains and the members of exception groups.

    With a routing scheme the driver 6.x raises ServiceUnavailable("Unable to retrieve routing
    information") whose cause is an ExceptionGroup of the failure at each router, so the TLS error or
    DatabaseUnavailable that explains it sits inside the group, not on the plain chain.
    """
    stack, seen = [exc], set()
    while stack and len(seen) < limit:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.append(current.__cause__ or current.__context__)
        members = getattr(current, "exceptions", None)
        if isinstance(members, (list, tuple)):
            stack.extend(reversed(members))


def probe_tls(address, context, timeout):
    """What fails in a TLS handshake with ``address`` (the words of :func:`_tls_cause`), or None when it succeeds
    or the address cannot be reached at all (then the connection failure, not TLS, is the story)."""
    host, port = address
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            with context.wrap_socket(sock, server_hostname=host):
                return None
    except ssl.SSLError as exc:
        return _tls_cause(exc)
    except OSError:
        return None


_SSL_DECORATION = re.compile(r"^\[SSL: [A-Z0-9_]+\] |\s*\(_ssl\.c:\d+\)$")


def _tls_cause(exc):
    """What failed in the TLS handshake behind a driver error, or None."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return "certificate verify failed: %s" % str(cause.verify_message or cause.reason or cause).rstrip(".")
        if isinstance(cause, ssl.SSLEOFError):
            return ("the server closed the connection during the TLS handshake (%s): it may not accept TLS on "
                    "this port (server.bolt.tls_level)" % _SSL_DECORATION.sub("", cause.strerror or str(cause)))
        if isinstance(cause, ssl.SSLError):
            return _SSL_DECORATION.sub("", cause.strerror or str(cause)) or cause.reason or type(cause).__name__
    return None


def _unavailable_database(exc):
    """The DatabaseUnavailable failure behind ``exc`` (directly, or behind a failed routing table fetch), or None."""
    for cause in _causes(exc):
        if getattr(cause, "code", None) == DATABASE_UNAVAILABLE:
            return cause
    return None


def _may_be_stopped(exc):
    """Whether ``exc`` may come from a stopped database: DatabaseUnavailable, or a failed routing table fetch,
    which the 5.x driver reports without its reason (the 6.x driver keeps it inside)."""
    if _unavailable_database(exc) is not None:
        return True
    if neo4j_exceptions is None or isinstance(exc, neo4j_exceptions.IncompleteCommit):
        return False
    return isinstance(exc, neo4j_exceptions.ServiceUnavailable) and _tls_cause(exc) is None


def stopped_database_error(database, name, cause=None, query=None):
    """The failure for a statement sent to a stopped database: name it and say how to start it."""
    if database is None:
        which = "The home database '%s'" % name
    elif database.lower() == (name or "").lower():
        which = "Database '%s'" % name
    else:
        which = "Database '%s' (the target of alias '%s')" % (name, database)
    return Neo4jModuleError(
        "%s is offline: it was stopped (requested_status offline), so it cannot run statements. Start it "
        "(graphops.neo4j.neo4j_database with state: started, or START DATABASE `%s`) and run this again."
        % (which, name), code=getattr(cause, "code", None) or DATABASE_UNAVAILABLE,  # what the server answers
        gql_status=getattr(cause, "gql_status", None), query=query)


def translate_error(exc, target, username=None, retry_timeout=None, database=None, query=None):
    """Map a driver exception to a :class:`Neo4jModuleError` with a plain-language message."""
    ex = neo4j_exceptions
    unavailable = _unavailable_database(exc)
    if unavailable is not None:
        exc = unavailable  # a routing scheme reports it as ServiceUnavailable, with the reason inside
    code = getattr(exc, "code", None)
    gql = getattr(exc, "gql_status", None)
    detail = getattr(exc, "message", None) or str(exc)
    where = "database '%s'" % database if database else "the default database"
    waited = " (retried for %s s, see retry_timeout)" % retry_timeout if retry_timeout else ""

    def err(msg):
        return Neo4jModuleError(msg, code=code, gql_status=gql, query=query)

    if isinstance(exc, ex.AuthError) or code == "Neo.ClientError.Security.Unauthorized":
        return err("Authentication failed at %s for user '%s': check login_user and login_password (or token)." % (target, username))
    if code == "Neo.ClientError.Security.Forbidden":
        return err("User '%s' is not allowed to do this on %s: %s" % (username, where, detail))
    if code == "Neo.ClientError.Statement.UnsupportedAdministrationCommand":
        return err("The server at %s does not support this administration command (it needs Neo4j Enterprise Edition): %s"
                   % (target, detail))
    if code == "Neo.ClientError.Cluster.NotALeader" or isinstance(exc, ex.WriteServiceUnavailable):
        return err("No server accepted the write on %s%s: %s. With a bolt:// URI the driver talks to one member only; "
                   "use a neo4j:// URI so writes are routed to the leader." % (where, waited, detail))
    if code == DATABASE_UNAVAILABLE:
        return err("%s is unavailable%s: %s. Check its current_status and status_message (neo4j_info)."
                   % (where.capitalize(), waited, detail.rstrip(".")))
    if code == "Neo.ClientError.Database.DatabaseNotFound":
        return err("%s does not exist: %s" % (where.capitalize(), detail))
    if isinstance(exc, ex.IncompleteCommit):
        error = err("The connection to %s was lost while committing; the change may or may not have been applied: %s" % (target, detail))
        error.uncertain_commit = True  # callers that can tell their own change apart may check and retry
        return error
    tls = _tls_cause(exc)
    if tls is not None:
        return err("TLS failed with %s: %s. Check trusted_ca_file, check_hostname, validate_certs and the scheme (+s / +ssc)."
                   % (target, tls))
    if isinstance(exc, (ex.ServiceUnavailable, ex.SessionExpired)):
        return err("Could not reach Neo4j at %s%s: %s. Check uri/host/bolt_port and that the server is running." % (target, waited, detail))
    if isinstance(exc, ex.ConfigurationError):
        return err("Invalid connection settings for %s: %s" % (target, detail))
    if isinstance(exc, ex.Neo4jError):
        return err("Neo4j returned %s: %s" % (code or "an error", detail))
    if isinstance(exc, ex.DriverError):
        return err("Neo4j driver error with %s: %s" % (target, detail))
    if isinstance(exc, OSError):
        return err("Could not reach Neo4j at %s: %s" % (target, detail))
    return err("Unexpected error talking to %s: %s: %s" % (target, type(exc).__name__, detail))
