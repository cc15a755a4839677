"""neo4j_alias through real ansible-playbook runs against the simulated cluster."""

import json
import re

from plays import assert_refused, play as neo4j_play, refusal_tasks, target_vars
from simulator.model import Alias


def play(tasks):
    """The tasks under the shared header, with 5-second connection and retry timeouts."""
    return neo4j_play(tasks, retry_timeout=5, connection_timeout=5)


def alias_writes(cluster):
    return [s.query for s in cluster.statements if re.match(r"\s*(CREATE|ALTER|DROP) ALIAS", s.query, re.I)]


def make_databases(cluster, *names):
    for name in names:
        cluster.model.create_database(name, start_delay=0.0)


def test_create_switch_with_compare_and_swap_and_rollback(cluster, run_playbook):
    make_databases(cluster, "movies-blue", "movies-green")
    run = run_playbook(play("""
- name: create
  graphops.neo4j.neo4j_alias: {name: Movies, target: movies-blue}
- name: again
  graphops.neo4j.neo4j_alias: {name: movies, target: movies-blue}
- name: switch
  graphops.neo4j.neo4j_alias: {name: movies, target: movies-green, expected_target: movies-blue}
  register: switch
- name: switch again
  graphops.neo4j.neo4j_alias: {name: movies, target: movies-green, expected_target: movies-blue}
- name: rollback
  graphops.neo4j.neo4j_alias:
    name: movies
    target: "{{ switch.previous_target }}"
    expected_target: movies-green
"""), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    r = run.results
    assert r["create"]["changed"] is True and r["create"]["previous_target"] is None
    assert r["create"]["alias"]["target"] == "movies-blue" and r["create"]["alias"]["location"] == "local"
    assert r["again"]["changed"] is False
    assert r["switch"]["changed"] is True and r["switch"]["previous_target"] == "movies-blue"
    assert r["switch"]["alias"]["target"] == "movies-green"
    assert r["switch"]["diff"]["before"]["target"] == "movies-blue" and r["switch"]["diff"]["after"]["target"] == "movies-green"
    assert r["switch again"]["changed"] is False  # already there: re-running a switch is safe
    assert r["rollback"]["previous_target"] == "movies-green"
    assert cluster.model.aliases["movies"].database == "movies-blue"


def test_compare_and_swap_conflict_changes_nothing(cluster, run_playbook):
    make_databases(cluster, "movies-blue", "movies-green", "movies-red")
    cluster.model.aliases["movies"] = Alias(name="movies", database="movies-red")
    run = run_playbook(play("""
- name: switch
  graphops.neo4j.neo4j_alias: {name: movies, target: movies-green, expected_target: movies-blue}
  ignore_errors: true
- name: drop only if blue
  graphops.neo4j.neo4j_alias: {name: movies, state: absent, expected_target: movies-blue}
  ignore_errors: true
"""), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    assert run.results["switch"]["msg"] == "expected_target: alias 'movies' points at 'movies-red', not at 'movies-blue'; nothing was changed."
    assert run.results["drop only if blue"]["failed"] is True
    assert cluster.model.aliases["movies"].database == "movies-red"
    assert alias_writes(cluster) == []


def test_check_mode_and_diff(cluster, run_playbook):
    make_databases(cluster, "movies-blue", "movies-green")
    cluster.model.aliases["movies"] = Alias(name="movies", database="movies-blue")
    run = run_playbook(play("""
- name: would switch
  graphops.neo4j.neo4j_alias: {name: movies, target: movies-green, expected_target: movies-blue}
- name: would create
  graphops.neo4j.neo4j_alias: {name: films, target: movies-green, properties: {team: graph}}
- name: would drop
  graphops.neo4j.neo4j_alias: {name: movies, state: absent}
"""), extra_vars=target_vars(cluster), check=True, diff=True)
    assert run.rc == 0, run
    assert all(run.results[t]["changed"] for t in ("would switch", "would create", "would drop"))
    assert [q["query"] for q in run.results["would switch"]["queries"]] == ["ALTER ALIAS `movies` SET DATABASE TARGET `movies-green`"]
    assert cluster.model.aliases["movies"].database == "movies-blue" and "films" not in cluster.model.aliases
    assert alias_writes(cluster) == []
    assert '-    "target": "movies-blue"' in run.stdout and '+    "target": "movies-green"' in run.stdout


def test_remote_alias(cluster, run_playbook):
    run = run_playbook(play("""
- name: remote
  graphops.neo4j.neo4j_alias: &remote
    name: movies-eu
    target: movies
    url: neo4j+s://eu.example.com:7687
    remote_user: reader
    remote_password: S3cretRemote
    driver: {ssl_enforced: true, connection_timeout: 1m, connection_pool_max_size: 10}
    properties: {region: eu}
- name: remote again
  graphops.neo4j.neo4j_alias: *remote
- name: new driver settings
  graphops.neo4j.neo4j_alias:
    <<: *remote
    driver: {ssl_enforced: false}
- name: to local is refused
  graphops.neo4j.neo4j_alias: {name: movies-eu, target: neo4j}
  ignore_errors: true
"""), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    r = run.results
    assert r["remote"]["changed"] is True and r["remote again"]["changed"] is False
    alias = r["remote"]["alias"]
    assert alias["location"] == "remote" and alias["url"] == "neo4j+s://eu.example.com:7687" and alias["user"] == "reader"
    assert alias["properties"] == {"region": "eu"}
    assert r["new driver settings"]["changed"] is True
    model_alias = cluster.model.aliases["movies-eu"]
    assert model_alias.password == "S3cretRemote" and model_alias.driver == {"ssl_enforced": False}
    assert r["to local is refused"]["msg"].startswith("name: alias 'movies-eu' is a remote alias and Neo4j cannot turn it into a local one")
    assert "S3cretRemote" not in json.dumps(run.tasks)
    create = next(s for s in cluster.statements if s.query.startswith("CREATE ALIAS"))
    assert "S3cretRemote" not in create.query and create.parameters["password"] == "S3cretRemote"


def test_drop(cluster, run_playbook):
    cluster.model.aliases["movies"] = Alias(name="movies", database="neo4j")
    run = run_playbook(play("""
- name: drop
  graphops.neo4j.neo4j_alias: {name: movies, state: absent}
- name: drop again
  graphops.neo4j.neo4j_alias: {name: movies, state: absent}
"""), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    assert run.results["drop"]["changed"] is True and run.results["drop"]["previous_target"] == "neo4j"
    assert run.results["drop again"]["changed"] is False
    assert "movies" not in cluster.model.aliases


def test_offline_target_needs_require_online_false(cluster, run_playbook):
    make_databases(cluster, "stopped-db")
    cluster.model.stop_database("stopped-db")
    run = run_playbook(play("""
- name: refused
  graphops.neo4j.neo4j_alias: {name: movies, target: stopped-db}
  ignore_errors: true
- name: allowed
  graphops.neo4j.neo4j_alias: {name: movies, target: stopped-db, require_online: false}
"""), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    assert run.results["refused"]["msg"].startswith("target: database 'stopped-db' is not online on every member that hosts it (")
    assert "current_status 'offline'" in run.results["refused"]["msg"]
    hosts = cluster.model.databases["stopped-db"].allocations
    msg = run.results["refused"]["msg"]
    assert hosts and all("%s (%s): current_status 'offline'" % (cluster.server_name(m), cluster.model.servers[m].address) in msg
                         for m in hosts)
    assert run.results["allowed"]["changed"] is True
    assert cluster.model.aliases["movies"].database == "stopped-db"


BAD_INPUT = [
    ("missing target db", "name: movies\n  target: nope-db", r"^target: database 'nope-db' does not exist\.$"),
    ("no target", "name: movies", r"^target is required with state=present"),
    ("named like a database", "name: neo4j\n  target: movies-blue", r"^name: 'neo4j' is the name of an existing database, not an alias"),
    ("alias chain", "name: movies\n  target: other", r"^target: 'other' is itself an alias \(for 'neo4j'\); Neo4j does not allow alias chains"),
    ("injection in name", "name: \"movies`; DROP DATABASE neo4j //\"\n  target: neo4j", r"^name: alias name .* contains the character '`'"),
    ("quote in target", "name: movies\n  target: \"neo4j'\"", r"^target: database name .* contains the character \"'\""),
    ("dollar in expected", "name: movies\n  target: neo4j\n  expected_target: \"$x\"", r"^expected_target: database name .* contains the character '\$'"),
    ("semicolon", "name: \"a;b\"\n  target: neo4j", r"^name: alias name 'a;b' contains the character ';'"),
    ("newline", "name: \"a\\nb\"\n  target: neo4j", r"^name: alias name 'a\\nb' contains whitespace"),
    ("unicode", "name: \"caf\u00e9\"\n  target: neo4j", r"^name: alias name .* contains the non-ASCII character"),
    ("reserved", "name: system-alias\n  target: neo4j", r"^name: alias name 'system-alias' is reserved"),
    ("remote without user", "name: movies\n  target: neo4j\n  url: neo4j://x:7687\n  remote_password: p", r"^remote_user is required"),
    ("absent with target", "name: other\n  state: absent\n  target: neo4j", r"^target cannot be used with state=absent"),
    ("expected on missing", "name: fresh\n  target: neo4j\n  expected_target: movies-blue", r"^expected_target: alias 'fresh' does not exist"),
]


def test_bad_input_fails_clearly_and_changes_nothing(cluster, run_playbook):
    make_databases(cluster, "movies-blue")
    cluster.model.aliases["other"] = Alias(name="other", database="neo4j")
    run = run_playbook(play(refusal_tasks("neo4j_alias", BAD_INPUT)), extra_vars=target_vars(cluster))
    assert_refused(run, BAD_INPUT)
    assert sorted(cluster.model.aliases) == ["other"]
    assert alias_writes(cluster) == []
