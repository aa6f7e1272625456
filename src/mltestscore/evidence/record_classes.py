"""Modules named like model code that hold no ML model: only record classes (dataclasses, pydantic
models, TypedDicts, enums, ORM models) of an HTTP client, an API or a database.

infra-2 and model-1 find model code by what it does (a framework model class, fit/predict, a
training loop); a file name (`models.py`) is a lead, not proof. A lead is dropped when the module is
nothing but records: every class a record, every function a method of one, no ML library imported
and no method that trains or predicts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mltestscore.evidence.python import ModuleFacts

_ML_IMPORTS = (
    "torch",
    "tensorflow",
    "keras",
    "sklearn",
    "xgboost",
    "lightgbm",
    "catboost",
    "jax",
    "flax",
    "transformers",
    "statsmodels",
    "mlflow",
    "onnx",
    "onnxruntime",
    "lightning",
    "pytorch_lightning",
    "prophet",
    "joblib",
)
_RECORD_BASES = {
    "BaseModel",
    "TypedDict",
    "NamedTuple",
    "Enum",
    "IntEnum",
    "StrEnum",
    "Flag",
    "Model",  # django.db.models.Model, peewee, tortoise
    "SQLModel",
    "Base",
    "DeclarativeBase",
    "Document",
    "EmbeddedDocument",
    "Schema",
    "Struct",
    "Serializer",
    "ModelSerializer",
    "Exception",
    "object",
}
_RECORD_DECORATOR = re.compile(
    rb"(?m)^\s*@(dataclasses\.)?dataclass\b|^\s*@(attr\.s|attrs\.define|define|frozen|attr\.attrs)\b"
)
_ML_METHOD = re.compile(r"^(fit|predict\w*|forward|train\w*|training_step|validation_step|evaluate|score|call|build)$")


def records_only(outline: ModuleFacts, code: Callable[[], bytes]) -> bool:
    """True when the module defines only record classes and imports no ML library (`code` gives the
    module's code, read only when the outline leaves the question open)."""
    if not outline.classes:
        return False
    if any(imported.split(".")[0] in _ML_IMPORTS for imported in outline.imports):
        return False
    class_names = {name for name, _, _ in outline.classes}
    for name, _ in outline.functions:
        owner, _, leaf = name.rpartition(".")
        if not owner or owner not in class_names or _ML_METHOD.match(leaf):
            return False
    decorated = bool(_RECORD_DECORATOR.search(code()))
    for _, bases, _ in outline.classes:
        leaves = {b.rsplit(".", 1)[-1] for b in bases}
        if not leaves and not decorated:
            return False
        if leaves and not leaves <= _RECORD_BASES and not decorated:
            return False
    return True
