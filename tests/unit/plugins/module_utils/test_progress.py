"""module_utils/progress.py: the module side's bounded writes and the wording of a progress line."""

import json
import threading

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils import progress


class Clock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def written(path):
    return json.loads(path.read_text())


def test_rows_are_written_at_most_once_per_write_interval_and_a_phase_at_once(tmp_path):
    path, clock = tmp_path / "progress.json", Clock()
    reporter = progress.Reporter(str(path), clock=clock, write_interval=0.5)
    reporter.phase("sending nodes", total=1000)
    assert written(path) == dict(phase="sending nodes", unit="rows", done=0, total=1000, started=1000.0, updated=1000.0)
    clock.now += 0.2
    reporter.add(100)
    assert written(path)["done"] == 0  # within the write interval: counted, not written
    clock.now += 0.3
    reporter.add(100)
    assert written(path)["done"] == 200 and written(path)["updated"] == 1000.5
    reporter.phase("sending relationships", total=None)
    assert written(path)["phase"] == "sending relationships" and written(path)["done"] == 0


def test_changed_members_are_written_at_once_unchanged_ones_at_the_bounded_rate(tmp_path):
    path, clock = tmp_path / "progress.json", Clock()
    reporter = progress.Reporter(str(path), clock=clock, write_interval=0.5)
    reporter.phase("waiting", unit=None)
    starting = [dict(member="server2", current_status="starting", requested_status="online")]
    reporter.members(starting)
    assert written(path)["members"] == starting
    clock.now += 0.1
    reporter.members(list(starting))
    assert written(path)["updated"] == 1000.0
    clock.now += 0.5
    reporter.members(list(starting))
    assert written(path)["updated"] == 1000.6


def test_counts_from_many_threads_add_up(tmp_path):
    path = tmp_path / "progress.json"
    reporter = progress.Reporter(str(path), write_interval=0.0)
    reporter.phase("sending nodes")

    def count():
        for dummy in range(1000):
            reporter.add(1)

    threads = [threading.Thread(target=count) for dummy in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert written(path)["done"] == 4000


def test_an_unwritable_file_never_fails_the_work(tmp_path):
    reporter = progress.Reporter(str(tmp_path / "missing" / "progress.json"))
    reporter.phase("sending nodes")
    reporter.add(5)
    assert progress.read(str(tmp_path / "missing" / "progress.json")) is None


def test_without_the_environment_variable_nothing_is_written(tmp_path, monkeypatch):
    assert isinstance(progress.reporter({}), progress.NoReporter)
    reporter = progress.reporter({progress.PROGRESS_FILE_ENV: str(tmp_path / "p.json")})
    reporter.phase("x")
    assert progress.read(str(tmp_path / "p.json"))["phase"] == "x"


@pytest.mark.parametrize("seconds, text", [
    (0.4, "0 s"), (59.4, "59 s"), (60, "1 min 00 s"), (185, "3 min 05 s"), (3600, "1 h 00 min"), (7625, "2 h 07 min"),
])
def test_durations(seconds, text):
    assert progress.duration(seconds) == text


@pytest.mark.parametrize("value, unit, text", [
    (1234567, "rows", "1,234,567 rows"), (999.6, "rows", "1,000 rows"), (512, "bytes", "512 B"),
    (1536, "bytes", "1.5 KiB"), (5 << 20, "bytes", "5.0 MiB"), (3 << 30, "bytes", "3.0 GiB"),
])
def test_quantities(value, unit, text):
    assert progress.quantity(value, unit) == text


def test_rate_and_eta_come_from_the_phase_so_far():
    state = dict(phase="sending nodes", unit="rows", done=120000, total=500000, started=100.0, updated=103.0)
    assert progress.describe(state, now=103.4) == (
        "sending nodes: 120,000 of 500,000 rows (24%), 40,000 rows/s, ETA 10 s, 3 s elapsed")


def test_no_rate_before_the_first_row_no_eta_without_a_total():
    assert progress.describe(dict(phase="sending nodes", unit="rows", done=0, total=500, started=100.0,
                                  updated=100.0), now=101.0) == "sending nodes: 0 of 500 rows (0%), 1 s elapsed"
    assert progress.describe(dict(phase="sending relationships", unit="rows", done=5000, total=None, started=100.0,
                                  updated=102.0), now=102.0) == "sending relationships: 5,000 rows, 2,500 rows/s, 2 s elapsed"


def test_bytes_and_phases_that_do_not_count():
    state = dict(phase="uploading movies.backup", unit="bytes", done=3 << 20, total=12 << 20, started=0.0, updated=3.0)
    assert progress.describe(state, now=3.0) == "uploading movies.backup: 3.0 MiB of 12.0 MiB (25%), 1.0 MiB/s, ETA 9 s, 3 s elapsed"
    build = dict(phase="building the database (RELATIONSHIP_LOAD_DONE)", unit=None, done=0, started=0.0, updated=0.0)
    assert progress.describe(build, now=75.0) == "building the database (RELATIONSHIP_LOAD_DONE): 1 min 15 s elapsed"


def test_a_wait_names_the_members_not_yet_there():
    state = dict(phase="waiting for database 'movies' to reach its requested status on every member", unit=None,
                 started=0.0, updated=1.0, members=[
                     dict(member="server2 (10.0.0.2:7687)", current_status="starting", requested_status="online"),
                     dict(member="server3 (10.0.0.3:7687)", current_status="offline", requested_status="online",
                          status_message="Unable to start database"),
                 ])
    assert progress.describe(state, now=12.0) == (
        "waiting for database 'movies' to reach its requested status on every member: 2 members not yet there: "
        "server2 (10.0.0.2:7687) starting (requested online), server3 (10.0.0.3:7687) offline (requested online): "
        "Unable to start database, 12 s elapsed")
    state["members"] = []
    assert progress.describe(state, now=1.0).endswith(": no member listed yet, 1 s elapsed")


@pytest.mark.parametrize("value, refused", [(None, False), (0, False), (0.5, False), (10, False), (-1, True), (True, True),
                                            ("10", True)])
def test_progress_interval_rule(value, refused):
    message = progress.check_interval(value)
    assert (message is not None) == refused
    if refused:
        assert message.startswith("progress_interval: must be 0 (no progress lines) or a number of seconds greater than 0")


def test_parse_takes_what_a_connection_returns_and_refuses_anything_else(tmp_path):
    reporter = progress.Reporter(str(tmp_path / "p.json"))
    reporter.phase("sending nodes", total=10)
    written = (tmp_path / "p.json").read_text()
    # over ssh with a tty the text comes with \r\n around it
    assert progress.parse("\r\n" + written + "\r\n") == progress.read(str(tmp_path / "p.json"))
    assert progress.parse(written)["phase"] == "sending nodes"
    for text in ("", "\r\n", "{", "[]", '{"done": 1}', "cat: no such file"):
        assert progress.parse(text) is None


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1])
def test_check_interval_refuses_what_is_not_seconds(value):
    assert progress.check_interval(value).startswith("progress_interval: ")
