"""Planning and waiting logic of neo4j_database (plugins/module_utils/databases.py), without a server."""

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import connection
from ansible_collections.graphops.neo4j.plugins.module_utils import databases

Neo4jModuleError = connection.Neo4jModuleError


def row(server, role="primary", current="online", requested="online", message="", address=None, **extra):
    base = dict(name="movies", type="standard", aliases=[], access="read-write", address=address if address is not None else server + ":7687",
                role=role, writer=role == "primary", requestedStatus=requested, currentStatus=current, statusMessage=message,
                default=False, home=False, serverID=server + "-id", requestedPrimariesCount=extra.pop("p", 1),
                requestedSecondariesCount=extra.pop("s", 0))
    base.update(extra)
    return base


def desired(**params):
    params.setdefault("name", "movies")
    return databases.validate(params)


SERVERS = [dict(name="server%d" % i, state="Enabled") for i in (1, 2, 3)]


NAMES = {"a-id": "server1", "b-id": "server2"}  # serverId -> name, as SHOW SERVERS gives them


def test_summarize_keys_members_by_server_name():
    db = databases.summarize([row("b", "secondary", p=1, s=1), row("a", p=1, s=1)], NAMES)
    assert db["name"] == "movies" and db["requestedStatus"] == "online"
    assert list(db["members"]) == ["server1", "server2"]
    assert db["members"]["server2"] == dict(serverID="b-id", address="b:7687", role="secondary", writer=False,
                                            requestedStatus="online", currentStatus="online", statusMessage="")
    assert db["writer"] == "server1"
    assert "currentStatus" not in db and "address" not in db
    assert databases.summarize([]) is None


def test_members_fall_back_to_address_then_server_id():
    rows = [row("b", "secondary"), row("c", "secondary", current="unknown")]
    rows[1]["address"] = None
    db = databases.summarize(rows, {"a-id": "server1"})
    assert list(db["members"]) == ["b:7687", "c-id"]
    assert db["writer"] is None


def test_create_when_missing_with_topology_access_and_stop():
    statements, after = databases.plan(desired(topology=dict(primaries=2, secondaries=1), access="read-only", state="stopped"),
                                       None, SERVERS)
    assert [s.query for s in statements] == [
        "CREATE DATABASE $name IF NOT EXISTS TOPOLOGY $primaries PRIMARIES $secondaries SECONDARIES",
        "ALTER DATABASE `movies` SET ACCESS READ ONLY",
        "STOP DATABASE `movies`",
    ]
    assert statements[0].params == dict(name="movies", primaries=2, secondaries=1)
    assert after == dict(name="movies", state="stopped", access="read-only", topology=dict(primaries=2, secondaries=1))


def test_seed_options_on_creation():
    statements = databases.plan(desired(seed_uri="s3://bucket/movies.backup", seed_config="region=eu-west-1"), None)[0]
    assert statements[0].query == ("CREATE DATABASE $name IF NOT EXISTS OPTIONS {existingData: $option_existingData, "
                                   "seedConfig: $option_seedConfig, seedURI: $option_seedURI}")
    assert statements[0].params["option_existingData"] == "use"


def test_existing_database_in_desired_state_needs_nothing():
    current = databases.summarize([row("a", p=1)])
    for state in ("present", "started"):
        assert databases.plan(desired(state=state, topology=dict(primaries=1), access="read-write"), current, SERVERS)[0] == []


def test_existing_database_changes():
    current = databases.summarize([row("a", p=1, requested="offline", current="offline")])
    statements, after = databases.plan(desired(state="started", topology=dict(primaries=3), access="read-only"), current, SERVERS)
    assert [s.query for s in statements] == [
        "ALTER DATABASE $name SET TOPOLOGY $primaries PRIMARIES $secondaries SECONDARIES",
        "ALTER DATABASE `movies` SET ACCESS READ ONLY",
        "START DATABASE `movies`",
    ]
    assert after["state"] == "started" and after["topology"] == dict(primaries=3, secondaries=0)
    # present leaves a stopped database stopped
    assert databases.plan(desired(state="present"), current)[0] == []


def test_impossible_topology_is_refused_naming_the_option():
    with pytest.raises(Neo4jModuleError, match=r"^topology: 3 primaries and 1 secondaries need 4 enabled servers, but the cluster has 3"):
        databases.plan(desired(topology=dict(primaries=3, secondaries=1)), None, SERVERS)


def test_many_primaries_to_one_is_refused():
    current = databases.summarize([row(s, p=3) for s in "abc"])
    with pytest.raises(Neo4jModuleError, match="^topology.primaries: Neo4j cannot move"):
        databases.plan(desired(topology=dict(primaries=1)), current, SERVERS)


def test_name_of_an_alias_is_refused():
    with pytest.raises(Neo4jModuleError, match="^name: 'movies' is already an alias for database 'movies-1'"):
        databases.plan(desired(), None, SERVERS, alias=dict(name="movies", database="movies-1"))


def test_drop_refuses_a_database_with_aliases():
    current = databases.summarize([row("a", aliases=["live", "blue"])])
    with pytest.raises(Neo4jModuleError, match="target of the alias\\(es\\) blue, live"):
        databases.plan(desired(state="absent"), current)


def test_drop():
    statements, after = databases.plan(desired(state="absent", drop_data="dump"), databases.summarize([row("a")]))
    assert [s.query for s in statements] == ["DROP DATABASE `movies` IF EXISTS DUMP DATA"]
    assert after == dict(state="absent")
    assert databases.plan(desired(state="absent"), None) == ([], dict(state="absent"))


def test_non_standard_database_is_refused():
    with pytest.raises(Neo4jModuleError, match="is a composite database"):
        databases.plan(desired(state="absent"), databases.summarize([row("a", type="composite")]))


@pytest.mark.parametrize("params, message", [
    (dict(state="absent", topology=dict(primaries=1)), "^topology cannot be used with state=absent"),
    (dict(state="absent", access="read-only"), "^access cannot be used with state=absent"),
    (dict(state="absent", seed_uri="s3://b/k"), "^seed_uri cannot be used with state=absent"),
    (dict(state="present", drop_data="dump"), "^drop_data only applies to state=absent"),
    (dict(seed_config="region=x"), "^seed_config needs seed_uri"),
    (dict(seed_credentials="a;b"), "^seed_credentials needs seed_uri"),
    (dict(existing_data="use"), "^existing_data needs seed_uri"),
    (dict(topology=dict(primaries=0)), "^topology.primaries must be an integer of at least 1"),
    (dict(topology=dict(primaries=1, secondaries=-1)), "^topology.secondaries"),
    (dict(wait_timeout=0), "^wait_timeout must be greater than 0"),
    (dict(name="ab"), "^name: database name 'ab' is 2 characters long"),
    (dict(name="system2"), "^name: .* is reserved"),
    (dict(name="movies`; DROP DATABASE neo4j"), "^name: .* contains the character '`'"),
])
def test_contradictory_or_bad_options(params, message):
    with pytest.raises(Neo4jModuleError, match=message):
        desired(**params)


def test_settled_needs_every_member_and_the_requested_topology():
    assert databases.settled(databases.summarize([row("a", s=1), row("b", "secondary", s=1)]))
    assert not databases.settled(databases.summarize([row("a", s=1), row("b", "secondary", current="starting", s=1)]))
    assert not databases.settled(databases.summarize([row("a", p=2)]))  # second primary not allocated yet
    assert not databases.settled(None)


class ScriptedClient:
    """Answers SHOW DATABASES with the next scripted row set (the last one repeats)."""

    def __init__(self, *snapshots):
        self.snapshots = list(snapshots)
        self.reads = 0

    def read(self, query, params=None, database=None):
        assert database == "system"
        rows = self.snapshots[min(self.reads, len(self.snapshots) - 1)]
        self.reads += 1
        return connection.QueryResult(rows)


def no_sleep(_seconds):
    pass


def test_wait_returns_once_settled():
    client = ScriptedClient([row("a", current="starting")], [row("a", current="starting")], [row("a")])
    db = databases.wait_settled(client, "movies", timeout=60, sleep=no_sleep)
    assert db["members"]["a:7687"]["currentStatus"] == "online"
    assert client.reads == 3


def test_wait_fails_fast_on_a_failed_start_with_each_message():
    failed = [row("a", current="offline", message="Unable to start: disk full", s=1), row("b", "secondary", current="online", s=1)]
    client = ScriptedClient(failed)
    with pytest.raises(databases.WaitFailed) as err:
        databases.wait_settled(client, "movies", timeout=600, sleep=no_sleep, names_by_id=NAMES)
    assert err.value.msg.startswith("Database 'movies' failed to start: server1 (a:7687): current_status 'offline', "
                                    "requested_status 'online', ")
    assert "status_message 'Unable to start: disk full'" in err.value.msg
    assert "server2" not in err.value.msg
    assert client.reads == databases.FAILED_POLLS  # the names were given, not read again per poll
    assert err.value.database["members"]["server1"]["statusMessage"] == "Unable to start: disk full"


def test_wait_times_out_listing_members_that_did_not_make_it():
    rows = [row("a"), row("c", current="unknown", message="Server is unavailable", address="")]
    rows[1]["address"] = None
    client = ScriptedClient(rows)
    with pytest.raises(databases.WaitFailed) as err:
        databases.wait_settled(client, "movies", timeout=0.0001, sleep=no_sleep)
    assert "within wait_timeout" in err.value.msg
    assert "server c-id (address unknown): current_status 'unknown', requested_status 'online', status_message 'Server is unavailable'" in err.value.msg
    assert "a:7687" not in err.value.msg


def test_messages_name_members_by_server_name_and_address():
    members = {"server1": dict(address="a:7687", currentStatus="online", requestedStatus="online"),
               "server3": dict(address=None, serverID="c-id", currentStatus="unknown", requestedStatus="online")}
    assert databases.describe_members(members) == ("server1 (a:7687): current_status 'online', requested_status 'online'; "
                                                   "server3 (address unknown): current_status 'unknown', requested_status 'online'")


def test_wait_for_absent():
    client = ScriptedClient([row("a", current="deallocating", requested="offline")], [])
    assert databases.wait_settled(client, "movies", timeout=60, absent=True, sleep=no_sleep) is None


def test_redact_masks_secrets():
    stmt = databases.cypher.create_database("movies", options=dict(seedURI="s3://b/k", existingData="use", seedCredentials="ak;sk"))
    shown = databases.redact(stmt)
    assert shown["params"]["option_seedCredentials"] == "********"
    assert stmt.params["option_seedCredentials"] == "ak;sk"


class ServerClient:
    """Answers SHOW SERVERS (or refuses it with ``refuse``) and SHOW DATABASES for one database, recording the queries."""

    def __init__(self, rows, servers, refuse=None):
        self.rows, self.servers, self.refuse = rows, servers, refuse
        self.sent = []

    def read(self, query, params=None, database=None):
        assert database == "system"
        self.sent.append(query)
        if query == databases.cypher.SHOW_SERVERS:
            if self.refuse:
                raise Neo4jModuleError("User 'dba' is not allowed to do this on database 'system'", code=self.refuse)
            return connection.QueryResult(self.servers)
        if query == databases.cypher.SHOW_DATABASE:
            return connection.QueryResult([r for r in self.rows if r["name"] == params["name"]])
        raise AssertionError("unexpected query %s" % query)


SERVER_ROWS = [dict(name="server%d" % i, serverId="%s-id" % s, state="Enabled") for i, s in ((1, "a"), (2, "b"))]


def test_ensure_reads_the_server_names_once():
    client = ServerClient([row("a"), row("b", "secondary")], SERVER_ROWS)
    result = databases.ensure(client, dict(name="movies", topology=dict(primaries=1, secondaries=1)), check_mode=True)
    assert list(result["database"]["members"]) == ["server1", "server2"]
    assert result["database"]["writer"] == "server1"
    assert client.sent.count(databases.cypher.SHOW_SERVERS) == 1


def test_without_show_servers_members_are_keyed_by_address():
    for code in databases.SHOW_SERVERS_REFUSED:
        client = ServerClient([row("a"), row("b", "secondary")], SERVER_ROWS, refuse=code)
        result = databases.ensure(client, dict(name="movies"), check_mode=True)
        assert list(result["database"]["members"]) == ["a:7687", "b:7687"]
        assert result["database"]["writer"] == "a:7687"
    # checking a topology needs the servers, so the refusal stands
    client = ServerClient([row("a")], SERVER_ROWS, refuse="Neo.ClientError.Security.Forbidden")
    with pytest.raises(Neo4jModuleError, match="not allowed"):
        databases.ensure(client, dict(name="movies", topology=dict(primaries=1)), check_mode=True)


class CreatingClient(ServerClient):
    """A server without the database (nor an alias of that name), running Neo4j ``version``."""

    def __init__(self, version):
        super().__init__([], SERVER_ROWS)
        self.version = version
        self.asked_version = 0

    def read(self, query, params=None, database=None):
        if query == databases.cypher.SHOW_ALIAS:
            return connection.QueryResult([])
        return super().read(query, params, database)

    def server_info(self):
        self.asked_version += 1
        return dict(name="Neo4j Kernel", version=self.version, edition="enterprise")


SEEDED = dict(name="movies", seed_uri="s3://b/k", seed_credentials="ak;sk")


@pytest.mark.parametrize("version, prefix", [("5.26.0", ""), ("2025.05.0", ""), ("2025.06.0", "CYPHER 5 "), ("2026.07.0", "CYPHER 5 ")])
def test_seed_credentials_pin_cypher_5_where_cypher_versions_exist(version, prefix):
    client = CreatingClient(version)
    result = databases.ensure(client, SEEDED, check_mode=True)
    assert result["queries"][0]["query"].startswith(prefix + "CREATE DATABASE $name IF NOT EXISTS OPTIONS {")
    assert result["queries"][0]["params"]["option_seedCredentials"] == "********"


def test_the_server_version_is_only_read_for_cypher_5_only_options():
    client = CreatingClient("2026.07.0")
    result = databases.ensure(client, dict(name="movies", seed_uri="s3://b/k"), check_mode=True)
    assert result["queries"][0]["query"].startswith("CREATE DATABASE ")
    assert client.asked_version == 0
    existing = CreatingClient("2026.07.0")
    existing.rows = [row("a")]
    assert databases.ensure(existing, SEEDED, check_mode=True)["queries"] == []
    assert existing.asked_version == 0


def test_members_keep_their_shard_lag_apart():
    # 2025.12+: shardTxnLag is per allocation, like replicationLag.
    db = databases.summarize([row("a", shardTxnLag=0), row("b", "secondary", shardTxnLag=-3)])
    assert db["members"]["b:7687"]["shardTxnLag"] == -3 and "shardTxnLag" not in db
