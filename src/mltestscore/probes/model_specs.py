"""Model specifications beyond config files (model-1): pipeline definitions in code, spaCy training
configs, and which by-name "model modules" really hold model code.

A Kubeflow/Vertex, SageMaker, Azure ML or Airflow pipeline definition checked into the repository is
the specification of how every model is built (its components, their parameters, their order), so it
is a versioned model spec like a params.yaml. A spaCy `config.cfg` with a `[training]` section is the
whole model definition. A module that is called `modeling/train.py` but imports no ML library (a
project template's placeholder) is not model code.
"""

from __future__ import annotations

import ast
import re

from mltestscore.context import AuditContext
from mltestscore.evidence.modelspec import HYPERPARAMETER_KEYS, SpecFile
from mltestscore.evidence.perfile import grep_code
from mltestscore.evidence.prefilters import passing, prefilter

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


# A typed config class: pydantic models/settings, dataclasses, attrs classes.
_CONFIG_CLASS = re.compile(
    rb"^\s*(class\s+\w+\s*\([^)]*\b(BaseModel|BaseSettings)\b|@(dataclasses\.)?dataclass\b|@(attr\.)?(s|define|frozen)\b)",
    re.M,
)
_CONFIG_CLASS_FILES = prefilter("project", re.compile(rb"BaseModel|BaseSettings|dataclass|@attr|@define|@frozen"))
_HYPERPARAMETER = re.compile(rb"\b(" + b"|".join(k.encode() for k in sorted(HYPERPARAMETER_KEYS)) + rb")\b")
_CONFIG_BASES = frozenset({"BaseModel", "BaseSettings"})


def _is_config_class(node: ast.ClassDef) -> bool:
    bases = {b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases}
    decorators = {(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}
    names = {d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", "") for d in decorators}
    return bool(bases & _CONFIG_BASES) or bool(names & {"dataclass", "define", "frozen", "s"})


def _class_hyperparameters(node: ast.ClassDef, config_classes: set[str]) -> set[str]:
    """Hyperparameters a class names as its fields or as keys of its default dicts."""
    if not (_is_config_class(node) or {getattr(b, "id", "") for b in node.bases} & config_classes):
        return set()
    found = set()
    for child in ast.walk(node):
        if isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name):
            found.add(child.target.id)
        elif isinstance(child, ast.Dict):
            found |= {k.value for k in child.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return found & HYPERPARAMETER_KEYS


def code_specs(ctx: AuditContext, limit: int = 3) -> list[SpecFile]:
    """Model specs written as typed config classes (pydantic, dataclass, attrs) whose fields or default
    dicts name hyperparameters: versioned, validated model specifications in code."""
    found: list[SpecFile] = []
    candidates = grep_code(ctx, _CONFIG_CLASS, passing(ctx, _CONFIG_CLASS_FILES))
    for path in grep_code(ctx, _HYPERPARAMETER, candidates):
        tree = ctx.parsed.python(path)
        if tree is None:
            continue
        classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
        config_classes = {n.name for n in classes if _is_config_class(n)}
        for node in classes:
            keys = _class_hyperparameters(node, config_classes)
            if len(keys) >= 2:
                what = f"model spec class {node.name} ({', '.join(sorted(keys)[:4])})"
                found.append(SpecFile(path, node.lineno, what, len(keys)))
                break
        if len(found) >= limit:
            break
    return found


# Component and job specs of ML platforms, as YAML: Azure ML (`$schema: .../commandComponent.schema.json`,
# pipelineJob) and Kubeflow component specs (`implementation: container:`).
_PLATFORM_SPEC = re.compile(rb"^\$schema:\s*\S*azureml\S*(Component|Job)\.schema\.json|^implementation:\s*$", re.M)


def component_specs(ctx: AuditContext, limit: int = 2) -> list[SpecFile]:
    """Versioned platform component/job specs: each says what a pipeline step runs, with which inputs."""
    found: list[SpecFile] = []
    for path in ctx.files.grep(_PLATFORM_SPEC, ctx.files.with_suffix(".yml", ".yaml")):
        data = ctx.parsed.yaml(path)
        if not isinstance(data, dict):
            continue
        if "azureml" in str(data.get("$schema", "")) and (data.get("command") or data.get("jobs")):
            what = f"Azure ML {data.get('type', 'component')} spec '{data.get('name', path)}' versioned"
        elif isinstance(data.get("implementation"), dict) and "container" in data["implementation"]:
            what = f"Kubeflow component spec '{data.get('name', path)}' versioned"
        else:
            continue
        found.append(SpecFile(path, 1, what))
        if len(found) >= limit:
            break
    return found


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
