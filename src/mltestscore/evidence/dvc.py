"""DVC pipelines read as plain data: dvc.yaml stages, dvc.lock, .dvc files, params files.

No `dvc` import: the formats are YAML (and INI for .dvc/config), and a static comparison of
dvc.lock with dvc.yaml and params.yaml answers "is the lock in sync".
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from mltestscore.evidence.ci import line_of, split_commands
from mltestscore.index.parsed import Parsed


@dataclass
class DvcStage:
    name: str
    path: str  # the dvc.yaml holding it
    line: int | None
    commands: list[str]
    wdir: str  # folder commands run in, relative to the repo root
    deps: list[str] = field(default_factory=list)
    outs: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    plots: list[str] = field(default_factory=list)
    frozen: bool = False


@dataclass
class DvcProject:
    pipelines: list[str]  # dvc.yaml files
    stages: list[DvcStage]
    locks: dict[str, dict]  # dvc.lock path -> stages mapping
    tracked: list[str]  # *.dvc files
    params_files: list[str]
    has_remote: bool
    out_of_sync: list[str]  # stage names whose lock entry differs from dvc.yaml or params

    @property
    def present(self) -> bool:
        return bool(self.pipelines or self.tracked)


def _items(value: Any) -> list:
    """A DVC list field (a single string is a one-item list); anything else is empty."""
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else []


def _paths(items: Any) -> list[str]:
    paths = []
    for item in _items(items):
        if isinstance(item, str):
            paths.append(item)
        elif isinstance(item, dict):
            paths.extend(str(k) for k in item)
    return paths


def _param_keys(items: Any) -> list[str]:
    keys = []
    for item in _items(items):
        if isinstance(item, str):
            keys.append(item)
        elif isinstance(item, dict):
            for file, names in item.items():
                keys.extend(f"{file}:{n}" for n in _items(names) if isinstance(n, str))
    return keys


def _stage_variants(name: str, body: dict) -> list[tuple[str, dict]]:
    """Expands foreach/matrix into the names DVC gives them (values left templated)."""
    if "foreach" in body and isinstance(body.get("do"), dict):
        items = body["foreach"]
        keys = list(items) if isinstance(items, (dict, list)) else ["${item}"]
        return [(f"{name}@{k if isinstance(k, (str, int, float)) else i}", body["do"]) for i, k in enumerate(keys)]
    if isinstance(body.get("matrix"), dict):
        return [(f"{name}@matrix", body)]
    return [(name, body)]


def parse_dvc_yaml(path: str, data: Any, text: str | None) -> list[DvcStage]:
    stages: list[DvcStage] = []
    if not isinstance(data, dict) or not isinstance(data.get("stages"), dict):
        return stages
    base = posixpath.dirname(path)
    for name, body in data["stages"].items():
        if not isinstance(body, dict):
            continue
        for full_name, spec in _stage_variants(str(name), body):
            wdir = _join(base, str(spec.get("wdir", ".")))
            stages.append(
                DvcStage(
                    name=full_name,
                    path=path,
                    line=line_of(text, f"{name}:"),
                    commands=split_commands(spec.get("cmd")),
                    wdir=wdir,
                    deps=_paths(spec.get("deps")),
                    outs=_paths(spec.get("outs")),
                    params=_param_keys(spec.get("params")),
                    metrics=_paths(spec.get("metrics")),
                    plots=_paths(spec.get("plots")),
                    frozen=bool(spec.get("frozen")),
                )
            )
    return stages


def _join(base: str, relative: str) -> str:
    joined = posixpath.normpath(posixpath.join(base, relative))
    return "" if joined == "." else joined


def _lookup(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


_MISSING = object()


def _out_of_sync(parsed: Parsed, stages: list[DvcStage], locks: dict[str, dict]) -> list[str]:
    drifted = []
    for stage in stages:
        lock_path = posixpath.join(posixpath.dirname(stage.path), "dvc.lock")
        lock = locks.get(lock_path)
        if lock is None or "${" in stage.name or "@" in stage.name:
            continue
        entry = lock.get(stage.name)
        if not isinstance(entry, dict):
            drifted.append(stage.name)
            continue
        if split_commands(entry.get("cmd")) != stage.commands:
            drifted.append(stage.name)
            continue
        params_entry = entry.get("params")
        for file, values in params_entry.items() if isinstance(params_entry, dict) else []:
            params = parsed.yaml(_join(stage.wdir, str(file))) if str(file).endswith((".yaml", ".yml")) else None
            if not isinstance(values, dict) or params is None:
                continue
            if any(_lookup(params, key) != value for key, value in values.items()):
                drifted.append(stage.name)
                break
    return drifted


def read_dvc(parsed: Parsed) -> DvcProject:
    files = parsed.files
    pipelines = files.named("dvc.yaml")
    stages: list[DvcStage] = []
    for path in pipelines:
        try:
            stages.extend(parse_dvc_yaml(path, parsed.yaml(path), files.text(path)))
        except Exception as error:  # a shape the parser did not foresee: skip it, keep auditing
            parsed.warn(path, f"DVC pipeline of an unexpected shape ({type(error).__name__}); skipped")
    locks: dict[str, dict] = {}
    for path in files.named("dvc.lock"):
        data = parsed.yaml(path)
        if isinstance(data, dict) and isinstance(data.get("stages"), dict):
            locks[path] = data["stages"]
    tracked = files.with_suffix(".dvc")
    has_remote = False
    if ".dvc/config" in files:
        config = parsed.ini(".dvc/config")
        has_remote = config is not None and any(s.strip("'\"").startswith("remote") for s in config.sections())
    return DvcProject(
        pipelines=pipelines,
        stages=stages,
        locks=locks,
        tracked=[t for t in tracked if not t.startswith(".dvc/")],
        params_files=files.named("params.yaml", "params.yml"),
        has_remote=has_remote,
        out_of_sync=_out_of_sync(parsed, stages, locks),
    )
