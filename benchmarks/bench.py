"""Time mltestscore against the I/O floor on generated ML monorepos and on any local clones.

    python benchmarks/bench.py                      # generated repos of 1k and 10k files
    python benchmarks/bench.py --sizes 1000 10000 100000
    python benchmarks/bench.py --repo /tmp/diffusers --repo /tmp/transformers
    python benchmarks/bench.py --sizes --gx-shape 100 100 200 --gx-shape 200 200 400

For each repository it prints: files, the floor (`git ls-files -z | xargs -0 cat > /dev/null` plus
`python3 -c pass`: reading every file and starting Python),
a cold audit (`--no-cache`), a warm audit (cache filled by a previous run, tree unchanged: the
report memo answers), an edit audit (warm, after one tracked Python file changed: what a pre-commit
run sees; the memo misses and per-file facts answer for every other file), their ratios to the
floor, and the audit's peak memory (max RSS). Each time is the best of --runs runs. Generated repos
are kept in --workdir between invocations, so only the first run pays for generation.

`--gx-shape S R T` adds a generated repository shaped like great_expectations' own (benchmarks/
shapes.py): S suites × R validation runs that name no suite × T tests, where a quadratic corner shows.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shapes import gx_shape  # noqa: E402

# An installed package has its bytecode compiled; PYTHONDONTWRITEBYTECODE would time compiling our sources.
ENV = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PYTHONDONTWRITEBYTECODE"}
ENV.update(
    {
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
)

MODULE = '''"""{doc}"""
import numpy as np
import torch
from torch import nn

from {pkg}.utils import helper_{n}


class Block{n}(nn.Module):
    def __init__(self, width: int = {width}):
        super().__init__()
        self.linear = nn.Linear(width, width)

    def forward(self, x):
        return torch.relu(self.linear(x))


def transform_{n}(frame):
    values = np.asarray(frame, dtype=float)
    return (values - values.mean()) / (values.std() + 1e-9)
'''

TEST = """import numpy as np

from {pkg}.module_{n} import transform_{n}


def test_transform_{n}_centres():
    out = transform_{n}([1.0, 2.0, 3.0])
    assert abs(out.mean()) < 1e-9


def test_transform_{n}_scale():
    assert np.isfinite(transform_{n}([5.0, 5.0])).all()
"""

NOTEBOOK = (
    '{"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Exploration %d"]}, '
    '{"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], '
    '"source": ["import pandas as pd\\n", "df = pd.read_csv(\\"data/part_%d.csv\\")\\n", "df.describe()"]}], '
    '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
)

WORKFLOW = """name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt
      - run: pytest {pkg}/tests
"""


def generate(root: Path, files: int, seed: int = 0) -> None:
    """An ML monorepo: packages of model/feature modules with tests, notebooks, CI, data, configs."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    count = 0
    packages = max(1, files // 200)
    per_package = files // packages
    for p in range(packages):
        pkg = f"project_{p}"
        base = root / "services" / pkg
        (base / pkg).mkdir(parents=True)
        (base / "tests").mkdir()
        (base / "data").mkdir()
        (base / "notebooks").mkdir()
        (base / pkg / "__init__.py").write_text("")
        (base / pkg / "utils.py").write_text(
            "".join(f"def helper_{n}(x):\n    return x\n\n" for n in range(per_package))
        )
        count += 2
        (root / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
        (root / ".github" / "workflows" / f"{pkg}.yml").write_text(WORKFLOW.format(pkg=f"services/{pkg}"))
        (base / "params.yaml").write_text(f"train:\n  seed: {p}\n  lr: 0.001\n")
        count += 2
        n = 0
        while count < (p + 1) * per_package:
            kind = rng.random()
            if kind < 0.5:
                (base / pkg / f"module_{n}.py").write_text(
                    MODULE.format(doc=f"Module {n} of {pkg}.", pkg=pkg, n=n, width=rng.choice([16, 32, 64]))
                )
            elif kind < 0.8:
                (base / "tests" / f"test_module_{n}.py").write_text(TEST.format(pkg=pkg, n=n))
            elif kind < 0.9:
                (base / "notebooks" / f"explore_{n}.ipynb").write_text(NOTEBOOK % (n, n))
            else:
                (base / "data" / f"part_{n}.csv").write_text(
                    "a,b,label\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(50))
                )
            n += 1
            count += 1
    (root / "requirements.txt").write_text("numpy==2.1.3\ntorch==2.5.1\npandas==2.2.3\n")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, env=ENV, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, env=ENV, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "generated"], cwd=root, env=ENV, check=True)


def generate_shape(root: Path, suites: int, runs: int, tests: int) -> None:
    for rel, text in gx_shape(suites, runs, tests).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, env=ENV, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, env=ENV, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "generated"], cwd=root, env=ENV, check=True)


CPU = False  # --cpu: CPU seconds (user + system) of the processes instead of wall-clock seconds


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def floor(repo: Path) -> float:
    start, cpu = time.perf_counter(), _children_cpu()
    # Not check=True: a clone whose large files were left out still has a meaningful floor.
    subprocess.run("git ls-files -z | xargs -0 cat > /dev/null 2>&1", shell=True, cwd=repo, env=ENV)
    subprocess.run([sys.executable, "-c", "pass"], env=ENV, check=True)
    return _children_cpu() - cpu if CPU else time.perf_counter() - start


def audit(repo: Path, cache: Path | None) -> tuple[float, int]:
    """(seconds, peak RSS in MB) of one audit in a fresh process."""
    command = [
        sys.executable,
        "-m",
        "mltestscore",
        "audit",
        str(repo),
        "--format",
        "json",
        "--output",
        os.devnull,
        "--exit-zero",
    ]
    env = dict(ENV)
    if cache is None:
        command.append("--no-cache")
    else:
        env["MLTESTSCORE_CACHE_DIR"] = str(cache)
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"audit of {repo} failed with exit code {child.returncode}")
    if CPU:
        elapsed = usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss // 1024


def measure(repo: Path, runs: int) -> dict:
    files = (
        len(
            subprocess.run(["git", "ls-files", "-z"], cwd=repo, env=ENV, capture_output=True, check=True).stdout.split(
                b"\0"
            )
        )
        - 1
    )
    cache = Path(tempfile.mkdtemp(prefix="mltestscore-bench-cache-"))
    try:
        floors = [floor(repo) for _ in range(runs)]
        colds = [audit(repo, None) for _ in range(runs)]
        audit(repo, cache)  # fill the cache
        warms = [audit(repo, cache) for _ in range(runs)]
        edits = [_audit_after_edit(repo, cache, n) for n in range(runs)]
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    best_floor = min(floors)
    cold = min(t for t, _ in colds)
    warm = min(t for t, _ in warms)
    edit = min(t for t, _ in edits) if edits and edits[0] else None
    return {
        "files": files,
        "floor": best_floor,
        "cold": cold,
        "warm": warm,
        "edit": edit,
        "cold_ratio": cold / best_floor,
        "warm_ratio": warm / best_floor,
        "edit_ratio": edit / best_floor if edit else None,
        "peak_mb": max(m for _, m in colds + warms + [e for e in edits if e]),
    }


def _audit_after_edit(repo: Path, cache: Path, n: int) -> tuple[float, int] | None:
    """A warm audit after one tracked Python file changed (what a pre-commit run sees): the report
    memo misses, the per-file facts of every other file still answer."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "*.py"], cwd=repo, env=ENV, capture_output=True, check=True
    ).stdout
    sources = [p for p in listed.decode().split("\0") if p and (repo / p).is_file()]
    if not sources:
        return None
    target = repo / sources[len(sources) // 2]
    original = target.read_bytes()
    try:
        target.write_bytes(original + f"\n# benchmark edit {n}\n".encode())
        return audit(repo, cache)
    finally:
        target.write_bytes(original)
        subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=repo, env=ENV)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000], help="generated repo sizes (files)")
    parser.add_argument(
        "--repo", type=Path, action="append", default=[], help="a local git clone to measure (repeatable)"
    )
    parser.add_argument(
        "--gx-shape",
        type=int,
        nargs=3,
        action="append",
        default=[],
        metavar=("S", "R", "T"),
        help="a generated GX repository: S suites, R runs naming no suite, T tests (repeatable)",
    )
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "mltestscore-bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--cpu", action="store_true", help="CPU seconds instead of wall clock: steadier on a machine others load"
    )
    args = parser.parse_args()
    global CPU
    CPU = args.cpu
    repos: list[tuple[str, Path]] = []
    for size in args.sizes:
        path = args.workdir / f"generated-{size}"
        if not (path / ".git").exists():
            shutil.rmtree(path, ignore_errors=True)
            start = time.perf_counter()
            generate(path, size)
            print(f"generated {path} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        repos.append((f"generated {size}", path))
    for suites, runs, tests in args.gx_shape:
        path = args.workdir / f"gx-{suites}x{runs}x{tests}"
        if not (path / ".git").exists():
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True)
            generate_shape(path, suites, runs, tests)
        repos.append((f"gx {suites}x{runs}x{tests}", path))
    repos += [(p.name, p) for p in args.repo]
    header = (
        f"{'repository':<24} {'files':>7} {'floor s':>8} {'cold s':>7} {'warm s':>7} {'edit s':>7} "
        f"{'cold/floor':>10} {'warm/floor':>10} {'edit/floor':>10} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, path in repos:
        r = measure(path, args.runs)
        edit, edit_ratio = (f"{r['edit']:.2f}", f"{r['edit_ratio']:.1f}") if r["edit"] else ("-", "-")
        print(
            f"{name:<24} {r['files']:>7} {r['floor']:>8.3f} {r['cold']:>7.2f} {r['warm']:>7.2f} {edit:>7} "
            f"{r['cold_ratio']:>10.1f} {r['warm_ratio']:>10.1f} {edit_ratio:>10} {r['peak_mb']:>8}",
            flush=True,
        )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mltestscore", "--version"], env=ENV, check=True, stdout=subprocess.DEVNULL)
    print(f"\nmltestscore --version: {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
