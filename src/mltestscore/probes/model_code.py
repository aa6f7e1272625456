"""Which project modules hold model code: a class with a model base (nn.Module, LightningModule,
keras Model, BaseEstimator ...) or a model/training module name. Shared by infra-2 and model-1;
moved here from checks/infra.py so that no section imports another's module."""

from __future__ import annotations

import re
from functools import partial

from mltestscore.context import AuditContext
from mltestscore.evidence.perfile import per_outline
from mltestscore.evidence.python import ModuleFacts, names
from mltestscore.evidence.record_classes import records_only
from mltestscore.evidence.sources import project_sources

_MODEL_PATH = re.compile(
    r"(^|/|_)(models?|modell?ing|train(ing|er)?|networks?|nets?|arch\w*|estimators?|layers?|modules?)(/|\.py$|_)", re.I
)


MODEL_BASES = names(
    "torch.nn.Module",
    "lightning.LightningModule",
    "pytorch_lightning.LightningModule",
    "tensorflow.keras.Model",
    "keras.Model",
    "flax.linen.Module",
    "sklearn.base.BaseEstimator",
    "transformers.PreTrainedModel",
)


_MODEL_BASE_LEAVES = {b.rsplit(".", 1)[-1] for b in MODEL_BASES} - {"Module"}


def _is_model_base(base: str) -> bool:
    """nn.Module / LightningModule / keras Model ... (a bare `Module` is too vague to count)."""
    return base in MODEL_BASES or base.endswith("nn.Module") or base.rsplit(".", 1)[-1] in _MODEL_BASE_LEAVES


def model_modules(ctx: AuditContext) -> dict[str, str]:
    """Project modules holding model code: path -> why (a model class, or the module's name).
    Computed once per audit (infra-2 and model-1 ask); callers must not change it."""
    return ctx.fact(_model_modules)


def _model_modules(ctx: AuditContext) -> dict[str, str]:
    sources = [p for p in project_sources(ctx) if p.endswith(".py")]
    named = [path for path in sources if _MODEL_PATH.search(path)]
    # A name is a lead: a models.py of HTTP request/response records is no ML model code.
    found = {
        path: "model/training module"
        for path in named
        if not records_only(ctx.python.outline(path), partial(ctx.python.code, path))
    }
    for path, name in per_outline(
        ctx, "model-class:1", ctx.python.candidates(MODEL_BASES, sources), _first_model_class
    ):
        if name:
            found[path] = f"defines model class {name}"
    return found


def _first_model_class(outline: ModuleFacts) -> str:
    """The first class with a model base ("" when none)."""
    return next((name for name, bases, _ in outline.classes if any(_is_model_base(b) for b in bases)), "")
