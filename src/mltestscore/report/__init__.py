"""Stage 6, reports: one renderer per module, all reading the same AuditReport."""

from __future__ import annotations

from collections.abc import Callable

from mltestscore.results import AuditReport

# format name -> "module:function" rendering an AuditReport to text; imported only when used.
RENDERERS: dict[str, str] = {
    "terminal": "mltestscore.report.terminal:render",
    "json": "mltestscore.report.json_report:render",
    "html": "mltestscore.report.html:render",
    "markdown": "mltestscore.report.markdown:render",
    "sarif": "mltestscore.report.sarif:render",
    "junit": "mltestscore.report.junit:render",
    "gitlab": "mltestscore.report.gitlab:render",
}


def renderer(name: str) -> Callable[[AuditReport], str]:
    from importlib import import_module

    module, _, function = RENDERERS[name].partition(":")
    return getattr(import_module(module), function)
