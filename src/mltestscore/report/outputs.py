"""Where each requested format goes, so a CI job audits once and writes every report it needs.

- one format, no destination: standard output (the terminal report in colour when it is a TTY);
- `--output FILE`: that one format to FILE;
- `--output-dir DIR`: every format except `terminal` to DIR/<default file name>; `terminal`
  still prints, so the CI log shows the report while the files become artifacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mltestscore.results import AuditReport

FILE_NAMES = {
    "terminal": "mltestscore.txt",
    "json": "mltestscore.json",
    "html": "mltestscore.html",
    "markdown": "mltestscore.md",
    "sarif": "mltestscore.sarif",
    "junit": "mltestscore-junit.xml",
    "gitlab": "gl-code-quality-report.json",
}


class OutputError(Exception):
    """A usage problem with the requested outputs: exit code 2."""


@dataclass(frozen=True)
class Output:
    format: str
    path: Path | None  # None: standard output


def plan_outputs(formats: tuple[str, ...], output: Path | None, output_dir: Path | None) -> list[Output]:
    formats = tuple(dict.fromkeys(formats or ("terminal",)))  # repeated names once, order kept
    if output is not None and output_dir is not None:
        raise OutputError("give --output FILE (one format) or --output-dir DIR (several), not both")
    if output is not None:
        if len(formats) > 1:
            raise OutputError("--output takes one format; use --output-dir DIR for several")
        return [Output(formats[0], output)]
    if output_dir is not None:
        return [
            Output(name, None if name == "terminal" else output_dir / FILE_NAMES.get(name, f"mltestscore.{name}"))
            for name in formats
        ]
    if len(formats) > 1:
        raise OutputError(
            f"several formats ({', '.join(formats)}) need --output-dir DIR; only one can go to standard output"
        )
    return [Output(formats[0], None)]


def render_to_text(report: AuditReport, name: str, options: dict[str, dict] | None = None) -> str:
    from mltestscore.report import renderer

    return renderer(name)(report, **(options or {}).get(name, {}))
