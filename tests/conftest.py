"""Fixtures shared by every test: simulated clusters, and the Neo4j target tests talk to.

``cluster`` (3 members) and ``single`` (1 member) are fresh simulators per test.  ``neo4j_target`` is
the connection a test should use: the simulator by default, or a real server when ``NEO4J_TEST_URI``
is set (with ``NEO4J_TEST_USERNAME`` / ``NEO4J_TEST_PASSWORD``); tests that need simulator control call
``pytest.skip("needs the simulator: ...")`` when ``neo4j_target["simulated"]`` is false.
"""

import importlib
import os
import re
from dataclasses import dataclass, field

import pytest

from simulator import errors
from simulator.cluster import Cluster

USERNAME = "neo4j"
PASSWORD = "password"


# ----- stand-in Cypher executor, used only until simulator.cypher provides execute() ------------------


@dataclass
class _Ctx:
    model: object
    member: str
    user: str
    database: str = None
    mode: str = "w"


@dataclass
class _Result:
    fields: list
    records: list
    stats: dict = field(default_factory=dict)
    type: str = "r"
    db: str = None


@dataclass
class _Tx:
    ctx: _Ctx
    pending: list = field(default_factory=list)


class FakeExecutor:
    """Answers RETURN 1, RETURN $x AS x, UNWIND range(1, $n) AS i RETURN i, and CREATE DATABASE on system."""

    ExecContext = _Ctx

    def _check(self, ctx):
        model = ctx.model
        name = ctx.database or "neo4j"
        with model.lock:
            db = model.resolve(name)
            if db is None:
                raise errors.database_not_found(name)
            if db.requested_status == "offline":
                raise errors.database_unavailable(name)
            return db

    def _plan(self, ctx, query, params):
        db = self._check(ctx)
        if query == "RETURN 1":
            return _Result(["1"], [[1]], db=db.name), None
        if query == "RETURN $x AS x":
            return _Result(["x"], [[params["x"]]], db=db.name), None
        if query == "UNWIND range(1, $n) AS i RETURN i":
            return _Result(["i"], [[i] for i in range(1, params["n"] + 1)], db=db.name), None
        match = re.fullmatch(r"CREATE DATABASE (\w+)", query)
        if match and db.name == "system":
            if not ctx.model.is_writer(ctx.member, "system"):
                raise errors.not_a_leader("system")
            return _Result([], [], {"system-updates": 1}, "s", "system"), match.group(1)
        raise errors.syntax_error("Invalid input '%s'" % query.split(" ")[0])

    def _apply(self, model, name):
        with model.lock:
            if name in model.databases:
                raise errors.existing_database("Failed to create the specified database '%s': "
                                               "Database already exists." % name)
            model.create_database(name, start_delay=0.0)

    def execute(self, ctx, query, params):
        result, create = self._plan(ctx, query, params)
        if create:
            self._apply(ctx.model, create)
        return result

    def begin(self, ctx):
        self._check(ctx)
        return _Tx(ctx)

    def run(self, ctx, tx, query, params):
        result, create = self._plan(ctx, query, params)
        if create:
            tx.pending.append(create)
        return result

    def commit(self, tx):
        if tx.pending and not tx.ctx.model.is_writer(tx.ctx.member, "system"):
            raise errors.not_a_leader("system")
        for name in tx.pending:
            self._apply(tx.ctx.model, name)

    def rollback(self, tx):
        tx.pending.clear()


def executor():
    """The real executor once it exists, else the stand-in (None lets the Bolt server load the real one)."""
    try:
        real = importlib.import_module("simulator.cypher")
    except ImportError:
        real = None
    return None if hasattr(real, "execute") else FakeExecutor()


def _start(members, **kwargs):
    kwargs.setdefault("users", {USERNAME: PASSWORD})
    return Cluster(members=members, executor=executor(), **kwargs).start()


@pytest.fixture
def make_cluster():
    """Factory for clusters with non-default options (TLS, auth off...); all are stopped afterwards."""
    started = []

    def make(members=3, **kwargs):
        c = _start(members, **kwargs)
        started.append(c)
        return c

    yield make
    for c in started:
        c.stop()


@pytest.fixture
def cluster():
    """A fresh 3-member simulated cluster (user neo4j/password, admin)."""
    c = _start(3)
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture
def single():
    """A fresh 1-member simulated cluster."""
    c = _start(1)
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture
def neo4j_target(request):
    """Where to connect: {uri, username, password, simulated, cluster (None for a real server)}."""
    uri = os.environ.get("NEO4J_TEST_URI")
    if uri:
        return {"uri": uri, "username": os.environ.get("NEO4J_TEST_USERNAME", USERNAME),
                "password": os.environ.get("NEO4J_TEST_PASSWORD", PASSWORD), "simulated": False, "cluster": None}
    c = request.getfixturevalue("cluster")
    return {"uri": c.routing_uri(), "username": USERNAME, "password": PASSWORD, "simulated": True, "cluster": c}
