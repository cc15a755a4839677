"""The simulator through the real neo4j driver: direct and routed sessions, auth, transactions, errors, TLS."""

import datetime

import neo4j
import pytest
from neo4j.exceptions import (AuthError, ClientError, CypherSyntaxError, DatabaseUnavailable, NotALeader,
                              ServiceUnavailable, TransientError,
                              WriteServiceUnavailable)

from lint_collector import deliberately_malformed
from simulator.tls import self_signed_cert

AUTH = ("neo4j", "password")


def driver(uri, auth=AUTH, **config):
    return neo4j.GraphDatabase.driver(uri, auth=auth, **config)


def test_direct_query_is_answered_and_logged(single):
    with driver(single.bolt_uri()) as d:
        records, summary, keys = d.execute_query("RETURN $x AS x", x=42)
    assert keys == ["x"] and records[0]["x"] == 42
    assert summary.database == "neo4j"
    assert summary.server.agent == "Neo4j/5.26.0"
    assert summary.server.protocol_version == (5, 8)
    (entry,) = single.statements
    assert (entry.member, entry.database, entry.user, entry.parameters) == ("server1", "neo4j", "neo4j", {"x": 42})


def test_routed_writes_go_to_the_leader_and_reads_to_followers(cluster):
    leader = cluster.leader()
    with driver(cluster.routing_uri()) as d:
        d.execute_query("CREATE DATABASE routed", database_="system")
        d.execute_query("RETURN 1", database_="system", routing_=neo4j.RoutingControl.READ)
    create, read = [s for s in cluster.statements if s.database == "system"]
    assert create.member == leader and create.query == "CREATE DATABASE routed"
    assert read.member != leader
    assert "routed" in cluster.model.databases


def test_wrong_password_is_an_auth_error(single):
    with driver(single.bolt_uri(), auth=("neo4j", "wrong")) as d:
        with pytest.raises(AuthError) as info:
            d.verify_connectivity()
    assert info.value.code == "Neo.ClientError.Security.Unauthorized"
    with driver(single.routing_uri(), auth=("nobody", "password")) as d:
        with pytest.raises(AuthError):
            d.execute_query("RETURN 1")


def test_bearer_token_logs_in_as_its_user(single):
    single.model.add_bearer_token("token-123", "neo4j")
    with driver(single.bolt_uri(), auth=neo4j.bearer_auth("token-123")) as d:
        d.execute_query("RETURN 1")
    assert single.statements[0].user == "neo4j"
    with driver(single.bolt_uri(), auth=neo4j.bearer_auth("other")) as d:
        with pytest.raises(AuthError):
            d.execute_query("RETURN 1")


def test_no_auth_only_when_auth_is_disabled(single, make_cluster):
    with driver(single.bolt_uri(), auth=None) as d:
        with pytest.raises(AuthError):
            d.execute_query("RETURN 1")
    open_cluster = make_cluster(1, auth=False)
    with driver(open_cluster.bolt_uri(), auth=None) as d:
        assert d.execute_query("RETURN 1").records[0][0] == 1


def test_explicit_transactions_commit_and_roll_back(cluster):
    with driver(cluster.routing_uri()) as d:
        with d.session(database="system") as session:
            tx = session.begin_transaction()
            tx.run("CREATE DATABASE kept").consume()
            tx.commit()
            tx = session.begin_transaction()
            tx.run("CREATE DATABASE dropped").consume()
            tx.rollback()
            assert session.last_bookmarks()
    assert "kept" in cluster.model.databases
    assert "dropped" not in cluster.model.databases


def test_managed_transaction_returns_its_records(cluster):
    with driver(cluster.routing_uri()) as d:
        with d.session(database="system") as session:
            values = session.execute_read(lambda tx: [r["user"] for r in tx.run("SHOW USERS YIELD user")])
            summary = session.execute_write(lambda tx: tx.run("CREATE DATABASE managed").consume())
    assert values == ["neo4j"]
    assert summary.counters.system_updates == 1 and summary.database == "system"
    assert "managed" in cluster.model.databases


def test_session_recovers_after_a_failure(single):
    with driver(single.bolt_uri(), max_connection_pool_size=1) as d:
        with d.session() as session:
            with pytest.raises(CypherSyntaxError):
                session.run(deliberately_malformed("MATCH (n RETURN n")).consume()
            # the driver sent RESET on the same pooled connection; the next statement works
            assert session.run("RETURN 1").single()[0] == 1
    assert [s.error for s in single.statements] == ["Neo.ClientError.Statement.SyntaxError", None]


def test_records_stream_in_batches_of_fetch_size(single):
    names = ["user%02d" % i for i in range(50)]
    for name in names:
        single.model.add_user(name, "secret")
    with driver(single.bolt_uri()) as d:
        with d.session(database="system", fetch_size=7) as session:
            values = [r["user"] for r in session.run("SHOW USERS YIELD user")]
    assert sorted(values) == sorted(names + ["neo4j"])


def test_large_values_cross_chunk_boundaries(single):
    big = "é" * 100_000  # 200 kB of UTF-8: many 16 KiB client chunks, several 64 KiB server chunks
    moment = datetime.datetime(2024, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)
    with driver(single.bolt_uri()) as d:
        assert d.execute_query("RETURN $x AS x", x=big).records[0]["x"] == big
        value = d.execute_query("RETURN $x AS x", x=moment).records[0]["x"]
    assert value.to_native() == moment


def test_missing_database_is_a_client_error(cluster):
    with driver(cluster.bolt_uri()) as d:
        with pytest.raises(ClientError) as direct:
            d.execute_query("RETURN 1", database_="missing")
    with driver(cluster.routing_uri()) as d:
        with pytest.raises(ClientError) as routed:
            d.execute_query("RETURN 1", database_="missing")
    for info in (direct, routed):
        assert info.value.code == "Neo.ClientError.Database.DatabaseNotFound"
    # execute_query pipelines BEGIN + RUN: BEGIN fails, so the RUN is IGNORED and never executed
    assert cluster.statements == []


def test_stopped_database_is_transient(single):
    single.model.stop_database("neo4j")
    with driver(single.bolt_uri()) as d, d.session() as session:
        with pytest.raises(TransientError) as info:
            session.run("RETURN 1").consume()  # auto-commit: the driver does not retry
    assert isinstance(info.value, DatabaseUnavailable)
    assert info.value.code == "Neo.TransientError.General.DatabaseUnavailable"


def test_write_on_a_follower_is_not_a_leader(cluster):
    follower = next(m for m in cluster.members if m != cluster.leader())
    with driver(cluster.bolt_uri(follower)) as d:
        with d.session(database="system") as session:
            with pytest.raises(ServiceUnavailable) as info:
                session.run("CREATE DATABASE nope").consume()
    # A direct driver has no other writer to try: it turns the server's NotALeader into
    # WriteServiceUnavailable, raised while handling the NotALeader (driver 5.28 and 6.x alike).
    assert isinstance(info.value, WriteServiceUnavailable)
    cause = info.value.__context__
    assert isinstance(cause, NotALeader) and cause.is_retryable()
    assert cause.code == "Neo.ClientError.Cluster.NotALeader"
    assert "nope" not in cluster.model.databases
    assert cluster.statements[0].error == "Neo.ClientError.Cluster.NotALeader"


def test_telemetry_hint_is_honoured(make_cluster):
    c = make_cluster(1, telemetry=True)
    with driver(c.bolt_uri()) as d:
        with d.session() as session:
            assert session.execute_read(lambda tx: tx.run("RETURN 1").single()[0]) == 1


# ----- TLS -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    """A throwaway self-signed certificate for 127.0.0.1 (certfile, keyfile)."""
    return self_signed_cert(tmp_path_factory.mktemp("tls"), "127.0.0.1")


def test_tls_with_self_signed_certificate(make_cluster, self_signed):
    c = make_cluster(3, tls=self_signed)
    assert c.bolt_uri().startswith("bolt+ssc://") and c.routing_uri().startswith("neo4j+ssc://")
    with driver(c.bolt_uri()) as d:
        assert d.execute_query("RETURN 1").records[0][0] == 1
    with driver(c.routing_uri()) as d:
        d.execute_query("CREATE DATABASE secure", database_="system")
    assert "secure" in c.model.databases
    with driver(c.bolt_uri(scheme="bolt"), connection_timeout=2) as d:
        with pytest.raises(ServiceUnavailable):
            d.verify_connectivity()  # plain Bolt against a TLS listener


def test_impersonation_runs_as_the_target_user(cluster):
    cluster.model.add_user("alice", "secret", roles=("reader",))
    with driver(cluster.routing_uri()) as d:
        records = d.execute_query("SHOW CURRENT USER YIELD user", database_="system", impersonated_user_="alice").records
    assert records[0]["user"] == "alice"
    assert cluster.statements[-1].user == "alice"
    with driver(cluster.bolt_uri(), auth=("alice", "secret")) as d, d.session(impersonated_user="neo4j") as session:
        with pytest.raises(ClientError) as info:
            session.run("RETURN 1").consume()
    assert info.value.code == "Neo.ClientError.Security.Forbidden"
