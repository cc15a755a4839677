"""Connection options and failures every module shares, through ansible-playbook: the timeout rule and TLS."""

import re
import socket
import time

import pytest

from plays import assert_refused, play, refusal_tasks, target_vars
from simulator.tls import self_signed_cert

MODULES = {
    "neo4j_query": "query: RETURN 1 AS one",
    "neo4j_info": "gather_subset: [version]",
    "neo4j_alias": "name: films\n  target: neo4j",
    "neo4j_database": "name: movies",
}


def _timeout_cases():
    cases = []
    for module, options in MODULES.items():
        for option in ("connection_timeout", "retry_timeout"):
            for value in ("0", "-1"):
                cases.append((module, "%s %s=%s" % (module, option, value), "%s\n  %s: %s" % (options, option, value),
                              r"^%s must be greater than 0 seconds \(got %s(\.0)?\)\.$" % (option, value)))
    for value in ("0", "-1", "0.0"):
        cases.append(("neo4j_database", "neo4j_database wait_timeout=%s" % value,
                      "%s\n  wait_timeout: %s" % (MODULES["neo4j_database"], value),
                      r"^wait_timeout must be greater than 0 seconds \(got %s(\.0)?\)\.$" % value.replace(".0", "")))
    return cases


def test_every_timeout_option_must_be_greater_than_0_and_nothing_is_sent(run_playbook, cluster):
    cases = _timeout_cases()
    tasks = "\n".join(refusal_tasks(module, [tuple(case)]) for module, *case in cases)
    run = run_playbook(play(tasks), extra_vars=target_vars(cluster))
    assert_refused(run, [case[1:] for case in cases])
    assert cluster.statements == []  # refused before any connection
    assert "movies" not in cluster.model.databases and "films" not in cluster.model.aliases


def test_fractional_timeouts_are_seconds(run_playbook, cluster):
    run = run_playbook(play("""\
- name: a database with fractional timeouts
  graphops.neo4j.neo4j_database: {name: movies, wait_timeout: 30.5, connection_timeout: 2.5, retry_timeout: 0.5}
"""), extra_vars=target_vars(cluster))
    assert run.rc == 0, run
    assert run.results["a database with fractional timeouts"]["changed"] is True
    assert "movies" in cluster.model.databases


# ----- nothing listens ------------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


UNREACHABLE_TASKS = "\n".join("""\
- name: %s, refused
  graphops.neo4j.%s:
    %s
    uri: "{{ refused_uri }}"
  ignore_errors: true
- name: %s, unknown host
  graphops.neo4j.%s:
    %s
    uri: neo4j://no-such-host.invalid:7687
  ignore_errors: true""" % (module, module, options.replace("\n  ", "\n    "), module, module, options.replace("\n  ", "\n    "))
    for module, options in MODULES.items())


def test_a_server_that_is_not_there_fails_at_once_naming_the_address_and_the_cause(run_playbook, cluster):
    """Connection refused and an unknown host name are not retried for retry_timeout (60 s here: 8 tasks would take
    8 minutes); the message says why and where."""
    port = _free_port()
    started = time.monotonic()
    run = run_playbook(play(UNREACHABLE_TASKS, retry_timeout=60),
                       extra_vars=target_vars(cluster, refused_uri="neo4j://127.0.0.1:%d" % port))
    took = time.monotonic() - started
    assert run.rc == 0, run
    for module in MODULES:
        refused, unknown = run.results["%s, refused" % module], run.results["%s, unknown host" % module]
        assert refused["failed"] is True and refused["changed"] is False, module
        assert refused["msg"] == ("Could not reach Neo4j at neo4j://127.0.0.1:%d: 127.0.0.1:%d: Connection refused. Nothing "
                                  "listens there, so nothing was retried; check uri/host/bolt_port and that the server is "
                                  "running." % (port, port)), module
        assert unknown["failed"] is True and unknown["changed"] is False, module
        assert re.match(r"^Could not reach Neo4j at neo4j://no-such-host\.invalid:7687: no-such-host\.invalid:7687: "
                        r"unknown host \(.+\)\. Nothing listens there", unknown["msg"]), (module, unknown["msg"])
    assert took < 120, "the eight tasks took %.0f s: retried" % took
    assert cluster.statements == []


# ----- TLS -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """The members' certificate (names only 127.0.0.1) and an unrelated CA."""
    return dict(server=self_signed_cert(tmp_path_factory.mktemp("tls"), hostname="127.0.0.1"),
                other_ca=self_signed_cert(tmp_path_factory.mktemp("other-ca"), hostname="127.0.0.1")[0])


TLS_TASKS = """\
- name: right CA
  graphops.neo4j.neo4j_info: {gather_subset: [version], uri: "neo4j+s://127.0.0.1:{{ tls_port }}", trusted_ca_file: "{{ ca }}"}
- name: wrong CA
  graphops.neo4j.neo4j_query: {query: RETURN 1, uri: "neo4j+s://127.0.0.1:{{ tls_port }}", trusted_ca_file: "{{ other_ca }}"}
  ignore_errors: true
- name: no CA
  graphops.neo4j.neo4j_database: {name: movies, uri: "neo4j+s://127.0.0.1:{{ tls_port }}"}
  ignore_errors: true
- name: wrong hostname
  graphops.neo4j.neo4j_alias: {name: films, target: neo4j, uri: "neo4j+s://localhost:{{ tls_port }}", trusted_ca_file: "{{ ca }}"}
  ignore_errors: true
- name: plaintext server
  graphops.neo4j.neo4j_info: {gather_subset: [version], uri: "neo4j+s://127.0.0.1:{{ plain_port }}", trusted_ca_file: "{{ ca }}"}
  ignore_errors: true
- name: plaintext server, direct
  graphops.neo4j.neo4j_query: {query: RETURN 1, uri: "bolt+ssc://127.0.0.1:{{ plain_port }}"}
  ignore_errors: true
"""


def test_tls_failures_name_the_uri_and_the_cause(run_playbook, make_cluster, cluster, certs):
    """Routing (neo4j+s) as well as direct connections say TLS failed, why, and with the URI as given."""
    secure = make_cluster(1, tls=certs["server"])
    tls_port, plain_port = secure.bolt_uri().rsplit(":", 1)[1], cluster.bolt_uri().rsplit(":", 1)[1]
    run = run_playbook(play(TLS_TASKS, retry_timeout=120, connection_timeout=5), extra_vars=target_vars(
        cluster, tls_port=tls_port, plain_port=plain_port, ca=certs["server"][0], other_ca=certs["other_ca"]))
    assert run.rc == 0, run
    assert run.results["right CA"]["version"] == secure.model.version
    hint = r"\. Check trusted_ca_file, check_hostname, validate_certs and the scheme \(\+s / \+ssc\)\.$"
    for task, uri, cause in (
            ("wrong CA", "neo4j+s://127.0.0.1:%s" % tls_port, "certificate verify failed: self[- ]signed certificate"),
            ("no CA", "neo4j+s://127.0.0.1:%s" % tls_port, "certificate verify failed: self[- ]signed certificate"),
            ("wrong hostname", "neo4j+s://localhost:%s" % tls_port,
             "certificate verify failed: Hostname mismatch, certificate is not valid for 'localhost'"),
            ("plaintext server", "neo4j+s://127.0.0.1:%s" % plain_port,
             r"the server closed the connection during the TLS handshake \(.*\): it may not accept TLS on this port"),
            ("plaintext server, direct", "bolt+ssc://127.0.0.1:%s" % plain_port,
             r"the server closed the connection during the TLS handshake")):
        result = run.results[task]
        assert result["failed"] is True and result["changed"] is False, task
        assert re.match(r"^TLS failed with %s: %s.*%s" % (re.escape(uri), cause, hint), result["msg"]), (task, result["msg"])
    assert "movies" not in cluster.model.databases and "films" not in cluster.model.aliases
