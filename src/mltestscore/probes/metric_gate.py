"""Probe "metric-gate-in-pipeline": a script that compares a metric to a threshold and can fail
the run (an assert, or an `if` in a module that exits non-zero or raises), and what runs it.

`metric_gate_line` is shared by infra-4 and monitor-* checks: moved here from checks/infra.py so
that no section imports another's module (checks.infra re-exports it).
"""

from __future__ import annotations

import ast
import re

from mltestscore.context import AuditContext
from mltestscore.evidence.promotion import promotes
from mltestscore.evidence.sources import Artifact, project_sources
from mltestscore.probes import Probe, ProbeResult, register, result_from_artifacts

_METRIC = re.compile(
    r"auc|accuracy|acc\b|f1|precision|recall|rmse|mse|mae|r2|loss|score|metric|map\b|ndcg|bleu|rouge|perplexity", re.I
)


def metric_gate_line(tree: ast.AST) -> int | None:
    """Line of a metric comparison that can fail the run or decides a promotion: an assert, an
    `if` whose branches promote the model (set a registry alias/stage, register, approve, deploy),
    or an `if` in a module that exits non-zero or raises (scripts often set a flag and `sys.exit(main())`)."""
    gate = metric_gate(tree)
    return gate[0] if gate else None


def metric_gate(tree: ast.AST) -> tuple[int, bool] | None:
    """(line, decides promotion) of the module's metric gate, as metric_gate_line."""
    compared = None
    exits = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and _compares_metric(node.test):
            return node.lineno, False
        if isinstance(node, ast.If) and _compares_metric(node.test):
            if promotes(node.body) or promotes(node.orelse):
                return node.lineno, True
            compared = node.lineno if compared is None else compared
        if isinstance(node, ast.Raise):
            exits = True
        elif isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in ("sys.exit", "exit", "quit", "os._exit") or name.endswith("SystemExit"):
                exits = True
    return (compared, False) if exits and compared is not None else None


def _compares_metric(node: ast.AST) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Compare) and any(
            isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in inner.ops
        ):
            if _METRIC.search(ast.unparse(inner)) and not _sanity_bound(inner):
                return True
    return False


def _sanity_bound(compare: ast.Compare) -> bool:
    """`metric > 0.0`, `0 <= acc <= 1`: a bound every metric meets (its range), not a quality bar.
    True when every constant compared against is 0 or 1 and nothing else is a threshold."""
    sides = [compare.left, *compare.comparators]
    constants = [s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, (int, float))]
    others = [s for s in sides if not (isinstance(s, ast.Constant) and isinstance(s.value, (int, float)))]
    return bool(constants) and all(c in (0, 1) for c in constants) and len(others) == 1


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
