"""Pure parts of plugins/module_utils/arrow_cluster.py: direct connections to members, topology checks."""

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import arrow_cluster as ac


@pytest.mark.parametrize("params, expected", [
    (dict(uri="neo4j://db1:7687"), "bolt://10.0.0.3:7688"),
    (dict(uri="neo4j+s://db1:7687"), "bolt+s://10.0.0.3:7688"),
    (dict(uri="NEO4J+SSC://db1"), "bolt+ssc://10.0.0.3:7688"),
    (dict(uri="bolt+s://db1:7687"), "bolt+s://10.0.0.3:7688"),
    (dict(uri=None, host="db1", scheme="neo4j+s"), "bolt+s://10.0.0.3:7688"),
    (dict(uri=None, endpoints=["a:1", "b:2"]), "bolt://10.0.0.3:7688"),
])
def test_direct_params_keep_the_security_of_the_uri(params, expected):
    direct = ac.direct_params(dict(params, login_password="x"), "10.0.0.3:7688")
    assert direct["uri"] == expected
    assert direct["host"] is None and direct["endpoints"] is None and direct["scheme"] is None
    assert direct["login_password"] == "x"


SERVERS = [
    dict(serverId="a", name="server1", state="Enabled", modeConstraint="NONE"),
    dict(serverId="b", name="server2", state="Enabled", modeConstraint="NONE"),
    dict(serverId="c", name="gds", state="Enabled", modeConstraint="SECONDARY"),
    dict(serverId="d", name="spare", state="Free", modeConstraint="NONE"),
]


@pytest.mark.parametrize("topology, ok", [
    (dict(primaries=2, secondaries=1), True),
    (dict(primaries=1, secondaries=2), True),
    (dict(primaries=3, secondaries=0), False),  # the SECONDARY server hosts no primary
    (dict(primaries=2, secondaries=2), False),  # three Enabled servers
    (None, True),
])
def test_check_topology(topology, ok):
    if ok:
        ac.check_topology(topology, SERVERS)
    else:
        with pytest.raises(ac.GdsError, match=r"^topology: \d primaries and \d secondaries need"):
            ac.check_topology(topology, SERVERS)


def test_breaks_mode_constraints():
    on_gds = dict(members={"gds": dict(serverID="c", role="primary")})
    assert ac.breaks_mode_constraints(on_gds, SERVERS)
    assert not ac.breaks_mode_constraints(dict(members={"gds": dict(serverID="c", role="secondary")}), SERVERS)
    assert not ac.breaks_mode_constraints(dict(members={"s1": dict(serverID="a", role="primary")}), SERVERS)
    assert not ac.breaks_mode_constraints(on_gds, [])  # unknown constraints: nothing to say


@pytest.mark.parametrize("address, host", [("10.0.0.3:7687", "10.0.0.3"), ("[::1]:7687", "::1"),
                                           ("db1.example.com", "db1.example.com")])
def test_member_bolt_host(address, host):
    assert ac.GdsMember(dict(address=address), {}, None).bolt_host == host


def test_endpoint_of_a_wildcard_listen_address_is_the_members_host():
    member = ac.GdsMember(dict(name="gds", address="10.0.0.3:7687"),
                          dict(enabled=True, running=True, listenAddress="0.0.0.0:8491"), "neo4j")
    assert ac.endpoint_of(member, {}) == ("10.0.0.3", 8491)
    with pytest.raises(ac.GdsError, match="disabled on gds"):
        ac.endpoint_of(ac.GdsMember(dict(name="gds"), dict(enabled=False), None), {})
    with pytest.raises(ac.GdsError, match="enabled but not running"):
        ac.endpoint_of(ac.GdsMember(dict(name="gds"), dict(enabled=True, running=False), None), {})
