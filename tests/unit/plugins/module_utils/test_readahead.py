"""Reading ahead on a thread of its own (plugins/module_utils/readahead.py)."""

import threading
import time

import pytest

from ansible_collections.graphops.neo4j.plugins.module_utils.readahead import ReadAhead


def test_items_in_order_then_the_end():
    assert list(ReadAhead(range(100), depth=3).items()) == list(range(100))
    assert list(ReadAhead(make=lambda: iter("abc"), depth=1).items()) == ["a", "b", "c"]


def test_parallel_consumers_share_every_item_once():
    source = ReadAhead(range(5000), depth=4)
    seen, lock = [], threading.Lock()

    def consume():
        while True:
            item = source.next()
            if item is None:
                return
            with lock:
                seen.append(item)

    threads = [threading.Thread(target=consume) for _consumer in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(seen) == list(range(5000))
    assert source.next() is None  # the end stays visible


def test_a_failure_reaches_the_consumer_after_the_items_before_it():
    def failing():
        yield 1
        yield 2
        raise ValueError("file 3 is broken")

    source = ReadAhead(failing(), depth=8)
    items = source.items()
    assert [next(items), next(items)] == [1, 2]
    with pytest.raises(ValueError, match="file 3 is broken"):
        next(items)
    assert isinstance(source.error, ValueError)


def test_the_end_comes_after_the_iterator_finished():
    """What an iterator does after its last item (such as recording where a run of labels ends) is done before
    a consumer hears of the end."""
    state = {}

    def run():
        yield 1
        time.sleep(0.2)
        state["next"] = "head of the next run"

    source = ReadAhead(run(), depth=1)
    assert source.next() == 1
    assert source.next() is None
    assert state == {"next": "head of the next run"}


def test_stop_reads_nothing_more():
    taken = []

    def endless():
        for i in range(10 ** 9):
            taken.append(i)
            yield i

    source = ReadAhead(endless(), depth=2)
    assert source.next() == 0
    source.stop()
    time.sleep(4 * ReadAhead.POLL)
    count = len(taken)
    time.sleep(4 * ReadAhead.POLL)
    assert len(taken) == count <= 5  # bounded by the queue, and no longer growing
    assert source.next() in (1, 2, None)  # what was queued may still come out; then the end
