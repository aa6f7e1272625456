"""Evidence providers: what a plugin adds to the facts without replacing a check.

A distribution registers, in the `mltestscore.evidence` entry-point group, a provider or a
sequence of providers. Each declares its kind and the files it reads, so the index offers it
exactly those files; the built-in checks then see its results with their own:

- `CIProvider` (kind "ci"): a CI system. `pattern` (a regular expression on repo-relative paths)
  selects its files; `parse(path, data, text)` returns a `CIPipeline` (jobs, triggers, steps with
  shell commands) or None. `data` is the parsed YAML when `yaml` is true (else None: multi-document
  or non-YAML files parse their own `text`). Its pipelines join `ctx.ci`, so wiring follows their
  commands to tests, DVC stages and scripts like those of GitHub Actions or GitLab CI.

Another kind is another dataclass here with its hook in the evidence module that reads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

GROUP = "mltestscore.evidence"


@dataclass(frozen=True)
class CIProvider:
    system: str  # e.g. "drone": shown in evidence as the CI system
    pattern: str  # regular expression searched in each repo-relative path
    parse: Callable[[str, Any, str | None], Any]  # (path, parsed YAML or None, text) -> CIPipeline | None
    yaml: bool = True
    kind: ClassVar[str] = "ci"
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))


def providers(kind: str) -> list[Any]:
    """The installed providers of one kind, in plugin order (none without plugins)."""
    from mltestscore.plugins import PluginError, loaded

    found: list[Any] = []
    for plugin, obj in loaded(GROUP):
        items = obj() if callable(obj) and not hasattr(obj, "kind") else obj
        items = [items] if hasattr(items, "kind") else list(items)
        for item in items:
            if not isinstance(getattr(item, "kind", None), str):
                raise PluginError(f"plugin gives {item!r}, which is not an evidence provider: {plugin.describe()}")
            if item.kind == kind:
                found.append(item)
    return found
