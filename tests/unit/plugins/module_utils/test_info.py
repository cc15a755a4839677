"""Pure logic of neo4j_info: subset parsing, shaping of SHOW rows, JMX parsing and the health verdict."""

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import cypher, databases, info

ALL = set(info.SUBSETS)


# ----- gather_subset -----------------------------------------------------------------------------

@pytest.mark.parametrize("given, expected", [
    (None, ALL),
    ([], ALL),
    (["all"], ALL),
    (["health"], {"health"}),
    (["servers", "databases"], {"servers", "databases"}),
    (["jmx"], {"memory"}),
    (["!memory"], ALL - {"memory"}),
    (["!jmx", "!users"], ALL - {"memory", "users"}),
    (["all", "!roles"], ALL - {"roles"}),
    (["health", "!health"], set()),
    ([" Health "], {"health"}),
])
def test_parse_gather_subset(given, expected):
    assert info.parse_gather_subset(given) == expected


def test_unknown_subset_names_the_valid_ones():
    with pytest.raises(info.SubsetError) as exc:
        info.parse_gather_subset(["servers", "clusters"])
    assert "unknown subset 'clusters'" in str(exc.value)
    assert "servers, databases, aliases" in str(exc.value)


# ----- rows -> facts -----------------------------------------------------------------------------

def server_row(name, state="Enabled", health="Available", hosting=("neo4j", "system"), requested=None):
    return {"name": name, "serverId": "id-" + name, "address": "127.0.0.1:%d" % (7686 + int(name[-1])),
            "state": state, "health": health, "hosting": list(hosting),
            "requestedHosting": list(requested if requested is not None else hosting), "tags": [],
            "modeConstraint": "NONE", "version": "5.26.0"}


def db_row(name, server, current="online", requested="online", writer=False, message="", role="primary"):
    unavailable = current == "unknown"
    return {"name": name, "type": "standard", "aliases": [], "access": "read-write",
            "address": None if unavailable else "127.0.0.1:%d" % (7686 + int(server[-1])),
            "role": role, "writer": writer, "requestedStatus": requested, "currentStatus": current,
            "statusMessage": message, "default": name == "neo4j", "home": name == "neo4j", "constituents": [],
            "serverID": "id-" + server, "databaseID": "DB-" + name, "currentPrimariesCount": 3,
            "lastCommittedTxn": None if unavailable else 7, "replicationLag": 0, "options": {}}


def three_servers(**overrides):
    rows = [server_row("server1"), server_row("server2"), server_row("server3")]
    return info.servers_from_rows([overrides.get(r["name"], r) for r in rows])


def test_servers_are_keyed_by_name_with_neo4j_columns():
    servers = three_servers()
    assert list(servers) == ["server1", "server2", "server3"]
    assert servers["server2"]["address"] == "127.0.0.1:7688"
    assert servers["server2"]["state"] == "Enabled"
    assert "name" not in servers["server2"]
    assert info.server_names_by_id(servers) == {"id-server1": "server1", "id-server2": "server2",
                                                "id-server3": "server3"}


def test_databases_group_allocations_per_member():
    names = info.server_names_by_id(three_servers())
    rows = [db_row("movies", "server1", writer=True), db_row("movies", "server2"),
            db_row("movies", "server3", current="starting"), db_row("neo4j", "server2", writer=True)]
    dbs = info.databases_from_rows(rows, names)
    movies = dbs["movies"]
    assert set(movies["members"]) == {"server1", "server2", "server3"}
    assert movies["writer"] == "server1"
    assert movies["members"]["server3"]["currentStatus"] == "starting"
    assert movies["members"]["server1"]["writer"] is True
    assert movies["requestedStatus"] == "online"
    assert movies["databaseID"] == "DB-movies"
    assert "currentStatus" not in movies and "address" not in movies
    assert movies["healthy"] is False
    assert dbs["neo4j"]["healthy"] is True
    assert dbs["neo4j"]["writer"] == "server2"


def test_member_falls_back_to_address_when_the_server_is_not_listed():
    dbs = info.databases_from_rows([db_row("movies", "server1", writer=True)], {})
    assert list(dbs["movies"]["members"]) == ["127.0.0.1:7687"]


def test_aliases_users_roles():
    aliases = info.aliases_from_rows([{"name": "movies", "composite": None, "database": "movies_2", "location": "local",
                                       "url": None, "user": None, "driver": None, "properties": {}}])
    assert aliases == {"movies": {"composite": None, "database": "movies_2", "location": "local", "url": None,
                                  "user": None, "driver": None, "properties": {}}}
    users = info.users_from_rows([{"user": "neo4j", "roles": ["PUBLIC", "admin"], "suspended": False,
                                   "passwordChangeRequired": False, "home": None}])
    assert users["neo4j"]["roles"] == ["PUBLIC", "admin"]
    roles = info.roles_from_rows([{"role": "admin", "member": "neo4j"}, {"role": "PUBLIC", "member": "neo4j"},
                                  {"role": "PUBLIC", "member": "alice"}, {"role": "reader", "member": None}])
    assert roles == {"admin": {"members": ["neo4j"]}, "PUBLIC": {"members": ["alice", "neo4j"]},
                     "reader": {"members": []}}


# ----- JMX -------------------------------------------------------------------------------------

def jmx_row(used=268435456, maximum=1073741824):
    """The shape dbms.queryJmx gives a CompositeData attribute: {description, value: {description, properties}}."""
    def usage(u, m):
        return {"description": "java.lang.management.MemoryUsage",
                "properties": {"init": 536870912, "used": u, "committed": 536870912, "max": m}}
    return {"name": "java.lang:type=Memory",
            "attributes": {"HeapMemoryUsage": {"description": "HeapMemoryUsage", "value": usage(used, maximum)},
                           "NonHeapMemoryUsage": {"description": "NonHeapMemoryUsage", "value": usage(100, -1)},
                           "ObjectPendingFinalizationCount": {"description": "", "value": 0},
                           "Verbose": {"description": "Verbose", "value": False}}}


def test_heap_from_jmx_rows():
    memory = info.heap_from_jmx_rows([jmx_row()])
    assert memory["heap"] == {"init": 536870912, "used": 268435456, "committed": 536870912, "max": 1073741824}
    assert memory["heap_used_percent"] == 25.0
    assert memory["non_heap"]["max"] == -1


def test_heap_without_a_max_has_no_percentage():
    assert info.heap_from_jmx_rows([jmx_row(maximum=-1)])["heap_used_percent"] is None


def gauge_row(object_name, value):
    return {"name": object_name, "attributes": {"Value": {"description": "Attribute exposed for management",
                                                          "value": value}}}


@pytest.mark.parametrize("suffix", ["", ",type=gauges"])
def test_page_cache_from_jmx_rows_any_prefix_and_key_order(suffix):
    rows = [gauge_row("neo4j.metrics:name=prod.dbms.page_cache.usage_ratio" + suffix, 0.5),
            gauge_row("neo4j.metrics:name=prod.dbms.page_cache.hit_ratio" + suffix, 0.97)]
    assert info.page_cache_from_jmx_rows(rows) == {"usage_ratio": 0.5, "hit_ratio": 0.97}
    reordered = [gauge_row("neo4j.metrics:type=gauges,name=neo4j.dbms.page_cache.usage_ratio", 1)]
    assert info.page_cache_from_jmx_rows(reordered) == {"usage_ratio": 1.0, "hit_ratio": None}


def test_page_cache_absent_or_not_a_number_is_no_figure():
    assert info.page_cache_from_jmx_rows([]) is None  # metrics off or filtered out: queryJmx finds nothing
    assert info.page_cache_from_jmx_rows([gauge_row("neo4j.metrics:name=neo4j.dbms.page_cache.hits", 5)]) is None
    nan = [gauge_row("neo4j.metrics:name=neo4j.dbms.page_cache.hit_ratio", float("nan")),
           gauge_row("neo4j.metrics:name=neo4j.dbms.page_cache.usage_ratio", 0.0)]
    assert info.page_cache_from_jmx_rows(nan) == {"usage_ratio": 0.0, "hit_ratio": None}


def test_heap_missing_from_jmx_rows():
    assert info.heap_from_jmx_rows([]) is None
    assert info.heap_from_jmx_rows([{"name": "java.lang:type=Memory", "attributes": {}}]) is None


# ----- health ------------------------------------------------------------------------------------

def healthy_databases():
    names = info.server_names_by_id(three_servers())
    rows = [db_row("system", s, writer=s == "server1") for s in ("server1", "server2", "server3")]
    rows.append(db_row("neo4j", "server1", writer=True))
    return info.databases_from_rows(rows, names)


def test_healthy_cluster():
    assert info.health_verdict(three_servers(), healthy_databases()) == (True, [])


def test_unavailable_member_makes_the_cluster_unhealthy():
    servers = three_servers(server3=server_row("server3", health="Unavailable"))
    names = info.server_names_by_id(servers)
    rows = [db_row("system", "server1", writer=True), db_row("system", "server2"),
            db_row("system", "server3", current="unknown", message="Server is unavailable")]
    healthy, reasons = info.health_verdict(servers, info.databases_from_rows(rows, names))
    assert healthy is False
    assert reasons == [
        "server server3 (127.0.0.1:7689): health is Unavailable, not Available",
        "database system on server3: current_status unknown, requested_status online (Server is unavailable)",
    ]


def test_database_that_failed_to_start():
    names = info.server_names_by_id(three_servers())
    rows = [db_row("movies", "server1", current="offline", writer=True, message="Unable to start database")]
    healthy, reasons = info.health_verdict(three_servers(), info.databases_from_rows(rows, names))
    assert healthy is False
    assert reasons == ["database movies on server1: current_status offline, requested_status online "
                       "(Unable to start database)"]


def test_stopped_database_is_healthy_when_stop_was_requested():
    names = info.server_names_by_id(three_servers())
    rows = [db_row("movies", "server1", current="offline", requested="offline")]
    assert info.health_verdict(three_servers(), info.databases_from_rows(rows, names)) == (True, [])


def test_cordoned_and_free_servers_and_hosting_drift():
    servers = three_servers(
        server1=server_row("server1", state="Cordoned"),
        server2=server_row("server2", state="Free", hosting=["system"], requested=["system"]),
        server3=server_row("server3", hosting=["system"], requested=["movies", "system"]),
    )
    healthy, reasons = info.health_verdict(servers, {})
    assert healthy is False
    assert reasons == ["server server1 (127.0.0.1:7687): state is Cordoned, not Enabled",
                       "server server2 (127.0.0.1:7688): state is Free, not Enabled",
                       "server server3 (127.0.0.1:7689): not yet hosting movies"]


# ----- gathering with a stand-in client -----------------------------------------------------------

class Rows:
    def __init__(self, rows):
        self.rows = rows


class StubClient:
    """Answers the statements gather() sends with canned rows, like a server would."""

    def __init__(self, answers, fail=None):
        self.answers = answers
        self.fail = fail
        self.sent = []

    def read(self, query, params=None, database=None):
        self.sent.append((query, params, database))
        if self.fail:
            raise self.fail
        return Rows(self.answers[query])

    def server_info(self):
        return {"name": "Neo4j Kernel", "version": "5.26.0", "edition": "enterprise"}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def cluster_answers():
    return {
        info.SHOW_SERVERS: [server_row("server1"), server_row("server2"), server_row("server3", health="Unavailable")],
        info.SHOW_DATABASES: [db_row("neo4j", "server1", writer=True)],
        info.SHOW_ALIASES: [],
        info.SHOW_USERS: [{"user": "neo4j", "roles": ["PUBLIC", "admin"], "suspended": False,
                           "passwordChangeRequired": False, "home": None}],
        info.SHOW_ROLES: [{"role": "admin", "member": "neo4j"}],
        info.QUERY_JMX: [jmx_row()],
    }


def test_gather_everything_reports_unreachable_members():
    client = StubClient(cluster_answers())

    def member(address):
        if address.endswith(":7689"):
            return StubClient({}, fail=OSError("Connection refused"))
        return StubClient(cluster_answers())

    facts = info.gather(client, ALL, member)
    assert set(facts) == {"servers", "databases", "aliases", "users", "roles", "version", "edition", "memory",
                          "healthy", "health_reasons"}
    assert facts["version"] == "5.26.0" and facts["edition"] == "enterprise"
    assert facts["memory"]["server1"]["reachable"] is True
    assert facts["memory"]["server1"]["heap"]["used"] == 268435456
    assert facts["memory"]["server3"] == {"address": "127.0.0.1:7689", "reachable": False, "heap": None,
                                          "non_heap": None, "heap_used_percent": None,
                                          "error": "Connection refused", "page_cache": None,
                                          "page_cache_usage_percent": None, "page_cache_hit_percent": None,
                                          "page_cache_error": "Connection refused"}
    # The stub's queryJmx answers only java.lang:type=Memory: no page-cache beans, as with metrics off.
    assert facts["memory"]["server1"]["page_cache"] is None
    assert facts["memory"]["server1"]["page_cache_error"] == info.PAGE_CACHE_OFF
    assert facts["healthy"] is False
    assert all(database == "system" for _q, _p, database in client.sent)
    # Neo4j's columns leave as the collection's snake_case result keys
    assert facts["servers"]["server1"]["server_id"] == "id-server1"
    assert facts["servers"]["server1"]["requested_hosting"] == ["neo4j", "system"]
    assert facts["servers"]["server1"]["mode_constraint"] == "NONE"
    assert facts["databases"]["neo4j"]["requested_status"] == "online"
    assert facts["databases"]["neo4j"]["members"]["server1"]["current_status"] == "online"
    assert facts["databases"]["neo4j"]["members"]["server1"]["server_id"] == "id-server1"
    assert facts["users"]["neo4j"]["password_change_required"] is False
    camel = [k for subset in ("servers", "databases", "users") for entry in facts[subset].values() for k in entry
             if k != k.lower()]
    assert camel == []


def test_gather_only_what_was_asked():
    client = StubClient(cluster_answers())
    facts = info.gather(client, {"health"})
    assert set(facts) == {"healthy", "health_reasons"}
    assert [q for q, _p, _d in client.sent] == [info.SHOW_SERVERS, info.SHOW_DATABASES]
    client = StubClient(cluster_answers())
    assert set(info.gather(client, {"users"})) == {"users"}
    assert [q for q, _p, _d in client.sent] == [info.SHOW_USERS]


def test_neo4j_info_and_neo4j_database_return_the_same_members():
    """Both modules shape SHOW DATABASES through databases.summarize: same member keys, columns and writer."""
    movies = [db_row("movies", "server1"), db_row("movies", "server2", writer=True),
              db_row("movies", "server3", current="unknown", message="Server is unavailable", role="secondary")]
    answers = cluster_answers()
    answers[info.SHOW_DATABASES] = movies + [db_row("neo4j", "server1", writer=True)]
    answers[cypher.SHOW_DATABASE] = movies
    facts = info.gather(StubClient(answers), {"databases"})
    database = databases.ensure(StubClient(answers), {"name": "movies"}, check_mode=True)["database"]
    assert database["members"] == facts["databases"]["movies"]["members"]
    assert list(database["members"]) == ["server1", "server2", "server3"]
    assert database["members"]["server3"]["address"] is None
    assert database["writer"] == facts["databases"]["movies"]["writer"] == "server2"


# ----- member connections ------------------------------------------------------------------------

@pytest.mark.parametrize("params, uri", [
    ({"uri": "neo4j://db1:7687"}, "bolt://db2:7687"),
    ({"uri": "neo4j+s://db1:7687"}, "bolt+s://db2:7687"),
    ({"uri": "bolt+ssc://db1:7687"}, "bolt+ssc://db2:7687"),
    ({"uri": None, "host": "db1", "scheme": "neo4j+s", "bolt_port": 7000}, "bolt+s://db2:7687"),
    ({"uri": None, "host": None, "endpoints": ["db1:7687", "db3:7687"]}, "bolt://db2:7687"),
])
def test_member_params_connect_to_one_member(params, uri):
    base = dict(username="neo4j", password="secret", retry_timeout=30.0, trusted_ca_file=None)
    out = info.member_params(dict(base, **params), "db2:7687")
    assert out["uri"] == uri
    assert out["host"] is None and out["scheme"] is None and out["bolt_port"] is None and out["endpoints"] is None
    assert out["retry_timeout"] == 30.0  # kept; neo4j_info builds member clients with retries=False
    assert out["password"] == "secret"
