"""Read a file in a worker process, so that a file which crashes or exhausts the reader costs one
sentence, never the server (issue 13).

The workbook reader is a Rust library: a workbook that makes it allocate more memory than exists
aborts the whole process — a Streamlit server with every open session — and no Python ``except``
can catch that. So :func:`read_isolated` hands the file to a fresh worker process, which lowers
its own address-space limit (``RLIMIT_AS``, ``MOMENTO_PARSE_MEMORY_MB``) before it reads, while
the caller waits at most ``MOMENTO_PARSE_SECONDS`` and then kills it. A worker that dies, runs out
of memory or runs out of time becomes an :class:`UnusableFile`.

The worker is a new interpreter (``python -c``, started by :mod:`subprocess`, which never runs
Python code between fork and exec, so the server's threads cannot deadlock it). Not
:mod:`multiprocessing`: its ``spawn`` and ``forkserver`` workers first re-run the parent's
``__main__`` module, and in a Streamlit server ``__main__`` is the app script itself (Streamlit
installs it there), so every worker would run the whole app before reading.

The file, the request and the answer travel through a temporary folder the caller removes: the
worker writes the table's frame as an Arrow IPC file and pickles the rest of the
:class:`~cxdata.ingest.read.RawTable` (notes, rejected rows, a few small frames), or the sentence of
an :class:`UnusableFile`. (Pickling the frame itself costs three times as much: on the sample's
344k-row contact log, 1.4 s against 0.3 s for the IPC file.)
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import polars as pl

import cxdata
from cxdata.ingest.errors import UnusableFile
from cxdata.ingest.limits import Limits, megabytes
from cxdata.ingest.read import RawTable, is_excel, read_file

LOG = logging.getLogger(__name__)
_WORKER = "from cxdata.ingest.isolate import work; work()"
_SOURCE = str(Path(cxdata.__file__).resolve().parents[1])  # the folder cxdata is imported from
_REQUEST, _INPUT, _FRAME, _ANSWER = "request.pickle", "input", "frame.arrow", "answer.pickle"


def read_isolated(data: bytes, filename: str, sheet: str | None = None, limits: Limits | None = None) -> RawTable:
    """:func:`~cxdata.ingest.read.read_file` in a worker process within ``limits`` (the environment's
    by default). Raises :class:`UnusableFile` with one sentence, also when the worker crashes, runs
    out of memory or is stopped after ``limits.seconds``."""
    limits = limits or Limits.from_env()
    with tempfile.TemporaryDirectory(prefix="momento-read-") as name:
        folder = Path(name)
        (folder / _INPUT).write_bytes(data)
        (folder / _REQUEST).write_bytes(pickle.dumps((filename, sheet, limits)))
        env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [_SOURCE, os.environ.get("PYTHONPATH")]))}
        worker = subprocess.Popen([sys.executable, "-c", _WORKER, str(folder)], stdin=subprocess.DEVNULL, env=env)
        try:
            code = worker.wait(limits.seconds)
        except subprocess.TimeoutExpired:
            raise UnusableFile(
                f"'{filename}' could not be read: reading this file took longer than {limits.seconds:,g} s "
                "(MOMENTO_PARSE_SECONDS), so it was stopped; split the export by period, or save it as CSV."
            ) from None
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        answer = folder / _ANSWER
        if code != 0 or not answer.exists():
            raise _crashed(filename, data, code, limits)
        outcome, payload = pickle.loads(answer.read_bytes())
        if outcome == "read":
            return dataclasses.replace(payload, frame=pl.read_ipc(folder / _FRAME))
    if outcome == "unusable":
        raise UnusableFile(payload)
    if outcome == "memory":
        raise UnusableFile(
            f"'{filename}' could not be read: reading it needed more than the {megabytes(limits.memory_bytes)} "
            "of memory the reader may use (MOMENTO_PARSE_MEMORY_MB); split the export by period, or save it as CSV."
        )
    LOG.error("reading %r failed in the worker:\n%s", filename, payload)
    last = payload.strip().splitlines()[-1]
    raise UnusableFile(
        f"'{filename}' could not be read: the file reader failed on it ({last}); save it again as UTF-8 CSV "
        "or XLSX, and report the file if it still fails."
    )


def _crashed(filename: str, data: bytes, code: int | None, limits: Limits) -> UnusableFile:
    """The sentence for a worker that died without answering (killed by a signal, or exited)."""
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    LOG.error("the reader's worker died on %r (%s)", filename, how)
    what, fix = (("workbook", "open it in Excel, copy the table into a new workbook and save that, or export it "
                  "as CSV") if is_excel(data) else ("file", "save it again as UTF-8 CSV"))
    return UnusableFile(
        f"'{filename}' could not be read: the file reader crashed on this {what} (it needed more than the "
        f"{megabytes(limits.memory_bytes)} of memory it may use, MOMENTO_PARSE_MEMORY_MB, or the {what} is "
        f"damaged); {fix}."
    )


def work() -> None:
    """The worker (``sys.argv[1]`` is the request's folder): cap its own memory, read, and pickle
    ``(outcome, payload)`` into the answer — ``read`` and the table (its frame written beside it as
    Arrow IPC, an empty one of the same columns in its place), ``unusable`` and the sentence,
    ``memory``, or ``failed`` and the traceback. The answer is renamed into place once whole."""
    folder = Path(sys.argv[1])
    filename, sheet, limits = pickle.loads((folder / _REQUEST).read_bytes())
    _cap_memory(limits.memory_bytes)
    try:
        raw = read_file((folder / _INPUT).read_bytes(), filename, sheet, limits)
        raw.frame.write_ipc(folder / _FRAME)
        message: tuple[str, object] = ("read", dataclasses.replace(raw, frame=raw.frame.clear()))
    except UnusableFile as exc:
        message = ("unusable", str(exc))
    except MemoryError:
        message = ("memory", None)
    except Exception:  # noqa: BLE001 — any other failure of the reader is reported, with its traceback logged
        message = ("failed", traceback.format_exc())
    partial = folder / (_ANSWER + ".part")
    partial.write_bytes(pickle.dumps(message))
    partial.replace(folder / _ANSWER)


def _cap_memory(nbytes: int) -> None:
    """Lower this process's address-space limit to ``nbytes`` (where the platform has one to lower)."""
    try:
        import resource
    except ImportError:  # Windows: the time limit still applies
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = nbytes if hard == resource.RLIM_INFINITY else min(nbytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
