"""The Dask executor on a real `LocalCluster` of 2 worker processes started for the test: clone
and audit run on the workers, rows stream back, and a worker killed mid-batch loses no repository
(Dask reschedules its task on the other worker). Skipped without the [dask] extra. The cluster
and client live in a child process (tests/dask_scenario.py): their threads would otherwise stay
in the test process, where the audit's forked scan needs none."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from batch_fixtures import SCRIPT, course, url

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="needs the [dask] extra (dask[distributed])"
)
SCENARIO = Path(__file__).with_name("dask_scenario.py")


def scenario(name: str, spec: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    result = subprocess.run(
        [sys.executable, str(SCENARIO), name, json.dumps(spec)], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_dask_executor_audits_on_the_workers_and_streams_every_row(tmp_path):
    course(tmp_path, strong=2, weak=1)
    sources = [url(tmp_path, n) for n in ("strong0", "strong1", "weak0")] + [(tmp_path / "gone.git").as_uri()]
    out = tmp_path / "out"
    args = [*sources, "-d", str(out), "--cache-dir", str(tmp_path / "cache"), "--executor", "dask"]
    found = scenario("cli", {"script": SCRIPT, "args": args, "runs": 2})
    first, again = found["runs"]
    assert first["returncode"] == 0, first["stderr"]
    rows = [json.loads(p.read_text()) for p in sorted((out / "repos").glob("*.json"))]
    assert sorted(r["status"] for r in rows) == ["error", "ok", "ok", "ok"]
    assert all(r["worker"].split()[0] in found["workers"] for r in rows if r["status"] == "ok")  # audited there
    assert (out / "leaderboard.html").is_file()
    # The same commits a second time: each worker answers "unchanged" from its clone.
    assert "0 audited, 3 unchanged" in again["stderr"]


def test_a_worker_killed_mid_batch_loses_no_repository(tmp_path):
    course(tmp_path, strong=3, weak=3)
    names = ("strong0", "strong1", "strong2", "weak0", "weak1", "weak2")
    spec = {
        "sources": [url(tmp_path, n) for n in names],
        "out": str(tmp_path / "out"),
        "cache": str(tmp_path / "cache"),
    }
    found = scenario("kill", spec)
    killed, rows = found["killed"], found["rows"]
    assert killed, "no worker was busy to kill"
    assert [r["status"] for r in rows] == ["ok"] * 6  # the killed worker's task ran again elsewhere
    victim = next(key for key in found["keys"] if killed["keys"][0].endswith(f"-{key}"))
    row = next(r for r in rows if r["key"] == victim)
    assert row["status"] == "ok" and not row["worker"].startswith(killed["address"] + " ")
