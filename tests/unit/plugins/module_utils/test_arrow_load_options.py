"""neo4j_arrow_load's option checks that run before anything is read or sent (found by the bad-input suite)."""

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import arrow_load


def _params(**changes):
    params = dict(database="movies", batch_size=1000, concurrency=2, server_concurrency=None, timeout=60,
                  wait_timeout=60, progress_interval=10, topology=None, arrow_port=8491, arrow_ca_file=None,
                  nodes=[{"path": "nodes.csv", "delimiter": ","}], relationships=[])
    params.update(changes)
    return params


@pytest.mark.parametrize("port", [0, -1, 70000])
def test_arrow_port_outside_the_port_range_is_refused(port):
    with pytest.raises(arrow_load.LoadError, match="^arrow_port: "):
        arrow_load.check_params(_params(arrow_port=port))


def test_arrow_ca_file_missing_or_without_certificates_is_refused(tmp_path):
    corrupt = tmp_path / "ca.pem"
    corrupt.write_bytes(b"\x00\xffnot a certificate")
    for path in (str(tmp_path / "missing.pem"), str(corrupt)):
        with pytest.raises(arrow_load.LoadError, match="^arrow_ca_file: "):
            arrow_load.check_params(_params(arrow_ca_file=path))
