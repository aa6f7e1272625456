"""Probe "metric-gate-in-pipeline": a script that compares a metric to a threshold and can fail
the run (an assert, or an `if` in a module that exits non-zero or raises), and what runs it.

`metric_gate_line` is shared by infra-4 and monitor-* checks: moved here from checks/infra.py so
that no section imports another's module (checks.infra re-exports it).
"""

from __future__ import annotations

import ast
import re

from mltestscore.context import AuditContext
from mltestscore.evidence.promotion import is_promotion, promotes
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
    decided = None  # a promotion under a decision flag (`if model_passes:`), or fed a metric-chosen stage
    metric_compared = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and _compares_metric(node.test):
            return node.lineno, False
        if isinstance(node, ast.If) and _compares_metric(node.test):
            if promotes(node.body) or promotes(node.orelse):
                return node.lineno, True
            compared = node.lineno if compared is None else compared
        if isinstance(node, ast.Compare) and not metric_compared:
            metric_compared = _compares_metric(node)
        if decided is None and isinstance(node, ast.If) and _DECISION.search(ast.unparse(node.test)):
            decided = node.lineno if promotes(node.body) else None
        if decided is None and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decided = _promotes_metric_choice(node)
        if isinstance(node, ast.Raise):
            exits = True
        elif isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in ("sys.exit", "exit", "quit", "os._exit") or name.endswith("SystemExit"):
                exits = True
    if metric_compared and decided is not None:  # the module compares metrics and promotes on the outcome
        return decided, True
    return (compared, False) if exits and compared is not None else None


def _compares_metric(node: ast.AST) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Compare) and any(
            isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in inner.ops
        ):
            if _METRIC.search(ast.unparse(inner)) and not _sanity_bounds(inner):
                return True
    return False


_DECISION = re.compile(r"pass|better|promot|approv|accept|improv|beat|\bok\b|_ok|is_best|qualif", re.I)


def _promotes_metric_choice(function: ast.AST) -> int | None:
    """`stage = "Production" if recall >= threshold else "Staging"` then a promotion call in the same
    function: the metric chooses where the model goes."""
    if not any(isinstance(node, ast.IfExp) and _compares_metric(node.test) for node in ast.walk(function)):
        return None
    return next((n.lineno for n in ast.walk(function) if isinstance(n, ast.Call) and is_promotion(n)), None)


def _sanity_bounds(compare: ast.Compare) -> bool:
    """`0 <= score <= 1`, `auc > 0`: a range check that any model passes, no quality threshold."""
    values = [n.value for n in (compare.left, *compare.comparators) if isinstance(n, ast.Constant)]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return bool(numbers) and len(numbers) == len(values) and all(v in (0, 1) for v in numbers)


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
