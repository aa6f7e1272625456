"""Training and serving sharing one feature path, seen through pipelines and artifacts (monitor-3).

Two shapes the import graph between a server and the training code does not show:
- platform pipelines: a scoring/inference pipeline whose steps run (or import) the same feature code
  as a step of the training pipeline (a Kubeflow component reused, an Azure ML step importing the
  training pipeline's feature module);
- a fitted transformer saved by training and loaded by the server, which calls its `transform`: the
  server applies the very preprocessing training fitted.
Both make the two paths compute the same values by construction, with nothing checking it: 0.5.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mltestscore.context import AuditContext
from mltestscore.evidence.monitoring import import_closure, serving_files, training_files
from mltestscore.evidence.perfile import grep_code
from mltestscore.evidence.sources import project_sources
from mltestscore.results import Evidence

_TRAINING = re.compile(r"train", re.I)
_SCORING = re.compile(r"infer|predict|scor(e|ing)|batch[-_ ]?(pred|transform|job)|serv(e|ing)", re.I)
_LOADS = re.compile(r"^(joblib|pickle|cloudpickle|dill|skops\.io)\.load$|^mlflow\.\w+\.load_model$")
# training code that fits something and saves an artifact (chained calls too: `Scaler().fit(X)`)
_FIT = re.compile(rb"\.fit(_transform)?\s*\(")
_FIT_TRANSFORM = re.compile(rb"\.fit_transform\s*\(")
_SAVE = re.compile(rb"\b(dump|save_model|log_model|save)\s*\(")


def pipelines_by_files(ctx: AuditContext) -> dict[str, set[str]]:
    """Pipeline (its runner label without the step) -> the project files its steps run."""
    found: dict[str, set[str]] = {}
    for path in project_sources(ctx):
        for runner in ctx.wiring.runners_for(path):
            if runner.kind == "pipeline":
                found.setdefault(runner.label.split(" step '", 1)[0], set()).add(path)
    return found


def reused_pipeline_features(ctx: AuditContext, is_feature_code: Callable[[AuditContext, str], bool]) -> list[Evidence]:
    """Feature code that a scoring pipeline and a training pipeline both run."""
    pipelines = pipelines_by_files(ctx)
    training = {label: files for label, files in pipelines.items() if _TRAINING.search(label)}
    scoring = {label: files for label, files in pipelines.items() if label not in training and _SCORING.search(label)}
    found = []
    for score_label, score_files in sorted(scoring.items()):
        scored = import_closure(ctx, sorted(score_files), depth=2)
        for train_label, train_files in sorted(training.items()):
            trained = import_closure(ctx, sorted(train_files), depth=2)
            shared = sorted(p for p in set(scored) & set(trained) if not p.endswith("__init__.py"))
            shared = [p for p in shared if is_feature_code(ctx, p)]
            if shared:
                found.append(
                    Evidence(
                        shared[0],
                        None,
                        f"feature code shared by pipelines: {score_label} and {train_label} both run it",
                    )
                )
                break
        if found:
            break
    return found


def served_fitted_transformer(ctx: AuditContext) -> list[Evidence]:
    """A server that loads an artifact and calls `.transform` on it, where training fits and saves."""
    serving = ctx.fact(serving_files)
    if not serving:
        return []
    for path in import_closure(ctx, sorted(serving), depth=1):
        facts = ctx.python.facts(path)
        if facts is None:
            continue
        load = next((c for c in facts.calls if _LOADS.search(c.name)), None)
        transform = next((c for c in facts.calls if c.name.rsplit(".", 1)[-1] == "transform"), None)
        if not (load and transform):
            continue
        training = list(ctx.fact(training_files))
        fitted = [p for p in grep_code(ctx, _FIT, training) if p in set(grep_code(ctx, _SAVE, training))]
        if not fitted:
            return []
        # prefer the training file that fits a transformer (fit_transform) over the model's trainer
        trainer = next(iter(grep_code(ctx, _FIT_TRANSFORM, fitted)), fitted[0])
        return [
            Evidence(
                path,
                transform.line,
                f"serving applies a fitted transformer it loads ({load.name}, line {load.line}); "
                f"training fits and saves it ({trainer})",
            )
        ]
    return []
