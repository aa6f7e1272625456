"""Declarative feature definitions beyond YAML feature lists (data-6).

- SageMaker Feature Store feature group configs: JSON with `FeatureDefinitions`, one entry per feature;
- SageMaker Data Wrangler flows (`*.flow`): the feature transformations as a JSON graph of nodes;
- feature columns listed in JSON configs, and keys that put the kind last (`time_columns_categorical`);
- feature SQL tasks declared as config entries (a DAG builder turns each entry into a task), where
  a new feature is a new entry and a SQL file.
Each makes a new feature one declared entry: the manual level of data-6.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_KIND = r"categorical|numeric|numerical|cat|num|text|date|time|boolean|binary"
# a feature list whose key ends with its kind: time_columns_categorical, feature_cols_numeric
_KIND_LAST_KEY = re.compile(rf"^\w*(features?|col|cols|columns)_({_KIND})$", re.I)
_FEATURE_LIST_KEY = re.compile(
    rf"^(features?|feature_(list|columns|cols|names|set)|({_KIND})_(features|cols|columns)|"
    rf"(input|model|selected|used)_features)$",
    re.I,
)
_SQL_KEYS = frozenset({"sql_file", "sql", "query", "query_file", "sql_path"})
_NAME_KEYS = ("task_id", "name", "destination_table", "table", "id")
_JSON_PREFILTER = re.compile(rb"FeatureDefinitions|_(col|cols|columns)_|features?[\"']?\s*:")
_SQL_PREFILTER = re.compile(rb"(?m)^\s*-?\s*(sql_file|sql|query|query_file|sql_path)\s*:")
_MAX_BYTES = 200_000
_NOT_CONFIG = re.compile(r"(^|/)(\.github|node_modules|\.vscode|docs?)/|(^|/)(package(-lock)?|tsconfig)\.json$")


@dataclass(frozen=True)
class FeatureDecl:
    path: str
    line: int | None
    detail: str


def feature_declarations(ctx) -> list[FeatureDecl]:
    """Feature group configs, Data Wrangler flows, JSON/kind-last feature lists, feature SQL tasks."""
    found: list[FeatureDecl] = []
    for path in ctx.files.with_suffix(".flow"):
        data = ctx.parsed.json(path)
        nodes = data.get("nodes") if isinstance(data, dict) else None
        if isinstance(nodes, list) and any(isinstance(n, dict) and n.get("type") == "TRANSFORM" for n in nodes):
            steps = sum(1 for n in nodes if isinstance(n, dict) and n.get("type") == "TRANSFORM")
            found.append(FeatureDecl(path, None, f"Data Wrangler flow ({steps} transform steps)"))
    jsons = [p for p in ctx.files.with_suffix(".json") if not _NOT_CONFIG.search(p)]
    for path in ctx.files.grep(_JSON_PREFILTER, jsons):
        if len(ctx.files.read_bytes(path) or b"") <= _MAX_BYTES:  # a data file, not a config
            found += _json_declarations(path, ctx.parsed.json(path))
    yamls = [p for p in ctx.files.with_suffix(".yaml", ".yml") if not _NOT_CONFIG.search(p)]
    for path in ctx.files.grep(_SQL_PREFILTER, yamls):
        tasks = _feature_sql_tasks(ctx.parsed.yaml(path))
        if tasks >= 2:
            found.append(FeatureDecl(path, None, f"{tasks} feature SQL tasks declared as config entries"))
    for path in ctx.files.grep(re.compile(rb"_(col|cols|columns|features?)_"), yamls):
        found += _kind_last_lists(path, ctx.parsed.yaml(path))
    return found


def _json_declarations(path: str, data: Any) -> list[FeatureDecl]:
    if not isinstance(data, dict):
        return []
    definitions = data.get("FeatureDefinitions")
    if isinstance(definitions, list) and sum(isinstance(d, dict) and "FeatureName" in d for d in definitions) >= 2:
        name = data.get("FeatureGroupName", "")
        return [FeatureDecl(path, None, f"feature group config '{name}' ({len(definitions)} feature definitions)")]
    return _kind_last_lists(path, data, json_lists=True)


def _kind_last_lists(path: str, data: Any, json_lists: bool = False) -> list[FeatureDecl]:
    found = []
    for key, value in _walk(data, "", 0):
        leaf = key.rsplit(".", 1)[-1]
        wanted = _KIND_LAST_KEY.match(leaf) or (json_lists and _FEATURE_LIST_KEY.match(leaf))
        if wanted and isinstance(value, list) and len(value) >= 2 and all(isinstance(v, str) for v in value):
            found.append(FeatureDecl(path, None, f"feature list '{key}' ({len(value)} entries) in config"))
    return found[:1]


def _feature_sql_tasks(data: Any) -> int:
    """The largest list of entries that each run a SQL file and name a feature table or task."""
    best = 0
    for _, value in _walk(data, "", 0):
        if not isinstance(value, list):
            continue
        tasks = [
            v
            for v in value
            if isinstance(v, dict)
            and _SQL_KEYS & set(v)
            and any("feature" in str(v.get(k, "")).lower() for k in _NAME_KEYS)
        ]
        best = max(best, len(tasks))
    return best


def _walk(data: Any, prefix: str, depth: int):
    if not isinstance(data, dict) or depth > 4:
        return
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        yield dotted, value
        yield from _walk(value, dotted, depth + 1)
