"""Concurrency suite (issue 14): deployments of one alias racing, and readers through the alias across cutovers.

(a) Races: N=3 deployments of the same alias at once, each its own ``ansible-playbook playbooks/blue_green.yml``
process (the real role), released together at the compare-and-swap by the simulator's rendezvous
(``deploy_races.race_rounds``, shared with tests/integration/test_blue_green_races.py).  Each round must have
exactly one winner (the alias points at its green, which holds every row), the losers fail naming the winner and
drop their green, and nothing is stray (databases, locks) after any round.

(b) Readers: 4 reader threads, each with its own ``neo4j`` driver over ``neo4j://``, read through the alias (managed
read transactions) while ``ansible-playbook`` runs make the cutovers (25 per run).  A *cutover* is one compare-and-swap
retarget of the alias by ``graphops.neo4j.neo4j_alias`` (``expected_target`` the current release) to another complete
release; the same runs load new releases through ``graphops.neo4j.neo4j_arrow_load`` (GDS Arrow Flight) between
cutovers, and every new release becomes the next target once its load has returned.  Meanwhile the simulator's
``alias_switch_transactions`` flips between ``abort`` and ``continue`` every half second, so readers are caught by
cutovers both ways.  Every release has different counts (release j: 10+j movies, 20+2j persons, 15+j ACTED_IN,
5+j DIRECTED); each read is one transaction that reads four counts, and it counts as half-loaded unless the four
are exactly those of one complete release (a partial load, or a read torn across two databases, cannot match).
``test_the_half_loaded_detector_fires_on_a_database_mid_load`` proves the detector fires.

``make reliability`` runs the full variant (20 rounds, 100 cutovers); ``make test`` the short one (1 round, 6).
The races and the cutovers run at once, on two clusters.
"""

import collections
import concurrent.futures
import threading
import time

import neo4j
import pytest

from deploy_races import race_rounds
from plays import play, target_vars
from simulator.model import Alias

COMMAND_FULL = "make reliability  (pytest -m reliability tests/reliability/test_concurrency.py)"
COMMAND_SHORT = "pytest tests/reliability/test_concurrency.py -m 'not reliability'"
PARTIES = 3
READERS = 4
CUTOVERS_PER_RUN = 25
LIVE = "live"
OUTDATED = "Neo.TransientError.Transaction.Outdated"
# One transaction per read: the four counts together identify a complete release.
QUERIES = ("MATCH (n) RETURN count(n) AS c", "MATCH (n:Movie) RETURN count(n) AS c",
           "MATCH ()-[r]->() RETURN count(r) AS c", "MATCH ()-[r:DIRECTED]->() RETURN count(r) AS c")


def release_db(j):
    return "%s-r%03d" % (LIVE, j)


def release_shape(j):
    return {"movies": 10 + j, "persons": 20 + 2 * j, "acted_in": 15 + j, "directed": 5 + j}


def signature(shape):
    """What QUERIES read on a complete release of ``shape``."""
    return (shape["movies"] + shape["persons"], shape["movies"], shape["acted_in"] + shape["directed"],
            shape["directed"])


def write_release_files(folder, j):
    """CSV files holding exactly release j (movie ids 1.., person ids 1001..)."""
    shape = release_shape(j)
    folder.mkdir(parents=True)
    movies = ["movie_id,title"] + ["%d,Movie %d" % (m, m) for m in range(1, shape["movies"] + 1)]
    persons = ["person_id,name"] + ["%d,Person %d" % (1000 + p, p) for p in range(1, shape["persons"] + 1)]
    acted = ["person_id,movie_id"] + ["%d,%d" % (1001 + n % shape["persons"], 1 + n % shape["movies"])
                                      for n in range(shape["acted_in"])]
    directed = ["person_id,movie_id"] + ["%d,%d" % (1001 + (n * 7) % shape["persons"], 1 + n % shape["movies"])
                                         for n in range(shape["directed"])]
    for name, lines in (("movies", movies), ("persons", persons), ("acted_in", acted), ("directed", directed)):
        (folder / (name + ".csv")).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def load_task(folder, j):
    return """\
- name: load %(db)s
  graphops.neo4j.neo4j_arrow_load:
    database: %(db)s
    nodes:
      - {path: "%(f)s/movies.csv", label: [Movie], id_column: movie_id}
      - {path: "%(f)s/persons.csv", label: [Person], id_column: person_id}
    relationships:
      - {path: "%(f)s/acted_in.csv", type: ACTED_IN, source_column: person_id, target_column: movie_id}
      - {path: "%(f)s/directed.csv", type: DIRECTED, source_column: person_id, target_column: movie_id}
    wait: true
""" % {"db": release_db(j), "f": folder}


def cutover_schedule(cutovers, load_every):
    """The releases to load and the cutovers, in order: [("load", j) | ("cutover", n, from_j, to_j)].  Releases 0
    and 1 are loaded first and the alias created on 0; every ``load_every``-th cutover goes to a release loaded just
    before it, the others go back and forth between the two newest."""
    steps, loaded, current = [("load", 0), ("load", 1), ("create", 0)], [0, 1], 0
    for n in range(1, cutovers + 1):
        if n % load_every == 0:
            loaded.append(len(loaded))
            steps.append(("load", loaded[-1]))
            nxt = loaded[-1]
        else:
            nxt = loaded[-1] if current != loaded[-1] else loaded[-2]
        steps.append(("cutover", n, current, nxt))
        current = nxt
    return steps, loaded


def chunks(steps, cutovers_per_run=CUTOVERS_PER_RUN):
    """The steps cut into ansible-playbook runs of at most ``cutovers_per_run`` cutovers (loads go with the cutover
    that follows them)."""
    runs, current, count = [], [], 0
    for step in steps:
        if step[0] == "cutover" and count == cutovers_per_run:
            runs.append(current)
            current, count = [], 0
        current.append(step)
        count += step[0] == "cutover"
    return runs + [current]


def cutover_playbook(tmp_path, steps):
    tasks = []
    for step in steps:
        if step[0] == "load":
            tasks.append(load_task(write_release_files(tmp_path / ("release-%d" % step[1]), step[1]), step[1]))
        elif step[0] == "create":
            tasks.append("- name: create the alias\n  graphops.neo4j.neo4j_alias:\n    name: %s\n    target: %s\n"
                         % (LIVE, release_db(step[1])))
        else:
            tasks.append("- name: cutover %d\n  graphops.neo4j.neo4j_alias:\n    name: %s\n    target: %s\n"
                         "    expected_target: %s\n" % (step[1], LIVE, release_db(step[3]), release_db(step[2])))
    return play("".join(tasks), connection_timeout=10, retry_timeout=10)


def read_counts(tx):
    return tuple(tx.run(query).single()["c"] for query in QUERIES)


class Readers:
    """``count`` threads reading through ``alias`` over neo4j:// until stopped; each read is one managed read
    transaction (retried by the driver when a cutover aborts it).  A read is half-loaded unless its counts are
    exactly those of one complete release (``complete``: signature -> release); a failed read is any exception."""

    def __init__(self, uri, alias, complete, ready, count=READERS):
        self.uri, self.alias, self.complete, self.ready = uri, alias, complete, ready
        self.stop_event, self.lock = threading.Event(), threading.Lock()
        self.reads, self.failed, self.half_loaded = 0, [], []
        self.half_loaded_started = []  # when each half-loaded read began (time.monotonic())
        self.seen = collections.Counter()
        self.threads = [threading.Thread(target=self._read, daemon=True) for n in range(count)]

    def _read(self):
        with neo4j.GraphDatabase.driver(self.uri, auth=("neo4j", "password"), max_transaction_retry_time=30) as driver:
            while not self.stop_event.is_set():
                if not self.ready():
                    time.sleep(0.05)
                    continue
                started = time.monotonic()
                try:
                    with driver.session(database=self.alias, default_access_mode=neo4j.READ_ACCESS) as session:
                        counts = session.execute_read(read_counts)
                except Exception as exc:  # pylint: disable=broad-except  # every failure a reader sees counts
                    with self.lock:
                        self.failed.append(repr(exc))
                    continue
                with self.lock:
                    self.reads += 1
                    release = self.complete.get(counts)
                    if release is None:
                        self.half_loaded.append(counts)
                        self.half_loaded_started.append(started)
                    else:
                        self.seen[release] += 1
                time.sleep(0.05)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(60)

    def snapshot(self):
        with self.lock:
            return self.reads


def flip_switch_transactions(model, stop):
    """Cutovers abort the transactions they catch, then let them finish, every half second (both are Neo4j's)."""
    behaviours = ["abort", "continue"]
    n = 0
    while not stop.wait(0.5):
        n += 1
        model.alias_switch_transactions = behaviours[n % 2]


def cutovers_under_readers(cluster, run_playbook, tmp_path, cutovers, load_every):
    """Run the cutovers as one ansible-playbook run under READERS readers; returns the figures."""
    model = cluster.model
    steps, loaded = cutover_schedule(cutovers, load_every)
    complete = {signature(release_shape(j)): release_db(j) for j in loaded}
    assert len(complete) == len(loaded), "two releases with the same counts: reads could not tell them apart"

    def alias_exists():
        with model.lock:
            return LIVE in model.aliases

    stop_flipping = threading.Event()
    flipper = threading.Thread(target=flip_switch_transactions, args=(model, stop_flipping), daemon=True)
    flipper.start()
    try:
        with Readers(cluster.routing_uri(), LIVE, complete, alias_exists) as readers:
            runs = []
            for chunk in chunks(steps):  # each run stays well inside run_playbook's 300 s bound on a busy machine
                runs.append(run_playbook(cutover_playbook(tmp_path, chunk), extra_vars=target_vars(cluster)))
                assert runs[-1].rc == 0, runs[-1]
            time.sleep(0.3)  # a few reads on the last target
    finally:
        stop_flipping.set()
        flipper.join(5)
    results = {}
    for run in runs:
        results.update(run.results)
    switched = [s for s in cluster.statements
                if s.error is None and s.query.startswith("ALTER ALIAS `%s` SET DATABASE TARGET" % LIVE)]
    wrong_steps = []
    for step in steps:
        if step[0] == "cutover":
            result = results["cutover %d" % step[1]]
            if not (result["changed"] and result["previous_target"] == release_db(step[2])):
                wrong_steps.append((step, result))
    with model.lock:
        final = model.aliases[LIVE].database
    return {
        "cutovers": len(switched),
        "loads_between": sum(1 for step in steps if step[0] == "load") - 2,
        "reads": readers.reads,
        "failed_reads": len(readers.failed),
        "half_loaded_reads": len(readers.half_loaded),
        "reads_aborted_and_retried": sum(1 for s in cluster.statements if s.error == OUTDATED),
        "releases_read": len(readers.seen),
        "problems": (wrong_steps + readers.failed[:5] + readers.half_loaded[:5]
                     + ([("final target", final)] if final != release_db(steps[-1][3]) else [])),
    }


def concurrency(make_cluster, run_playbook, tmp_path, reliability_figures, rounds, cutovers, load_every, command):
    # The races and the cutovers at once, each on its own cluster: the cutovers (one playbook at a time and four
    # readers) use the CPU the races leave while their three deployments wait for each other at the switch.
    started = time.monotonic()
    took = {}

    def timed(name, work, *args, **kwargs):
        result = work(*args, **kwargs)
        took[name] = time.monotonic() - started
        return result

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        racing = pool.submit(timed, "races", race_rounds, make_cluster, run_playbook, rounds=rounds, parties=PARTIES)
        reading = pool.submit(timed, "cutovers", cutovers_under_readers, make_cluster(3), run_playbook, tmp_path,
                              cutovers, load_every)
    races, reads = racing.result(), reading.result()
    print("races: %.0f s, cutovers under readers: %.0f s (at once)" % (took["races"], took["cutovers"]))
    figures = {"rounds": races["rounds"], "deployments": races["deployments"], "winners": races["winners"],
               "clean_failures": races["clean_failures"], "stray": races["stray"], "cutovers": reads["cutovers"],
               "loads_between": reads["loads_between"], "reads": reads["reads"],
               "failed_reads": reads["failed_reads"], "half_loaded_reads": reads["half_loaded_reads"],
               "reads_aborted_and_retried": reads["reads_aborted_and_retried"]}
    reliability_figures("concurrency", command=command, must_be_zero=("stray", "failed_reads", "half_loaded_reads"),
                        must_equal=(("winners", "rounds"),), varying=("reads", "reads_aborted_and_retried"),
                        **figures)
    assert races["problems"] == [] and reads["problems"] == [], (races["problems"], reads["problems"])
    assert figures["winners"] == rounds and figures["clean_failures"] == rounds * (PARTIES - 1)
    assert figures["stray"] == 0
    assert figures["cutovers"] == cutovers
    assert figures["failed_reads"] == 0 and figures["half_loaded_reads"] == 0
    assert reads["releases_read"] == len(cutover_schedule(cutovers, load_every)[1]), "readers missed a release"
    assert figures["reads"] > cutovers, "readers stopped reading"
    return figures


# One round and six cutovers: make test is over its time budget, and the full variant runs the rounds.
def test_concurrency_short(make_cluster, run_playbook, tmp_path, reliability_figures):
    concurrency(make_cluster, run_playbook, tmp_path, reliability_figures, rounds=1, cutovers=6, load_every=3,
                command=COMMAND_SHORT)


@pytest.mark.reliability
@pytest.mark.timeout(3600)  # pytest.ini bounds a test at 300 s; this one runs 64 playbooks
def test_concurrency_full(make_cluster, run_playbook, tmp_path, reliability_figures):
    figures = concurrency(make_cluster, run_playbook, tmp_path, reliability_figures, rounds=20, cutovers=100,
                          load_every=10, command=COMMAND_FULL)
    # Both of Neo4j's behaviours for a transaction caught by a switch happened: some reads were aborted (and retried).
    assert figures["reads_aborted_and_retried"] > 0


def test_the_half_loaded_detector_fires_on_a_database_mid_load(cluster):
    """The broken variant: the alias is switched to a database before its load has finished (what the collection
    never does), and the database is then filled in four steps over Bolt.  The same readers must count half-loaded
    reads at every partial state, and none once the load is complete."""
    model = cluster.model
    shape = release_shape(0)
    steps = ["UNWIND range(1, $movies) AS i CREATE (:Movie {id: i})",
             "UNWIND range(1, $persons) AS i CREATE (:Person {id: i})",
             "UNWIND range(1, $acted_in) AS i CREATE (:Person)-[:ACTED_IN]->(:Movie)",
             "UNWIND range(1, $directed) AS i CREATE (:Person)-[:DIRECTED]->(:Movie)"]
    # What the steps leave (each relationship step creates its end nodes too): the complete database.
    relationships = shape["acted_in"] + shape["directed"]
    done = (shape["movies"] + shape["persons"] + 2 * relationships, shape["movies"] + relationships, relationships,
            shape["directed"])
    with model.lock:
        model.create_database("live-mid", start_delay=0)
        model.aliases[LIVE] = Alias(name=LIVE, database="live-mid")
    with neo4j.GraphDatabase.driver(cluster.routing_uri(), auth=("neo4j", "password")) as driver:
        with Readers(cluster.routing_uri(), LIVE, {done: "live-mid"}, lambda: True) as readers:
            for query in steps:
                wait_for_reads(readers, 2)  # reads at the partial state before this step
                driver.execute_query(query, shape, database_="live-mid")
            complete_at = time.monotonic()
            wait_for_reads(readers, 2)
    assert readers.failed == []
    partial_states = {(0, 0, 0, 0), (10, 10, 0, 0), (30, 10, 0, 0), (60, 25, 15, 0)}
    # Every partial state was seen and flagged (and reads torn by a step, Neo4j being read-committed, as well).
    assert partial_states <= set(readers.half_loaded), set(readers.half_loaded)
    assert max(readers.half_loaded_started) < complete_at  # no read begun after the load was complete is flagged
    assert readers.seen["live-mid"] >= READERS


def wait_for_reads(readers, count):
    start = readers.snapshot()
    deadline = time.monotonic() + 30
    while readers.snapshot() < start + count * READERS and time.monotonic() < deadline:
        time.sleep(0.02)
