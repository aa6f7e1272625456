"""Probe "metric-gate-in-pipeline": a script that compares a metric to a threshold and can fail
the run (an assert, or an `if` in a module that exits non-zero or raises), and what runs it.

`metric_gate_line` is shared by infra-4 and monitor-* checks: moved here from checks/infra.py so
that no section imports another's module (checks.infra re-exports it).
"""

from __future__ import annotations

import ast
import re

from mltestscore.context import AuditContext
from mltestscore.evidence.sources import Artifact, project_sources
from mltestscore.probes import Probe, ProbeResult, register, result_from_artifacts

_METRIC = re.compile(
    r"auc|accuracy|acc\b|f1|precision|recall|rmse|mse|mae|r2|loss|score|metric|map\b|ndcg|bleu|rouge|perplexity", re.I
)


def metric_gate_line(tree: ast.AST) -> int | None:
    """Line of a metric comparison that can fail the run: an assert, or an `if` in a module
    that exits non-zero or raises (scripts often set a flag and `sys.exit(main())`)."""
    compared = None
    exits = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and _compares_metric(node.test):
            return node.lineno
        if isinstance(node, ast.If) and compared is None and _compares_metric(node.test):
            compared = node.lineno
        if isinstance(node, ast.Raise):
            exits = True
        elif isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in ("sys.exit", "exit", "quit", "os._exit") or name.endswith("SystemExit"):
                exits = True
    return compared if exits else None


def _compares_metric(node: ast.AST) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Compare) and any(
            isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in inner.ops
        ):
            if _METRIC.search(ast.unparse(inner)):
                return True
    return False


@register
class MetricGateInPipeline(Probe):
    """Project scripts holding a metric gate, and whether CI or a pipeline stage runs them."""

    name = "metric-gate-in-pipeline"
    description = "a script that fails on a metric below a threshold, and the CI job or pipeline stage running it"

    def compute(self, ctx: AuditContext) -> ProbeResult:
        artifacts = []
        for path in [p for p in project_sources(ctx) if p.endswith(".py")]:
            tree = ctx.parsed.python(path)
            line = metric_gate_line(tree) if tree is not None else None
            if line is not None:
                artifacts.append(Artifact(path, line, "metric gate: fails the run below a threshold"))
        return result_from_artifacts(ctx, self.name, artifacts)
