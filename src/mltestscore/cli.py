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
    """Runs `audit` when the first argument is not a command (so `mltestscore path/` works), except
    when it is no existing path and close to a command's name: a typo, not a folder."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            first = args[0]
            if not first.startswith("-") and not Path(first).exists():
                import difflib

                close = difflib.get_close_matches(first, sorted(self.commands), n=1, cutoff=0.6)
                if close:
                    ctx.fail(f"No such command '{first}'. Did you mean '{close[0]}'?")
            args = ["audit", *args]
        return super().parse_args(ctx, args)


def _print_version(ctx: click.Context, _param, value: bool) -> None:
    """`mltestscore X.Y.Z`, then each loaded plugin and its version (like pytest's header)."""
    if not value or ctx.resilient_parsing:
        return
    from mltestscore.plugins import PluginError, load_third_party, version_lines

    click.echo(f"mltestscore {__version__}")
    lines = version_lines()
    if lines:
        click.echo("plugins: " + ", ".join(lines))
    try:
        load_third_party()
    except PluginError as error:
        _fail(str(error))
    ctx.exit()


def _rubric_option(function):
    return click.option(
        "--rubric",
        "rubric",
        metavar="FILE|NAME",
        help="Score against this rubric (a YAML file, or a shipped/plugin rubric name such as mlops-course). "
        "Overrides `rubric:` in config. Default: the paper's ML Test Score (4 sections x 7 tests).",
    )(function)


@click.group(cls=_DefaultGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and the loaded plugins, and exit.",
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Score an ML repository against the ML Test Score rubric (Breck et al. 2017), or your own rubric.

    Reads the repository statically (CI configs, DVC pipelines, tests, notebooks, serving and
    monitoring configs, git history) and never runs its code. Each test of the rubric (the paper's
    28) earns 0, 0.5 (done by hand) or 1 (automated); by default the final score is the weakest
    section's sum.

    \b
    Examples:
      mltestscore                                 audit the current directory
      mltestscore audit path/to/repo --format json --output score.json
      mltestscore audit . --fail-under 2          exit 1 below a final score of 2
      mltestscore audit . -f terminal -f html -f sarif --output-dir reports/
      mltestscore baseline save                   then: audit --baseline .mltestscore-baseline.json
      mltestscore history --last 20 -f html -o history.html
      mltestscore batch --from repos.txt -d grades/  audit many repositories, one leaderboard
      mltestscore badge -o badge.svg
      mltestscore checks                          list the rubric's tests
      mltestscore explain infra-1                 what a test means and how to earn it
      mltestscore audit . --rubric mlops-course   score against another rubric
    """
    from mltestscore.plugins import PluginError, load_third_party

    try:
        load_third_party()  # a broken plugin stops every command, with the distribution to blame
    except PluginError as error:
        _fail(str(error))
    if ctx.invoked_subcommand is None:
        ctx.invoke(audit)


class _FormatChoice(click.ParamType):
    """The built-in formats, plus those plugins register (looked up only when a format is given)."""

    name = "format"

    def convert(self, value, param, ctx):
        from mltestscore.report import format_names

        names = format_names()
        if value not in names:
            self.fail(f"{value!r} is not one of {', '.join(names)}", param, ctx)
        return value

    def get_metavar(self, param, ctx=None) -> str:
        return "[" + "|".join(FORMATS) + "|...]"


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "-f",
    "--format",
    "formats",
    type=_FormatChoice(),
    multiple=True,
    help=f"Report format (repeatable): {', '.join(FORMATS)}, or one a plugin adds. Default: terminal.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of standard output (one format).",
)
@click.option(
    "-d",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write every format but terminal to this folder (mltestscore.html, mltestscore.sarif, ...); terminal still prints.",
)
@click.option(
    "--fail-under",
    type=click.FloatRange(0),
    help="Exit 1 when the final score is below this (0 to the rubric's maximum, 7 by default). Overrides config.",
)
@click.option(
    "--section-minimum",
    "section_minimums",
    multiple=True,
    metavar="SECTION=SCORE",
    help="Exit 1 when a section scores below SCORE (repeatable, e.g. data=2). Adds to config.",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Exit 1 only when a test or the final score drops below this baseline (`mltestscore baseline save`).",
)
@click.option(
    "--junit-fail-below",
    type=click.FloatRange(0, 1),
    default=1.0,
    show_default=True,
    help="JUnit: a test case fails below this many points (0.5 lets manual work pass).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Config file (.mltestscore.yaml or a pyproject.toml). Default: found in PATH.",
)
@click.option("--exit-zero", is_flag=True, help="Always exit 0 after a completed audit (report only).")
@click.option("--color/--no-color", default=None, help="Force or disable colour in the terminal report.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Do not read or write the fact cache or the report memo (default folder: $MLTESTSCORE_CACHE_DIR "
    "or ~/.cache/mltestscore; bounded by $MLTESTSCORE_CACHE_MAX_MB, default 512).",
)
@click.option(
    "--gx-verify",
    is_flag=True,
    help="Also build each GX 1.x suite with Great Expectations (needs mltestscore[gx]); exit 1 if GX rejects one.",
)
@click.option(
    "--diff-base",
    metavar="REF",
    help="Also audit REF from git objects and report what changed (tests up/down, evidence gone); exit 1 when the "
    "final score dropped. With --output-dir, writes mltestscore-diff.md (a PR comment body).",
)
@click.option("-q", "--quiet", is_flag=True, help="Terminal: only the final score and the failed gates.")
@click.option("--summary", is_flag=True, help="Terminal: only the scores panel.")
@click.option("-v", "--verbose", is_flag=True, help="Terminal: every evidence line and warning (no '… N more').")
@click.option(
    "--select",
    "select",
    multiple=True,
    metavar="IDS",
    help="Audit only these tests or sections (comma-separated or repeated: infra-1,data); the rest are skipped.",
)
@click.option(
    "--ignore",
    "ignore",
    multiple=True,
    metavar="IDS",
    help="Skip these tests or sections (comma-separated or repeated), as `ignore` in config does.",
)
@_rubric_option
@click.option(
    "--profile",
    is_flag=True,
    help="Print the time of each phase, check and cross-file fact to stderr (also: MLTESTSCORE_PROFILE=1).",
)
def audit(
    path: Path,
    formats: tuple[str, ...],
    output: Path | None,
    output_dir: Path | None,
    fail_under: float | None,
    section_minimums: tuple[str, ...],
    baseline_path: Path | None,
    junit_fail_below: float,
    config_path: Path | None,
    exit_zero: bool,
    color: bool | None,
    no_cache: bool,
    gx_verify: bool,
    quiet: bool = False,
    summary: bool = False,
    verbose: bool = False,
    select: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    diff_base: str | None = None,
    rubric: str | None = None,
    profile: bool = False,
) -> None:
    """Audit the repository at PATH (default: the project root above the current folder: the
    nearest folder with .mltestscore.yaml or pyproject's [tool.mltestscore], else the git top level)."""
    from mltestscore.gates import GateError, choose_gates, load_baseline, parse_section_minimums
    from mltestscore.report.outputs import OutputError, plan_outputs
    from mltestscore.selection import SelectionError, apply_selection

    root = _project_root(path)
    config = _load_config(root, config_path, rubric)
    try:
        apply_selection(config, select, ignore)
    except SelectionError as error:
        _fail(str(error))
    _say_if_nothing_to_audit(root)
    try:
        targets = plan_outputs(formats, output, output_dir)
        baseline = load_baseline(baseline_path) if baseline_path is not None else None
        # The rubric is parsed only when a gate needs its ranges: an audit the memo answers parses none.
        chosen = config.rubric() if fail_under is not None or section_minimums else None
        if chosen is not None and fail_under is not None and fail_under > chosen.max_score:
            raise GateError(
                f"--fail-under {fail_under:g}: the rubric {chosen.name!r} scores from 0 to {chosen.max_score:g}"
            )
        gates = choose_gates(
            config.fail_under,
            config.section_minimums,
            fail_under,
            parse_section_minimums(section_minimums, chosen),
            baseline,
        )
    except (OutputError, GateError) as error:
        _fail(str(error))
    if gx_verify:
        _require_gx()
    report = _run(root, config, cache=not no_cache, profile=profile)
    rejected = _gx_verify(report, root, config) if gx_verify else 0
    options = {"junit": {"fail_below": junit_fail_below}}
    failures = gates.failures(report)
    if diff_base is not None:
        failures += _diff_against(root, diff_base, report, config_path, output_dir, cache=not no_cache)
    if rejected:
        failures.append(f"Great Expectations rejects {rejected} suite expectation(s); see the warnings")
    detail = "quiet" if quiet else "summary" if summary else "full"
    prints_report = any(t.format == "terminal" and t.path is None for t in targets)
    if failures and prints_report and detail != "quiet":
        _echo_failures(failures)  # first: a hook's reader sees why it failed without scrolling
    for target in targets:
        _emit(report, target, options, color, detail, verbose)
    if not quiet:
        for note in gates.notes(report):
            click.echo(f"mltestscore: {note}", err=True)
    if failures:
        _echo_failures(failures)  # and last, where a CI log ends
        if not exit_zero:
            sys.exit(EXIT_BELOW)


def _diff_against(
    root: Path, base_ref: str, report, config_path: Path | None, output_dir: Path | None, cache: bool
) -> list[str]:
    """The work tree's report against REF's (audited from git objects): printed to standard
    error, written as a PR comment body with --output-dir; a failure when the final score dropped."""
    from mltestscore.diffing import CommitAuditor, DiffError, diff_reports, render

    try:
        auditor = CommitAuditor(root, _cache_dir(cache))
    except DiffError as error:
        _fail(str(error))
    try:
        base_sha = auditor.resolve(base_ref)
        config = _load_config(root, config_path) if config_path is not None else None
        base = auditor.audit(base_sha, config)
        diff = diff_reports(base, report, auditor.file_status(base_sha, None), (base_ref, "work tree"))
    except DiffError as error:
        _fail(str(error))
    finally:
        auditor.close()
    click.echo(render(diff, "text"), err=True, nl=False)
    if output_dir is not None:
        _write_text(render(diff, "markdown"), output_dir / "mltestscore-diff.md", "diff (PR comment)")
    if diff.dropped:
        return [f"final ML Test Score dropped from {base.score:g} at {base_ref} to {report.score:g}"]
    return []


def _cache_dir(cache: bool) -> Path | None:
    from mltestscore.index.cache import default_cache_dir

    return default_cache_dir() if cache else None


def _echo_failures(failures: list[str]) -> None:
    for failure in failures:
        click.echo(f"mltestscore: {failure}", err=True)


def _project_root(path: Path | None) -> Path:
    """PATH as given, or the project root discovered from the current folder (discovery.py)."""
    if path is not None:
        return _repository_root(path)
    from mltestscore.discovery import find_project_root

    cwd = Path.cwd().resolve()
    root, why = find_project_root(cwd)
    if root != cwd:
        click.echo(f"mltestscore: auditing {root} ({why})", err=True)
    return root


def _say_if_nothing_to_audit(root: Path) -> None:
    """An empty or non-code folder still gets its (all-zero) report, for scripts that expect one,
    but the reason is said plainly rather than as 28 missing tests."""
    from mltestscore.discovery import has_anything_to_audit

    if not has_anything_to_audit(root):
        click.echo(
            f"mltestscore: nothing to audit in {root}: no code, notebook, CI, pipeline or config file "
            "(is this the right folder?)",
            err=True,
        )


def _load_config(root: Path, config_path: Path | None, rubric: str | None = None):
    from mltestscore.config import ConfigError, load_config

    try:
        return load_config(root, config_path, rubric)
    except ConfigError as error:
        _fail(f"config error: {error}")


def _run(root: Path, config, cache: bool = True, profile: bool = False):
    from mltestscore import profile as profiles
    from mltestscore.audit import run_audit
    from mltestscore.checks import RegistryError
    from mltestscore.index.cache import default_cache_dir
    from mltestscore.plugins import PluginError

    timing = profiles.Profile() if profile or profiles.wanted() else None
    try:
        with _progress(f"auditing {root.name or root}"):
            report = run_audit(root, config, default_cache_dir() if cache else None, profile=timing)
    except (RegistryError, PluginError) as error:
        _fail(str(error))
    if timing is not None:
        click.echo(timing.render(), err=True)
    return report


def _progress(what: str):
    """A transient spinner on standard error while an audit runs, only when a person watches
    (standard error is a TTY): CI logs and hooks piping the output stay clean."""
    import contextlib

    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(what, spinner="dots")


def _require_gx() -> None:
    from mltestscore.gx_extra import GxUnavailable, load_gx

    try:
        load_gx()
    except GxUnavailable as error:
        _fail(str(error))


def _gx_verify(report, root: Path, config) -> int:
    from mltestscore.gx_extra import verify_into_report

    rejected, notes = verify_into_report(report, root, config)
    for note in notes:
        click.echo(f"mltestscore: {note}", err=True)
    return rejected


@cli.command("validate-data")
@click.argument("suite")
@click.argument("datafile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--repo",
    default=".",
    show_default=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Repository in which to look up SUITE when it is a suite name rather than a file.",
)
def validate_data(suite: str, datafile: Path, repo: Path) -> None:
    """Run a Great Expectations suite on a data file and report each expectation (needs mltestscore[gx]).

    SUITE is a suite JSON file (GX 1.x, or 0.x converted on the fly) or a suite name found in --repo.
    Runs in an ephemeral GX context: nothing is written to the repository. Exit 0 when every
    expectation holds, 1 when one does not, 2 when the extra, the suite or the data is missing.
    """
    from mltestscore.gx_extra import run_validate_data

    sys.exit(run_validate_data(suite, datafile, repo, click.echo))


def _repository_root(path: Path) -> Path:
    if not path.exists():
        _fail(f"path does not exist: {path}")
    if not path.is_dir():
        _fail(f"not a folder: {path} (give the repository's folder)")
    return path.resolve()


def _emit(report, target, options: dict, color: bool | None, detail: str = "full", verbose: bool = False) -> None:
    if target.format == "terminal" and target.path is None:
        from rich.console import Console

        from mltestscore.report.terminal import print_report

        print_report(report, Console(force_terminal=color, no_color=color is False, highlight=False), detail, verbose)
        return
    from mltestscore.report.outputs import render_to_text

    _write_text(render_to_text(report, target.format, options), target.path, f"{target.format} report")


@cli.group()
def baseline() -> None:
    """Save per-test scores; `audit --baseline FILE` then fails only when something drops."""


@baseline.command("save")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline file to write. Default: PATH/.mltestscore-baseline.json.",
)
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file, as for audit.")
@_rubric_option
def baseline_save(path: Path | None, output: Path | None, config_path: Path | None, rubric: str | None = None) -> None:
    """Audit PATH and save its final and per-test scores as the baseline."""
    from mltestscore.gates import DEFAULT_BASELINE, save_baseline

    root = _project_root(path)
    report = _run(root, _load_config(root, config_path, rubric))
    target = output or root / DEFAULT_BASELINE
    try:
        save_baseline(report, target)
    except OSError as error:
        _fail(f"cannot write {target}: {error.strerror}")
    click.echo(
        f"mltestscore: baseline saved to {target} (final score {report.score:g}); "
        f"commit it and run `mltestscore audit --baseline {target.name}` in CI",
        err=True,
    )


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("-n", "--last", type=click.IntRange(min=1), help="Audit the last N commits (default 10).")
@click.option(
    "--since", metavar="DATE", help="Audit the commits since DATE (2025-01-31, '3 months ago'; with --last: at most N)."
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(("table", "json", "html")),
    default="table",
    show_default=True,
    help="table for the terminal; html draws the trend chart.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Apply this config file to every commit (default: the config committed at each commit).",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the per-file fact cache.")
def history(
    path: Path | None,
    last: int | None,
    since: str | None,
    fmt: str,
    output: Path | None,
    config_path: Path | None,
    no_cache: bool,
) -> None:
    """Final and section scores at past commits of HEAD's first-parent line, read from git objects
    (nothing is checked out)."""
    from mltestscore.history import HistoryError, open_history
    from mltestscore.index.cache import default_cache_dir

    root = _project_root(path)
    config = _load_config(root, config_path) if config_path is not None else None  # None: each commit's own
    try:
        run = open_history(root, config, last, since, None if no_cache else default_cache_dir())
    except HistoryError as error:
        _fail(str(error))
    try:
        points = run.audit_with_progress()
    finally:
        run.close()
    if not points:
        click.echo(f"mltestscore: no commit of HEAD's first-parent line matches --since {since!r}", err=True)
    if run.shallow:
        click.echo("mltestscore: shallow clone: older commits are missing (fetch with depth 0)", err=True)
    _write_history(points, str(root), run.shallow, fmt, output)


def _write_history(points: list, repository: str, shallow: bool, fmt: str, output: Path | None) -> None:
    from mltestscore.history import render, table

    if fmt == "table" and output is None:
        from rich.console import Console

        from mltestscore.history import section_ids

        Console().print(table(points, section_ids(points)))
        return
    _write_text(render(points, repository, shallow, fmt), output, f"history {fmt}")


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--style",
    type=click.Choice(("svg", "endpoint")),
    default="svg",
    show_default=True,
    help="svg: a badge image; endpoint: JSON for a shields.io endpoint badge.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option(
    "--from-report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Take the score from a JSON report (--format json) instead of auditing again.",
)
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file, as for audit.")
@_rubric_option
def badge(
    path: Path | None,
    style: str,
    output: Path | None,
    from_report: Path | None,
    config_path: Path | None,
    rubric: str | None = None,
) -> None:
    """Write a badge with the final score, coloured by band."""
    from mltestscore.badge import BadgeError, Scored, endpoint_json, score_from_report, svg

    if from_report is not None:
        try:
            scored = score_from_report(from_report)
        except BadgeError as error:
            _fail(str(error))
    else:
        root = _project_root(path)
        report = _run(root, _load_config(root, config_path, rubric))
        scored = Scored(report.score, report.max_score, report.rubric, report.scaled)
    _write_text(svg(scored) if style == "svg" else endpoint_json(scored), output, f"{style} badge")


def _write_text(text: str, output: Path | None, what: str) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {output}: {error.strerror}")
    click.echo(f"mltestscore: wrote {what} to {output}", err=True)


@cli.command("checks")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("table", "markdown", "json")),
    default="table",
    help="table for the terminal; markdown is docs/checks.md; json for scripts.",
)
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file whose `rubric:` to list.")
@_rubric_option
def list_checks(fmt: str, config_path: Path | None = None, rubric: str | None = None) -> None:
    """List the rubric's tests (the paper's 28 by default): id, section, title, whether this version assesses it."""
    chosen, checks = _rubric_and_checks(config_path, rubric)
    if fmt == "json":
        import json

        rows = [
            {
                "id": t.id,
                "section": t.section,
                "title": t.title,
                "assessed": bool(checks[t.check_id].implemented),
                "check": t.check_id,
            }
            for t in chosen.tests
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if fmt == "markdown":
        from mltestscore.docs import checks_markdown

        click.echo(checks_markdown(checks, chosen), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{chosen.name} rubric: {len(chosen.tests)} tests", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("section")
    table.add_column("title")
    table.add_column("assessed", justify="center")
    for test in chosen.tests:
        check = checks[test.check_id]
        assessed = "yes" if check.implemented else "not yet"
        if test.check:
            assessed += f" ({test.check})"
        table.add_row(test.id, test.section, test.title, assessed)
    Console().print(table)


def _rubric_and_checks(config_path: Path | None, rubric: str | None):
    from mltestscore.checks import RegistryError
    from mltestscore.checks.registry import load_checks
    from mltestscore.plugins import PluginError
    from mltestscore.rubric import RubricError, load_rubric

    try:
        # The config only when named: `checks` and `explain` run anywhere, whatever config sits there.
        chosen = _load_config(Path.cwd(), config_path, rubric).rubric() if config_path else load_rubric(rubric)
    except RubricError as error:
        _fail(str(error))
    try:
        return chosen, load_checks(rubric=chosen)
    except (RegistryError, PluginError) as error:
        _fail(str(error))
        raise  # unreachable: _fail exits


@cli.command()
@click.argument("test_id")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file whose `rubric:` to use.")
@_rubric_option
def explain(test_id: str, config_path: Path | None = None, rubric: str | None = None) -> None:
    """Explain a test: what it means, what evidence counts, how to earn the points."""
    from mltestscore.checks.registry import all_checks

    chosen, checks = _rubric_and_checks(config_path, rubric)
    wanted = test_id.lower()
    test = next((t for t in chosen.tests if t.id == wanted), None)
    check = checks.get(test.check_id) if test is not None else all_checks().get(wanted)
    if check is None:
        _fail(f"unknown test id {test_id!r}; ids are {', '.join(t.id for t in chosen.tests)}")
        return
    from mltestscore.docs import explain_text

    click.echo(explain_text(check, chosen, test))


@cli.command("diff")
@click.argument("base")
@click.argument("head", default="HEAD")
@click.option(
    "-C",
    "--path",
    "path",
    type=click.Path(path_type=Path),
    help="Folder to audit in both commits (default: the project root above the current folder).",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(("text", "markdown", "json")),
    default="text",
    show_default=True,
    help="markdown is a PR comment body (its first line is a marker for updating one comment).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Apply this config to both commits (default: the config committed in each).",
)
@click.option(
    "--fail-on",
    type=click.Choice(("final", "any")),
    default="final",
    show_default=True,
    help="Exit 1 when the final score dropped, or when any test dropped (any).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when the score dropped.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the per-file fact cache.")
def diff(
    base: str,
    head: str,
    path: Path | None,
    fmt: str,
    output: Path | None,
    config_path: Path | None,
    fail_on: str,
    exit_zero: bool,
    no_cache: bool,
) -> None:
    """Audit BASE and HEAD (default HEAD) from git objects, nothing checked out, and show which tests
    went up or down with the evidence that appeared or vanished. Exit 1 when the final score dropped."""
    from mltestscore.diffing import CommitAuditor, DiffError, diff_reports, render

    root = _project_root(path)
    config = _load_config(root, config_path) if config_path is not None else None
    try:
        auditor = CommitAuditor(root, _cache_dir(not no_cache))
    except DiffError as error:
        _fail(str(error))
    try:
        base_sha, head_sha = auditor.resolve(base), auditor.resolve(head)
        result = diff_reports(
            auditor.audit(base_sha, config),
            auditor.audit(head_sha, config),
            auditor.file_status(base_sha, head_sha),
            (base, head),
        )
    except DiffError as error:
        _fail(str(error))
    finally:
        auditor.close()
    _write_text(render(result, fmt), output, f"diff {fmt}")
    dropped_tests = [c.id for c in result.changes if c.delta < 0]
    if result.dropped:
        click.echo(
            f"mltestscore: final ML Test Score dropped from {result.base.score:g} ({base}) to {result.head.score:g} ({head})",
            err=True,
        )
    elif dropped_tests and fail_on == "any":
        click.echo(f"mltestscore: tests dropped: {', '.join(dropped_tests)}", err=True)
    if (result.dropped or (fail_on == "any" and dropped_tests)) and not exit_zero:
        sys.exit(EXIT_BELOW)


@cli.command("config")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Config file, as for audit.")
def show_config(path: Path | None, config_path: Path | None) -> None:
    """Print the effective config for PATH and where each value comes from."""
    from mltestscore.config import PRECEDENCE
    from mltestscore.discovery import find_project_root

    if path is None:
        root, why = find_project_root(Path.cwd())
    else:
        root, why = _repository_root(path), "given on the command line"
    config = _load_config(root, config_path)
    click.echo(f"project root: {root} ({why})")
    click.echo(f"config file:  {config.source or 'none (defaults)'}")
    click.echo(f"precedence:   {PRECEDENCE}; command-line options override the file")
    for note in config.notes:
        click.echo(f"note:         {note}")
    for key, value in _effective_settings(config):
        click.echo(f"{key} = {value!r}    # {config.origins.get(key, 'default')}")


def _effective_settings(config) -> list[tuple[str, object]]:
    from dataclasses import asdict

    hidden = {"source", "notes", "origins", "unknown_ignores"}
    return [(key, value) for key, value in asdict(config).items() if key not in hidden]


def _fail(message: str) -> None:
    click.echo(f"mltestscore: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _register_batch() -> None:
    from mltestscore.batch.command import batch as batch_command  # click only; its work imports lazily

    cli.add_command(batch_command)


_register_batch()


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("mltestscore: interrupted", err=True)
        sys.exit(130)
