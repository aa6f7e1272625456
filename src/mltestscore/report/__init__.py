"""Stage 6, reports: one renderer per module, all reading the same AuditReport."""

from __future__ import annotations

from collections.abc import Callable

REPORT_GROUP = "mltestscore.reports"
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


def renderer(name: str) -> Callable[..., str]:
    """The built-in renderer `name`, else the one a plugin registers under that name in the
    `mltestscore.reports` entry-point group (`render(report, **options) -> str`)."""
    from importlib import import_module

    if name in RENDERERS:
        module, _, function = RENDERERS[name].partition(":")
        return getattr(import_module(module), function)
    from mltestscore.plugins import load, third_party

    for plugin in third_party():
        if plugin.group == REPORT_GROUP and plugin.name == name:
            return load(plugin)
    raise KeyError(name)


def format_names() -> tuple[str, ...]:
    """Every report format: the built-ins, then those plugins register."""
    from mltestscore.plugins import third_party

    extra = [p.name for p in third_party() if p.group == REPORT_GROUP and p.name not in RENDERERS]
    return (*RENDERERS, *dict.fromkeys(extra))
