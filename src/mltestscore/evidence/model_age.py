"""The model artifacts a repository versions, and how long ago each last changed (monitor-4).

An artifact is whatever git records when a new model ships: a model file committed (or its LFS
pointer), a DVC pointer (`models/model.pkl.dvc`), the hash of a model output in `dvc.lock`, or a
registry pin in a deployment config (`storageUri: s3://.../v12`, `models:/churn/3`). For the last
two the age is when the *value* last changed, not when the file was last touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from mltestscore.evidence.configs import search_configs
from mltestscore.evidence.history import LastChange, read_history
from mltestscore.index.parsed import load_yaml_text

MODEL_SUFFIXES = (
    ".pt",
    ".pth",
    ".onnx",
    ".h5",
    ".hdf5",
    ".keras",
    ".safetensors",
    ".ckpt",
    ".tflite",
    ".joblib",
    ".mlmodel",
    ".cbm",
    ".ubj",
)
AMBIGUOUS_SUFFIXES = (".pkl", ".pickle", ".bin", ".model", ".sav")  # data too: need a model-ish name
_MODEL_NAME = re.compile(r"model|clf|classifier|regressor|estimator|checkpoint|weights|saved_model", re.I)
_NOT_SHIPPED = re.compile(r"(^|/)(tests?|docs?|examples?|fixtures?|testdata|notebooks?)/")
_TRAIN_STAGE = re.compile(r"train|fit|model", re.I)
PIN_KEYS = (
    r"storageUri|storage_uri|model_uri|modelUri|model_data|ModelDataUrl|model_version|modelVersion|"
    r"MODEL_VERSION|MODEL_URI|registered_model_version"
)
_PIN = re.compile(rf"\b({PIN_KEYS})\b['\"]?\s*[:=]\s*['\"]?([^\s'\",}}]+)")
_VERSIONED = re.compile(r"models:/[^/\s]+/\d+|/v\d+(\b|/)|[:@]v?\d+(\.\d+)*$|\d{4}-?\d{2}-?\d{2}|^v?\d+(\.\d+)*$")
MAX_VALUE_ARTIFACTS = 12  # each may read up to MAX_VALUE_READS old versions of its file
MAX_FILE_ARTIFACTS = 500  # a dictionary lookup each


@dataclass(frozen=True)
class ModelArtifact:
    path: str  # the git-tracked file whose history gives the age
    line: int | None
    what: str  # "model file", "DVC output models/model.joblib of stage 'train'", ...
    value: Callable[[str], Hashable] | None = None  # the part of the file that must change


@dataclass(frozen=True)
class ArtifactAge:
    artifact: ModelArtifact
    change: LastChange


def is_model_path(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    if name == "saved_model.pb" or path.endswith(MODEL_SUFFIXES):
        return True
    return path.endswith(AMBIGUOUS_SUFFIXES) and bool(_MODEL_NAME.search(path))


def model_artifacts(ctx) -> list[ModelArtifact]:
    """Versioned model artifacts, strongest signal first (use through ctx.fact)."""
    found: list[ModelArtifact] = []
    for lock_path, stages in ctx.dvc.locks.items():
        for stage, entry in stages.items():
            for out in (entry.get("outs") or []) if isinstance(entry, dict) else []:
                out_path = out.get("path") if isinstance(out, dict) else None
                if isinstance(out_path, str) and (is_model_path(out_path) or _modelish_out(str(stage), out_path)):
                    found.append(
                        ModelArtifact(
                            lock_path,
                            None,
                            f"DVC output {out_path} of stage '{stage}'",
                            _lock_hash(str(stage), out_path),
                        )
                    )
    for pointer in ctx.dvc.tracked:
        data = ctx.parsed.yaml(pointer)
        outs = data.get("outs") if isinstance(data, dict) else None
        paths: list[str] = [o["path"] for o in outs or [] if isinstance(o, dict) and isinstance(o.get("path"), str)]
        if any(is_model_path(p) or _MODEL_NAME.search(p) for p in paths) and not _NOT_SHIPPED.search(pointer):
            found.append(ModelArtifact(pointer, None, f"DVC-tracked model {', '.join(paths[:2])}"))
    for hit in search_configs(ctx, _PIN.pattern):
        match = _PIN.search(hit.text)
        if match and _VERSIONED.search(match.group(2)) and not hit.path.startswith(".github/"):
            found.append(
                ModelArtifact(
                    hit.path, hit.line, f"registry pin {match.group(1)}: {match.group(2)}", _pin_values(match.group(1))
                )
            )
    found = found[:MAX_VALUE_ARTIFACTS]
    files = [p for p in ctx.files if is_model_path(p) and not _NOT_SHIPPED.search(p)]
    return found + [ModelArtifact(p, None, "model file in git") for p in files[:MAX_FILE_ARTIFACTS]]


def artifact_ages(ctx) -> list[ArtifactAge]:
    """Each model artifact with its last change, freshest first; empty without history."""
    history = ctx.fact(read_history)
    if not history.available:
        return []
    ages = []
    for artifact in ctx.fact(model_artifacts):
        change = history.last_change(artifact.path, artifact.value)
        if change is not None:
            ages.append(ArtifactAge(artifact, change))
    return sorted(ages, key=lambda a: (a.change.age_days, not a.change.exact))


def _modelish_out(stage: str, out_path: str) -> bool:
    """A training stage's non-data output, or any output under a models/ folder."""
    if re.search(r"(^|/)(models?|checkpoints?|artifacts/model)(/|$)", out_path):
        return True
    return bool(_TRAIN_STAGE.search(stage)) and not re.search(r"\.(csv|parquet|json|txt|tsv|png|html|md)$", out_path)


def _lock_hash(stage: str, out_path: str) -> Callable[[str], Hashable]:
    def value(text: str) -> Hashable:
        data = load_yaml_text(text)
        entry = ((data or {}).get("stages") or {}).get(stage) or {}
        for out in entry.get("outs") or []:
            if isinstance(out, dict) and out.get("path") == out_path:
                return out.get("md5") or out.get("etag") or out.get("checksum") or out.get("hash")
        return None

    return value


def _pin_values(key: str) -> Callable[[str], Hashable]:
    pattern = re.compile(rf"\b{re.escape(key)}\b['\"]?\s*[:=]\s*['\"]?([^\s'\",}}]+)")

    def value(text: str) -> Hashable:
        return tuple(pattern.findall(text)) or None

    return value
