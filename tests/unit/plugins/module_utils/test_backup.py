"""neo4j-admin command lines and output (plugins/module_utils/backup.py), without running neo4j-admin."""

import re

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import backup, backup_tasks
from ansible_collections.graphops.neo4j.plugins.module_utils.connection import Neo4jModuleError

# The example output of inspect.adoc (docs-operations, branch 5.x), as neo4j-admin prints it.
INSPECT = "".join(line + "\n" for line in [
    "|                                              FILE | DATABASE |                          DATABASE ID | "
    "         TIME (UTC) |  FULL | COMPRESSED | LOWEST TX | HIGHEST TX |",
    "|  file:///backups/neo4j-2024-10-07T16-05-37.backup |    neo4j | 7dcb1d0c-4374-4476-b8ae-d3c3f124683f | "
    "2024-10-07T16:05:37 |  true |       true |         1 |          3 |",
    "|  file:///backups/malmo-2024-10-07T16-00-50.backup |    malmo | 62d1820c-3ac6-4b15-a0b3-bf7e7becc8d0 | "
    "2024-10-07T16:00:50 | false |       true |         0 |          0 |",
    "|  file:///backups/malmo-2024-10-07T16-00-44.backup |    malmo | 62d1820c-3ac6-4b15-a0b3-bf7e7becc8d0 | "
    "2024-10-07T16:00:44 | false |       true |         7 |          7 |",
])


def test_parse_inspect_reads_the_documented_table():
    found = backup.parse_inspect(INSPECT)
    assert [(a.name, a.database, a.type, a.empty, a.lowest_tx, a.highest_tx) for a in found] == [
        ("neo4j-2024-10-07T16-05-37.backup", "neo4j", "FULL", False, 1, 3),
        ("malmo-2024-10-07T16-00-50.backup", "malmo", "DIFF", True, 0, 0),
        ("malmo-2024-10-07T16-00-44.backup", "malmo", "DIFF", False, 7, 7)]
    assert found[0].location == "/backups/neo4j-2024-10-07T16-05-37.backup"
    assert found[0].iso_time == "2024-10-07T16:05:37Z"
    assert found[0].database_id == "7dcb1d0c-4374-4476-b8ae-d3c3f124683f"


def test_parse_inspect_of_a_cloud_folder_keeps_the_uri():
    text = INSPECT.replace("file:///backups/", "s3://bucket/prod/")
    found = backup.parse_inspect(text, source="s3")
    assert found[0].location == "s3://bucket/prod/neo4j-2024-10-07T16-05-37.backup" and found[0].source == "s3"


def test_parse_inspect_refuses_an_unknown_table():
    with pytest.raises(backup.BackupError, match="unexpected header"):
        backup.parse_inspect("| FILE | SOMETHING |\n")
    assert backup.parse_inspect("") == []


def params(**extra):
    base = {"database": ["movies", "people"], "to_path": "/b", "type": "AUTO", "compress": True,
            "from": ["db3:6362", "db2:6362"]}
    base.update(extra)
    return base


def test_backup_command_line_uses_option_equals_value_and_databases_last():
    argv = backup.backup_argv("/n/neo4j-admin", params(pagecache="4G", temp_path="/t", include_metadata="roles",
                                                       keep_failed=True, additional_config="/c.conf"), (5, 26, 0))
    assert argv == ["/n/neo4j-admin", "database", "backup", "--additional-config=/c.conf", "--from=db3:6362,db2:6362",
                    "--to-path=/b", "--type=AUTO", "--compress=true", "--keep-failed=true", "--pagecache=4G",
                    "--temp-path=/t", "--include-metadata=roles", "movies", "people"]


def test_later_options_need_a_later_neo4j_admin():
    with pytest.raises(backup.BackupError, match=r"parallel_download: --parallel-download needs neo4j-admin 2025\.11 "
                                                 r"or later; this one is 5\.26\.0"):
        backup.backup_argv("neo4j-admin", params(parallel_download=True), (5, 26, 0))
    argv = backup.backup_argv("neo4j-admin", params(parallel_download=True, prefer_diff_as_parent=False), (2026, 1, 0))
    assert "--parallel-download=true" in argv and "--prefer-diff-as-parent=false" in argv


def test_aggregate_command_name_follows_the_release():
    assert backup.aggregate_argv("a", {}, (5, 26, 0), "/b", "movies")[1:3] == ["database", "aggregate-backup"]
    assert backup.aggregate_argv("a", {}, (2025, 1, 0), "/b", "movies")[1:3] == ["backup", "aggregate"]


def test_outcome_reads_artefacts_not_wording():
    found = backup.parse_inspect(INSPECT)
    output = "\n".join([
        "2026-01-05 02:00:01.000+0000 INFO  [x] Start backup of database 'neo4j'.",
        "2026-01-05 02:00:03.500+0000 INFO  [x] Finished artifact creation 'n.backup' for database 'neo4j', took 1s.",
        "2026-01-05 02:00:04.000+0000 ERROR [x] something about 'gone'",
    ])
    result = backup.outcome(["neo4j", "gone"], found[:1], output, 1, 9.0)
    assert result["neo4j"]["status"] == "backed_up" and result["neo4j"]["duration"] == 2.5
    assert result["gone"] == {"status": "failed", "artifact": None, "duration": None,
                              "output": ["2026-01-05 02:00:04.000+0000 ERROR [x] something about 'gone'"]}
    # A pattern reports every database it backed up.
    assert sorted(backup.outcome(["*"], found, output, 0, 9.0)) == ["malmo", "neo4j"]


@pytest.mark.parametrize("options, message", [
    (dict(database=["bad name"]), "database: 'bad name' is neither"),
    (dict(database=["system-x"]), "reserved"),
    (dict(**{"from": ["host"]}), "from: 'host' is not a host:port"),
    (dict(**{"from": ["host:70000"]}), "from: 'host:70000'"),
    (dict(to_path=None), "to_path is required with state=present"),
    (dict(to_path="ftp://x/y"), "neither a local path nor"),
    (dict(state="pruned"), "state=pruned needs retention"),
    (dict(state="shipped"), "state=shipped needs s3"),
    (dict(retention=dict(keep_full=0)), "retention needs keep_full, keep_days or both"),
    (dict(retention=dict(keep_days=-1)), "retention.keep_days must be greater than 0 (got -1)"),
    (dict(retention=dict(keep_full=-2)), "retention.keep_full must be at least 1"),
    (dict(to_path="s3://b/p/", retention=dict(keep_days=3)), "use the storage's own lifecycle rules"),
    (dict(to_path="gs://b/p/", consistency_check=True), "consistency_check runs on local artefacts"),
    (dict(artifact="x.backup"), "artifact only applies to state=aggregated"),
    (dict(s3=dict(bucket="b", max_concurrency=0)), "s3.max_concurrency must be at least 1"),
    (dict(state="absent"), "state=absent needs artifact"),
    (dict(state="absent", artifact="notes.txt"), "artifact: notes.txt is not a backup artefact name"),
    (dict(state="absent", artifact="x.backup", to_path=None), "state=absent needs to_path (a local folder), s3, or both"),
    (dict(state="absent", artifact="x.backup", to_path="s3://b/p/"), "give it as s3 (bucket and prefix)"),
])
def test_validate_refuses_bad_combinations(options, message):
    values = dict(state="present", database=["movies"], to_path="/b", timeout=10)
    values.update(options)
    with pytest.raises(backup.BackupError, match=re.escape(message)):
        backup_tasks.validate(values)


def test_validate_applies_the_timeout_rule():
    with pytest.raises(Neo4jModuleError, match="timeout must be greater than 0 seconds"):
        backup_tasks.validate(dict(state="present", to_path="/b", timeout=-1))


def test_absent_deletes_the_named_artefact_only(tmp_path):
    for name in ("movies-2026-01-01T00-00-00.backup", "movies-2026-01-02T00-00-00.backup"):
        (tmp_path / name).write_bytes(b"x")
    params = dict(state="absent", artifact="movies-2026-01-01T00-00-00.backup", to_path=str(tmp_path), timeout=10)
    planned = backup_tasks.ensure(params, check_mode=True, diff=True)
    assert planned["changed"] is True and len(list(tmp_path.iterdir())) == 2
    assert planned["diff"]["after"] == {"local": ["movies-2026-01-02T00-00-00.backup"]}
    done = backup_tasks.ensure(params)
    assert done["removed"] == {"local": [str(tmp_path / "movies-2026-01-01T00-00-00.backup")], "s3": []}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["movies-2026-01-02T00-00-00.backup"]
    assert backup_tasks.ensure(params)["changed"] is False


def test_validate_refuses_an_additional_config_that_is_not_a_file(tmp_path):
    with pytest.raises(backup.BackupError, match="^additional_config: .* is not a readable file"):
        backup_tasks.validate({"state": "pruned", "additional_config": str(tmp_path / "missing.conf")})


def test_validate_refuses_a_binary_additional_config_and_a_missing_neo4j_admin(tmp_path):
    binary = tmp_path / "neo4j-admin.conf"
    binary.write_bytes(b"\x00\xffnot settings")
    with pytest.raises(backup.BackupError, match="^additional_config: .* is not a text file"):
        backup_tasks.validate({"state": "pruned", "additional_config": str(binary)})
    with pytest.raises(backup.BackupError, match="^neo4j_admin: .* is not an executable file"):
        backup_tasks.validate({"state": "pruned", "neo4j_admin": str(tmp_path / "missing")})
