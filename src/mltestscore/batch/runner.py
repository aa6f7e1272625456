"""Executors: where the audits run. Both hand each repository to a long-lived audit process
(worker.py) and enforce the per-repository time limit by killing that process (and the git it
started), so a hung clone, a slow audit or a crash costs one row and a fresh process.

- local: `--jobs N` threads, each driving its own audit process;
- dask: one task per repository on a `dask.distributed` cluster (clone and audit on the worker;
  results stream back as they complete; a lost worker's tasks are rescheduled by Dask, and
  `retries` re-runs a task whose worker-side code raised).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

from mltestscore.batch.job import new_row, now

STARTUP_LIMIT = 120.0  # seconds for an audit process to import the package


class ExecutorError(Exception):
    """The executor cannot start (dask missing, scheduler unreachable): exit 2."""


class _Died(Exception):
    pass


class AuditProcess:
    """One `python -m mltestscore.batch.worker` and a thread reading its rows."""

    def __init__(self) -> None:
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mltestscore.batch.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            start_new_session=os.name == "posix",  # its own process group: a kill takes its git too
        )
        self._lines: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            self._next(STARTUP_LIMIT)  # "ready"
        except TimeoutError:
            self.kill()
            raise _Died(f"the audit process did not start within {STARTUP_LIMIT:g}s") from None

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _next(self, limit: float | None):
        try:
            line = self._lines.get(timeout=limit)
        except queue.Empty:
            raise TimeoutError from None
        if line is None:
            raise _Died(self._death())
        return json.loads(line)

    def run(self, job: dict, limit: float | None) -> dict:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps(job) + "\n").encode("utf-8"))
            self.process.stdin.flush()
        except OSError:
            raise _Died(self._death()) from None
        return self._next(limit)

    def _death(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self._log.seek(0)
        tail = [line for line in self._log.read().decode("utf-8", "replace").splitlines() if line.strip()][-1:]
        return f"the audit process died (exit code {code})" + (f": {tail[0].strip()}" if tail else "")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        try:
            if os.name == "posix":
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.kill()
        except OSError:
            pass
        self.process.wait()
        self._finish()

    def close(self) -> None:
        try:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=10)
            self._finish()
        except (OSError, subprocess.TimeoutExpired):
            self.kill()

    def _finish(self) -> None:
        # The reader ends at the pipe's end; joined so that no thread outlives the batch (the
        # audit's forked scan only forks a process without threads).
        self._reader.join(timeout=5)
        self._log.close()


class AuditPool:
    """One audit process per calling thread, replaced after a timeout or a crash."""

    def __init__(self) -> None:
        self._processes: dict[int, AuditProcess] = {}
        self._lock = threading.Lock()

    def run(self, job: dict, limit: float | None) -> dict:
        started = time.monotonic()
        ident = threading.get_ident()
        try:
            process = self._processes.get(ident)
            if process is None or not process.alive:
                process = AuditProcess()
                with self._lock:
                    self._processes[ident] = process
            return process.run(job, limit)
        except TimeoutError:
            self._drop(ident, kill=True)
            return _error_row(job, f"timed out after {limit:g}s (--timeout)", started)
        except _Died as death:
            self._drop(ident, kill=True)
            return _error_row(job, str(death), started)
        except OSError as error:  # cannot start python at all
            return _error_row(job, f"cannot start an audit process: {error}", started)

    def _drop(self, ident: int, kill: bool) -> None:
        with self._lock:
            process = self._processes.pop(ident, None)
        if process is not None:
            process.kill() if kill else process.close()

    def close(self, kill: bool = False) -> None:
        with self._lock:
            processes, self._processes = list(self._processes.values()), {}
        for process in processes:
            process.kill() if kill else process.close()


def _error_row(job: dict, message: str, started: float) -> dict:
    row = new_row(job)
    row.update(error=message, seconds=round(time.monotonic() - started, 3), finished_at=now())
    return row


def run_local(jobs: list[dict], workers: int, limit: float | None, on_row: Callable[[dict], None]) -> None:
    """Audit `jobs` with `workers` audit processes on this machine; `on_row` as each finishes."""
    pool = AuditPool()
    executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="mltestscore-batch")
    try:
        futures = [executor.submit(pool.run, job, limit) for job in jobs]
        for future in as_completed(futures):
            on_row(future.result())
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        pool.close(kill=True)
        raise
    executor.shutdown(wait=True)
    pool.close()


# -- dask -------------------------------------------------------------------------------------------
_WORKER_POOL = AuditPool()  # in each Dask worker process: its threads' audit processes


def audit_on_dask_worker(job: dict, limit: float | None) -> dict:
    """The Dask task: clone and audit on the worker, in the worker's own audit process."""
    from distributed import get_worker

    row = _WORKER_POOL.run(job, limit)
    row["worker"] = f"{get_worker().address} {row.get('worker') or ''}".strip()  # which Dask worker
    return row


def connect(scheduler: str):
    """A `dask.distributed.Client` for an address (tcp://host:8786) or a scheduler file."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise ExecutorError(
            "--executor dask needs Dask: pip install 'mltestscore[dask]' (on the workers too)"
        ) from None
    try:
        if os.path.isfile(scheduler):
            return Client(scheduler_file=scheduler, timeout=30)
        return Client(scheduler, timeout=30)
    except (OSError, TimeoutError, ValueError) as error:
        raise ExecutorError(f"cannot connect to the Dask scheduler at {scheduler}: {error}") from None


def run_dask(
    jobs: list[dict], scheduler: str, limit: float | None, retries: int, on_row: Callable[[dict], None]
) -> None:
    """Audit `jobs` as Dask tasks; rows stream back in completion order."""
    import uuid

    from dask.distributed import as_completed as completed

    client = connect(scheduler)
    batch = uuid.uuid4().hex[:8]
    try:
        futures = {}
        for job in jobs:
            future = client.submit(
                audit_on_dask_worker,
                job,
                limit,
                key=f"mltestscore-{batch}-{job['key']}",
                pure=False,
                retries=retries,
            )
            futures[future.key] = (future, job)
        for future in completed([f for f, _ in futures.values()]):
            job = futures[future.key][1]
            try:
                row = future.result()
            except Exception as error:  # KilledWorker after too many lost workers, or a worker-side bug
                row = _error_row(job, f"failed on the Dask cluster: {type(error).__name__}: {error}", time.monotonic())
                row["seconds"] = None
            on_row(row)
    finally:
        client.close()
