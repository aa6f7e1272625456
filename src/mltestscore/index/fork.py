"""Run a pure function over plain data in a forked child while this process goes on with other work.

The cold scan of a large repository is CPU-bound per file; a second core halves it. A child made by
fork shares the already imported code and needs no pickling of the function. It only ever reads
bytes and computes plain data (nothing from the audited repository is imported or run); its answer
comes back through a pipe with `marshal` (plain data only). Warnings, cache writes and all other
side effects stay with the parent. Anything unusual (no fork, threads running, a child that dies)
gives None, and the caller does the work itself.
"""

from __future__ import annotations

import marshal
import os
import sys
import threading
from collections.abc import Callable


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Fork only where it is plain, safe and useful: Linux, no other thread running (a lock held by
    another thread would stay held forever in the child), and cores not all busy already (the load
    average counts this audit too; on a saturated machine the split costs more than it saves)."""
    return forkable() and cores() > 1 and _load() < cores()


def forkable() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def in_child(function: Callable, *args) -> Callable[[], object | None]:
    """Start function(*args) in a forked child; returns `collect`, which waits for the answer (None
    when the child failed). Call can_fork() first."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return lambda: None
    if pid == 0:  # the child: compute, answer, and leave without running the parent's exit handlers
        status = 1
        try:
            os.close(read_end)
            payload = marshal.dumps(function(*args))
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)

    def collect() -> object | None:
        with os.fdopen(read_end, "rb") as source:  # read before waiting: a full pipe would block the child
            payload = source.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or not payload:
            return None
        try:
            return marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            return None

    return collect
