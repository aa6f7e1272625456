"""Serving rollouts read as data, for infra-6 (canary) and infra-7 (rollback): which config splits
traffic, and whether something checks the new model automatically before it takes all of it.

- Argo Rollouts `kind: Rollout`: canary `steps` (setWeight/pause) are checked when a step or the
  strategy runs an `analysis` (or blueGreen `prePromotionAnalysis`/`postPromotionAnalysis`);
  `pause: {}` with no analysis is a person promoting (RUBRIC.md: a gradual rollout without checks).
- Flagger `kind: Canary`: `analysis.metrics` with `thresholdRange` (or webhooks) check each step;
  a failed analysis rolls back.
- Seldon `SeldonDeployment` predictors with `traffic` weights; SageMaker `ProductionVariants`
  with `InitialVariantWeight` (CloudFormation): a split with no check of its own.
- TF Serving `model_version_policy`/`version_labels`, Triton `version_policy`: several versions
  served at once, so moving back is a config change (infra-7).
checks/infra.py finds these by config searches today; this reader gives the finer reading (checked
or not) for the checks to use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mltestscore.evidence.ci import line_of


@dataclass(frozen=True)
class Rollout:
    path: str
    line: int | None
    system: str  # argo-rollouts | flagger | seldon | sagemaker | tf-serving | triton
    detail: str
    split: bool  # sends a slice of traffic to the new model
    checked: bool  # an automatic analysis decides promotion (or rollback)
    versions: bool = False  # several model versions served at once


_VERSIONS = re.compile(r"\bmodel_version_policy\b|\bversion_labels\b|^\s*version_policy\s*:", re.M)


def rollouts(ctx) -> list[Rollout]:
    return ctx.fact(_rollouts)


def _rollouts(ctx) -> list[Rollout]:
    found: list[Rollout] = []
    for path in ctx.files.with_suffix(".yaml", ".yml"):
        text = ctx.files.text(path) or ""
        if "kind:" in text and re.search(r"^kind:\s*(Rollout|Canary|SeldonDeployment)\b", text, re.M):
            for document in _documents(text):
                found += _kubernetes(path, text, document)
        elif "ProductionVariants" in text:
            found += _sagemaker(path, text)
    for path in ctx.files.paths:
        name = path.rsplit("/", 1)[-1]
        if name == "config.pbtxt" or name.endswith((".config", ".pbtxt")):
            text = ctx.files.text(path) or ""
            match = _VERSIONS.search(text)
            if match:
                system = "triton" if name == "config.pbtxt" else "tf-serving"
                line = text.count("\n", 0, match.start()) + 1
                found.append(
                    Rollout(
                        path,
                        line,
                        system,
                        f"{system} serves several versions ({match.group(0).strip()})",
                        False,
                        False,
                        True,
                    )
                )
    return found


def _documents(text: str) -> list[dict]:
    """The manifests of a (multi-document) Kubernetes YAML file; a broken one is skipped."""
    from mltestscore.index.parsed import load_yaml_text

    found = []
    for chunk in re.split(r"^---\s*$", text, flags=re.M):
        try:
            document = load_yaml_text(chunk)
        except Exception:  # Helm templates and other non-YAML: parsed.py warns for whole files
            continue
        if isinstance(document, dict):
            found.append(document)
    return found


def _kubernetes(path: str, text: str, document: dict) -> list[Rollout]:
    kind = document.get("kind")
    spec: dict = document["spec"] if isinstance(document.get("spec"), dict) else {}
    name = (document.get("metadata") or {}).get("name", "") if isinstance(document.get("metadata"), dict) else ""
    line = line_of(text, f"kind: {kind}")
    if kind == "Rollout":
        strategy: dict = spec["strategy"] if isinstance(spec.get("strategy"), dict) else {}
        canary: dict | None = strategy["canary"] if isinstance(strategy.get("canary"), dict) else None
        if canary is not None:
            steps = [s for s in canary.get("steps") or [] if isinstance(s, dict)]
            checked = "analysis" in canary or any("analysis" in s for s in steps)
            weights = [str(s["setWeight"]) for s in steps if "setWeight" in s]
            what = f"Argo Rollouts canary {name} (weights {', '.join(weights) or '?'}%"
            what += ", analysis decides each step)" if checked else ", no analysis: a person promotes)"
            return [Rollout(path, line, "argo-rollouts", what, True, checked)]
        blue_green: dict = strategy["blueGreen"] if isinstance(strategy.get("blueGreen"), dict) else {}
        checked = "prePromotionAnalysis" in blue_green or "postPromotionAnalysis" in blue_green
        what = f"Argo Rollouts blue-green {name}" + (" with promotion analysis" if checked else "")
        return [Rollout(path, line, "argo-rollouts", what, False, checked)]
    if kind == "Canary" and str(document.get("apiVersion", "")).startswith("flagger.app"):
        analysis = spec.get("analysis") or spec.get("canaryAnalysis") or {}
        metrics = (
            [m for m in (analysis.get("metrics") or []) if isinstance(m, dict)] if isinstance(analysis, dict) else []
        )
        checked = any("thresholdRange" in m or "threshold" in m for m in metrics) or bool(
            isinstance(analysis, dict) and analysis.get("webhooks")
        )
        names = ", ".join(str(m.get("name")) for m in metrics)
        what = f"Flagger canary {name}" + (f" checked by {names}" if checked else " with no metric thresholds")
        return [Rollout(path, line, "flagger", what, True, checked)]
    if kind == "SeldonDeployment":
        predictors = [p for p in spec.get("predictors") or [] if isinstance(p, dict)]
        weights = [f"{p.get('name')} {p['traffic']}%" for p in predictors if "traffic" in p]
        shadow = any(p.get("shadow") for p in predictors)
        if weights or shadow:
            what = f"Seldon traffic split {name}: {', '.join(weights)}" + (" + shadow" if shadow else "")
            return [Rollout(path, line, "seldon", what, True, False)]
    return []


def _sagemaker(path: str, text: str) -> list[Rollout]:
    weights = re.findall(r"InitialVariantWeight\W+([0-9.]+)", text)
    if len(weights) < 2 and "ShadowProductionVariants" not in text:
        return []
    line = line_of(text, "ProductionVariants")
    what = f"SageMaker production variants weighted {' / '.join(weights)}"
    return [Rollout(path, line, "sagemaker", what, True, "AutoRollbackConfiguration" in text)]
