"""Planning and compare-and-swap logic of neo4j_alias (plugins/module_utils/aliases.py), without a server."""

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import aliases
from ansible_collections.graphops.neo4j.plugins.module_utils import connection

Neo4jModuleError = connection.Neo4jModuleError


def local(name="movies", target="movies-1", properties=None):
    return dict(name=name, composite=None, database=target, location="local", url=None, user=None, driver=None,
                properties=properties or {})


def remote(name="eu", target="movies", url="neo4j+s://eu:7687", user="bob", driver=None):
    return dict(name=name, composite=None, database=target, location="remote", url=url, user=user, driver=driver, properties={})


def desired(**params):
    params.setdefault("name", "movies")
    if params.get("state", "present") == "present":
        params.setdefault("target", "movies-2")
    return aliases.validate(params)


REMOTE = dict(name="eu", target="movies", url="neo4j+s://eu:7687", remote_user="bob", remote_password="pw")


def with_remote(**changes):
    params = dict(REMOTE)
    params.update(changes)
    return params


def test_create_local():
    statements, after, retarget = aliases.plan(desired(), None)
    assert [(s.query, s.params) for s in statements] == [("CREATE ALIAS $name FOR DATABASE `movies-2`", {"name": "movies"})]
    assert after == dict(state="present", name="movies", target="movies-2", location="local", properties={})
    assert retarget is False


def test_switch_local_is_a_retarget():
    statements, after, retarget = aliases.plan(desired(), local())
    assert [s.query for s in statements] == ["ALTER ALIAS `movies` SET DATABASE TARGET `movies-2`"]
    assert after["target"] == "movies-2" and retarget is True


def test_in_place_is_no_change():
    assert aliases.plan(desired(target="movies-1"), local())[0] == []
    assert aliases.plan(desired(target="Movies-1", properties={}), local())[0] == []


def test_properties_change_alone_is_not_a_retarget():
    statements, after, retarget = aliases.plan(desired(target="movies-1", properties={"color": "blue"}), local())
    assert [s.query for s in statements] == ["ALTER ALIAS `movies` SET DATABASE PROPERTIES {color: $property_color}"]
    assert retarget is False and after["properties"] == {"color": "blue"}


def test_drop():
    statements, after, retarget = aliases.plan(desired(state="absent"), local())
    assert [(s.query, s.params) for s in statements] == [("DROP ALIAS $name IF EXISTS FOR DATABASE", {"name": "movies"})]
    assert after == dict(state="absent") and retarget is False
    assert aliases.plan(desired(state="absent"), None)[0] == []


def test_local_and_remote_cannot_be_converted():
    with pytest.raises(Neo4jModuleError, match="^name: alias 'movies' is a local alias and Neo4j cannot turn it into a remote one"):
        aliases.plan(desired(**with_remote(name="movies")), local())


def test_remote_create_and_idempotence():
    statements, after = aliases.plan(desired(**REMOTE), None)[:2]
    assert statements[0].query == "CREATE ALIAS $name FOR DATABASE `movies` AT $url USER $user PASSWORD $password"
    assert "password" not in after
    current = remote(driver={"connection_timeout": "PT1M"})
    assert aliases.plan(desired(**with_remote(driver={"connection_timeout": "60s"})), current)[0] == []
    statements = aliases.plan(desired(**with_remote(update_password="always")), remote())[0]
    assert [(s.query, s.params) for s in statements] == [("ALTER ALIAS `eu` SET DATABASE PASSWORD $password", {"password": "pw"})]


def test_remote_retarget_sends_target_and_url_together():
    statements, dummy, retarget = aliases.plan(desired(**with_remote(target="films", remote_user="carol")), remote())
    assert statements[0].query == "ALTER ALIAS `eu` SET DATABASE TARGET `films` AT $url USER $user"
    assert statements[0].params == {"url": "neo4j+s://eu:7687", "user": "carol"}
    assert retarget is True


@pytest.mark.parametrize("params, message", [
    (dict(state="absent", target="x-1"), "^target cannot be used with state=absent"),
    (dict(state="absent", url="neo4j://x"), "^url cannot be used with state=absent"),
    (dict(target=None), "^target is required with state=present"),
    (dict(remote_user="bob"), "^remote_user only applies to remote aliases"),
    (dict(driver={"ssl_enforced": True}), "^driver only applies to remote aliases"),
    (dict(url="http://x:7474", remote_user="u", remote_password="p"), "^url: 'http://x:7474' is not a Neo4j URI"),
    (dict(url="neo4j+s://x", remote_password="p"), "^remote_user is required for a remote alias"),
    (dict(url="neo4j+s://x", remote_user="u", remote_password="p", driver={"nope": 1}), "^driver: unknown setting 'nope'"),
    (dict(target="ab"), "^target: database name 'ab' is 2 characters long"),
    (dict(target="movies;"), "^target: .* contains the character ';'"),
    (dict(expected_target="x`y"), "^expected_target: .* contains the character '`'"),
    (dict(name="sys`tem"), "^name: alias name .* contains the character '`'"),
    (dict(name="_hidden"), "^name: .* contains the character '_'|^name: .* reserved"),
    (dict(properties={"a b": 1}), "properties key 'a b' is not a plain identifier"),
])
def test_bad_or_contradictory_options(params, message):
    with pytest.raises(Neo4jModuleError, match=message):
        desired(**params)


def test_check_expected():
    want = desired(expected_target="movies-1")
    aliases.check_expected(want, local(target="movies-1"))
    with pytest.raises(aliases.CompareAndSwapFailed, match="^expected_target: alias 'movies' points at 'movies-3', not at 'movies-1'; nothing was changed"):
        aliases.check_expected(want, local(target="movies-3"))
    with pytest.raises(aliases.CompareAndSwapFailed, match="does not exist"):
        aliases.check_expected(want, None)


def test_duration_seconds():
    assert aliases.duration_seconds("PT1M") == 60
    assert aliases.duration_seconds("P1DT1H0.5S") == 90000.5
    assert aliases.duration_seconds("garbage") == "garbage"


def test_a_retarget_with_a_token_stamps_it_and_keeps_user_properties():
    current = local(target="movies-1")
    current["properties"] = {"team": "graph", aliases.SWITCH_TOKEN: "old"}
    statements, after, retarget = aliases.plan(desired(), current, token="new")
    assert retarget and after["properties"] == {"team": "graph"}
    assert statements[0].query == ("ALTER ALIAS `movies` SET DATABASE TARGET `movies-2` "
                                   "PROPERTIES {graphops_switch: $property_graphops_switch, team: $property_team}")
    assert statements[0].params == {"property_graphops_switch": "new", "property_team": "graph"}


def test_the_switch_token_is_not_a_user_property():
    current = local(target="movies-2")
    current["properties"] = {aliases.SWITCH_TOKEN: "t"}
    assert aliases.plan(desired(properties={}), current) == ([], aliases.view(current), False)
    statements = aliases.plan(desired(properties={"team": "graph"}), current)[0]
    assert statements[0].params == {"property_graphops_switch": "t", "property_team": "graph"}  # the token is kept
