"""neo4j_arrow_load over TLS: check_hostname, validate_certs and which cause a failed handshake has.

gRPC reports every TLS failure with one text ("Could not finish writing before closing"); the module must
name the cause: certificate not trusted, hostname mismatch, server not speaking TLS, client not using TLS.
"""

import pytest

from plays import header, target_vars
from simulator.tls import self_signed_cert
from test_neo4j_arrow_load import LOAD, N_NODES, leftovers, write_graph


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """Self-signed certificates: for localhost, for another host name, and an unrelated one (a wrong CA)."""
    def make(hostname):
        return self_signed_cert(tmp_path_factory.mktemp("tls"), hostname=hostname)
    return {"localhost": make("localhost"), "other": make("gds.example.com"), "unrelated": make("localhost")}


def tls_vars(cluster, database, tmp_path, **extra):
    nodes, rels = write_graph(tmp_path)
    host, port = cluster.arrow_address
    values = dict(
        database=database, arrow_host=host, arrow_port=port,
        nodes=[{"path": str(nodes), "label": ["Person"], "id_column": "person_id"}],
        relationships=[{"path": str(rels), "type": "KNOWS", "source_column": "a", "target_column": "b"}])
    values.update(extra)
    return target_vars(cluster, **values)


ARROW_TLS = LOAD + """\
        arrow_tls: "{{ arrow_tls | default(true) }}"
        arrow_ca_file: "{{ arrow_ca | default(omit) }}"
"""


def play(**defaults):
    return header(**defaults) + ARROW_TLS


def test_check_hostname_false_verifies_the_chain_but_not_the_name(make_cluster, run_playbook, tmp_path, certs):
    """A certificate for gds.example.com, reached as 127.0.0.1: trusted CA, name not checked."""
    cert = certs["other"]
    secure = make_cluster(1, tls=cert)
    extra = tls_vars(secure, "noname", tmp_path, neo4j_uri=secure.bolt_uri(scheme="bolt+s"), arrow_ca=cert[0])
    run = run_playbook(play(trusted_ca_file=cert[0], check_hostname=False), extra_vars=extra)
    assert run.rc == 0, str(run)
    assert secure.model.databases["noname"].graph.node_count == N_NODES

    # validate_certs still applies: a CA that did not sign the certificate is refused
    wrong = run_playbook(play(trusted_ca_file=cert[0], check_hostname=False),
                         extra_vars=dict(extra, database="wrongca", arrow_ca=certs["unrelated"][0]))
    result = wrong.results["load"]
    assert result["failed"] is True
    assert "certificate not trusted" in result["msg"] and "self-signed certificate" in result["msg"], result["msg"]
    assert leftovers(secure, "wrongca") == (False, False)


def test_hostname_mismatch_is_named(make_cluster, run_playbook, tmp_path, certs):
    """Bolt reaches the server as localhost (in the certificate), Arrow as 127.0.0.1 (not in it)."""
    cert = certs["localhost"]
    secure = make_cluster(1, tls=cert)
    extra = tls_vars(secure, "mismatch", tmp_path, arrow_ca=cert[0],
                     neo4j_uri=secure.bolt_uri(scheme="bolt+s").replace("127.0.0.1", "localhost"))
    run = run_playbook(play(trusted_ca_file=cert[0]), extra_vars=extra)
    result = run.results["load"]
    assert result["failed"] is True
    msg = result["msg"]
    assert "hostname mismatch" in msg and "127.0.0.1" in msg and "localhost" in msg and "check_hostname" in msg, msg
    assert leftovers(secure, "mismatch") == (False, False)


def test_no_ca_means_the_certificate_is_not_trusted(make_cluster, run_playbook, tmp_path, certs):
    cert = certs["localhost"]
    secure = make_cluster(1, tls=cert)
    # Bolt accepts any certificate (+ssc); Arrow has no CA that signed it (system CAs only)
    extra = tls_vars(secure, "noca", tmp_path, arrow_host="localhost",
                     neo4j_uri=secure.bolt_uri(scheme="bolt+ssc"))
    run = run_playbook(play(), extra_vars=extra)
    result = run.results["load"]
    assert result["failed"] is True
    assert "certificate not trusted" in result["msg"] and "arrow_ca_file" in result["msg"], result["msg"]
    assert leftovers(secure, "noca") == (False, False)


def test_server_not_speaking_tls(cluster, run_playbook, tmp_path, certs):
    extra = tls_vars(cluster, "plainserver", tmp_path, arrow_ca=certs["localhost"][0])
    run = run_playbook(play(), extra_vars=extra)
    result = run.results["load"]
    assert result["failed"] is True
    assert "server not speaking TLS" in result["msg"] and "arrow_tls" in result["msg"], result["msg"]
    assert leftovers(cluster, "plainserver") == (False, False)


def test_client_not_using_tls(make_cluster, run_playbook, tmp_path, certs):
    cert = certs["localhost"]
    secure = make_cluster(1, tls=cert)
    extra = tls_vars(secure, "plainclient", tmp_path, arrow_tls=False, neo4j_uri=secure.bolt_uri(scheme="bolt+ssc"))
    run = run_playbook(play(), extra_vars=extra)
    result = run.results["load"]
    assert result["failed"] is True
    assert "client not using TLS" in result["msg"] and "arrow_tls: true" in result["msg"], result["msg"]
    assert leftovers(secure, "plainclient") == (False, False)


def test_validate_certs_false_accepts_any_certificate(make_cluster, run_playbook, tmp_path, certs):
    cert = certs["other"]
    secure = make_cluster(1, tls=cert)
    extra = tls_vars(secure, "anycert", tmp_path, neo4j_uri=secure.bolt_uri(scheme="bolt+ssc"))
    run = run_playbook(play(validate_certs=False), extra_vars=extra)
    assert run.rc == 0, str(run)
    assert secure.model.databases["anycert"].graph.node_count == N_NODES
