"""Run one function in several spawned processes that start their critical step together.

Each process calls ``target(*args, barrier, results)``: it prepares, waits at ``barrier`` and puts one outcome
on ``results``. A process that dies without an outcome (an import error in the child, a crash) fails the
test at once with its exit code instead of leaving the others waiting at the barrier.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable, Sequence
from typing import Any

DEADLINE_S = 300  # a safety net against a deadlock, far above a run's few seconds


def run_together(target: Callable[..., None], args: Sequence[tuple[Any, ...]]) -> list[Any]:
    """The outcomes of ``target`` run in ``len(args)`` spawned processes, in the order they arrived."""
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(args)), ctx.Queue()
    workers = [ctx.Process(target=target, args=(*a, barrier, results)) for a in args]
    for worker in workers:
        worker.start()
    outcomes: list[Any] = []
    deadline = time.monotonic() + DEADLINE_S
    try:
        while len(outcomes) < len(workers):
            try:
                outcomes.append(results.get(timeout=0.5))
                continue
            except queue.Empty:
                pass
            dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
            assert not dead, f"a worker process died without an outcome (exit codes {dead})"
            assert time.monotonic() < deadline, f"only {len(outcomes)} of {len(workers)} outcomes in {DEADLINE_S} s"
    finally:
        for worker in workers:
            if worker.exitcode is None and len(outcomes) < len(workers):
                worker.kill()
            worker.join()
    return outcomes
