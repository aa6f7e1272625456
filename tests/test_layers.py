"""Imports point down: base → index → facts → probes → checks → scoring → reports → cli.

Every `import`/`from ... import` of every module of the package (at module level or inside a
function: a lazy import is still a dependency) is read from the source. A module may import its
own layer or a lower one. Section check modules (checks/data.py, model.py, ...) do not import each
other: what two sections share is a probe. A module no layer names (a new subcommand's package)
counts as the top layer: it may import anything, and nothing below may import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mltestscore"

# Most specific prefix wins. Why each module sits where it does:
LAYERS = {
    # base: the shared vocabulary (results, the rubric, plugin discovery), imports nothing above
    "mltestscore": 0,
    "mltestscore.results": 0,
    "mltestscore.rubric": 0,
    "mltestscore.plugins": 0,
    "mltestscore.stats": 0,  # work counters every layer adds to (imports nothing of the package)
    "mltestscore.profile": 0,  # --profile's timers, filled by the audit, printed by the command line
    "mltestscore.vocabulary": 0,  # the scan vocabulary: asks the registry (plugins) and loads registrants by name
    # index: the file list, git's view of it (evidence/git.py lists files and blob ids), parsing, config
    "mltestscore.index": 1,
    "mltestscore.evidence.git": 1,
    "mltestscore.config": 1,
    "mltestscore.discovery": 1,  # the project root and nested repositories: what the index lists
    # facts: evidence, the wiring of runners, and the context that computes them once per audit
    "mltestscore.evidence": 2,
    "mltestscore.wiring": 2,
    "mltestscore.context": 2,
    # probes: named findings over the facts, shared by sections
    "mltestscore.probes": 3,
    # checks: one rubric test each; attestations adjust a check's outcome
    "mltestscore.checks": 4,
    "mltestscore.attest": 4,
    # scoring: the audit, its arithmetic and its memo
    "mltestscore.scoring": 5,
    "mltestscore.audit": 5,
    "mltestscore.memo": 5,
    # reports and the commands' helpers
    "mltestscore.report": 6,
    "mltestscore.badge": 6,
    "mltestscore.docs": 6,
    "mltestscore.gates": 6,
    "mltestscore.history": 6,
    "mltestscore.gx_extra": 6,
    # the command line
    "mltestscore.cli": 7,
    "mltestscore.__main__": 7,
}
TOP = max(LAYERS.values())
NAMES = {0: "base", 1: "index", 2: "facts", 3: "probes", 4: "checks", 5: "scoring", 6: "reports", 7: "cli"}
# Modules inside checks/ that every section may use (not a section of their own).
CHECK_SHARED = {"base", "common", "registry", "reach"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in LAYERS:
            return LAYERS[prefix] if prefix != "mltestscore" or module == "mltestscore" else TOP
    return TOP


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of each import of the package's own modules in a file."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from mltestscore.evidence import pipelines` imports a module, not a name
            found += [
                (node.lineno, f"{target}.{alias.name}") for alias in node.names if _is_module(f"{target}.{alias.name}")
            ]
    return [(line, name) for line, name in found if name == "mltestscore" or name.startswith("mltestscore.")]


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:]) if "." in name else Path()
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


def section_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 3 and parts[1] == "checks" and parts[2] not in CHECK_SHARED:
        return parts[2]
    return None


def violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        own = layer(module)
        for line, target in imports(path):
            if target == "mltestscore" and module != "mltestscore":
                continue  # the package root holds only __version__
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if layer(target) > own:
                found.append(
                    f"{where}: {module} ({NAMES[own]}) imports {target} ({NAMES[layer(target)]}), a layer above"
                )
            mine, theirs = section_of(module), section_of(target)
            if mine and theirs and mine != theirs:
                found.append(f"{where}: section {mine} imports section {theirs}; move the shared helper to probes/")
    return found


def test_no_upward_imports():
    assert violations() == []


def test_the_layering_check_catches_an_upward_import(tmp_path, monkeypatch):
    # The rule itself, on a made-up evidence module importing a check: it must be reported.
    fake = PACKAGE / "evidence" / "_layer_probe_tmp.py"
    fake.write_text("from mltestscore.checks.common import project_sources\n", encoding="utf-8")
    try:
        found = violations()
    finally:
        fake.unlink()
    assert any("_layer_probe_tmp" in v and "(facts) imports mltestscore.checks.common (checks)" in v for v in found)


def test_layer_of_modules():
    assert layer("mltestscore.evidence.ci") == 2 and layer("mltestscore.evidence.git") == 1
    assert layer("mltestscore.checks.reach") == 4 and layer("mltestscore.probes.reach") == 3
    assert layer("mltestscore.batch.run") == TOP  # unnamed: the top
    assert section_of("mltestscore.checks.infra") == "infra" and section_of("mltestscore.checks.common") is None
