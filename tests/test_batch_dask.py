"""The Dask executor on a real `LocalCluster` of 2 worker processes started here: clone and audit
run on the workers, rows stream back, and a worker killed mid-batch loses no repository (Dask
reschedules its task on the other worker). Skipped without the [dask] extra."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
from batch_fixtures import course, run_cli, url

distributed = pytest.importorskip("distributed")

from mltestscore.batch.inputs import read_specs  # noqa: E402
from mltestscore.batch.run import BatchOptions, run_batch  # noqa: E402


def _cluster():
    return distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    )


@pytest.fixture(scope="module")
def cluster():
    with _cluster() as running:
        yield running


def test_dask_executor_audits_on_the_workers_and_streams_every_row(tmp_path, cluster):
    course(tmp_path, strong=2, weak=1)
    sources = [url(tmp_path, n) for n in ("strong0", "strong1", "weak0")] + [(tmp_path / "gone.git").as_uri()]
    out = tmp_path / "out"
    result = run_cli(
        "batch", *sources, "-d", str(out), "--cache-dir", str(tmp_path / "cache"),
        "--executor", "dask", "--scheduler", cluster.scheduler_address,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = [json.loads(p.read_text()) for p in sorted((out / "repos").glob("*.json"))]
    assert len(rows) == 4
    assert sorted(r["status"] for r in rows) == ["error", "ok", "ok", "ok"]
    workers = set(cluster.scheduler_info["workers"])  # addresses
    assert all(r["worker"].split()[0] in workers for r in rows if r["status"] == "ok")  # audited there
    assert (out / "leaderboard.html").is_file()
    # The same commit and config a second time: each worker answers "unchanged" from its clone.
    again = run_cli(
        "batch", *sources, "-d", str(out), "--cache-dir", str(tmp_path / "cache"), "--scheduler", cluster.scheduler_address
    )  # fmt: skip
    assert "0 audited, 3 unchanged" in again.stderr


def test_a_worker_killed_mid_batch_loses_no_repository(tmp_path):
    course(tmp_path, strong=3, weak=3)
    specs = read_specs(
        None, tuple(url(tmp_path, n) for n in ("strong0", "strong1", "strong2", "weak0", "weak1", "weak2"))
    )
    with _cluster() as cluster, distributed.Client(cluster) as client:
        pids = client.run(os.getpid)  # worker address -> process id
        killed: dict = {}

        def kill_a_busy_worker():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed:
                for address, keys in client.processing().items():
                    if keys and address in pids:
                        killed.update(address=address, keys=list(keys))
                        os.kill(pids[address], signal.SIGKILL)
                        return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        options = BatchOptions(
            tmp_path / "out", timeout=120, executor="dask", scheduler=cluster.scheduler_address,
            cache_dir=tmp_path / "cache",
        )  # fmt: skip
        result = run_batch(specs, options)
        killer.join()
    assert killed, "no worker was busy to kill"
    assert [r["status"] for r in result.rows] == ["ok"] * 6  # the killed worker's task ran again elsewhere
    victim = next(s.key for s in specs if killed["keys"][0].endswith(f"-{s.key}"))
    row = next(r for r in result.rows if r["key"] == victim)
    assert row["status"] == "ok" and not row["worker"].startswith(killed["address"] + " ")
