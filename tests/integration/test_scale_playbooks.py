"""playbooks/scale_in.yml and scale_out.yml against a simulated 4-server cluster: every database keeps its copies,
reruns change nothing, and a scale-in rerun after a failure part-way finishes the job."""

from plays import target_vars


def setup(cluster):
    model = cluster.model
    model.move_delay = 0.3
    model.set_topology("neo4j", 2, 0)
    model.create_database("movies", primaries=2, secondaries=1, start_delay=0.0)


def copies(cluster):
    return {name: sorted(a.role for a in db.allocations.values())
            for name, db in cluster.model.databases.items() if db.type == "standard"}


def changed(run):
    return {name: result["changed"] for name, result in run.results.items()
            if isinstance(result, dict) and not result.get("skipped")}


def test_scale_in_then_rerun(make_cluster, run_playbook):
    cluster = make_cluster(4, server_names="member")
    setup(cluster)
    topology = copies(cluster)
    run = run_playbook("playbooks/scale_in.yml", extra_vars=target_vars(cluster, scale_in_server="server1"))
    assert run.rc == 0, run
    assert changed(run)["Drop the server"] is True
    assert cluster.model.servers["server1"].state == "Dropped"
    assert copies(cluster) == topology
    again = run_playbook("playbooks/scale_in.yml", extra_vars=target_vars(cluster, scale_in_server="server1"))
    assert again.rc == 0, again
    assert not any(v for k, v in changed(again).items() if k not in ("Find the server by name, id or address",))


def test_scale_in_check_mode_shows_the_plan_and_changes_nothing(make_cluster, run_playbook):
    cluster = make_cluster(4, server_names="member")
    setup(cluster)
    topology = copies(cluster)
    run = run_playbook("playbooks/scale_in.yml", extra_vars=target_vars(cluster, scale_in_server="server1"), check=True)
    assert run.rc == 0, run
    plan = run.results["Deallocate the server and wait until its databases run elsewhere"]["plan"]
    assert {m["database"] for m in plan} == {"movies", "neo4j"}
    assert run.results["Drop the server"].get("skipped") is True
    assert cluster.model.servers["server1"].state == "Enabled"
    assert copies(cluster) == topology


def test_scale_in_finishes_after_a_failure_part_way(make_cluster, run_playbook):
    cluster = make_cluster(4, server_names="member")
    setup(cluster)
    topology = copies(cluster)
    server_id = cluster.model.servers["server2"].server_id
    # a first run that got as far as DEALLOCATE and died while the databases were moving
    with cluster.model.lock:
        from simulator import servers
        servers.cordon(cluster.model, server_id)
        servers.deallocate(cluster.model, [server_id])
    assert cluster.model.servers["server2"].state == "Deallocating"
    run = run_playbook("playbooks/scale_in.yml", extra_vars=target_vars(cluster, scale_in_server=server_id))
    assert run.rc == 0, run
    assert run.results["Cordon the server"].get("skipped") is True
    assert cluster.model.servers["server2"].state == "Dropped"
    assert copies(cluster) == topology


def test_scale_out_enables_and_reallocates(make_cluster, run_playbook):
    cluster = make_cluster(4, server_names="member")
    cluster.model.servers["server4"].state = "Free"
    setup(cluster)
    for name in ("a-db", "b-db"):
        cluster.model.create_database(name, primaries=3, start_delay=0.0)
    address = cluster.model.servers["server4"].address
    extra = target_vars(cluster, scale_out_server=address, scale_out_name="eu-4", scale_out_tags=["eu"])
    run = run_playbook("playbooks/scale_out.yml", extra_vars=extra)
    assert run.rc == 0, run
    result = run.results["Enable the server and move databases onto it"]
    assert result["changed"] is True and result["plan"]
    server = cluster.model.servers["server4"]
    assert (server.state, server.shown_name, server.tags) == ("Enabled", "eu-4", ["eu"])
    assert [q["query"] for q in result["queries"]] == ["ENABLE SERVER $server OPTIONS $options",
                                                       "RENAME SERVER $server TO $name", "REALLOCATE DATABASES"]
    assert any("server4" in db.allocations for name, db in cluster.model.databases.items() if name != "system")
    again = run_playbook("playbooks/scale_out.yml", extra_vars=extra)
    assert again.rc == 0, again
    assert again.results["Enable the server and move databases onto it"]["changed"] is False
