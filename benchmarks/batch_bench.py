"""Throughput of `mltestscore batch` on generated student-group repositories (examples/course).

    python benchmarks/batch_bench.py                 # 200 repositories
    python benchmarks/batch_bench.py --repos 50 --skip-dask

Each repository is a bare git repository reached through a file:// URL (clone cost included,
network excluded). Runs, each from an empty cache (no clones, no facts) unless said otherwise:
- local executor, 1 audit process (--jobs 1);
- local executor, 2 audit processes (--jobs 2);
- Dask executor on a LocalCluster of 2 single-threaded worker processes (needs mltestscore[dask]);
- the resumed re-run: the same output folder and cache, nothing changed (--jobs 2);
and, for scale, the floor of listing the repositories: `git ls-remote` on each URL, one at a time.
Prints repositories per minute for each. Repositories are kept in --workdir between invocations.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "examples" / "course"))
from make_course import make_course  # noqa: E402

SCRIPT = shutil.which("mltestscore", path=str(Path(sys.executable).parent)) or "mltestscore"


def batch(listing: Path, out: Path, cache: Path, *extra: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [SCRIPT, "batch", "--from", str(listing), "-d", str(out), "--cache-dir", str(cache), *extra],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"batch failed: {result.stderr}")
    print(f"    {result.stderr.strip().splitlines()[0]}", file=sys.stderr)
    return elapsed


def fresh(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def listing_floor(listing: Path) -> float:
    urls = [line.split()[0] for line in listing.read_text().splitlines() if line and not line.startswith("#")]
    started = time.perf_counter()
    for url in urls:
        subprocess.run(["git", "ls-remote", url, "HEAD"], capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mltestscore-batch-bench"))
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    course = args.workdir / f"course-{args.repos}"
    listing = course / "repos.txt"
    if not listing.is_file():
        print(f"generating {args.repos} repositories in {course} ...", file=sys.stderr)
        make_course(course, groups=args.repos, never_pushed=0)
    out, cache = args.workdir / "out", args.workdir / "cache"
    n = args.repos
    results: list[tuple[str, float]] = []

    print("local, 1 audit process", file=sys.stderr)
    fresh(out, cache)
    results.append(("local executor, 1 audit process (`--jobs 1`)", batch(listing, out, cache, "--jobs", "1")))
    print("local, 2 audit processes", file=sys.stderr)
    fresh(out, cache)
    results.append(("local executor, 2 audit processes (`--jobs 2`)", batch(listing, out, cache, "--jobs", "2")))
    if not args.skip_dask:
        from distributed import LocalCluster

        print("dask LocalCluster, 2 workers", file=sys.stderr)
        fresh(out, cache)
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0", silence_logs=50) as cluster:
            elapsed = batch(listing, out, cache, "--executor", "dask", "--scheduler", cluster.scheduler_address)
        results.append(("Dask `LocalCluster`, 2 single-threaded workers", elapsed))
        fresh(out, cache)
        batch(listing, out, cache, "--jobs", "2")  # the resumed run below starts from a local run
    print("resumed re-run, nothing changed", file=sys.stderr)
    results.append(("resumed re-run, nothing changed (`--jobs 2`)", batch(listing, out, cache, "--jobs", "2")))
    results.append(("floor: `git ls-remote` of every URL, one at a time", listing_floor(listing)))

    print(f"\n{n} repositories (examples/course generator, file:// URLs)\n")
    print("| run | seconds | repositories per minute |")
    print("|---|---:|---:|")
    for label, seconds in results:
        print(f"| {label} | {seconds:.1f} | {n / seconds * 60:,.0f} |")


if __name__ == "__main__":
    main()
