"""A batch from start to finish: plan the jobs (with what a re-run may skip), run them on the
chosen executor, store each row as it arrives, then build and write the leaderboard."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mltestscore.batch.inputs import RepoSpec
from mltestscore.batch.leaderboard import Board, build_board
from mltestscore.batch.store import Store

OUTPUT_FILES = {"html": "leaderboard.html", "csv": "leaderboard.csv", "jsonl": "leaderboard.jsonl"}


@dataclass
class BatchOptions:
    output_dir: Path
    jobs: int = 1
    timeout: float | None = None
    executor: str = "local"  # local | dask
    scheduler: str | None = None
    retries: int = 1
    force: bool = False
    fail_under: float | None = None
    compare: Path | None = None
    cache_dir: Path | None = None  # None: each audit process's default (MLTESTSCORE_CACHE_DIR, ~/.cache)
    facts: bool = True  # the persistent fact cache and report memo
    rubric: str | None = None  # --rubric for every repository (None: each one's config decides)


@dataclass
class BatchResult:
    board: Board
    rows: list[dict]
    seconds: float
    audited: int = 0  # audited in this run
    reused: int = 0  # unchanged since the stored result
    files: dict[str, Path] = field(default_factory=dict)


def plan_jobs(specs: list[RepoSpec], store: Store, options: BatchOptions) -> list[dict]:
    jobs = []
    for spec in specs:
        stored = None if options.force else store.load(spec.key)
        reusable = (
            stored is not None
            and stored.get("status") == "ok"
            and stored.get("report") is not None
            and stored.get("source") == spec.source
            and stored.get("rev") == spec.rev
        )
        jobs.append(
            {
                "source": spec.source,
                "rev": spec.rev,
                "name": spec.name,
                "key": spec.key,
                "remote": spec.remote,
                "clone_url": spec.clone_url,
                "cache_dir": str(options.cache_dir) if options.cache_dir else None,
                "facts": options.facts,
                "rubric": options.rubric,
                "previous": stored.get("fingerprint") if reusable and stored else None,
            }
        )
    return jobs


def run_batch(
    specs: list[RepoSpec], options: BatchOptions, on_row: Callable[[dict], None] | None = None
) -> BatchResult:
    from mltestscore.batch import runner

    started = time.monotonic()
    store = Store(options.output_dir)
    options.output_dir.mkdir(parents=True, exist_ok=True)
    jobs = plan_jobs(specs, store, options)
    rows: dict[str, dict] = {}
    counts = {"audited": 0, "reused": 0}

    def arrived(row: dict) -> None:
        if row["status"] == "unchanged":
            stored = store.load(row["key"])
            if stored is None:  # removed meanwhile: keep what the worker says
                row = {**row, "status": "error", "error": "stored result vanished; run again"}
            else:
                row = {**stored, "reused": True}
                if not store.report_path(row["key"]).exists():
                    store.write_report(row)
                counts["reused"] += 1
        else:
            store.save(row)
            counts["audited"] += row["status"] == "ok"
        rows[row["key"]] = row
        if on_row is not None:
            on_row(row)

    if options.executor == "dask":
        if not options.scheduler:
            raise runner.ExecutorError(
                "--executor dask needs --scheduler ADDRESS (tcp://host:8786 or a scheduler file)"
            )
        runner.run_dask(jobs, options.scheduler, options.timeout, options.retries, arrived)
    else:
        runner.run_local(jobs, options.jobs, options.timeout, arrived)
    ordered = [rows[spec.key] for spec in specs]
    board = make_board(ordered, store, options)
    files = write_outputs(board, options.output_dir)
    return BatchResult(board, ordered, time.monotonic() - started, counts["audited"], counts["reused"], files)


def make_board(rows: list[dict], store: Store, options: BatchOptions) -> Board:
    earlier = None
    if options.compare is not None:
        before = Store(options.compare)
        earlier = {row["key"]: found for row in rows if (found := before.load(row["key"])) is not None}
    links = {row["key"]: store.report_link(row["key"]) for row in rows}
    compared = str(options.compare) if options.compare is not None else None
    return build_board(rows, links, options.fail_under, earlier, compared)


def write_outputs(board: Board, folder: Path) -> dict[str, Path]:
    from mltestscore.batch import export, html
    from mltestscore.batch.job import now

    texts = {"html": html.render(board, now()), "csv": export.to_csv(board), "jsonl": export.to_jsonl(board)}
    files = {}
    for kind, text in texts.items():
        path = folder / OUTPUT_FILES[kind]
        path.write_text(text, encoding="utf-8")
        files[kind] = path
    return files
