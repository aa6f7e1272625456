"""Command line: `mltestscore [audit] PATH`, `checks`, `explain ID`.

Exit codes: 0 audit done and above thresholds; 1 below a threshold; 2 usage, config or
environment error. Heavy modules (rich, GitPython, yaml) are imported inside commands so that
`mltestscore --version` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mltestscore import __version__

from mltestscore.report import RENDERERS

FORMATS = tuple(RENDERERS)
EXIT_OK, EXIT_BELOW, EXIT_ERROR = 0, 1, 2


class _DefaultGroup(click.Group):
    """Runs `audit` when the first argument is not a command (so `mltestscore path/` works)."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["audit", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="mltestscore", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Score an ML repository against the ML Test Score rubric (Breck et al. 2017).

    Reads the repository statically (CI configs, DVC pipelines, tests, notebooks, serving and
    monitoring configs, git history) and never runs its code. Each of the 28 tests earns 0, 0.5
    (done by hand) or 1 (automated); the final score is the weakest section's sum.

    \b
    Examples:
      mltestscore                                 audit the current directory
      mltestscore audit path/to/repo --format json --output score.json
      mltestscore audit . --fail-under 2          exit 1 below a final score of 2
      mltestscore checks                          list the 28 tests
      mltestscore explain infra-1                 what a test means and how to earn it
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(audit)


@cli.command()
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option("-f", "--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="Report format (repeatable). Default: terminal.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output (one format).")
@click.option("--fail-under", type=click.FloatRange(0, 7), help="Exit 1 when the final score is below this. Overrides config.")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Config file (.mltestscore.yaml or a pyproject.toml). Default: found in PATH.")
@click.option("--exit-zero", is_flag=True, help="Always exit 0 after a completed audit (report only).")
@click.option("--color/--no-color", default=None, help="Force or disable colour in the terminal report.")
@click.option("--no-cache", is_flag=True,
              help="Do not read or write the per-file fact cache (default: $MLTESTSCORE_CACHE_DIR or ~/.cache/mltestscore).")
def audit(path: Path, formats: tuple[str, ...], output: Path | None, fail_under: float | None,
          config_path: Path | None, exit_zero: bool, color: bool | None, no_cache: bool) -> None:
    """Audit the repository at PATH (default: the current directory)."""
    from mltestscore.checks.registry import RegistryError
    from mltestscore.config import ConfigError, load_config

    root = _repository_root(path)
    try:
        config = load_config(root, config_path)
    except ConfigError as error:
        _fail(f"config error: {error}")
    if fail_under is not None:
        config.fail_under = fail_under
    formats = formats or ("terminal",)
    if output is not None and len(formats) > 1:
        _fail("--output takes one format; run once per format or drop --output")

    from mltestscore.audit import run_audit
    from mltestscore.index.cache import default_cache_dir
    from mltestscore.scoring import below_thresholds

    try:
        report = run_audit(root, config, None if no_cache else default_cache_dir())
    except RegistryError as error:
        _fail(str(error))
    for name in formats:
        _emit(report, name, output, color)
    failures = below_thresholds(report.score, report.sections, config.fail_under, config.section_minimums)
    if failures:
        for failure in failures:
            click.echo(f"mltestscore: {failure}", err=True)
        if not exit_zero:
            sys.exit(EXIT_BELOW)


def _repository_root(path: Path) -> Path:
    if not path.exists():
        _fail(f"path does not exist: {path}")
    if not path.is_dir():
        _fail(f"not a folder: {path} (give the repository's folder)")
    return path.resolve()


def _emit(report, name: str, output: Path | None, color: bool | None) -> None:
    if name == "terminal" and output is None:
        from rich.console import Console

        from mltestscore.report.terminal import print_report

        print_report(report, Console(force_terminal=color, no_color=color is False, highlight=False))
        return
    from mltestscore.report import renderer

    text = renderer(name)(report)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {output}: {error.strerror}")
    click.echo(f"mltestscore: wrote {name} report to {output}", err=True)


@cli.command("checks")
@click.option("--format", "fmt", type=click.Choice(("table", "markdown")), default="table",
              help="table for the terminal; markdown is docs/checks.md.")
def list_checks(fmt: str) -> None:
    """List the 28 rubric tests: id, section, title, and whether this version assesses it."""
    from mltestscore.checks.registry import load_checks

    checks = load_checks()
    if fmt == "markdown":
        from mltestscore.docs import checks_markdown

        click.echo(checks_markdown(checks), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="ML Test Score rubric (Breck et al. 2017)", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("section")
    table.add_column("title")
    table.add_column("assessed", justify="center")
    for check in checks.values():
        table.add_row(check.id, check.section, check.title, "yes" if check.implemented else "not yet")
    Console().print(table)


@cli.command()
@click.argument("test_id")
def explain(test_id: str) -> None:
    """Explain a test: what it means, what evidence counts, how to earn the points."""
    from mltestscore.checks.registry import load_checks

    checks = load_checks()
    check = checks.get(test_id.lower())
    if check is None:
        _fail(f"unknown test id {test_id!r}; ids are {', '.join(checks)}")
    from mltestscore.docs import explain_text

    click.echo(explain_text(check))


def _fail(message: str) -> None:
    click.echo(f"mltestscore: {message}", err=True)
    sys.exit(EXIT_ERROR)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("mltestscore: interrupted", err=True)
        sys.exit(130)
