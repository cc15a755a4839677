"""Fixtures shared by the simulator tests that drive its parts (Cypher executor, Arrow server) without a Cluster."""

import pytest

from simulator.model import ClusterModel


@pytest.fixture
def model():
    """A bootstrapped three-server ClusterModel (server1..3 on 127.0.0.1) with the user neo4j/password."""
    m = ClusterModel()
    for i in range(3):
        m.add_server("server%d" % (i + 1), "127.0.0.1", 7687 + i)
    m.bootstrap()
    m.add_user("neo4j", "password")
    return m
