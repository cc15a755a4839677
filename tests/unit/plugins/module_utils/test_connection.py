"""The shared connection layer (plugins/module_utils/connection.py): option handling and real driver runs
against the simulator."""

import re
import socket
import ssl
import threading
import time

import neo4j
import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import connection
from simulator.cluster import Cluster
from simulator.tls import self_signed_cert

Neo4jModuleError = connection.Neo4jModuleError
settings = connection.connection_settings


def test_argument_spec_env_fallbacks_and_secrets():
    spec = connection.neo4j_argument_spec()
    assert spec["uri"]["fallback"][1] == ["NEO4J_URI"]
    assert spec["login_user"]["fallback"][1] == ["NEO4J_USERNAME"]
    assert spec["login_password"]["fallback"][1] == ["NEO4J_PASSWORD"]
    assert spec["login_password"]["no_log"] is True and spec["token"]["no_log"] is True
    # A managed user's `password` (neo4j_user) must never come from module_defaults of the whole group.
    names = set(spec) | set(a for option in spec.values() for a in option.get("aliases", []))
    assert not {"username", "password", "user"} & names
    assert set(spec["scheme"]["choices"]) == {"neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"}


@pytest.mark.parametrize("params, uri", [
    (dict(), "neo4j://localhost:7687"),
    (dict(uri="bolt+s://db.example.com"), "bolt+s://db.example.com:7687"),
    (dict(uri="neo4j://db:7000?policy=eu"), "neo4j://db:7000?policy=eu"),
    (dict(host="db", bolt_port=7000, scheme="bolt+ssc"), "bolt+ssc://db:7000"),
    (dict(host="[::1]:7001"), "neo4j://[::1]:7001"),
    (dict(endpoints=["a:1", "b:2"]), "neo4j://a:1"),
])
def test_uri_from_options(params, uri):
    assert settings(dict(params, login_password="pw"))[0] == uri


def test_endpoints_become_a_resolver_over_every_address():
    _uri, kwargs = settings(dict(uri="neo4j://cluster.example.com", endpoints=["a:1", "b"], login_password="pw"))
    resolved = [tuple(a) for a in kwargs["resolver"](("cluster.example.com", 7687))]
    assert [tuple(a) for a in kwargs["resolver"](("other", 1))] == [("other", 1)]
    assert resolved == [("a", 1), ("b", 7687)]


def test_tls_options_turn_into_an_ssl_context():
    uri, kwargs = settings(dict(uri="neo4j+s://db:7687", check_hostname=False, login_password="pw"))
    assert uri == "neo4j://db:7687"
    assert kwargs["ssl_context"].check_hostname is False and kwargs["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    _uri, kwargs = settings(dict(uri="bolt+s://db:7687", validate_certs=False, login_password="pw"))
    assert kwargs["ssl_context"].verify_mode == ssl.CERT_NONE
    uri, kwargs = settings(dict(uri="bolt+s://db:7687", login_password="pw"))
    assert uri == "bolt+s://db:7687" and "ssl_context" not in kwargs


@pytest.mark.parametrize("params, target", [
    (dict(uri="neo4j+s://db:7687", trusted_ca_file=None, check_hostname=False), "neo4j+s://db:7687"),
    (dict(uri="bolt+s://db", validate_certs=False), "bolt+s://db:7687"),
    (dict(host="db", scheme="neo4j+s", check_hostname=False), "neo4j+s://db:7687"),
    (dict(uri="neo4j+ssc://db:7000"), "neo4j+ssc://db:7000"),
])
def test_messages_name_the_uri_as_given_even_when_the_driver_gets_the_plain_scheme(params, target):
    assert connection.describe_target(params) == target


@pytest.mark.parametrize("params, message", [
    (dict(uri="http://db:7474"), "^uri: scheme 'http' is not supported"),
    (dict(uri="db:7687"), "^uri: 'db:7687' is not a URI"),
    (dict(uri="neo4j://db:99999"), "^uri: port 99999"),
    (dict(uri="neo4j://db", host="db"), "^Options uri and host are mutually exclusive"),
    (dict(uri="bolt://db", endpoints=["a:1"]), "^endpoints needs a routing scheme"),
    (dict(endpoints=["a b"]), "^endpoints: 'a b' is not a valid host:port address"),
    (dict(uri="bolt://db", trusted_ca_file="/x.pem"), "^trusted_ca_file only applies to encrypted connections"),
    (dict(uri="bolt+ssc://db", trusted_ca_file="/x.pem"), "^trusted_ca_file cannot be used with scheme bolt\\+ssc"),
    (dict(uri="bolt+s://db", trusted_ca_file="/nonexistent/ca.pem"), "^trusted_ca_file: cannot load"),
    (dict(connection_timeout=0), "^connection_timeout must be greater than 0 seconds \\(got 0\\)"),
    (dict(connection_timeout=-5.0), "^connection_timeout must be greater than 0 seconds \\(got -5.0\\)"),
    (dict(retry_timeout=0), "^retry_timeout must be greater than 0 seconds \\(got 0\\)"),
    (dict(retry_timeout=-1), "^retry_timeout must be greater than 0 seconds \\(got -1\\)"),
    (dict(auth_type="bearer"), "^token is required when auth_type is bearer"),
])
def test_bad_connection_options_name_the_option(params, message):
    params.setdefault("login_password", "pw")
    with pytest.raises(Neo4jModuleError, match=message):
        settings(params)


def test_basic_auth_needs_a_password():
    with pytest.raises(Neo4jModuleError, match="^login_password is required when auth_type is basic"):
        settings(dict(uri="neo4j://db"))
    assert settings(dict(uri="neo4j://db", auth_type="none"))[1]["auth"] is None


@pytest.mark.parametrize("value, message", [
    (0, "must be greater than 0 seconds \\(got 0\\)"),
    (-0.5, "must be greater than 0 seconds \\(got -0.5\\)"),
    (float("inf"), "must be a number of seconds \\(got inf\\)"),
    (float("nan"), "must be a number of seconds \\(got nan\\)"),
    (True, "must be a number of seconds \\(got True\\)"),
    ("30", "must be a number of seconds \\(got .30.\\)"),
])
def test_every_timeout_option_is_seconds_greater_than_0(value, message):
    params = dict(connection_timeout=30.0, retry_timeout=None, wait_timeout=value, name="x", timeout_budget=1)
    with pytest.raises(Neo4jModuleError, match="^wait_timeout " + message):
        connection.check_timeouts(params)  # by default every option whose name ends in "timeout"
    connection.check_timeouts(params, ["connection_timeout", "retry_timeout"])  # only those: fine
    connection.check_timeouts(dict(params, wait_timeout=0.1))


def test_to_plain_converts_driver_values():
    import neo4j.time
    assert connection.to_plain({"t": neo4j.time.DateTime(2025, 1, 2, 3, 4, 5), "d": neo4j.time.Duration(minutes=1), "b": b"\x01"}) == \
        {"t": "2025-01-02T03:04:05.000000000", "d": "PT1M", "b": [1]}


def test_to_plain_turns_a_bolt_6_vector_into_its_numbers():
    from neo4j.vector import Vector
    assert connection.to_plain({"v": Vector([1, -2, 3], "i8"), "f": [Vector([0.5, 1.5], "f64")]}) == \
        {"v": [1, -2, 3], "f": [[0.5, 1.5]]}


def test_a_vector_read_from_a_2026_simulator_comes_back_as_a_list(make_cluster):
    from neo4j.vector import Vector
    cluster = make_cluster(members=1, version="2026.07.0")
    with connection.Neo4jClient(_params(cluster)) as client:
        rows = client.read("RETURN $v AS v", {"v": Vector([1.5, 2.5], "f32")}, database="neo4j").rows
    assert rows == [{"v": [1.5, 2.5]}]


# ----- against the simulator --------------------------------------------------------------------

def _params(cluster, **extra):
    params = dict(uri=cluster.routing_uri(), login_user="neo4j", login_password="password", retry_timeout=2, connection_timeout=5)
    params.update(extra)
    return params


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_read_returns_rows_and_counters(cluster):
    with connection.Neo4jClient(_params(cluster)) as client:
        result = client.read("RETURN $x AS x", {"x": 41})
    assert result.rows == [{"x": 41}]
    assert result.counters["contains_updates"] is False


def test_wrong_password_is_reported_plainly(cluster):
    with connection.Neo4jClient(_params(cluster, login_password="wrong")) as client:
        with pytest.raises(Neo4jModuleError) as err:
            client.read("RETURN 1")
    assert err.value.msg.startswith("Authentication failed at %s for user 'neo4j'" % cluster.routing_uri())
    assert "wrong" not in err.value.msg
    assert err.value.code == "Neo.ClientError.Security.Unauthorized"


def test_unreachable_server_is_reported_plainly():
    uri = "bolt://127.0.0.1:%d" % _free_port()
    with connection.Neo4jClient(dict(uri=uri, login_password="pw", connection_timeout=2), retries=False) as client:
        with pytest.raises(Neo4jModuleError, match="^Could not reach Neo4j at %s" % uri):
            client.read("RETURN 1")


# ----- nothing listens: fail at once; a member that goes away after first contact: retry ------------

# Long enough that a retried failure cannot pass for a fast one: before the fail-fast rule these took 60 s.
PATIENT = dict(login_user="neo4j", login_password="password", retry_timeout=60, connection_timeout=5)


def _read_fails(params):
    started = time.monotonic()
    with connection.Neo4jClient(params) as client:
        with pytest.raises(Neo4jModuleError) as err:
            client.read("RETURN 1")
    return err.value, time.monotonic() - started


@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
def test_a_refused_connection_fails_at_once_with_the_address_and_the_cause(scheme):
    port = _free_port()
    uri = "%s://127.0.0.1:%d" % (scheme, port)
    error, took = _read_fails(dict(PATIENT, uri=uri))
    assert error.msg == ("Could not reach Neo4j at %s: 127.0.0.1:%d: Connection refused. Nothing listens there, so "
                         "nothing was retried; check uri/host/bolt_port and that the server is running." % (uri, port))
    assert took < 15, "retried for %.1f s" % took  # not for retry_timeout (60 s)


@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
def test_an_unknown_host_fails_at_once_with_the_dns_error(scheme):
    uri = "%s://no-such-host.invalid:7687" % scheme
    error, took = _read_fails(dict(PATIENT, uri=uri))
    assert re.match(r"^Could not reach Neo4j at %s: no-such-host\.invalid:7687: unknown host \(.+\)\. Nothing listens "
                    r"there, so nothing was retried; check uri/host/bolt_port" % re.escape(uri), error.msg), error.msg
    assert took < 15, "retried for %.1f s" % took


def test_endpoints_that_all_refuse_are_all_named():
    dead = ["127.0.0.1:%d" % _free_port(), "127.0.0.1:%d" % _free_port()]
    error, took = _read_fails(dict(PATIENT, endpoints=dead))
    assert error.msg.startswith("Could not reach Neo4j at neo4j://%s (endpoints %s): %s: Connection refused; %s: "
                                "Connection refused. Nothing listens there" % (dead[0], ", ".join(dead), dead[0], dead[1]))
    assert took < 15, "retried for %.1f s" % took


def test_something_that_listens_but_does_not_answer_is_retried():
    """Not a refusal: a port that accepts connections and stays silent (a server still starting) gets the retries."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        uri = "bolt://127.0.0.1:%d" % silent.getsockname()[1]
        error, took = _read_fails(dict(PATIENT, uri=uri, retry_timeout=2, connection_timeout=0.5))
    assert error.msg.startswith("Could not reach Neo4j at %s (retried for 2.0 s, see retry_timeout)" % uri), error.msg
    assert took >= 2


@pytest.mark.parametrize("cause, expected", [
    (ConnectionRefusedError(111, "Connection refused"), True),
    (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), True),
    (socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"), False),  # the resolver may answer later
    (socket.timeout("timed out"), False),
    (ConnectionResetError(104, "Connection reset by peer"), False),
])
def test_only_a_refusal_or_an_unknown_name_says_that_nothing_listens(cause, expected):
    try:
        try:
            raise cause
        except OSError as exc:
            raise neo4j.exceptions.ServiceUnavailable("Couldn't connect") from exc
    except neo4j.exceptions.ServiceUnavailable as failure:
        assert connection.refusal(failure) is expected


def test_a_routing_uri_keeps_working_when_its_first_member_goes_down(cluster):
    """After first contact the routing table names the other members: losing the one in the URI is survivable
    (for databases whose routing table the driver holds; the driver asks the URI's member for any other)."""
    with connection.Neo4jClient(_params(cluster, retry_timeout=30)) as client:
        assert client.read("SHOW DATABASES YIELD name RETURN count(*) AS n", database="system").rows[0]["n"] >= 2
        cluster.kill_member(cluster.members[0])
        assert client.read("SHOW DATABASES YIELD name RETURN count(*) AS n", database="system").rows[0]["n"] >= 2
        client.admin("CREATE DATABASE $name IF NOT EXISTS", {"name": "afterkill"})
    assert "afterkill" in cluster.model.databases


def test_a_member_restarting_after_first_contact_is_waited_for(cluster):
    """A direct connection to a member that restarts mid-task (a wait): refused for a while, then served."""
    member = cluster.members[1]
    with connection.Neo4jClient(_params(cluster, uri=cluster.bolt_uri(member), retry_timeout=30)) as client:
        assert client.read("RETURN 1 AS one", database="system").rows == [{"one": 1}]
        cluster.kill_member(member)
        comeback = threading.Timer(1.5, cluster.restart_member, [member])
        comeback.start()
        try:
            started = time.monotonic()
            assert client.read("RETURN 2 AS two", database="system").rows == [{"two": 2}]
        finally:
            comeback.join()
    assert time.monotonic() - started >= 1  # it was refused, and retried until the member was back


def test_a_refused_first_contact_after_retries_were_turned_off_is_the_same_message():
    port = _free_port()
    uri = "bolt://127.0.0.1:%d" % port
    with connection.Neo4jClient(dict(PATIENT, uri=uri), retries=False) as client:
        with pytest.raises(Neo4jModuleError, match="^Could not reach Neo4j at %s: 127.0.0.1:%d: Connection refused"
                           % (re.escape(uri), port)):
            client.read("RETURN 1")


def test_endpoints_skip_a_dead_member(cluster):
    live = cluster.bolt_uri(cluster.members[1]).split("://", 1)[1]
    dead = "127.0.0.1:%d" % _free_port()
    params = dict(endpoints=[dead, live], login_user="neo4j", login_password="password", retry_timeout=5, connection_timeout=2)
    with connection.Neo4jClient(params) as client:
        assert client.read("RETURN $x AS x", {"x": 1}).rows == [{"x": 1}]


def test_bearer_token(cluster):
    cluster.model.add_bearer_token("tok-123", "neo4j")
    with connection.Neo4jClient(dict(uri=cluster.routing_uri(), auth_type="bearer", token="tok-123", retry_timeout=1)) as client:
        assert client.read("RETURN $x AS x", {"x": 2}).rows == [{"x": 2}]


def test_write_through_bolt_to_a_follower_explains_routing(cluster):
    follower = next(m for m in cluster.members if m != cluster.leader())
    with connection.Neo4jClient(_params(cluster, uri=cluster.bolt_uri(follower), retry_timeout=1)) as client:
        with pytest.raises(Neo4jModuleError) as err:
            client.admin("CREATE DATABASE $name", {"name": "movies"})
    assert "use a neo4j:// URI so writes are routed to the leader" in err.value.msg
    assert "movies" not in cluster.model.databases


def test_server_info_and_enterprise_check(cluster):
    with connection.Neo4jClient(_params(cluster)) as client:
        info = client.require_enterprise("Managing databases")
    assert info["edition"] == "enterprise" and info["version"] == cluster.model.version


def test_community_edition_is_refused_plainly(cluster):
    cluster.model.edition = "community"
    with connection.Neo4jClient(_params(cluster)) as client:
        with pytest.raises(Neo4jModuleError, match="^Managing databases needs Neo4j Enterprise Edition, but .* runs the community edition"):
            client.require_enterprise("Managing databases")


def test_version_tuple():
    assert connection.version_tuple("5.26.0") == (5, 26, 0)
    assert connection.version_tuple("2025.10.1") > (5, 26)
    assert connection.version_tuple("5.20.0-aura") < (5, 26)


def test_too_old_version_is_refused_plainly(make_cluster):
    old = make_cluster(1, version="5.20.0")
    with connection.Neo4jClient(_params(old)) as client:
        with pytest.raises(Neo4jModuleError, match="^Managing databases needs Neo4j 5.26 or later, but .* runs version 5.20.0"):
            client.require_enterprise("Managing databases", (5, 26))


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """The members' certificate, naming only 127.0.0.1 (so ``localhost`` fails the hostname check), and an
    unrelated CA."""
    return dict(server=self_signed_cert(tmp_path_factory.mktemp("tls"), hostname="127.0.0.1"),
                other_ca=self_signed_cert(tmp_path_factory.mktemp("other-ca"), hostname="127.0.0.1")[0])


@pytest.fixture(scope="module")
def tls_servers(certs):
    """A TLS member and a plaintext member, started once for the TLS tests."""
    secure = Cluster(members=1, tls=certs["server"]).start()
    plain = Cluster(members=1).start()
    yield dict(tls=secure.bolt_uri().rsplit(":", 1)[1], plain=plain.bolt_uri().rsplit(":", 1)[1])
    secure.stop()
    plain.stop()


def _tls_read(uri, **params):
    base = dict(uri=uri, login_user="neo4j", login_password="password", retry_timeout=30, connection_timeout=5)
    with connection.Neo4jClient(dict(base, **params)) as client:
        return client.read("RETURN $x AS x", {"x": 1}).rows


NOT_TRUSTED = "certificate verify failed: self[- ]signed certificate"
HOSTNAME = "certificate verify failed: Hostname mismatch, certificate is not valid for 'localhost'"
PLAINTEXT = r"the server closed the connection during the TLS handshake \(.*\): it may not accept TLS on this port \(server\.bolt\.tls_level\)"


@pytest.mark.parametrize("scheme", ["bolt+s", "neo4j+s"])
@pytest.mark.parametrize("host, server, options, cause", [
    ("127.0.0.1", "tls", {}, NOT_TRUSTED),  # no CA: the system CAs do not know the private one
    ("127.0.0.1", "tls", {"trusted_ca_file": "other_ca"}, NOT_TRUSTED),  # wrong CA
    ("localhost", "tls", {"trusted_ca_file": "server"}, HOSTNAME),
    ("localhost", "tls", {}, NOT_TRUSTED),
    ("127.0.0.1", "plain", {}, PLAINTEXT),
    ("127.0.0.1", "plain", {"trusted_ca_file": "server"}, PLAINTEXT),
], ids=["no-ca", "wrong-ca", "wrong-hostname", "wrong-hostname-no-ca", "plaintext-server", "plaintext-server-with-ca"])
def test_tls_failures_say_tls_failed_with_the_uri_as_given_and_the_cause(
        tls_servers, certs, scheme, host, server, options, cause):
    uri = "%s://%s:%s" % (scheme, host, tls_servers[server])
    options = dict((k, certs["server"][0] if v == "server" else certs[v]) for k, v in options.items())
    started = time.monotonic()
    with pytest.raises(Neo4jModuleError) as err:
        _tls_read(uri, **options)
    assert re.match(r"^TLS failed with %s: %s\. Check trusted_ca_file, check_hostname, validate_certs and the "
                    r"scheme \(\+s / \+ssc\)\.$" % (re.escape(uri), cause), err.value.msg), err.value.msg
    # no retry fixes a certificate: it fails at once rather than after retry_timeout (30 s)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("scheme", ["bolt+ssc", "neo4j+ssc"])
def test_ssc_scheme_against_a_plaintext_server_says_tls_failed(tls_servers, scheme):
    uri = "%s://127.0.0.1:%s" % (scheme, tls_servers["plain"])
    with pytest.raises(Neo4jModuleError, match="^TLS failed with %s: %s" % (re.escape(uri), PLAINTEXT)):
        _tls_read(uri)


@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
def test_tls_with_a_private_ca(tls_servers, certs, scheme):
    port = tls_servers["tls"]
    ca = certs["server"][0]
    assert _tls_read("%s+s://127.0.0.1:%s" % (scheme, port), trusted_ca_file=ca) == [{"x": 1}]
    assert _tls_read("%s+s://localhost:%s" % (scheme, port), trusted_ca_file=ca, check_hostname=False) == [{"x": 1}]
    assert _tls_read("%s+s://localhost:%s" % (scheme, port), validate_certs=False) == [{"x": 1}]
    assert _tls_read("%s+ssc://localhost:%s" % (scheme, port)) == [{"x": 1}]


def test_leader_change_between_writes_is_retried(cluster):
    with connection.Neo4jClient(_params(cluster, retry_timeout=10)) as client:
        client.admin("CREATE DATABASE $name IF NOT EXISTS", {"name": "first"})
        old = cluster.leader()
        new = cluster.move_leader()
        assert new != old
        client.admin("CREATE DATABASE $name IF NOT EXISTS", {"name": "second"})
    assert {"first", "second"} <= set(cluster.model.databases)
    attempts = [(s.member, s.error) for s in cluster.statements if s.parameters.get("name") == "second"]
    # the cached routing table still named the old leader: refused there, retried on the new one
    assert attempts == [(old, "Neo.ClientError.Cluster.NotALeader"), (new, None)]


def test_autocommit_admin_statement(cluster):
    with connection.Neo4jClient(_params(cluster)) as client:
        result = client.admin("CREATE DATABASE $name IF NOT EXISTS WAIT", {"name": "waited"}, autocommit=True)
    assert "waited" in cluster.model.databases
    assert result.rows and all(row["success"] for row in result.rows)


class _SessionDyingOnceAtCommit:
    """A driver session whose first transaction loses its connection during COMMIT."""

    failures = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def begin_transaction(self):
        return self

    def commit(self):
        if _SessionDyingOnceAtCommit.failures:
            _SessionDyingOnceAtCommit.failures -= 1
            raise neo4j.exceptions.IncompleteCommit("Failed to read from defunct connection")


@pytest.mark.parametrize("write, outcome", [(False, "answered"), (True, "may or may not have been applied")])
def test_a_read_that_lost_its_connection_at_commit_is_retried_a_write_is_not(cluster, monkeypatch, write, outcome):
    client = connection.Neo4jClient(_params(cluster))
    monkeypatch.setattr(_SessionDyingOnceAtCommit, "failures", 1)
    monkeypatch.setattr(client, "_session", lambda database, write: _SessionDyingOnceAtCommit())
    if not write:
        assert client.transaction(lambda tx: "answered", database="system", write=False) == outcome
    else:
        with pytest.raises(connection.Neo4jModuleError, match=outcome):
            client.transaction(lambda tx: "answered", database="system", write=True)
