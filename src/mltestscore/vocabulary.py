"""The scan vocabulary: the words and identifier parts the word index looks for, asked of the registry.

The word index (evidence/python.py) reads every source file once and notes which vocabulary words
and identifier parts its code holds; everything later finds candidate files from that table. The
vocabulary is what the registered extensions declare:

- built-in modules declare dotted names with `evidence.python.names(...)`, parts with `parts(...)`
  and byte prefilters with `evidence.prefilters.prefilter(...)`, next to the code that queries them;
- a probe declares `names` / `parts` as class attributes, a check may too (a plugin's check);
- an evidence provider (evidence/providers.py) declares them as fields.

`words()` and `parts()` first load every registrant (the checks of the `mltestscore.checks` entry
points, the evidence providers, the probes and the built-in evidence readers named below), so the
vocabulary of a scan is the same whatever happened to be imported before it: a warm audit finds
its cached scan, and a plugin's calls come from the word index instead of a byte search.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# What built-in names()/parts() calls declared (the modules below, and the check modules).
DECLARED_NAMES: set[str] = set()
DECLARED_PARTS: set[str] = set()

# Built-in modules that declare words without being reached from a check's imports: the platform
# readers (one registry of their own), the evidence providers' readers and the probes.
REGISTRANTS = (
    "mltestscore.evidence.platforms",
    "mltestscore.evidence.plugin_schemas",
    "mltestscore.evidence.monitoring",
    "mltestscore.evidence.schemas",
)

_FROM_REGISTRY: tuple[frozenset[str], frozenset[str]] | None = None


def word_of(name: str) -> set[str]:
    """The words a dotted name is found by: its last component and its top-level module."""
    parts = name.split(".")
    return {parts[-1], parts[0]} if len(parts) > 1 else {parts[0]}


def declare_names(dotted: tuple[str, ...]) -> None:
    for name in dotted:
        DECLARED_NAMES.update(word_of(name))


def declare_parts(words: tuple[str, ...]) -> None:
    DECLARED_PARTS.update(words)


def _registered() -> tuple[frozenset[str], frozenset[str]]:
    """Load every registrant once; the words and parts the registered objects declare as attributes."""
    global _FROM_REGISTRY
    if _FROM_REGISTRY is None:
        from mltestscore.plugins import loaded

        names: set[str] = set()
        parts: set[str] = set()
        for module in REGISTRANTS:
            import_module(module)
        declarers: list[Any] = list(import_module("mltestscore.probes").all_probes().values())
        for group in ("mltestscore.checks", "mltestscore.evidence"):
            for _, obj in loaded(group):
                items = obj() if callable(obj) and not hasattr(obj, "kind") and not isinstance(obj, type) else obj
                declarers += [items] if hasattr(items, "kind") or isinstance(items, type) else list(items)
        for item in declarers:
            for name in getattr(item, "names", ()) or ():
                names.update(word_of(name))
            parts.update(getattr(item, "parts", ()) or ())
        _FROM_REGISTRY = (frozenset(names), frozenset(parts))
    return _FROM_REGISTRY


def words() -> frozenset[str]:
    """Every word the scan looks for (what the registered modules and objects declare)."""
    from_registry = _registered()[0]
    return frozenset(DECLARED_NAMES) | from_registry


def parts() -> frozenset[str]:
    """Every identifier part the scan notes."""
    from_registry = _registered()[1]
    return frozenset(DECLARED_PARTS) | from_registry


def reset() -> None:
    """Ask the registry again (after plugins.reset(), when a test installs a plugin in-process)."""
    global _FROM_REGISTRY
    _FROM_REGISTRY = None
