"""Probes: small named findings that checks combine into points.

A probe answers one question about the repository ("do tests import the feature code?", "is there
a metric gate, and does a pipeline run it?") with a ProbeResult: its outcome, the evidence (files
and lines) and the runner that makes it automatic, if any. Probes read facts (index, evidence,
wiring) and never score: a check turns one or more probe results into 0 / 0.5 / 1, so the same
finding serves several sections and is tested alone (`mltestscore.probes.testing.compute_probe`).

Layering: index → facts (evidence, wiring, context) → probes → checks → scoring → reports → cli;
tests/test_layers.py fails on an import that points up.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, ClassVar

from mltestscore.results import Evidence

if TYPE_CHECKING:
    from mltestscore.context import AuditContext
    from mltestscore.evidence.sources import Artifact

# Outcomes: found and run on its own / found, run only by a person (or nothing runs it) / not found.
AUTOMATED, MANUAL, ABSENT = "automated", "manual", "absent"
# Modules whose import registers the built-in probes (named here, not found by import side effects).
BUILTIN_MODULES = ("mltestscore.probes.tests_import", "mltestscore.probes.metric_gate")


@dataclass(frozen=True)
class ProbeResult:
    name: str
    outcome: str  # AUTOMATED | MANUAL | ABSENT
    evidence: tuple[Evidence, ...] = ()
    runner: str | None = None  # what runs the first automated artifact, described

    @property
    def found(self) -> bool:
        return self.outcome != ABSENT


class Probe:
    name: ClassVar[str]
    description: ClassVar[str] = ""
    # Words the probe asks the word index for (dotted names, identifier parts): the scan vocabulary
    # (mltestscore/vocabulary.py) takes them from the registry, whatever was imported first.
    names: ClassVar[tuple[str, ...]] = ()
    parts: ClassVar[tuple[str, ...]] = ()

    def compute(self, ctx: AuditContext) -> ProbeResult:
        raise NotImplementedError

    def __call__(self, ctx: AuditContext) -> ProbeResult:
        """Computed once per audit (ctx.fact keys on the probe's class)."""
        return ctx.fact(type(self)._fact)

    @classmethod
    def _fact(cls, ctx: AuditContext) -> ProbeResult:
        return cls().compute(ctx)


_REGISTRY: dict[str, type[Probe]] = {}


def register(cls: type[Probe]) -> type[Probe]:
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two probes are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def all_probes() -> dict[str, type[Probe]]:
    for module in BUILTIN_MODULES:
        import_module(module)
    return dict(_REGISTRY)


def probe(name: str) -> Probe:
    probes = all_probes()
    if name not in probes:
        raise KeyError(f"unknown probe {name!r}; probes are {', '.join(sorted(probes))}")
    return probes[name]()


def result_from_artifacts(ctx: AuditContext, name: str, artifacts: list[Artifact]) -> ProbeResult:
    """The common reading: an artifact an automatic runner reaches makes the outcome automated."""
    if not artifacts:
        return ProbeResult(name, ABSENT)
    evidence, runner = [], None
    for artifact in artifacts:
        runners = [r for r in ctx.wiring.runners_for(artifact.path) if r.automatic]
        described = runners[0].describe() if runners else None
        runner = runner or described
        evidence.append(Evidence(artifact.path, artifact.line, artifact.detail, described))
    evidence.sort(key=lambda e: e.runner is None)  # run ones first
    return ProbeResult(name, AUTOMATED if runner else MANUAL, tuple(evidence), runner)
