"""infra-1 judged by what the code does.

- A seed call guarded by the config (`if cfg.get("seed"): seed_everything(cfg.seed)`) seeds nothing
  when the repository's default config turns it off (`seed: null`): it is no seed.
- A reproducibility test reproduces *training* only when it runs training (a fit/train entry, a
  Trainer, the training script) twice: a seeded forward pass or one training step compared with
  itself is a determinism check of the model, not a reproduced training run.
"""

from __future__ import annotations

import ast
import re

from mltestscore.context import AuditContext
from mltestscore.evidence.perfile import per_file
from mltestscore.evidence.python import parts
from mltestscore.evidence.sources import Artifact

SEED_PARTS = parts("seed", "random")
# a seed given as a number to any call or in a parameter dict: random_state=42, seed=0, "seed": 7
_SEED_SETTING = re.compile(rb"""(?<![\w.])["']?(random_state|random_seed|seed)["']?\s*[=:]\s*\d+\b""")
_NULL_SEED = re.compile(rb"(?m)^\s*(random_)?seed\s*:\s*(null|~|None|none)?\s*(#.*)?$")
_TRAIN_ENTRY = re.compile(r"^(fit|train|train_model|train_and_\w+|run_train\w*|fit_model|main|run|run_pipeline|repro)$")
_TRAIN_SCRIPT = re.compile(r"train\w*\.py|dvc\s+repro|\brepro\b")


def seed_settings(ctx: AuditContext, sources: list[str]) -> list[Artifact]:
    """Seeds passed as numbers (`XGBRegressor(seed=0)`, `{"random_state": 42}`, `split(random_state=1)`)."""

    def first_setting(path: str) -> tuple[tuple, bool]:
        code = ctx.python.code(path)
        match = _SEED_SETTING.search(code)
        if match is None:
            return (), bool(code)
        return (code.count(b"\n", 0, match.start()) + 1, match.group(0).decode(errors="replace")), True

    pool = [p for p in ctx.python.with_parts(SEED_PARTS, sources) if p.endswith(".py")]
    found = []
    for path, hit in per_file(ctx, "seed-setting:1", pool, first_setting):
        if hit:
            found.append(Artifact(path, hit[0], f"seed set to a number: {hit[1]}"))
            if len(found) == 3:
                break
    return found


def seed_off_by_default(ctx: AuditContext) -> str | None:
    """A config file that sets the seed to null (the default run is unseeded), or None."""
    configs = ctx.files.with_suffix(".yaml", ".yml")
    hits = [p for p in configs if not p.startswith(".github/") and _has_null_seed(ctx, p)]
    return hits[0] if hits else None


def _has_null_seed(ctx: AuditContext, path: str) -> bool:
    data = ctx.files.read_bytes(path, keep=False)
    return bool(data and b"seed" in data and _NULL_SEED.search(data))


def guarded_seed(ctx: AuditContext, path: str, line: int) -> bool:
    """Whether the seed call at path:line runs only when a `seed` value is set (inside an `if` on it)."""
    tree = ctx.parsed.python(path)
    if tree is None:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "seed" in ast.unparse(node.test).lower():
            if any(getattr(inner, "lineno", None) == line for stmt in node.body for inner in ast.walk(stmt)):
                return True
    return False


def trains_twice(ctx: AuditContext, path: str, names: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The tests among `names` (test function, line) that run a training entry at least twice
    (or in a loop, or a training script/`dvc repro` by command)."""

    def compute(path: str) -> tuple[tuple[str, ...], bool]:
        tree = ctx.parsed.python(path)
        if tree is None:
            return (), False
        found = []
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                if _reruns_training(node):
                    found.append(node.name)
        return tuple(found), True

    [(_, training)] = per_file(ctx, "test-trains-twice:1", [path], compute)
    return [(name, line) for name, line in names if name.rsplit(".", 1)[-1] in training]


def _reruns_training(function: ast.AST) -> bool:
    calls = 0
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            leaf = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if _TRAIN_ENTRY.match(leaf):
                calls += 1
            elif any(
                isinstance(a, ast.Constant) and isinstance(a.value, str) and _TRAIN_SCRIPT.search(a.value)
                for a in ast.walk(node)
            ):
                calls += 1
        if isinstance(node, (ast.For, ast.While, ast.comprehension)) and any(
            isinstance(n, ast.Call) and _TRAIN_ENTRY.match(getattr(n.func, "attr", getattr(n.func, "id", "")) or "")
            for n in ast.walk(node)
        ):
            calls += 2
    return calls >= 2
