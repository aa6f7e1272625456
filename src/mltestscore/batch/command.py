"""`mltestscore batch`: the command line of fleet audits (registered in cli.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

EXIT_OK, EXIT_BELOW, EXIT_ERROR = 0, 1, 2


@click.command("batch")
@click.argument("sources", nargs=-1)
@click.option(
    "--from",
    "from_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Repository list: .txt (SOURCE[@REV] [NAME] per line), .yaml or .csv (source, rev, name).",
)
@click.option(
    "-d",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("mltestscore-batch"),
    show_default=True,
    help="Results (one JSON and one HTML report per repository) and the leaderboards.",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Audits at once (local executor). Default: CPU count.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=600,
    show_default=True,
    help="Seconds per repository (clone and audit); over it, that repository's row is an error.",
)
@click.option(
    "--executor",
    type=click.Choice(("local", "dask")),
    default="local",
    show_default=True,
    help="local: processes on this machine; dask: a Dask cluster (needs mltestscore[dask]).",
)
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler address (tcp://host:8786) or scheduler file.")
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Dask: re-run a task whose worker-side code failed (a lost worker's tasks are always rescheduled).",
)
@click.option("--force", is_flag=True, help="Audit every repository again, even when commit and config are unchanged.")
@click.option(
    "--fail-under",
    type=click.FloatRange(min=0),
    help="Exit 1 when any repository's final score is below this (or it could not be audited).",
)
@click.option(
    "--compare",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="An earlier batch's output folder: add each repository's change and list the ones that dropped first.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Clones and fact cache. Default: $MLTESTSCORE_CACHE_DIR or ~/.cache/mltestscore (on each worker).",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the fact cache or report memo (clones are kept).")
@click.option(
    "--rubric",
    metavar="FILE|NAME",
    help="Score every repository against this rubric (a YAML file or a rubric name such as mlops-course), "
    "overriding each one's `rubric:` config, as `audit --rubric` does. Default: each repository's own.",
)
def batch(
    sources: tuple[str, ...],
    from_file: Path | None,
    output_dir: Path,
    jobs: int | None,
    timeout: float,
    executor: str,
    scheduler: str | None,
    retries: int,
    force: bool,
    fail_under: float | None,
    compare: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    rubric: str | None,
) -> None:
    """Audit many repositories (local paths or git URLs, optionally URL@REV) and rank them.

    Each repository is audited as `mltestscore audit` would (its own config, attestations and
    the fact cache), in parallel, with a time limit each; a failure is that repository's row.
    Results land in OUTPUT_DIR/repos/ as they finish, so a re-run skips repositories whose
    commit and config are unchanged. Writes leaderboard.html, .csv and .jsonl and prints the table.

    \b
    Examples:
      mltestscore batch --from repos.txt -d grades/
      mltestscore batch https://github.com/org/a https://github.com/org/b@v2 --fail-under 2
      mltestscore batch --from fleet.yaml -d week-50 --compare week-49
      mltestscore batch --from fleet.yaml --executor dask --scheduler tcp://scheduler:8786
    """
    from rich.console import Console

    from mltestscore.batch.inputs import InputError, read_specs
    from mltestscore.batch.run import BatchOptions, run_batch
    from mltestscore.batch.runner import ExecutorError
    from mltestscore.batch.table import print_board

    if from_file is not None and not from_file.is_file():
        _fail(f"repository list not found: {from_file}")
    try:
        specs = read_specs(from_file, sources)
    except InputError as error:
        _fail(str(error))
    rubric = _checked_rubric(rubric) if rubric else None
    if scheduler and executor != "dask":
        executor = "dask"  # --scheduler alone means the Dask executor
    options = BatchOptions(
        output_dir=output_dir,
        jobs=jobs or os.cpu_count() or 1,
        timeout=timeout,
        executor=executor,
        scheduler=scheduler,
        retries=retries,
        force=force,
        fail_under=fail_under,
        compare=compare,
        cache_dir=cache_dir.resolve() if cache_dir else None,
        facts=not no_cache,
        rubric=rubric,
    )
    err = Console(stderr=True, highlight=False)
    try:
        with _progress(err, len(specs)) as on_row:
            result = run_batch(specs, options, on_row)
    except ExecutorError as error:
        _fail(str(error))
    except KeyboardInterrupt:
        click.echo(
            f"mltestscore: interrupted; finished repositories are saved in {output_dir}: run again to resume", err=True
        )
        sys.exit(130)
    out = Console(highlight=False)
    if not out.is_terminal:
        out.width = max(out.width, 160)  # a file or pipe: do not squeeze the columns to 80
    print_board(result.board, out)
    board = result.board
    click.echo(
        f"mltestscore: {len(specs)} repositories in {result.seconds:.1f}s: {result.audited} audited, "
        f"{result.reused} unchanged since the stored result, {len(board.errors)} could not be audited; "
        f"leaderboard in {result.files['html']}",
        err=True,
    )
    if board.below:
        names = ", ".join(e.name for e in board.below[:10]) + (" ..." if len(board.below) > 10 else "")
        click.echo(f"mltestscore: {len(board.below)} below --fail-under {fail_under:g}: {names}", err=True)
        sys.exit(EXIT_BELOW)


class _progress:
    """A rich progress bar on standard error when it is a terminal; silent otherwise (CI logs)."""

    def __init__(self, console, total: int) -> None:
        self.console, self.total, self.bar = console, total, None

    def __enter__(self):
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("auditing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("", total=self.total)
        return self.advance

    def advance(self, row: dict) -> None:
        if self.bar is not None:
            state = "unchanged" if row.get("reused") else row["status"]
            self.bar.update(self.task, advance=1, description=f"{row['name']}: {state}")

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _checked_rubric(spec: str) -> str:
    """The rubric as the audit processes will load it (a file: absolute, for workers in other folders)."""
    from mltestscore.checks import RegistryError
    from mltestscore.checks.registry import load_checks
    from mltestscore.plugins import PluginError
    from mltestscore.rubric import RubricError, load_rubric

    if Path(spec).expanduser().is_file():
        spec = str(Path(spec).expanduser().resolve())
    try:
        load_checks(rubric=load_rubric(spec))  # its checks installed here (Dask workers need the same)
    except (RubricError, RegistryError, PluginError) as error:
        _fail(f"--rubric: {error}")
    return spec


def _fail(message: str) -> None:
    click.echo(f"mltestscore: {message}", err=True)
    sys.exit(EXIT_ERROR)
