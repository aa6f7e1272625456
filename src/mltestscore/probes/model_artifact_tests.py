"""Tests that exercise the project's trained model rather than import its model code: they load the
model artifact the project versions (`from_pretrained("models")` with models.dvc, `joblib.load(
"models/clf.pkl")`, a DVC stage output) and assert on what it returns. Shared by infra-2.

A load of a name the project does not hold (`from_pretrained("distilbert-base-uncased")`, a hub
model) tests somebody else's model and does not count.
"""

from __future__ import annotations

import posixpath

from mltestscore.context import AuditContext
from mltestscore.evidence.promotion import MODEL_LOADS
from mltestscore.evidence.python import name_matches
from mltestscore.evidence.sources import Artifact


def tests_loading_model_artifacts(ctx: AuditContext) -> list[Artifact]:
    """Test files (with test functions) that load a model artifact the repository versions."""
    outputs = {posixpath.normpath(out) for stage in ctx.dvc.stages for out in stage.outs}
    found = []
    for path in ctx.python.candidates(MODEL_LOADS, list(ctx.tests.files)):
        facts = ctx.python.facts(path)
        if facts is None or not facts.test_functions():
            continue
        for call in facts.calls:
            if not any(name_matches(call.name, n) for n in MODEL_LOADS):
                continue
            target = next((a for a in call.args if isinstance(a, str)), None)
            if target and _versioned(ctx, target, outputs):
                found.append(Artifact(path, call.line, f"tests load the project's trained model `{target}`"))
                break
    return found


def _versioned(ctx: AuditContext, target: str, outputs: set[str]) -> bool:
    """Whether `target` names a model artifact the repository versions: a committed file, a DVC
    pointer (`models.dvc`), or a DVC stage output."""
    path = posixpath.normpath(target.removeprefix("./")).strip("/")
    if path in (".", "") or path.startswith(".."):
        return False
    return path in ctx.files or f"{path}.dvc" in ctx.files or path in outputs
