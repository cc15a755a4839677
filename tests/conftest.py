"""Fixtures shared by every test: simulated clusters, and the Neo4j target tests talk to.

``cluster`` (3 members) and ``single`` (1 member) are fresh simulators per test.  ``neo4j_target`` is
the connection a test should use: the simulator by default, or a real server when ``NEO4J_TEST_URI``
is set (with ``NEO4J_TEST_USERNAME`` / ``NEO4J_TEST_PASSWORD``); tests that need simulator control call
``pytest.skip("needs the simulator: ...")`` when ``neo4j_target["simulated"]`` is false.

The simulated Neo4j release is 5.26 unless ``GRAPHOPS_SIM_VERSION`` names another (``2026.07.0``);
``GRAPHOPS_SIM_LANGUAGE`` (5 or 25) sets its ``db.query.default_language`` (2025.06+; by default as the
release's neo4j.conf ships it).  See docs/testing.md, "Release lines".
Every session also runs the Cypher lint gate (``lint_collector``) over the statements of every simulated
cluster it created.
"""

import os

import pytest

from simulator.cluster import Cluster
from simulator.versions import DEFAULT_VERSION, version_key

# The Cypher lint gate runs in every session, whatever part of the suite it collects; the reliability figures
# table prints whatever the session's suites recorded (tests/reliability/figures.py).
pytest_plugins = ["lint_collector", "reliability.figures"]

USERNAME = "neo4j"
PASSWORD = "password"
SIM_VERSION = os.environ.get("GRAPHOPS_SIM_VERSION") or DEFAULT_VERSION
SIM_LANGUAGE = int(os.environ["GRAPHOPS_SIM_LANGUAGE"]) if os.environ.get("GRAPHOPS_SIM_LANGUAGE") else None
version_key(SIM_VERSION)  # a typo fails the run at once


def pytest_report_header(config):  # pylint: disable=unused-argument
    language = " (db.query.default_language CYPHER_%d)" % SIM_LANGUAGE if SIM_LANGUAGE else ""
    return "simulated Neo4j: %s%s" % (SIM_VERSION, language)


def _start(members, **kwargs):
    kwargs.setdefault("users", {USERNAME: PASSWORD})
    kwargs.setdefault("version", SIM_VERSION)
    kwargs.setdefault("default_language", SIM_LANGUAGE)
    return Cluster(members=members, **kwargs).start()


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


@pytest.fixture(scope="session")
def moto_s3():
    """S3 for the session: moto in server mode on 127.0.0.1 with credential checks (see moto_s3.MotoS3)."""
    from moto_s3 import MotoS3
    server = MotoS3().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_cloudwatch():
    """CloudWatch for the session: a moto server on 127.0.0.1 whose IAM user may only use CloudWatch."""
    from moto_s3 import CLOUDWATCH_POLICY, MotoS3
    server = MotoS3(policy=CLOUDWATCH_POLICY).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(moto_s3, request):
    """A fresh bucket in ``moto_s3`` for one test."""
    import re
    import uuid
    stem = re.sub(r"[^a-z0-9-]", "-", request.node.name.lower())[:40].strip("-")
    return moto_s3.create_bucket("%s-%s" % (stem, uuid.uuid4().hex[:8]))
