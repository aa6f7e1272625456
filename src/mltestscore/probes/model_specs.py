"""Model specifications beyond config files (model-1): pipeline definitions in code, spaCy training
configs, and which by-name "model modules" really hold model code.

A Kubeflow/Vertex, SageMaker, Azure ML or Airflow pipeline definition checked into the repository is
the specification of how every model is built (its components, their parameters, their order), so it
is a versioned model spec like a params.yaml. A spaCy `config.cfg` with a `[training]` section is the
whole model definition. A module that is called `modeling/train.py` but imports no ML library (a
project template's placeholder) is not model code.
"""

from __future__ import annotations

import re

from mltestscore.context import AuditContext
from mltestscore.evidence.modelspec import SpecFile
from mltestscore.evidence.perfile import grep_code

_SPACY_TRAINING = re.compile(rb"^\[training\]\s*$", re.M)
_SPACY_MODEL = re.compile(rb"^\[(components\.[\w.]+|nlp)\]\s*$", re.M)
# top-level packages whose import marks model code
ML_PACKAGES = frozenset(
    {
        "sklearn",
        "torch",
        "tensorflow",
        "keras",
        "xgboost",
        "lightgbm",
        "catboost",
        "transformers",
        "lightning",
        "pytorch_lightning",
        "jax",
        "flax",
        "statsmodels",
        "spacy",
        "prophet",
        "sagemaker",
        "mlflow",
        "optuna",
        "timm",
        "nnunetv2",
        "fastai",
        "gensim",
        "scipy",
    }
)


def pipeline_specs(ctx: AuditContext, limit: int = 2) -> list[SpecFile]:
    """Pipeline definitions in code (one per file): the versioned spec of how models are built."""
    seen: dict[str, SpecFile] = {}
    for pipeline in ctx.code_pipelines:
        if pipeline.path not in seen:
            seen[pipeline.path] = SpecFile(
                pipeline.path, pipeline.line, f"{pipeline.orchestrator} pipeline definition '{pipeline.name}' versioned"
            )
        if len(seen) >= limit:
            break
    return list(seen.values())


def spacy_configs(ctx: AuditContext) -> list[SpecFile]:
    """spaCy training configs: a `.cfg` with a [training] section and the pipeline's components."""
    found = []
    for path in ctx.files.grep(_SPACY_TRAINING, ctx.files.with_suffix(".cfg")):
        if _SPACY_MODEL.search(ctx.files.read_bytes(path) or b""):
            found.append(SpecFile(path, None, "spaCy training config ([nlp], [components], [training])", 5))
    return found


def holds_model_code(ctx: AuditContext, modules: dict[str, str]) -> list[str]:
    """The modules that are model code: a model class, or a model-named module importing an ML library."""
    named = [path for path, why in modules.items() if why == "model/training module"]
    importing = set(grep_code(ctx, _ML_IMPORT, named))
    return [path for path, why in modules.items() if why != "model/training module" or path in importing]


_ML_IMPORT = re.compile(rb"^\s*(from|import)\s+(" + b"|".join(p.encode() for p in sorted(ML_PACKAGES)) + rb")\b", re.M)
