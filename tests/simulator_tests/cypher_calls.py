"""Statements sent straight to the simulator's Cypher executor, as the test_cypher_* files send them."""

import pytest

from simulator import errors
from simulator.cypher import ExecContext, execute


def statement(model, query, params=None, member="server1", database="system", user="neo4j", mode="w"):
    """``query`` auto-committed by the executor, as ``user`` connected to ``member`` (``database=None``: home)."""
    return execute(ExecContext(model=model, member=member, user=user, database=database, mode=mode), query, params)


def rows(result):
    return [dict(zip(result.fields, r)) for r in result.records]


def fails(model, query, params=None, **kw):
    """The Neo4jError that ``statement`` raises."""
    with pytest.raises(errors.Neo4jError) as info:
        statement(model, query, params, **kw)
    return info.value
