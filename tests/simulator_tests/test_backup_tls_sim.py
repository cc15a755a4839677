"""TLS on the simulated backup port (dbms.ssl.policy.backup.*, simulator/backup_tls.py) with the neo4j-admin stand-in."""

import collections
import os
import subprocess
import threading

import pytest

from reliability.tls_certs import security_certs, ssl_policy_dir
from simulator import backup_tls, neo4j_admin
from simulator.cluster import NEO4J_ADMIN, Cluster


def _policy(directory, **extra):
    settings = {"dbms.ssl.policy.backup.enabled": "true", "dbms.ssl.policy.backup.base_directory": str(directory)}
    settings.update(("dbms.ssl.policy.backup." + key, value) for key, value in extra.items())
    return settings


def _client_conf(path, settings):
    path.write_text("".join("%s=%s\n" % item for item in settings.items()), encoding="utf-8")
    return str(path)


def _backup(address, folder, conf=None):
    folder.mkdir(exist_ok=True)
    argv = [NEO4J_ADMIN, "database", "backup", "--from=%s" % address, "--to-path=%s" % folder, "neo4j"]
    if conf:
        argv.append("--additional-config=%s" % conf)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, env=dict(os.environ, GRAPHOPS_SIM_VERSION="5.26.0"))


def test_mutual_tls_on_the_backup_port(tmp_path):
    certs = security_certs(tmp_path / "certs")
    server = backup_tls.policy_from_settings(_policy(ssl_policy_dir(tmp_path / "server", certs.valid, certs.ca)))
    assert server.client_auth == "REQUIRE" and server.verify_hostname is False  # 5.26 defaults
    assert backup_tls.policy_from_settings(_policy(tmp_path), version="2025.01.0").verify_hostname is True
    assert backup_tls.policy_from_settings({"dbms.ssl.policy.backup.enabled": "false"}) is None
    with Cluster(members=1) as cluster:
        address = cluster.enable_backup("server1", ssl_policy=server)
        right = _client_conf(tmp_path / "right.conf", _policy(ssl_policy_dir(tmp_path / "client", certs.client, certs.ca),
                                                              verify_hostname="true"))
        done = _backup(address, tmp_path / "ok", right)
        assert done.returncode == 0, done.stdout + done.stderr
        assert [n for n in os.listdir(tmp_path / "ok") if n.endswith(".backup")]
        # No TLS on the client: the server refuses the handshake.
        plain = _backup(address, tmp_path / "plain")
        assert plain.returncode == 1 and os.listdir(tmp_path / "plain") == []
        # A client certificate no trusted CA signed (client_auth REQUIRE): refused by the server.
        stranger = _client_conf(tmp_path / "stranger.conf", _policy(ssl_policy_dir(tmp_path / "stranger", certs.stranger, certs.ca)))
        refused = _backup(address, tmp_path / "stranger-out", stranger)
        assert refused.returncode == 1 and os.listdir(tmp_path / "stranger-out") == []
        assert "TLS" in refused.stdout, refused.stdout
        # The server's certificate from a CA the client does not trust, and a host name it is not for.
        wrong = _client_conf(tmp_path / "wrong.conf", _policy(ssl_policy_dir(tmp_path / "wrong", certs.client, certs.other_ca)))
        failed = _backup(address, tmp_path / "wrong-out", wrong)
        # (the listener sends its CA along, from the trust store it verifies clients with)
        assert failed.returncode == 1 and "TLS handshake failed: self-signed certificate in certificate chain" in failed.stdout
        named = _backup(address.replace("127.0.0.1", "localhost"), tmp_path / "name-out", right)
        assert named.returncode == 1 and "Hostname mismatch" in named.stdout, named.stdout
        with cluster.model.lock:
            reasons = [reason for member, reason in cluster.model.backup_tls_refusals]
        assert len(reasons) >= 3, reasons


def test_a_refused_client_certificate_is_named_even_when_the_listener_is_slow(tmp_path):
    """TLS 1.3: the client sends its request before the listener has checked its certificate.  The listener must
    read it before closing, or Linux resets the connection and the client loses the alert that names the cause
    (before the fix, 3 of 4 attempts failed with "EOF occurred in violation of protocol" under this load)."""
    certs = security_certs(tmp_path / "certs")
    server = backup_tls.policy_from_settings(_policy(ssl_policy_dir(tmp_path / "server", certs.valid, certs.ca)))
    stranger = backup_tls.policy_from_settings(_policy(ssl_policy_dir(tmp_path / "stranger", certs.stranger, certs.ca)))
    stop = threading.Event()

    def keep_the_listener_slow():  # the listener is a thread of this process: contend for the GIL
        while not stop.is_set():
            sum(range(10000))

    reasons = collections.Counter()
    with Cluster(members=1) as cluster:
        address = cluster.enable_backup("server1", ssl_policy=server)
        busy = [threading.Thread(target=keep_the_listener_slow, daemon=True) for _thread in range(2)]
        for thread in busy:
            thread.start()
        try:
            for _attempt in range(20):
                with pytest.raises(neo4j_admin.Unreachable) as refused:
                    neo4j_admin.ask(address, {"op": "databases"}, stranger.client_context())
                reasons[str(refused.value).split(": ", 1)[1]] += 1
        finally:
            stop.set()
    assert reasons == {"TLS failed: TLSV1_ALERT_UNKNOWN_CA": 20}, reasons
