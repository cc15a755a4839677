"""neo4j_user through real ansible-playbook runs against the simulated cluster."""

import re
import threading

import neo4j
import pytest

from collection_path import register_collection_packages
from plays import assert_refused, play as neo4j_play, refusal_tasks, target_vars

register_collection_packages()

from ansible_collections.graphops.neo4j.plugins.module_utils import users  # noqa: E402
from ansible_collections.graphops.neo4j.plugins.module_utils.connection import Neo4jClient  # noqa: E402

SECRET = "catalog-ro-s3cret"
NEW_SECRET = "catalog-ro-n3w-s3cret"
# Not the simulator's usual "password": Ansible masks every occurrence of a no_log value in its output, and the
# word "password" in messages and queries would be masked too.
ADMIN = "admin-s3cret-pw"


@pytest.fixture
def cluster(make_cluster):
    return make_cluster(3, users={"neo4j": ADMIN})


def tvars(cluster, **extra):
    return target_vars(cluster, neo4j_password=ADMIN, **extra)


def play(tasks):
    return neo4j_play(tasks, retry_timeout=5, connection_timeout=5)


def user_writes(cluster):
    return [s for s in cluster.statements if re.match(r"\s*(CREATE|ALTER|DROP) USER", s.query)]


def can_log_in(cluster, user, password):
    try:
        with neo4j.GraphDatabase.driver(cluster.bolt_uri(), auth=(user, password)) as driver:
            driver.verify_connectivity()
        return True
    except neo4j.exceptions.AuthError:
        return False


def test_create_then_nothing_then_a_new_password(cluster, run_playbook):
    run = run_playbook(play("""
- name: create
  graphops.neo4j.neo4j_user:
    name: catalog_ro
    password: "{{ secret }}"
    password_change_required: false
    home_database: neo4j
- name: again
  graphops.neo4j.neo4j_user: {name: catalog_ro, password: "{{ secret }}", password_change_required: false}
- name: new password
  graphops.neo4j.neo4j_user: {name: catalog_ro, password: "{{ new_secret }}"}
- name: new password on_create only
  graphops.neo4j.neo4j_user: {name: catalog_ro, password: "{{ secret }}", update_password: on_create}
- name: suspend
  graphops.neo4j.neo4j_user: {name: catalog_ro, status: suspended, home_database: ""}
"""), extra_vars=tvars(cluster, secret=SECRET, new_secret=NEW_SECRET))
    assert run.rc == 0, run
    r = run.results
    assert r["create"]["changed"] is True
    assert r["create"]["user"] == {"state": "present", "name": "catalog_ro", "roles": ["PUBLIC"], "status": "active",
                                   "home_database": "neo4j", "native_auth": True, "password_change_required": False,
                                   "auth_providers": []}
    assert r["create"]["queries"][0]["params"] == {"name": "catalog_ro", "password": "********"}
    created = [s for s in user_writes(cluster) if s.query.startswith("CREATE USER")]
    assert [(s.query, s.parameters) for s in created] == [(
        "CREATE USER $name SET PASSWORD $password CHANGE NOT REQUIRED SET HOME DATABASE `neo4j`",
        {"name": "catalog_ro", "password": SECRET})]
    assert r["again"]["changed"] is False and r["again"]["queries"] == []
    assert r["new password"]["changed"] is True
    assert r["new password"]["diff"]["after"]["password_changed"] is True
    assert r["new password on_create only"]["changed"] is False
    assert r["suspend"]["changed"] is True and r["suspend"]["user"]["status"] == "suspended"
    assert r["suspend"]["user"]["home_database"] is None
    user = cluster.model.users["catalog_ro"]
    assert (user.password, user.suspended, user.home) == (NEW_SECRET, True, None)
    # Passwords only ever travelled as parameters, never in query text.
    assert all(SECRET not in s.query and NEW_SECRET not in s.query for s in cluster.statements)
    assert SECRET not in run.stdout and NEW_SECRET not in run.stdout


def test_always_is_honest_and_check_mode_changes_nothing(cluster, run_playbook):
    cluster.model.add_user("app", SECRET, roles=())
    cluster.model.users["app"].password_change_required = False
    tasks = """
- name: same password
  graphops.neo4j.neo4j_user: {name: app, password: "{{ secret }}"}
- name: other password
  graphops.neo4j.neo4j_user: {name: app, password: "{{ new_secret }}"}
- name: new user
  graphops.neo4j.neo4j_user: {name: other_app, password: "{{ secret }}", password_change_required: false}
"""
    run = run_playbook(play(tasks), extra_vars=tvars(cluster, secret=SECRET, new_secret=NEW_SECRET),
                       check=True, diff=True)
    assert run.rc == 0, run
    r = run.results
    assert r["same password"]["changed"] is False
    assert r["other password"]["changed"] is True
    assert r["other password"]["queries"][0]["params"]["password"] == "********"
    assert r["new user"]["changed"] is True and r["new user"]["diff"]["before"] == {"state": "absent"}
    assert cluster.model.users["app"].password == SECRET and "other_app" not in cluster.model.users
    assert SECRET not in run.stdout and NEW_SECRET not in run.stdout
    # The only write statements were the rolled-back password probe.
    probes = user_writes(cluster)
    assert [s.query for s in probes] == ["ALTER USER $name SET PASSWORD $password"] * 2


def test_bad_input_is_refused_and_changes_nothing(cluster, run_playbook):
    cluster.model.add_user("app", SECRET, roles=())
    cases = [
        ("empty password", 'name: newbie\n  password: ""', r"^password: an empty password is not allowed"),
        ("too short", "name: newbie\n  password: short",
         r"^password: Neo4j refused CREATE USER: A password must be at least 8 characters\."),
        ("too short for an existing user", "name: app\n  password: short",
         r"^password: Neo4j refused the password for user 'app': A password must be at least 8 characters\."),
        ("illegal name", "name: 'bad name'\n  password: longenough1",
         r"^name: user name 'bad name' contains whitespace"),
        ("comma in name", "name: 'a,b'\n  password: longenough1", r"^name: user name 'a,b' contains the character ','"),
        ("remove neo4j", "name: neo4j\n  state: absent", r"^name: refusing to remove the built-in user 'neo4j'"),
        ("remove yourself", "name: app\n  state: absent\n  login_user: app\n  login_password: '{{ secret }}'",
         r"^name: user 'app' is the user this task logs in as"),
        ("no password", "name: newbie", r"^password is required to create user 'newbie'"),
        ("native in providers", "name: newbie\n  auth_providers: [{provider: native, id: x}]",
         r"^auth_providers\[0\]: the native provider is set with password"),
    ]
    cluster.model.users["app"].roles.add("admin")  # app logs in for the "remove yourself" case
    before = {name: (u.password, u.suspended) for name, u in cluster.model.users.items()}
    run = run_playbook(play(refusal_tasks("neo4j_user", cases)), extra_vars=tvars(cluster, secret=SECRET))
    assert_refused(run, cases)
    assert {name: (u.password, u.suspended) for name, u in cluster.model.users.items()} == before
    assert [s.query for s in user_writes(cluster) if s.error is None] == []


def test_external_auth_providers(cluster, run_playbook):
    run = run_playbook(play("""
- name: sso only
  graphops.neo4j.neo4j_user:
    name: jake
    auth_providers: [{provider: oidc-mysso1, id: jake@example.com}]
- name: again
  graphops.neo4j.neo4j_user:
    name: jake
    auth_providers: [{provider: oidc-mysso1, id: jake@example.com}]
- name: password and another provider
  graphops.neo4j.neo4j_user:
    name: jake
    password: "{{ secret }}"
    password_change_required: false
    auth_providers: [{provider: ldap, id: "cn=jake,dc=example,dc=com"}]
- name: no provider left
  graphops.neo4j.neo4j_user:
    name: nopw
    auth_providers: [{provider: oidc-mysso1, id: nopw}]
- name: remove the last one
  graphops.neo4j.neo4j_user: {name: nopw, auth_providers: []}
  ignore_errors: true
"""), extra_vars=tvars(cluster, secret=SECRET))
    assert run.rc == 0, run
    r = run.results
    assert r["sso only"]["changed"] is True and r["sso only"]["user"]["native_auth"] is False
    assert r["sso only"]["queries"][0]["query"] == "CREATE USER $name SET AUTH 'oidc-mysso1' {SET ID $auth_0}"
    assert r["again"]["changed"] is False
    assert r["password and another provider"]["user"]["auth_providers"] == [
        {"provider": "ldap", "id": "cn=jake,dc=example,dc=com"}]
    assert cluster.model.users["jake"].auth == {"ldap": "cn=jake,dc=example,dc=com"}
    assert can_log_in(cluster, "jake", SECRET)
    assert r["remove the last one"]["failed"] is True
    assert r["remove the last one"]["msg"].startswith("auth_providers: user 'nopw' would be left without any auth")
    assert cluster.model.users["nopw"].auth == {"oidc-mysso1": "nopw"}


def test_concurrent_creates_both_succeed_and_exactly_one_creates(cluster):
    """Two clients create the same user at once (released together by the rendezvous), many rounds: both tasks
    succeed, exactly one reports the create, and the user ends up as both asked."""
    params = dict(uri=cluster.routing_uri(), login_user="neo4j", login_password=ADMIN, retry_timeout=5.0)
    cluster.model.rendezvous.add(r"^CREATE USER", parties=2)
    for round_number in range(10):
        name = "racer%d" % round_number
        results, errors = [], []

        def create():
            try:
                with Neo4jClient(params) as client:
                    results.append(users.ensure(client, dict(name=name, password=SECRET,
                                                             password_change_required=False)))
            except Exception as exc:  # every failure is collected; none may happen
                errors.append(repr(exc))
        threads = [threading.Thread(target=create) for dummy in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert sorted(r["changed"] for r in results) == [False, True]
        user = cluster.model.users[name]
        assert (user.password, user.password_change_required) == (SECRET, False)
        failed = [s for s in user_writes(cluster) if s.query.startswith("CREATE USER") and s.error]
        assert len(failed) == round_number + 1  # the loser's CREATE really was refused: the race happened
    cluster.model.rendezvous.clear()


@pytest.mark.parametrize("version", ["5.26.0", "2026.07.0"])
def test_both_release_lines(make_cluster, run_playbook, version):
    cluster = make_cluster(1, version=version, arrow=False, users={"neo4j": ADMIN})
    run = run_playbook(play("""
- name: create
  graphops.neo4j.neo4j_user: {name: app, password: "{{ secret }}", password_change_required: false}
- name: again
  graphops.neo4j.neo4j_user: {name: app, password: "{{ secret }}", password_change_required: false}
"""), extra_vars=tvars(cluster, secret=SECRET))
    assert run.rc == 0, run
    assert run.results["create"]["changed"] is True and run.results["again"]["changed"] is False
    assert can_log_in(cluster, "app", SECRET)
