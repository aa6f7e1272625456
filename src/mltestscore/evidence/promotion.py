"""Quality gates that decide promotion, and evaluations that only report (infra-4).

RUBRIC: a comparison that decides promotion (sets a registry alias or stage, registers or approves a
model, deploys it) is a gate, like a comparison that fails the run; a check that only reports
(computes a candidate's metrics and writes, logs or posts them) is the manual form: 0.5.
Both read from the AST, judged by calls, never by file names.
"""

from __future__ import annotations

import ast
import re

from mltestscore.evidence.evaluation import is_metric_name
from mltestscore.evidence.python import names

# Calls that move a model toward serving: registry aliases/stages, registration, approval, deployment.
PROMOTION_LEAVES = frozenset(
    names(
        "set_registered_model_alias",
        "transition_model_version_stage",
        "register_model",
        "create_model_version",
        "update_model_package",
        "add_version_aliases",
        "copy_model_version",
        "promote",
        "deploy",
    )
)
_PROMOTION_NAME = re.compile(r"^(promote|deploy|register|publish|push_to_hub|release)\w*$", re.I)
_APPROVED = re.compile(r"Approved|Production|champion", re.I)

MODEL_LOADS = names(
    "joblib.load",
    "pickle.load",
    "load_model",
    "mlflow.pyfunc.load_model",
    "mlflow.sklearn.load_model",
    "torch.load",
    "from_pretrained",
    "load_from_checkpoint",
)
_WRITES = re.compile(
    r"(^|\.)(dump|log_metric|log_metrics|log_dict|log_text|to_json|to_csv|write_text|write|summary)$|^wandb\.log$|"
    r"(^|\.)log$"
)


def _leaf(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def is_promotion(call: ast.Call) -> bool:
    leaf = _leaf(call.func)
    if leaf in PROMOTION_LEAVES or _PROMOTION_NAME.match(leaf):
        return True
    # SageMaker: update_model_package(ModelApprovalStatus="Approved"); any call setting a stage/alias to production
    return any(
        k.arg in ("ModelApprovalStatus", "stage", "alias", "aliases")
        and isinstance(k.value, ast.Constant)
        and isinstance(k.value.value, str)
        and _APPROVED.search(k.value.value)
        for k in call.keywords
    )


def promotes(body: list[ast.stmt]) -> bool:
    """Whether statements call a promotion (directly)."""
    return any(isinstance(n, ast.Call) and is_promotion(n) for stmt in body for n in ast.walk(stmt))


# Model-quality report suites that compute the metrics themselves: Evidently RegressionPreset /
# ClassificationPreset (and the older *PerformanceTab / *Quality* names), mlflow.evaluate's evaluators.
_QUALITY_REPORT = re.compile(r"^(Regression|Classification|Ranking)\w*(Preset|Performance\w*|Quality\w*)$")


def reports_evaluation(tree: ast.AST) -> int | None:
    """Line of a metric computed on a loaded model whose result the module writes or logs: an
    evaluation of a candidate that reports and decides nothing. None when the module does not."""
    metric_line = None
    loads = writes = False
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        dotted = _dotted(node.func)
        leaf = _leaf(node.func)
        if (
            metric_line is None
            and (is_metric_name(dotted) or _QUALITY_REPORT.search(leaf))
            and not _WRITES.search(dotted)
        ):
            metric_line = node.lineno
        if leaf in {n.rsplit(".", 1)[-1] for n in MODEL_LOADS} or dotted in MODEL_LOADS:
            loads = True
        if _WRITES.search(dotted):
            writes = True
    return metric_line if metric_line is not None and loads and writes else None


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else node.attr
    return ""


# Registry approval: a model version waits for a person's approval before anything deploys it.
APPROVAL_WORDS = names("ModelApprovalStatus", "PendingManualApproval", "approval_status")
_APPROVAL = re.compile(rb"PendingManualApproval|ModelApprovalStatus\W+[\"']?(Approved|PendingManualApproval)")


def approval_lines(code: bytes) -> list[int]:
    """Lines that hold a model's registry approval status (SageMaker model package approval)."""
    return [code.count(b"\n", 0, m.start()) + 1 for m in _APPROVAL.finditer(code)]
