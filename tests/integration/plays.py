"""Playbooks for the integration tests: one play on localhost whose graphops.neo4j modules connect
with the variables neo4j_uri, neo4j_username and neo4j_password (see target_vars)."""

import json
import re


def header(**defaults):
    """The play up to ``tasks:``; ``defaults`` adds module defaults such as ``retry_timeout=5``."""
    lines = [
        "- hosts: localhost",
        "  gather_facts: false",
        "  module_defaults:",
        "    group/graphops.neo4j.neo4j:",
        '      uri: "{{ neo4j_uri }}"',
        '      login_user: "{{ neo4j_username }}"',
        '      login_password: "{{ neo4j_password }}"',
    ]
    lines += ["      %s: %s" % (key, json.dumps(value)) for key, value in defaults.items()]
    return "\n".join(lines + ["  tasks:", ""])


def play(tasks, **defaults):
    """``header(**defaults)`` plus ``tasks``: YAML of a task list written flush left, indented here."""
    return header(**defaults) + "\n".join("    " + line if line else line for line in tasks.strip("\n").splitlines()) + "\n"


def refusal_tasks(module, cases):
    """One task per ``(label, options, pattern)`` case: ``module`` with those options (YAML), ignore_errors set."""
    return "\n".join("- name: %s\n  graphops.neo4j.%s:\n    %s\n  ignore_errors: true"
                     % (label, module, options.replace("\n  ", "\n    ")) for label, options, dummy in cases)


def assert_refused(run, cases):
    """Every case's task failed without a change, with a message matching the case's pattern."""
    assert run.rc == 0, run
    for label, dummy, pattern in cases:
        result = run.results[label]
        assert result["failed"] is True, label
        assert re.search(pattern, result["msg"]), (label, result["msg"])
        assert result.get("changed") is False, label


def target_vars(cluster, **extra):
    """The connection variables for ``cluster`` (simulator credentials) plus ``extra``, which wins."""
    values = dict(neo4j_uri=cluster.routing_uri(), neo4j_username="neo4j", neo4j_password="password")
    values.update(extra)
    return values


def connection_vars(target):
    """The connection variables for a ``neo4j_target`` (simulator or real server)."""
    return {"neo4j_uri": target["uri"], "neo4j_username": target["username"], "neo4j_password": target["password"]}


def cleanup_play(alias, databases):
    """A play that drops ``alias`` and ``databases``: what a deployment test leaves on a real server."""
    return play("""\
- name: drop the alias
  graphops.neo4j.neo4j_alias:
    name: %s
    state: absent
- name: drop the databases
  graphops.neo4j.neo4j_database:
    name: "{{ item }}"
    state: absent
  loop: %s
""" % (alias, json.dumps(list(databases))))


def real_server_cleanup(run_playbook, target, alias, databases):
    """Generator for a fixture: on a real server, drop what the test creates before and after it."""
    cleanup = cleanup_play(alias, databases)
    if not target["simulated"]:
        run_playbook(cleanup, extra_vars=connection_vars(target))
    yield
    if not target["simulated"]:
        done = run_playbook(cleanup, extra_vars=connection_vars(target))
        assert done.rc == 0, done
