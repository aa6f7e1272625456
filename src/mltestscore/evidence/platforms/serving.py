"""Model servers whose configs keep models versioned, read as data or command lines.

- TorchServe: `torch-model-archiver --version V` packs each model as a versioned archive; the
  management API serves several versions and `set-default` moves back to an earlier one.
- BentoML: `bentofile.yaml` builds bentos that the store tags by version (`bentoml serve name:tag`).
Both keep previous models addressable, so a rollback is a procedure (0.5 for infra-7), not yet a
mechanism; KServe canaries, Argo Rollouts, Flagger and Triton/TF Serving version policies are found
by the config searches of checks/infra.py.
"""

from __future__ import annotations

import re

_ARCHIVER = re.compile(r"torch-model-archiver\b[^\n]*?(?:\\\n[^\n]*?)*--version\b", re.M)
_SCRIPT_SUFFIXES = (".sh", ".bash", ".yaml", ".yml", ".mk", ".cfg", ".toml")  # not .py: a warm audit reads no code


def versioned_serving(ctx) -> list[tuple[str, int, str]]:
    """(path, line, detail) of each serving artifact kept by version."""
    return ctx.fact(_versioned)


def _versioned(ctx) -> list[tuple[str, int, str]]:
    found = []
    paths = ctx.files.with_suffix(*_SCRIPT_SUFFIXES) + [
        p for p in ctx.files.paths if p.rsplit("/", 1)[-1] in ("Makefile", "Dockerfile", "justfile")
    ]
    for path in paths:
        text = ctx.files.text(path) or ""
        if "torch-model-archiver" not in text:
            continue
        match = _ARCHIVER.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            found.append((path, line, "TorchServe model archives are versioned (torch-model-archiver --version)"))
    for path in ctx.files.paths:
        if path.rsplit("/", 1)[-1] == "bentofile.yaml":
            data = ctx.parsed.yaml(path)
            if isinstance(data, dict) and data.get("service"):
                found.append((path, 1, f"BentoML builds versioned bentos of service {data['service']}"))
    return found + _plugin_serving(ctx)


def _plugin_serving(ctx) -> list[tuple[str, int, str]]:
    """Versioned serving configs of the model servers plugins add (evidence/providers.ServingProvider)."""
    from mltestscore.evidence.providers import providers, read_config_files

    found = []
    for provider in providers("serving"):
        for path, items in read_config_files(ctx.parsed, provider, f"{provider.system} serving"):
            found += [(path, int(line or 1), str(detail)) for line, detail in items]
    return found
