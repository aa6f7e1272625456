"""Helm-templated values resolved from the chart's values.yaml, and whether anything deploys the chart.

`weight: {{ .Values.weight.canary }}` in `charts/x/templates/virtualservice.yaml` reads 10 from
`charts/x/values.yaml`. A chart counts as deployed when a CI/CD command installs or upgrades it
(`helm upgrade --install`, helmfile), or an Argo CD Application or Flux HelmRelease in the repo
points at it; otherwise it is a config a person applies (RUBRIC: 0.5).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from mltestscore.evidence.configs import search_configs

_VALUE_REF = re.compile(r"\{\{-?\s*\.Values\.([\w.]+)\s*-?\}\}")
_DEPLOY = re.compile(r"\bhelm\s+(upgrade|install)\b|\bhelmfile\b|\bskaffold\s+(run|deploy)\b")


@dataclass(frozen=True)
class TemplatedValue:
    path: str  # the template
    line: int
    text: str
    chart: str  # the chart's folder
    key: str
    value: object


def templated_values(ctx, key_pattern: str) -> list[TemplatedValue]:
    """Template lines `<key>: {{ .Values.x.y }}` (key_pattern: a regex for the key) with the value resolved."""
    found = []
    pattern = rf"^\s*(- )?({key_pattern})\s*:\s*\{{\{{-?\s*\.Values\."
    for hit in search_configs(ctx, pattern, (".yaml", ".yml", ".tpl")):
        chart = _chart_of(ctx, hit.path)
        ref = _VALUE_REF.search(hit.text)
        if chart is None or ref is None:
            continue
        values = ctx.parsed.yaml(posixpath.join(chart, "values.yaml")) if chart is not None else None
        value: object = values
        for part in ref.group(1).split("."):
            value = value.get(part) if isinstance(value, dict) else None
        found.append(TemplatedValue(hit.path, hit.line, hit.text, chart, ref.group(1), value))
    return found


def _chart_of(ctx, path: str) -> str | None:
    folder = posixpath.dirname(path)
    while folder:
        if posixpath.join(folder, "Chart.yaml") in ctx.files:
            return folder
        folder = posixpath.dirname(folder)
    return "" if "Chart.yaml" in ctx.files else None


def chart_deployment(ctx, chart: str):
    """The runner that deploys the chart automatically (None when nothing in the repo does)."""
    name = posixpath.basename(chart) or chart
    for command in ctx.wiring.find(_DEPLOY):
        if command.runner.automatic and (name in command.command or "helmfile" in command.command):
            return command.runner
    for hit in search_configs(ctx, rf"^\s*(path|chart)\s*:\s*['\"]?\.?/?{re.escape(chart)}['\"]?\s*$"):
        if hit.path != posixpath.join(chart, "Chart.yaml"):
            return hit.path
    return None
