"""neo4j_role and neo4j_privileges_copy through real ansible-playbook runs against the simulated cluster."""

import re

import pytest

from plays import assert_refused, play as neo4j_play, refusal_tasks, target_vars
from simulator.model import Alias

ADMIN = "admin-s3cret-pw"


@pytest.fixture
def cluster(make_cluster):
    c = make_cluster(3, users={"neo4j": ADMIN})
    for name in ("movies-1", "movies-2", "other"):
        c.model.create_database(name, start_delay=0.0)
    c.model.aliases["movies"] = Alias(name="movies", database="movies-1")
    c.model.add_user("ro", "ro-s3cret-pw", roles=())
    c.model.add_user("rw", "rw-s3cret-pw", roles=())
    return c


def tvars(cluster, **extra):
    return target_vars(cluster, neo4j_password=ADMIN, **extra)


def play(tasks):
    return neo4j_play(tasks, retry_timeout=5, connection_timeout=5)


def held(cluster, role):
    with cluster.model.lock:
        from simulator.privileges import command
        return sorted(set(command(p) for p in cluster.model.privileges if p.role == role))


def security_writes(cluster):
    return [s for s in cluster.statements if re.match(r"\s*(CREATE|DROP|GRANT|DENY|REVOKE)\b", s.query)
            and s.error is None]


READER = """
- name: reader
  graphops.neo4j.neo4j_role:
    name: movies_reader
    members: [ro]
    privileges:
      - GRANT ACCESS ON DATABASE movies
      - GRANT MATCH {*} ON GRAPH movies
"""


def test_create_members_privileges_and_idempotence(cluster, run_playbook):
    run = run_playbook(play(READER + READER.replace("name: reader", "name: again") + """
- name: exclusive
  graphops.neo4j.neo4j_role:
    name: movies_reader
    members: [rw]
    members_exclusive: true
    privileges:
      - ACCESS ON DATABASE movies
      - DENY WRITE ON GRAPH movies
    privileges_exclusive: true
"""), extra_vars=tvars(cluster))
    assert run.rc == 0, run
    r = run.results
    assert r["reader"]["changed"] is True
    assert [q["query"] for q in r["reader"]["queries"]] == [
        "CREATE ROLE $name",
        "GRANT ROLE $role TO $user",
        "GRANT ACCESS ON DATABASE `movies-1` TO `movies_reader`",
        "GRANT MATCH {*} ON GRAPH `movies-1` NODE * TO `movies_reader`",
        "GRANT MATCH {*} ON GRAPH `movies-1` RELATIONSHIP * TO `movies_reader`",
    ]
    assert r["reader"]["role"] == {"state": "present", "name": "movies_reader", "members": ["ro"], "privileges": [
        "GRANT ACCESS ON DATABASE `movies-1` TO `movies_reader`",
        "GRANT MATCH {*} ON GRAPH `movies-1` NODE * TO `movies_reader`",
        "GRANT MATCH {*} ON GRAPH `movies-1` RELATIONSHIP * TO `movies_reader`"]}
    assert r["again"]["changed"] is False and r["again"]["queries"] == []
    assert r["exclusive"]["changed"] is True
    assert held(cluster, "movies_reader") == [
        "DENY WRITE ON GRAPH `movies-1` TO `movies_reader`", "GRANT ACCESS ON DATABASE `movies-1` TO `movies_reader`"]
    assert "movies_reader" in cluster.model.users["rw"].roles and "movies_reader" not in cluster.model.users["ro"].roles
    assert r["exclusive"]["diff"]["before"]["members"] == ["ro"] and r["exclusive"]["diff"]["after"]["members"] == ["rw"]


def test_check_mode_diff_and_copy_and_drop(cluster, run_playbook):
    run = run_playbook(play("""
- name: would create
  graphops.neo4j.neo4j_role:
    name: analyst
    copy_from: reader
    privileges: [GRANT ACCESS ON DATABASE other]
"""), extra_vars=tvars(cluster), check=True, diff=True)
    assert run.rc == 0, run
    would = run.results["would create"]
    assert would["changed"] is True and "analyst" not in cluster.model.roles
    assert [q["query"] for q in would["queries"]] == [
        "CREATE ROLE $name AS COPY OF $copy_of", "GRANT ACCESS ON DATABASE `other` TO `analyst`"]
    assert "GRANT ACCESS ON DATABASE * TO `analyst`" in would["diff"]["after"]["privileges"]
    assert security_writes(cluster) == []
    run = run_playbook(play("""
- name: create
  graphops.neo4j.neo4j_role: {name: analyst, copy_from: reader}
- name: drop
  graphops.neo4j.neo4j_role: {name: analyst, state: absent}
- name: drop again
  graphops.neo4j.neo4j_role: {name: analyst, state: absent}
"""), extra_vars=tvars(cluster))
    assert run.rc == 0, run
    assert run.results["create"]["role"]["privileges"][0] == "GRANT ACCESS ON DATABASE * TO `analyst`"
    assert run.results["drop"]["changed"] is True and run.results["drop again"]["changed"] is False
    assert "analyst" not in cluster.model.roles and held(cluster, "analyst") == []


def test_bad_input_is_refused_and_changes_nothing(cluster, run_playbook):
    cases = [
        ("unknown role to copy", "name: analyst\n  copy_from: nope",
         r"^copy_from: role 'nope' does not exist, so role 'analyst' cannot be created as its copy\.$"),
        ("unknown privilege", "name: analyst\n  privileges: [GRANT FLY ON DATABASE movies]",
         r"^privileges\[0\]: unknown or unsupported privilege 'FLY'; supported: ACCESS"),
        ("privilege with a role", "name: analyst\n  privileges: ['GRANT ACCESS ON DATABASE movies TO admin']",
         r"^privileges\[0\]: leave out 'TO \.\.\.': the role is the module's name"),
        ("illegal name", "name: 'my%role'", r"^name: role name 'my%role' is not allowed; Neo4j needs an ASCII letter"),
        ("illegal database name", "name: analyst\n  privileges: ['GRANT ACCESS ON DATABASE `a b`']",
         r"^privileges\[0\]: alias name 'a b' contains whitespace"),
        ("unknown database", "name: analyst\n  privileges: [GRANT ACCESS ON DATABASE nowhere]",
         r"^privileges: database or alias 'nowhere' does not exist"),
        ("unknown member", "name: analyst\n  members: [ghost]",
         r"^members\[0\]: user 'ghost' does not exist; create it first"),
        ("remove PUBLIC", "name: PUBLIC\n  state: absent", r"^name: the PUBLIC role cannot be removed"),
        ("exclusive without privileges", "name: analyst\n  privileges_exclusive: true",
         r"^privileges_exclusive needs privileges"),
    ]
    before = (sorted(cluster.model.roles), sorted(map(str, cluster.model.privileges)))
    run = run_playbook(play(refusal_tasks("neo4j_role", cases)), extra_vars=tvars(cluster))
    assert_refused(run, cases)
    assert (sorted(cluster.model.roles), sorted(map(str, cluster.model.privileges))) == before
    assert security_writes(cluster) == []


def test_a_refusal_part_way_rolls_everything_back(cluster, run_playbook):
    """An operator may manage roles but not privileges: CREATE ROLE and GRANT ROLE run, then Neo4j refuses the
    GRANT of a privilege, and the transaction takes the first two back with it."""
    model = cluster.model
    model.add_user("operator", "operator-s3cret", roles=())
    model.roles["ops"] = set()
    model.users["operator"].roles.add("ops")
    from simulator.cypher.commands_privileges import builtin_privileges  # noqa: F401 - the grammar
    from simulator.cypher.commands_privileges import parse_privilege
    from simulator.cypher.stream import Cursor
    for text in ("ROLE MANAGEMENT ON DBMS", "USER MANAGEMENT ON DBMS", "ALIAS MANAGEMENT ON DBMS",
                 "SHOW PRIVILEGE ON DBMS"):
        model.privileges.extend(parse_privilege(Cursor(text, {})).rows("ops", "GRANTED"))
    run = run_playbook(play("""
- name: partly refused
  graphops.neo4j.neo4j_role:
    name: analyst
    members: [ro]
    privileges: [GRANT ACCESS ON DATABASE movies]
    login_user: operator
    login_password: operator-s3cret
  ignore_errors: true
"""), extra_vars=tvars(cluster))
    assert run.rc == 0, run
    result = run.results["partly refused"]
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].startswith("Neo4j refused a change to role 'analyst', and nothing was changed:")
    assert "Permission denied for GRANT ACCESS" in result["msg"]
    assert result["neo4j_code"] == "Neo.ClientError.Security.Forbidden"
    sent = [s.query for s in cluster.statements if s.user == "operator" and not s.query.startswith("SHOW")]
    assert sent[:2] == ["CREATE ROLE $name", "GRANT ROLE $role TO $user"]  # they ran, then were rolled back
    assert "analyst" not in model.roles and held(cluster, "analyst") == []
    assert "analyst" not in model.users["ro"].roles


def test_privileges_copy(cluster, run_playbook):
    run = run_playbook(play(READER + """
- name: writer
  graphops.neo4j.neo4j_role:
    name: movies_writer
    privileges: [GRANT ACCESS ON DATABASE movies, GRANT WRITE ON GRAPH movies, DENY DELETE ON GRAPH movies NODES Movie]
- name: stale
  graphops.neo4j.neo4j_role:
    name: movies_writer
    privileges: [GRANT ACCESS ON DATABASE movies-2]
- name: would copy
  graphops.neo4j.neo4j_privileges_copy: {source: movies, target: movies-2, exclusive: true}
  check_mode: true
- name: copy
  graphops.neo4j.neo4j_privileges_copy: {source: movies, target: movies-2, exclusive: true}
- name: copy again
  graphops.neo4j.neo4j_privileges_copy: {source: movies-1, target: movies-2, exclusive: true}
- name: same database
  graphops.neo4j.neo4j_privileges_copy: {source: movies, target: movies-1}
- name: missing target
  graphops.neo4j.neo4j_privileges_copy: {source: movies, target: nowhere}
  ignore_errors: true
"""), extra_vars=tvars(cluster))
    assert run.rc == 0, run
    r = run.results
    assert r["would copy"]["changed"] is True
    assert r["copy"]["granted"] == r["would copy"]["granted"] == [
        "GRANT ACCESS ON DATABASE `movies-2` TO `movies_reader`",
        "GRANT MATCH {*} ON GRAPH `movies-2` NODE * TO `movies_reader`",
        "GRANT MATCH {*} ON GRAPH `movies-2` RELATIONSHIP * TO `movies_reader`",
        "DENY DELETE ON GRAPH `movies-2` NODE Movie TO `movies_writer`",
        "GRANT WRITE ON GRAPH `movies-2` TO `movies_writer`",  # its ACCESS on movies-2 was there already
    ]
    assert r["copy"]["revoked"] == []  # movies_writer's ACCESS on movies-2 is also on movies-1
    assert r["copy"]["source_database"] == "movies-1" and r["copy"]["target_database"] == "movies-2"
    assert r["copy again"]["changed"] is False
    assert r["same database"]["changed"] is False
    assert r["missing target"]["msg"] == "target: database or alias 'nowhere' does not exist."

    def on(database):
        return sorted(c.replace(database, "X") for role in ("movies_reader", "movies_writer")
                      for c in held(cluster, role) if "`%s`" % database in c)
    assert on("movies-1") == on("movies-2")


def test_privileges_copy_exclusive_revokes_what_the_source_lacks(cluster, run_playbook):
    run = run_playbook(play(READER + """
- name: extra on the target
  graphops.neo4j.neo4j_role:
    name: movies_reader
    privileges: [GRANT WRITE ON GRAPH movies-2, GRANT ACCESS ON DATABASE movies-2]
- name: copy
  graphops.neo4j.neo4j_privileges_copy: {source: movies-1, target: movies-2, exclusive: true}
"""), extra_vars=tvars(cluster))
    assert run.rc == 0, run
    assert run.results["copy"]["revoked"] == ["REVOKE GRANT WRITE ON GRAPH `movies-2` FROM `movies_reader`"]
    assert [c for c in held(cluster, "movies_reader") if "movies-2" in c] == [
        "GRANT ACCESS ON DATABASE `movies-2` TO `movies_reader`",
        "GRANT MATCH {*} ON GRAPH `movies-2` NODE * TO `movies_reader`",
        "GRANT MATCH {*} ON GRAPH `movies-2` RELATIONSHIP * TO `movies_reader`"]


def test_concurrent_creates_both_succeed_and_exactly_one_creates(cluster):
    """Two clients create one role with its members and privileges at once (released together by the rendezvous),
    many rounds: both succeed, exactly one reports the change, and the role is as both asked."""
    import threading

    from collection_path import register_collection_packages
    register_collection_packages()
    from ansible_collections.graphops.neo4j.plugins.module_utils import roles
    from ansible_collections.graphops.neo4j.plugins.module_utils.connection import Neo4jClient

    params = dict(uri=cluster.routing_uri(), login_user="neo4j", login_password=ADMIN, retry_timeout=5.0)
    cluster.model.rendezvous.add(r"^CREATE ROLE", parties=2)
    try:
        for round_number in range(10):
            name = "racer%d" % round_number
            wanted = dict(name=name, members=["ro"], privileges=["GRANT ACCESS ON DATABASE movies"])
            results, errors = [], []

            def create(options=tuple(wanted.items())):
                try:
                    with Neo4jClient(params) as client:
                        results.append(roles.ensure(client, dict(options)))
                except Exception as exc:  # every failure is collected; none may happen
                    errors.append(repr(exc))
            threads = [threading.Thread(target=create) for dummy in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert errors == []
            assert sorted(r["changed"] for r in results) == [False, True]
            assert held(cluster, name) == ["GRANT ACCESS ON DATABASE `movies-1` TO `%s`" % name]
            assert name in cluster.model.users["ro"].roles
            refused = [s for s in cluster.statements if s.query.startswith("CREATE ROLE") and s.error]
            assert len(refused) == round_number + 1  # the loser's CREATE really was refused: the race happened
    finally:
        cluster.model.rendezvous.clear()
