"""playbooks/demo.yml, the job `make demo` runs, against a fresh simulated cluster."""

import pytest

from simulator.model import Alias

DEMO = "playbooks/demo.yml"
SWITCH = "Switch the alias to green, only if it still points at blue"


def connection(target):
    return {"neo4j_uri": target["uri"], "neo4j_username": target["username"], "neo4j_password": target["password"]}


CLEANUP = """\
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/graphops.neo4j.neo4j:
      uri: "{{ neo4j_uri }}"
      username: "{{ neo4j_username }}"
      password: "{{ neo4j_password }}"
  tasks:
    - name: drop the alias
      graphops.neo4j.neo4j_alias:
        name: movies
        state: absent
    - name: drop the databases
      graphops.neo4j.neo4j_database:
        name: "{{ item }}"
        state: absent
      loop: [movies-blue, movies-green]
"""


@pytest.fixture
def demo_cleanup(run_playbook, neo4j_target):
    """On a real server, remove what the demo creates, before and after the test."""
    if not neo4j_target["simulated"]:
        run_playbook(CLEANUP, extra_vars=connection(neo4j_target))
    yield
    if not neo4j_target["simulated"]:
        done = run_playbook(CLEANUP, extra_vars=connection(neo4j_target))
        assert done.rc == 0, done


@pytest.mark.usefixtures("demo_cleanup")
def test_demo_switches_the_alias_from_blue_to_green(run_playbook, neo4j_target):
    run = run_playbook(DEMO, extra_vars=connection(neo4j_target))
    assert run.rc == 0, run
    assert run.results["Create the blue database and wait until it is online"]["changed"] is True
    assert run.results["Point a new alias at blue"]["changed"] is True
    assert run.results[SWITCH]["changed"] is True
    assert run.results["Ask the server where the alias points"]["rows"] == [{"name": "movies", "database": "movies-green"}]
    if neo4j_target["simulated"]:
        model = neo4j_target["cluster"].model
        with model.lock:
            assert model.aliases["movies"].database == "movies-green"
            for name in ("movies-blue", "movies-green"):
                statuses = {a.current() for a in model.databases[name].allocations.values()}
                assert statuses == {"online"}, (name, statuses)


def test_demo_refuses_to_switch_an_alias_that_is_not_on_blue(run_playbook, neo4j_target):
    if not neo4j_target["simulated"]:
        pytest.skip("needs the simulator: prepares the alias directly in the cluster model")
    model = neo4j_target["cluster"].model
    with model.lock:
        for name in ("movies-blue", "movies-green", "movies-red"):
            model.create_database(name, primaries=3, start_delay=0)
        model.aliases["movies"] = Alias(name="movies", database="movies-red")
    run = run_playbook(DEMO, extra_vars=connection(neo4j_target))
    assert run.rc != 0, run
    assert run.results["Point a new alias at blue"]["skipped"] is True
    assert run.results[SWITCH]["failed"] is True
    assert "movies-red" in run.results[SWITCH]["msg"]
    assert "The alias now points at green" not in run.results
    with model.lock:
        assert model.aliases["movies"].database == "movies-red"
