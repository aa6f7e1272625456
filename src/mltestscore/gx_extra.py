"""The optional `[gx]` extra: Great Expectations' own classes, in an ephemeral context only.

`great_expectations` is imported inside these functions (it is ~385 MB and takes seconds to
import), and only `gx.get_context(mode="ephemeral")` is used: nothing is written to the audited
repository. Suites are found by the static reader (evidence.gx) and handed to GX as dicts.

- `verify_suites`: build every GX 1.x suite through GX's classes and report what GX rejects
  (unknown expectation types, which GX drops silently, and bad or missing kwargs).
- `validate_data`: run one suite on a data file and report pass/fail per expectation.
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "this needs the optional Great Expectations extra: pip install 'mltestscore[gx]'"
EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


class GxUnavailable(Exception):
    """great_expectations is not installed."""


class SuiteError(Exception):
    """A suite that cannot be found or read."""


def load_gx():
    try:
        import great_expectations as gx
    except ImportError as error:
        raise GxUnavailable(INSTALL_HINT) from error
    return gx


def ephemeral_context(gx):
    """An in-memory GX context: no project folder is read or written."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@contextmanager
def _quiet_gx():
    """GX logs a traceback for every expectation it drops; we report them ourselves."""
    logger = logging.getLogger("great_expectations")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _first_line(error: Exception) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:200]}"


def upgrade_v0(data: dict) -> dict:
    """A GX 0.x suite dict in 1.x field names (expectation_type -> type, suite name -> name)."""
    items = []
    for item in data.get("expectations") or []:
        if isinstance(item, dict):
            items.append(
                {
                    "type": item.get("expectation_type") or item.get("type"),
                    "kwargs": item.get("kwargs") or {},
                    "meta": item.get("meta") or {},
                }
            )
    return {
        "name": data.get("expectation_suite_name") or data.get("name") or "suite",
        "expectations": items,
        "meta": data.get("meta") or {},
    }


# -- verify ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SuiteProblem:
    path: str
    suite: str
    message: str


def suite_problems(gx, path: str, data: dict) -> tuple[list[SuiteProblem], list[dict]]:
    """What GX rejects in one 1.x suite dict (the suite's own fields, then each expectation),
    and the expectations it accepts."""
    name = str(data.get("name") or path)
    problems = []
    accepted = []
    with _quiet_gx():
        try:
            gx.ExpectationSuite(**{**data, "expectations": []})
        except Exception as error:  # noqa: BLE001 - any GX rejection is a finding
            problems.append(SuiteProblem(path, name, f"GX rejects the suite: {_first_line(error)}"))
        for index, item in enumerate(data.get("expectations") or [], start=1):
            kind = item.get("type") if isinstance(item, dict) else None
            try:
                built = gx.ExpectationSuite(name=name, expectations=[item])
            except Exception as error:  # noqa: BLE001
                problems.append(SuiteProblem(path, name, f"expectation {index} ({kind}): {_first_line(error)}"))
                continue
            if built.expectations:
                accepted.append(item)
            else:
                problems.append(
                    SuiteProblem(path, name, f"expectation {index}: unknown type '{kind}' (GX drops it silently)")
                )
    return problems, accepted


def verify_suites(root: Path, config=None) -> tuple[list[SuiteProblem], list[str], int]:
    """(problems, notes, suites verified) for every GX 1.x suite file in the repository at root."""
    from mltestscore.context import AuditContext
    from mltestscore.evidence.gx import read_gx_project

    gx = load_gx()
    ctx = AuditContext(root, config)
    try:
        project = ctx.fact(read_gx_project)
        suites = project.suites + project.empty_suites
        context = ephemeral_context(gx)
        problems: list[SuiteProblem] = []
        notes: list[str] = []
        verified = 0
        for suite in suites:
            if suite.generation == "0.x":
                notes.append(
                    f"{suite.path}: GX 0.x suite '{suite.name}' not verified (GX 1.x skips 0.x suites; "
                    f"`mltestscore validate-data` converts them)"
                )
                continue
            if suite.generation != "1.x":
                continue
            data = ctx.parsed.json(suite.path)
            found, _ = suite_problems(gx, suite.path, data)
            if not found:
                with _quiet_gx():
                    try:
                        context.suites.add(gx.ExpectationSuite(**data))
                    except Exception as error:  # noqa: BLE001
                        found.append(
                            SuiteProblem(suite.path, suite.name, f"the suite store rejects it: {_first_line(error)}")
                        )
            problems += found
            verified += 1
        return problems, notes, verified
    finally:
        ctx.close()


def verify_into_report(report, root: Path, config=None) -> tuple[int, list[str]]:
    """Adds GX rejections to the report's warnings; returns (rejections, notes)."""
    from mltestscore.results import AuditWarning

    problems, notes, verified = verify_suites(root, config)
    for problem in problems:
        report.warnings.append(AuditWarning(problem.path, f"GX rejects suite '{problem.suite}': {problem.message}"))
    notes.append(
        f"GX verified {verified} suite{'s' if verified != 1 else ''}: {len(problems)} problem{'s' if len(problems) != 1 else ''}"
    )
    return len(problems), notes


# -- validate-data ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ExpectationResult:
    type: str
    column: str | None
    success: bool
    summary: str


def resolve_suite(suite: str, repo: Path) -> tuple[str, dict, list[str]]:
    """(label, 1.x suite dict, notes) for a suite file path or a suite name found in `repo`."""
    notes: list[str] = []
    path = Path(suite)
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise SuiteError(f"{suite}: not a readable suite JSON ({error})") from None
        label = str(path)
    else:
        from mltestscore.context import AuditContext
        from mltestscore.evidence.gx import read_gx_project

        ctx = AuditContext(repo.resolve())
        try:
            project = ctx.fact(read_gx_project)
            match = next(
                (s for s in project.suites + project.empty_suites if s.name == suite and s.generation != "code"), None
            )
            if match is None:
                known = ", ".join(sorted(s.name for s in project.suites if s.generation != "code")[:10]) or "none"
                raise SuiteError(f"no suite file or suite named {suite!r} in {repo} (suites found: {known})")
            data = ctx.parsed.json(match.path)
            label = f"{match.path} ('{match.name}')"
        finally:
            ctx.close()
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        raise SuiteError(f"{label}: not an expectation suite (no expectations list)")
    if "expectation_suite_name" in data or any(
        isinstance(e, dict) and "expectation_type" in e for e in data["expectations"]
    ):
        data = upgrade_v0(data)
        notes.append("converted from the GX 0.x format (expectation_type -> type)")
    return label, data, notes


def read_data(path: Path):
    import pandas as pd

    readers = {
        ".csv": pd.read_csv,
        ".tsv": lambda p: pd.read_csv(p, sep="\t"),
        ".parquet": pd.read_parquet,
        ".json": pd.read_json,
        ".jsonl": lambda p: pd.read_json(p, lines=True),
        ".feather": pd.read_feather,
    }
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise SuiteError(f"{path}: unsupported data format (use {', '.join(readers)})")
    try:
        return reader(path)
    except Exception as error:  # noqa: BLE001 - pandas raises many kinds
        raise SuiteError(f"{path}: cannot be read ({_first_line(error)})") from None


def validate_data(suite: dict, frame) -> tuple[bool, list[ExpectationResult], list[SuiteProblem]]:
    """Run the suite on the dataframe in an ephemeral context."""
    gx = load_gx()
    problems, accepted = suite_problems(gx, "suite", suite)
    context = ephemeral_context(gx)
    batch = (
        context.data_sources.add_pandas("mltestscore")
        .add_dataframe_asset("sample")
        .add_batch_definition_whole_dataframe("all")
    )
    with _quiet_gx():
        built = context.suites.add(gx.ExpectationSuite(name=str(suite.get("name") or "suite"), expectations=accepted))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="mltestscore", data=batch, suite=built)
    )
    result = definition.run(batch_parameters={"dataframe": frame})
    results = [_summarise(item) for item in result.results]
    return bool(result.success) and not problems, results, problems


def _summarise(item) -> ExpectationResult:
    config = item.expectation_config
    details = item.result or {}
    errors = _exception_messages(item.exception_info or {})
    if errors:
        summary = f"error: {errors[0]}"
    elif details.get("unexpected_count") is not None:
        summary = f"{details['unexpected_count']} unexpected ({details.get('unexpected_percent') or 0:.1f}%)"
        if details.get("partial_unexpected_list"):
            summary += f", e.g. {details['partial_unexpected_list'][:3]}"
    elif details.get("observed_value") is not None:
        summary = f"observed {details['observed_value']!r}"
    else:
        summary = "holds" if item.success else "does not hold"
    return ExpectationResult(config.type, config.kwargs.get("column"), bool(item.success), summary)


def _exception_messages(info: dict) -> list[str]:
    """GX puts the exception on the result, or per metric one level down."""
    if info.get("raised_exception"):
        return [str(info.get("exception_message"))]
    return [m for value in info.values() if isinstance(value, dict) for m in _exception_messages(value)]


def run_validate_data(suite: str, datafile: Path, repo: Path, echo) -> int:
    """The `validate-data` command: prints one line per expectation, returns the exit code."""
    try:
        load_gx()
        label, data, notes = resolve_suite(suite, repo)
        frame = read_data(datafile)
        success, results, problems = validate_data(data, frame)
    except GxUnavailable as error:
        echo(f"mltestscore: {error}", err=True)
        return EXIT_ERROR
    except SuiteError as error:
        echo(f"mltestscore: {error}", err=True)
        return EXIT_ERROR
    echo(f"suite {label} on {datafile} ({len(frame)} rows)")
    for note in notes:
        echo(f"  note: {note}")
    for problem in problems:
        echo(f"  REJECTED  {problem.message}")
    for item in results:
        column = f" column={item.column}" if item.column else ""
        echo(f"  {'PASS' if item.success else 'FAIL'}  {item.type}{column}: {item.summary}")
    failed = sum(not r.success for r in results)
    echo(
        f"expectations: {len(results) - failed} met, {failed} not met"
        + (f", {len(problems)} rejected by GX" if problems else "")
    )
    return EXIT_OK if success else EXIT_FAILED
