"""Stream records of different keys run concurrently; one key's run in stream order, and after a
failure its later records wait for the retry (Lambda retries from the lowest failed sequence
number: https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html;
with ParallelizationFactor > 1 it still keeps each partition key's records in order:
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#services-ddb-windows)."""

from __future__ import annotations

import random
import threading
import time
import zlib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from interview_scheduling.ordered_batch import Record, in_rounds, process


def record(key: str, n: int) -> Record:
    return {"eventID": f"{key}-{n}", "key": key, "n": n}


def key_of(item: Record) -> str:
    return str(item["key"])


def shuffled_stream(keys: int, per_key: int, seed: int) -> list[Record]:
    """Records of several keys interleaved, each key's numbered in stream order."""
    pending = {f"k{k}": list(range(per_key)) for k in range(keys)}
    rng, stream = random.Random(seed), []
    while pending:
        key = rng.choice(sorted(pending))
        stream.append(record(key, pending[key].pop(0)))
        if not pending[key]:
            del pending[key]
    return stream


def test_each_keys_records_run_in_stream_order_while_keys_run_concurrently():
    stream = shuffled_stream(keys=6, per_key=5, seed=1)
    seen: dict[str, list[int]] = defaultdict(list)
    rng = random.Random(2)

    def handle(item: Record) -> None:
        time.sleep(rng.random() / 500)
        seen[item["key"]].append(item["n"])

    assert process(stream, key_of, handle, workers=4) == []
    assert all(numbers == sorted(numbers) for numbers in seen.values())
    assert sum(len(numbers) for numbers in seen.values()) == len(stream)


def test_two_keys_are_really_handled_at_the_same_time():
    both_in = threading.Barrier(2, timeout=5)

    def handle(_: Record) -> None:
        both_in.wait()  # only returns if the other key's record is being handled meanwhile

    assert process([record("a", 0), record("b", 0)], key_of, handle, workers=2) == []


def test_a_failure_holds_back_its_keys_later_records_and_no_other_keys():
    stream = [record("a", 0), record("b", 0), record("a", 1), record("b", 1), record("a", 2)]
    ran: list[str] = []

    def handle(item: Record) -> None:
        if item["eventID"] == "a-1":
            raise ValueError("a bad record")
        ran.append(item["eventID"])

    (failure,) = process(stream, key_of, handle, workers=3)

    assert failure.record["eventID"] == "a-1"
    assert isinstance(failure.error, ValueError)
    assert sorted(ran) == ["a-0", "b-0", "b-1"]  # a-2 waits for a-1's retry


def test_order_per_key_holds_with_several_consumers_per_shard():
    """As ParallelizationFactor does: the shard's records split by key hash over consumers."""
    stream = shuffled_stream(keys=12, per_key=6, seed=3)
    consumers = 3
    shares = [[r for r in stream if zlib.crc32(r["key"].encode()) % consumers == c] for c in range(consumers)]
    seen: dict[str, list[int]] = defaultdict(list)
    lock = threading.Lock()

    def handle(item: Record) -> None:
        time.sleep(random.random() / 1000)
        with lock:
            seen[item["key"]].append(item["n"])

    with ThreadPoolExecutor(consumers) as pool:
        results = list(pool.map(lambda share: process(share, key_of, handle, workers=4), shares))

    assert results == [[], [], []]
    assert dict(seen) == {f"k{k}": list(range(6)) for k in range(12)}


def test_in_rounds_each_round_has_one_record_of_each_key_still_running_in_stream_order():
    stream = shuffled_stream(keys=4, per_key=3, seed=3)
    stream += [record("k9", 0)]  # a key with one record only drops out after the first round
    rounds: list[list[tuple[str, int]]] = []

    def handle_round(records: list[Record]) -> list[Exception | None]:
        rounds.append([(r["key"], r["n"]) for r in records])
        return [ValueError("refused") if (r["key"], r["n"]) == ("k1", 0) else None for r in records]

    failures = in_rounds(stream, key_of, handle_round)

    assert [(f.record["key"], f.record["n"]) for f in failures] == [("k1", 0)]
    # Each key's records in stream order, one per round; k1 held back after its failed first.
    assert [sorted(r) for r in rounds] == [
        [("k0", 0), ("k1", 0), ("k2", 0), ("k3", 0), ("k9", 0)],
        [("k0", 1), ("k2", 1), ("k3", 1)],
        [("k0", 2), ("k2", 2), ("k3", 2)],
    ]
    # Within a round, keys come in the order of their first record in the stream.
    first_seen = list(dict.fromkeys(r["key"] for r in stream))
    assert [key for key, _ in rounds[0]] == first_seen
