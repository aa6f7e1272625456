"""Dask scenarios for tests/test_batch_dask.py, run in a process of their own: a Dask client and
cluster leave threads behind, and the audit's forked scan (index/fork.py) only forks a process
without threads, so they must not share the test process. Prints one JSON object.

    python tests/dask_scenario.py cli  '{"script": ..., "args": [...], "runs": 2}'
    python tests/dask_scenario.py kill '{"sources": [...], "out": ..., "cache": ...}'
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import distributed


def _cluster():
    return distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    )


def cli(spec: dict) -> dict:
    """`mltestscore batch ARGS --scheduler ADDRESS`, spec["runs"] times, on a 2-worker LocalCluster."""
    runs = []
    with _cluster() as cluster:
        for _ in range(spec["runs"]):
            result = subprocess.run(
                [spec["script"], "batch", *spec["args"], "--scheduler", cluster.scheduler_address],
                capture_output=True,
                text=True,
                timeout=300,
            )
            runs.append({"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr})
        workers = sorted(cluster.scheduler_info["workers"])
    return {"runs": runs, "workers": workers}


def kill(spec: dict) -> dict:
    """A batch on a 2-worker LocalCluster while one worker is SIGKILLed as soon as it runs a task."""
    from mltestscore.batch.inputs import read_specs
    from mltestscore.batch.run import BatchOptions, run_batch

    specs = read_specs(None, tuple(spec["sources"]))
    with _cluster() as cluster, distributed.Client(cluster) as client:
        pids = client.run(os.getpid)  # worker address -> process id
        killed: dict = {}

        def kill_a_busy_worker():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                for address, keys in client.processing().items():
                    if keys and address in pids:
                        killed.update(address=address, keys=list(keys))
                        os.kill(pids[address], signal.SIGKILL)
                        return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        options = BatchOptions(
            Path(spec["out"]),
            timeout=120,
            executor="dask",
            scheduler=cluster.scheduler_address,
            cache_dir=Path(spec["cache"]),
        )
        result = run_batch(specs, options)
        killer.join()
    return {"killed": killed, "keys": [s.key for s in specs], "rows": result.rows}


if __name__ == "__main__":
    print(json.dumps(globals()[sys.argv[1]](json.loads(sys.argv[2]))))
